# Image for the web process, Celery workers and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=connector.settings.production

# WeasyPrint (the period report's PDF) needs Pango and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY connector ./connector
COPY billbee ./billbee
COPY bookkeeping ./bookkeeping
COPY payments ./payments
COPY sentences ./sentences
COPY templates ./templates
COPY locale ./locale
COPY manage.py ./
RUN pip install . \
    && useradd --create-home --uid 10001 connector \
    && mkdir -p /app/var /app/staticfiles \
    && chown -R connector /app/var /app/staticfiles
USER connector
EXPOSE 8000
CMD ["gunicorn", "connector.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
