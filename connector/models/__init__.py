"""Models of the import side: connections, sales channels and rules, runs, the upload log."""

from .channels import DEFAULT_EXCLUDED_PLATFORMS, ChannelRule, SalesChannel
from .connections import (
    BillbeeClock,
    Connection,
    country_code_validator,
    default_api_url,
    validate_time_zone,
)
from .documents import ExternalOrder, ExternalOrderVersion
from .imports import ImportRun
from .invoices import InvoiceRequest
from .names import BillbeeName

__all__ = [
    "DEFAULT_EXCLUDED_PLATFORMS",
    "BillbeeClock",
    "BillbeeName",
    "ChannelRule",
    "Connection",
    "ExternalOrder",
    "ExternalOrderVersion",
    "ImportRun",
    "InvoiceRequest",
    "SalesChannel",
    "country_code_validator",
    "default_api_url",
    "validate_time_zone",
]
