"""The Celery application: workers, beat and the producers in the web process share it.

Broker: ``CELERY_BROKER_URL`` (Redis in production). The embedded default is kombu's filesystem
transport, which needs no server; its folders are created here so that every process (web,
worker, beat, CLI) finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings.development")

app = Celery("connector")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _create_embedded_broker_folders(sender: Celery, **kwargs: object) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
