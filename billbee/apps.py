from django.apps import AppConfig


class BillbeeConfig(AppConfig):
    name = "billbee"
    verbose_name = "Billbee API"
