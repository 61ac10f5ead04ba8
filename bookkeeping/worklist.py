"""The work queue (Arbeitsvorrat): what a person must do so that the books are complete.

Reads only. Every item names the document, why it is here and what to do:
- invoices Billbee cancelled or deleted after invoicing whose credit note is not booked yet
  (the invoice stays in the books, § 146 AO; only a credit note may cancel it, § 17 UStG);
- documents waiting for bookkeeping, by reason (a debtor, a VAT answer, an exchange rate …);
- documents rejected for bookkeeping (to be booked by hand), internal errors first;
- documents the import could not read or store (no booking looks at them), internal errors
  first;
- the EU delivery threshold (§ 3c (4) UStG) when it is exceeded without an OSS registration.

Each group says what to do (``action``); where it is done (``url``) is a page of the console,
filled in by the admin layer (bookkeeping/admin/worklist.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connector.classify import CANCELLED_STATES
from connector.formatting import money
from connector.models import Connection, ExternalOrder
from connector.storable import FAILURE_CODES
from connector.texts import said

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


# The kinds of groups, in the order the queue lists them.
CANCELLED, WAITING, REJECTED, UNREAD = "cancelled", "waiting", "rejected", "unread"
CANCELLATIONS_CODE = "cancelled_without_credit_note"


@dataclass(frozen=True)
class QueueGroup:
    code: str
    title: str
    count: int
    documents: tuple[QueueDocument, ...]
    kind: str = WAITING
    action: str = ""  # what a person does about it (a sentence)
    url: str = ""  # where it is done: set by the admin layer
    place: str = ""  # the name of that page


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

    @property
    def groups(self) -> list[QueueGroup]:
        """Every group with something in it, cancellations first: the queue's summary."""
        cancelled = []
        if self.cancellations:
            cancelled.append(
                QueueGroup(
                    CANCELLATIONS_CODE,
                    gettext("cancelled or deleted after invoicing: needs a credit note"),
                    len(self.cancellations),
                    tuple(self.cancellations),
                    CANCELLED,
                    str(ACTIONS[CANCELLATIONS_CODE]),
                )
            )
        return [*cancelled, *self.waiting, *self.rejected, *self.unread]


def work_queue(connection: Connection, *, listed: int = LISTED) -> WorkQueue:
    """The connection's work queue with up to ``listed`` documents per group (0: the counts
    only, for the start page)."""
    queue = WorkQueue(connection.name)
    queue.cancellations = cancellations_without_credit_note(connection)
    queue.waiting = _groups(connection, DocumentBooking.Status.WAITING, listed)
    queue.rejected = _groups(connection, DocumentBooking.Status.REJECTED, listed)
    queue.unread = _unread_groups(connection, listed)
    queue.threshold = _threshold(connection)
    return queue


# What to do, per reason; a reason not named here gets its kind's sentence.
ACTIONS: dict[str, Promise] = {
    CANCELLATIONS_CODE: _(
        "Create the credit note (Storno) in Billbee; the next import and booking book it "
        "against the invoice."
    ),
    "no_debtor": _(
        "Assign a debtor account to the origin in the debtor mapping; the waiting documents "
        "are booked right after saving."
    ),
    "no_exchange_rate": _(
        "Import or enter the missing exchange rates; the next booking run books the documents."
    ),
    "original_not_booked": _(
        "Nothing to do here: the credit note is booked once its original invoice is booked "
        "(see why the original waits)."
    ),
    "no_revenue_account": _(
        "Add the revenue account for the VAT treatment and rate in the tax accounts."
    ),
    "no_vat_account": _("Add the VAT account for the VAT treatment and rate in the tax accounts."),
    "internal_error": _(
        "Report it with the document's trace: it is tried again on every booking run."
    ),
}
KIND_ACTIONS: dict[str, Promise] = {
    WAITING: _(
        "Fix the cause named in each document's reason; the next booking run decides the "
        "documents again."
    ),
    REJECTED: _(
        "Book these documents by hand, or correct the order in Billbee so that the next "
        "import and booking take it."
    ),
    UNREAD: _("Correct the order in Billbee; the next import reads it again."),
}
UNREAD_ACTIONS: dict[str, Promise] = {
    "internal_error": _("Report it with the document's trace: the next import reads it again."),
}


def _action(kind: str, code: str) -> str:
    if kind == UNREAD:
        return str(UNREAD_ACTIONS.get(code) or KIND_ACTIONS[UNREAD])
    return str(ACTIONS.get(code) or KIND_ACTIONS[kind])


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
        if document.billbee_state == 8:
            reason = gettext("cancelled after invoicing: needs a credit note")
        else:
            reason = gettext("deleted after invoicing: needs a credit note")
        if credited:
            reason = gettext("%(reason)s (booked credit notes cover %(credited)s of %(total)s)") % {
                "reason": reason,
                "credited": money(-credited),
                "total": money(entry.document_total),
            }
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


def _counts(rows: QuerySet[Any]) -> dict[str, int]:
    """Rows per reason code, counted by the database."""
    return dict(
        rows.values("reason_code")
        .annotate(n=Count("pk"))
        .values_list("reason_code", "n")
        .order_by()
    )


def _in_order(counts: dict[str, int]) -> list[str]:
    # Internal errors first: they stop the month's export and need a developer's eye.
    return sorted(counts, key=lambda code: (code != "internal_error", -counts[code], code))


def _groups(connection: Connection, status: str, listed: int = LISTED) -> list[QueueGroup]:
    held = DocumentBooking.objects.filter(connection=connection, status=status)
    counts = _counts(held)
    groups = []
    for code in _in_order(counts):
        rows = (
            held.filter(reason_code=code)
            .select_related("document")
            .defer("texts", "document__texts")
            .annotate(reason_data=KeyTransform("reason", "texts"))
            .order_by("document__document_date", "document__invoice_number")[:listed]
            if listed
            else held.none()
        )
        documents = tuple(
            QueueDocument(
                b.document_id,
                b.document.billbee_order_id,
                b.document.invoice_number or b.document.order_number,
                b.document.document_date,
                said(b.reason, getattr(b, "reason_data", None)),
            )
            for b in rows
        )
        title = _title(code, documents, held)
        kind = WAITING if status == DocumentBooking.Status.WAITING else REJECTED
        groups.append(QueueGroup(code, title, counts[code], documents, kind, _action(kind, code)))
    return groups


def _unread_groups(connection: Connection, listed: int = LISTED) -> list[QueueGroup]:
    """Documents the import rejected because it could not read or store them."""
    failed = ExternalOrder.objects.filter(
        connection=connection, status=ExternalOrder.Status.REJECTED, reason_code__in=FAILURE_CODES
    )
    counts = _counts(failed)
    groups = []
    for code in _in_order(counts):
        rows = (
            failed.filter(reason_code=code)
            .defer("texts")
            .annotate(reason_data=KeyTransform("reason", "texts"))
            .order_by("document_date", "billbee_order_id")
        )
        documents = tuple(
            QueueDocument(
                d.pk,
                d.billbee_order_id,
                d.invoice_number or d.order_number or str(d.billbee_order_id),
                d.document_date,
                said(d.reason, getattr(d, "reason_data", None)),
            )
            for d in (rows[:listed] if listed else ())
        )
        title = str(UNREAD_TITLES.get(code, code))
        groups.append(
            QueueGroup(code, title, counts[code], documents, UNREAD, _action(UNREAD, code))
        )
    return groups


UNREAD_TITLES: dict[str, Promise] = {
    "internal_error": _("could not be processed by the import (internal error)"),
    "unparseable": _("a value from Billbee that cannot be read"),
    "unstorable_value": _("a value the upload log cannot hold"),
}


def _title(code: str, documents: tuple[QueueDocument, ...], held: QuerySet[Any]) -> str:
    """The reason's summary; a reason without one is named by a document's own reason."""
    if code in SUMMARIES:
        return gettext(SUMMARIES[code])
    if documents:
        return documents[0].reason
    reason = held.filter(reason_code=code).values_list("reason", flat=True).first()
    return reason or code


def _threshold(connection: Connection) -> str:
    settings = getattr(connection, "bookkeeping", None)
    today = timezone.localdate(timezone=connection.zoneinfo)
    status = distance_sales_status(connection, today.year, upto=today)
    registered = settings is not None and settings.oss_registered_since is not None
    if not status.exceeded or registered:
        return ""
    return gettext(
        "%(status)s. Distance sales are taxed in the destination countries: register for OSS "
        "and enter the date in the bookkeeping settings"
    ) % {"status": status.text}
