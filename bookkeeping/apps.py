from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    name = "bookkeeping"
    verbose_name = "Bookkeeping"
    default_auto_field = "django.db.models.BigAutoField"
