from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorConfig(AppConfig):
    name = "connector"
    verbose_name = _("Billbee import")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billbee import enums

        from .services.names import stored_names

        # Ids beyond the built-in tables are named from Billbee's stored lists.
        enums.names_source(stored_names)
        from . import checks  # noqa: F401 - registers the system checks
        from .fields import register_postgresql_type

        register_postgresql_type()
