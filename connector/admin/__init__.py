"""The operator console: connections, sales channels and rules, import runs, and the upload
log of external orders. Each page calls services, selectors and tasks; no business rules
live here."""

from .channels import SalesChannelAdmin
from .connections import ConnectionAdmin
from .documents import ExternalOrderAdmin
from .invoices import BillbeeNameAdmin, InvoiceRequestAdmin
from .runs import ImportRunAdmin

__all__ = [
    "BillbeeNameAdmin",
    "ConnectionAdmin",
    "ExternalOrderAdmin",
    "ImportRunAdmin",
    "InvoiceRequestAdmin",
    "SalesChannelAdmin",
]
