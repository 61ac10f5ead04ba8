from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillbeeConfig(AppConfig):
    name = "billbee"
    verbose_name = _("Billbee API")
