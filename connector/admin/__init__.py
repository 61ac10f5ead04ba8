"""The operator console: connections, sales channels and rules, import runs, and the upload
log of external orders. Each page calls services, selectors and tasks; no business rules
live here."""

from django.contrib import admin

from .channels import SalesChannelAdmin
from .connections import ConnectionAdmin
from .dashboard import install as install_dashboard
from .documents import ExternalOrderAdmin
from .invoices import BillbeeNameAdmin, InvoiceRequestAdmin
from .runs import ImportRunAdmin
from .users import install as install_named_permissions

# The start page ("what needs me?") on Django's own admin index.
install_dashboard(admin.site)
# Users and groups with their permissions named in the reader's language.
install_named_permissions(admin.site)

__all__ = [
    "BillbeeNameAdmin",
    "ConnectionAdmin",
    "ExternalOrderAdmin",
    "ImportRunAdmin",
    "InvoiceRequestAdmin",
    "SalesChannelAdmin",
]
