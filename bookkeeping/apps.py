from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _connection_created(
    sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any
) -> None:
    """A new connection starts with its bookkeeping settings and its chart's preset."""
    if created and not raw:
        from .services.setup import bookkeeping_settings

        bookkeeping_settings(instance)


class BookkeepingConfig(AppConfig):
    name = "bookkeeping"
    verbose_name = _("Bookkeeping")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_save.connect(
            _connection_created, sender="connector.Connection", dispatch_uid="bookkeeping-setup"
        )
        from .protection import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="bookkeeping-sqlite")
