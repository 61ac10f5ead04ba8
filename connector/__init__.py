"""Django project and the import side of the Billbee connector."""

from .celery import app as celery_app

__all__ = ["celery_app"]
