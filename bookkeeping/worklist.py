"""The work queue (Arbeitsvorrat): what a person must do so that the books are complete.

Reads only. Every item names the document, why it is here and what to do:
- invoices Billbee cancelled or deleted after invoicing whose credit note is not booked yet
  (the invoice stays in the books, § 146 AO; only a credit note may cancel it, § 17 UStG);
- documents waiting for bookkeeping, by reason (a debtor, a VAT answer, an exchange rate …);
- documents rejected for bookkeeping (to be booked by hand), internal errors first;
- documents the import could not read or store (no booking looks at them), internal errors
  first;
- the EU delivery threshold (§ 3c (4) UStG) when it is exceeded without an OSS registration.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from connector.classify import CANCELLED_STATES
from connector.models import Connection, ExternalOrder
from connector.storable import FAILURE_CODES

from .models import DocumentBooking
from .selectors import distance_sales_status
from .services.booking_steps import SUMMARIES

LISTED = 200
ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class QueueDocument:
    document_id: int
    billbee_order_id: int
    number: str
    document_date: date | None
    reason: str
    amount: Decimal | None = None  # for cancellations: what no credit note covers yet


@dataclass(frozen=True)
class QueueGroup:
    code: str
    title: str
    count: int
    documents: tuple[QueueDocument, ...]


@dataclass
class WorkQueue:
    connection: str
    cancellations: list[QueueDocument] = field(default_factory=list)
    waiting: list[QueueGroup] = field(default_factory=list)
    rejected: list[QueueGroup] = field(default_factory=list)
    unread: list[QueueGroup] = field(default_factory=list)
    threshold: str = ""  # what to do about the delivery threshold, "" when nothing

    @property
    def total(self) -> int:
        groups = sum(g.count for g in (*self.waiting, *self.rejected, *self.unread))
        return len(self.cancellations) + groups + bool(self.threshold)


def work_queue(connection: Connection) -> WorkQueue:
    queue = WorkQueue(connection.name)
    queue.cancellations = cancellations_without_credit_note(connection)
    queue.waiting = _groups(connection, DocumentBooking.Status.WAITING)
    queue.rejected = _groups(connection, DocumentBooking.Status.REJECTED)
    queue.unread = _unread_groups(connection)
    queue.threshold = _threshold(connection)
    return queue


def cancellations_without_credit_note(connection: Connection) -> list[QueueDocument]:
    """Booked invoices that Billbee cancelled or deleted after invoicing, with the amount
    their booked credit notes do not cancel yet."""
    bookings = (
        DocumentBooking.objects.filter(
            connection=connection,
            status=DocumentBooking.Status.BOOKED,
            document__kind=ExternalOrder.Kind.INVOICE,
            document__billbee_state__in=CANCELLED_STATES,
        )
        .select_related("document", "entry")
        .order_by("document__document_date", "document__invoice_number")
    )
    candidates = list(bookings[: LISTED * 5])
    # The booked credit notes of all candidates in one query: their totals per original.
    credited_by_original = dict(
        DocumentBooking.objects.filter(
            document__parent__in=[b.document_id for b in candidates],
            status=DocumentBooking.Status.BOOKED,
        )
        .values("document__parent")
        .annotate(total=Sum("entry__document_total"))
        .values_list("document__parent", "total")
        .order_by()
    )
    found = []
    for booking in candidates:
        document, entry = booking.document, booking.entry
        if entry is None:
            continue
        credited = credited_by_original.get(document.pk) or ZERO
        open_amount = entry.document_total + credited
        if not open_amount:
            continue
        word = "cancelled" if document.billbee_state == 8 else "deleted"
        reason = f"{word} after invoicing: needs a credit note"
        if credited:
            reason += f" (booked credit notes cover {-credited} of {entry.document_total})"
        found.append(
            QueueDocument(
                document.pk,
                document.billbee_order_id,
                document.invoice_number or document.order_number,
                document.document_date,
                reason,
                open_amount,
            )
        )
    return found[:LISTED]


def _groups(connection: Connection, status: str) -> list[QueueGroup]:
    held = DocumentBooking.objects.filter(connection=connection, status=status)
    counts = Counter(held.values_list("reason_code", flat=True))
    # Internal errors first: they stop the month's export and need a developer's eye.
    order = sorted(counts, key=lambda code: (code != "internal_error", -counts[code], code))
    groups = []
    for code in order:
        rows = (
            held.filter(reason_code=code)
            .select_related("document")
            .order_by("document__document_date", "document__invoice_number")[:LISTED]
        )
        documents = tuple(
            QueueDocument(
                b.document_id,
                b.document.billbee_order_id,
                b.document.invoice_number or b.document.order_number,
                b.document.document_date,
                b.reason,
            )
            for b in rows
        )
        title = _title(code, documents)
        groups.append(QueueGroup(code, title, counts[code], documents))
    return groups


def _unread_groups(connection: Connection) -> list[QueueGroup]:
    """Documents the import rejected because it could not read or store them."""
    failed = ExternalOrder.objects.filter(
        connection=connection, status=ExternalOrder.Status.REJECTED, reason_code__in=FAILURE_CODES
    )
    counts = Counter(failed.values_list("reason_code", flat=True))
    groups = []
    for code in sorted(counts, key=lambda code: (code != "internal_error", -counts[code], code)):
        rows = failed.filter(reason_code=code).order_by("document_date", "billbee_order_id")
        documents = tuple(
            QueueDocument(
                d.pk,
                d.billbee_order_id,
                d.invoice_number or d.order_number or str(d.billbee_order_id),
                d.document_date,
                d.reason,
            )
            for d in rows[:LISTED]
        )
        groups.append(QueueGroup(code, UNREAD_TITLES[code], counts[code], documents))
    return groups


UNREAD_TITLES = {
    "internal_error": "could not be processed by the import (internal error)",
    "unparseable": "a value from Billbee that cannot be read",
    "unstorable_value": "a value the upload log cannot hold",
}


def _title(code: str, documents: tuple[QueueDocument, ...]) -> str:
    if code in SUMMARIES:
        return SUMMARIES[code]
    return documents[0].reason if documents else code


def _threshold(connection: Connection) -> str:
    settings = getattr(connection, "bookkeeping", None)
    today = timezone.localdate(timezone=connection.zoneinfo)
    status = distance_sales_status(connection, today.year, upto=today)
    registered = settings is not None and settings.oss_registered_since is not None
    if not status.exceeded or registered:
        return ""
    return (
        f"{status.text}. Distance sales are taxed in the destination countries: register "
        "for OSS and enter the date in the bookkeeping settings"
    )
