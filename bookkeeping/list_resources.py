"""The bookkeeping lists as files (export only, see ``connector.resources`` for the formats):
the document bookings, and the journal one row per line."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from connector.resources import (
    ExactDecimal,
    Flag,
    IsoDate,
    IsoDateTime,
    ListResource,
    Whole,
    column,
)

from .models import DocumentBooking, ExportedEntry, JournalEntry, JournalLine


class DocumentBookingResource(ListResource):
    billbee_order_id = column("document__billbee_order_id", _("Billbee order id"), Whole())
    connection = column("connection__name", _("connection"))
    document_date = column("document__document_date", _("document date"), IsoDate())
    invoice_number = column("document__invoice_number", _("invoice number"))
    order_number = column("document__order_number", _("order number"))
    origin = column("document__origin", _("origin"))
    status = column("status", _("bookkeeping status"))
    reason_code = column("reason_code", _("reason code"))
    reason = column("reason", _("reason"))
    case = column("case", _("VAT treatment"))
    debtor = column("debtor", _("debtor"), Whole())
    vat_difference = column("vat_difference", _("VAT difference to Billbee"), ExactDecimal())
    entry = column("entry_id", _("journal entry"), Whole())
    decided_at = column("decided_at", _("decided at"), IsoDateTime())

    @staticmethod
    def prepared(queryset: QuerySet[DocumentBooking]) -> QuerySet[DocumentBooking]:
        return queryset.select_related("document", "connection").defer(
            "trace", "warnings", "document__trace", "document__payments", "document__customer"
        )


class JournalLineResource(ListResource):
    """One row per journal line with its entry: what an accountant sums and filters."""

    entry = column("entry_id", _("journal entry"), Whole())
    connection = column("entry__connection__name", _("connection"))
    document_date = column("entry__document_date", _("document date"), IsoDate())
    service_date = column("entry__service_date", _("service date"), IsoDate())
    kind = column("entry__kind", _("entry"))
    number = column("entry__number", _("document number"))
    reference = column("entry__reference", _("reference"))
    text = column("entry__text", _("booking text"))
    origin = column("entry__origin", _("origin"))
    billbee_order_id = column("entry__billbee_order_id", _("Billbee order id"), Whole())
    case = column("entry__case", _("VAT treatment"))
    debtor = column("entry__debtor", _("debtor"), Whole())
    position = column("position", _("line"), Whole())
    role = column("role", _("role"))
    account = column("account", _("account"), Whole())
    side = column("side", _("debit/credit"))
    amount = column("amount", _("amount (EUR)"), ExactDecimal())
    rate = column("rate", _("VAT rate"), ExactDecimal())
    tax = column("tax", _("VAT"), ExactDecimal())
    bu_key = column("bu_key", _("BU key"))
    currency = column("entry__currency", _("document currency"))
    document_total = column("entry__document_total", _("document total"), ExactDecimal())
    exported = column("exported", _("exported"), Flag())
    posted_at = column("entry__posted_at", _("posted at"), IsoDateTime())

    @staticmethod
    def lines_of(entries: QuerySet[JournalEntry]) -> QuerySet[JournalLine]:
        exported = ExportedEntry.objects.filter(entry_id=OuterRef("entry_id"), reexport=False)
        return (
            JournalLine.objects.filter(entry__in=entries.order_by().values("pk"))
            .select_related("entry", "entry__connection")
            .annotate(exported=Exists(exported))
            .order_by("entry__document_date", "entry_id", "position")
        )
