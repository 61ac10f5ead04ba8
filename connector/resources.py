"""Lists of the console as files (django-import-export), export only: the upload log here,
the bookings and the journal in ``bookkeeping.list_resources``.

Values are written for machines, whatever the console's language: amounts exact with a decimal
point (every digit stored, ``4.9000`` stays ``4.9000``), dates and times in ISO 8601 (times in
the installation's zone, with the offset). In XLSX, amounts, counts and dates are numbers and
dates of the sheet. The column headers are in the console's language: these files are read,
not imported again (the set-up lists that can be imported keep fixed English headers, see
``bookkeeping.resources``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from .models import ExternalOrder


def with_booking_status(queryset: QuerySet[ExternalOrder]) -> QuerySet[ExternalOrder]:
    """Each document's bookkeeping status, reason code, reason and journal entry, joined in
    the same query (``booking_status`` is None while the document has no booking)."""
    if "booking_status" in queryset.query.annotations:
        return queryset
    return queryset.annotate(
        booking_status=F("booking__status"),
        booking_reason_code=F("booking__reason_code"),
        booking_reason=F("booking__reason"),
        # Only the reason's sentence data, to show it in the reader's language.
        booking_reason_data=KeyTransform("reason", "booking__texts"),
        booking_entry_id=F("booking__entry_id"),
    )


class Text(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class ExactDecimal(widgets.Widget):
    """Every stored digit, decimal point: ``Decimal("1298.00")`` → ``1298.00``."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value
        return format(Decimal(value), "f")


class Whole(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else str(value)


class Flag(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("force_native_type"):
            return bool(value)
        return "true" if value else "false"


class IsoDate(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, date):
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class IsoDateTime(widgets.Widget):
    """In the installation's zone: ISO 8601 with the offset in CSV, the local wall time in
    XLSX (a sheet's dates have no zone)."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, datetime):
            return None if kwargs.get("force_native_type") else ""
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if kwargs.get("force_native_type"):
            return local.replace(tzinfo=None)
        return local.isoformat(timespec="seconds")


def column(attribute: str, header: Any, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=header, widget=widget or Text())


class ListResource(resources.Resource):
    """Export only; headers translated when the file is written."""

    class Meta:
        chunk_size = 2000  # rows per fetch of the iterator: memory stays flat

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return [str(header) for header in super().get_export_headers(selected_fields)]

    def get_user_visible_fields(self) -> list[Any]:
        return list(self.get_export_fields())

    @classmethod
    def get_display_name(cls) -> str:
        return cls.__name__


EXPORTED_FIELDS = (
    "billbee_order_id", "kind", "document_date", "service_date", "invoice_number",
    "order_number", "external_id", "customer_name", "origin", "payment_method_name",
    "currency", "total_gross", "billbee_state", "ship_from_country", "destination_country",
    "status", "reason_code", "reason", "flag", "decided_at", "billbee_modified_at",
)  # fmt: skip


class ExternalOrderResource(ListResource):
    """The upload log: one row per document with its import and bookkeeping status."""

    billbee_order_id = column("billbee_order_id", _("Billbee order id"), Whole())
    connection = column("connection__name", _("connection"))
    kind = column("kind", _("kind"))
    document_date = column("document_date", _("document date"), IsoDate())
    service_date = column("service_date", _("service date"), IsoDate())
    invoice_number = column("invoice_number", _("invoice number"))
    order_number = column("order_number", _("order number"))
    external_id = column("external_id", _("shop order id"))
    customer_name = column("customer_name", _("customer"))
    origin = column("origin", _("origin"))
    payment_method = column("payment_method_name", _("payment method"))
    currency = column("currency", _("currency"))
    total = column("total_gross", _("total (gross)"), ExactDecimal())
    billbee_state = column("billbee_state", _("Billbee state"), Whole())
    ship_from = column("ship_from_country", _("shipped from"))
    destination = column("destination_country", _("delivery country"))
    status = column("status", _("import status"))
    reason_code = column("reason_code", _("import reason code"))
    reason = column("reason", _("import reason"))
    flag = column("flag", _("flag"))
    booking_status = column("booking_status", _("bookkeeping status"))
    booking_reason_code = column("booking_reason_code", _("bookkeeping reason code"))
    booking_reason = column("booking_reason", _("bookkeeping reason"))
    decided_at = column("decided_at", _("decided at"), IsoDateTime())
    billbee_modified_at = column("billbee_modified_at", _("changed in Billbee"), IsoDateTime())

    @staticmethod
    def prepared(queryset: QuerySet[ExternalOrder]) -> QuerySet[ExternalOrder]:
        """What the file needs in one query per chunk: no trace, raw JSON or payments."""
        queryset = with_booking_status(queryset)
        return queryset.select_related("connection").only("connection__name", *EXPORTED_FIELDS)
