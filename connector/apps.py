from django.apps import AppConfig


class ConnectorConfig(AppConfig):
    name = "connector"
    verbose_name = "Billbee import"
    default_auto_field = "django.db.models.BigAutoField"
