"""The Celery application: workers, beat and the producers in the web process share it.

Broker: ``CELERY_BROKER_URL`` (Redis in production). The embedded default is kombu's filesystem
transport, which needs no server; the settings create its folders, so that every process (web,
worker, beat, CLI) finds them.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings.development")

app = Celery("connector")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
