"""The month's documents that the journal does not hold: waiting or rejected by bookkeeping,
accepted but not booked yet, not accepted by the import; and VAT differences against Billbee.

Selectors over the upload log (``ExternalOrder.document_date`` decides the month).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from connector.models import ExternalOrder

from ..models import DocumentBooking
from .rows import HeldDocument, ReasonGroup, StatusCount, VatDifferenceRow

CENT = Decimal("0.01")
ZERO = Decimal(0)
# How many held documents the report lists one by one (the groups count all of them).
LISTED_DOCUMENTS = 50
NOT_ACCEPTED = (
    ExternalOrder.Status.EXCLUDED,
    ExternalOrder.Status.REJECTED,
    ExternalOrder.Status.WAITING,
    ExternalOrder.Status.SKIPPED,
)


def held_documents(
    documents: QuerySet[ExternalOrder],
) -> tuple[tuple[ReasonGroup, ...], tuple[HeldDocument, ...], int]:
    """Documents of the month that the journal does not hold (yet): waiting or rejected by
    bookkeeping, and accepted ones that no booking run has looked at. Returns the groups by
    reason, the first documents, and how many there are."""
    found = [*_held_bookings(documents), *_not_booked(documents)]
    found.sort(key=lambda d: (d.document_date or date.min, d.invoice_number, d.billbee_id))
    groups = reason_groups((d.status, d.reason_code, d.reason) for d in found)
    return groups, tuple(found[:LISTED_DOCUMENTS]), len(found)


def _held_bookings(documents: QuerySet[ExternalOrder]) -> list[HeldDocument]:
    # A booking left waiting for a document the import no longer accepts is not looked at
    # again (the document shows under "not accepted" instead).
    rows = DocumentBooking.objects.filter(
        document__in=documents.filter(status__in=ExternalOrder.ACCEPTED),
        status__in=(DocumentBooking.Status.WAITING, DocumentBooking.Status.REJECTED),
    ).values_list(
        "status",
        "reason_code",
        "reason",
        "document_id",
        "document__invoice_number",
        "document__order_number",
        "document__billbee_order_id",
        "document__document_date",
        "document__origin",
    )
    return [HeldDocument(*row) for row in rows]


def _not_booked(documents: QuerySet[ExternalOrder]) -> list[HeldDocument]:
    rows = documents.filter(status__in=ExternalOrder.ACCEPTED, booking__isnull=True).values_list(
        "pk", "invoice_number", "order_number", "billbee_order_id", "document_date", "origin"
    )
    reason = "accepted, not booked yet: run the booking"
    return [HeldDocument("not booked", "not_booked", reason, *row) for row in rows]


def reason_groups(rows: Iterable[tuple[str, str, str]]) -> tuple[ReasonGroup, ...]:
    """(status, reason code, reason) → one group per status and code, most frequent first;
    the reason shown is the group's most frequent wording (reasons name the document)."""
    counts: Counter[tuple[str, str]] = Counter()
    wording: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for status, code, reason in rows:
        counts[(status, code)] += 1
        wording[(status, code)][reason] += 1
    return tuple(
        ReasonGroup(status, code, wording[(status, code)].most_common(1)[0][0], count)
        for (status, code), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def not_accepted_groups(documents: QuerySet[ExternalOrder]) -> tuple[ReasonGroup, ...]:
    rows = documents.filter(status__in=NOT_ACCEPTED).values_list("status", "reason_code", "reason")
    return reason_groups(rows)


def vat_differences(documents: QuerySet[ExternalOrder]) -> tuple[VatDifferenceRow, ...]:
    rows = (
        DocumentBooking.objects.filter(document__in=documents)
        .filter(Q(vat_difference__gt=CENT) | Q(vat_difference__lt=-CENT))
        .order_by("document__document_date", "document__invoice_number")
        .values_list(
            "document_id",
            "document__invoice_number",
            "document__order_number",
            "document__document_date",
            "document__origin",
            "case",
            "status",
            "vat_difference",
        )
    )
    return tuple(
        VatDifferenceRow(pk, number, order, day, origin, case, status, difference or ZERO)
        for pk, number, order, day, origin, case, status, difference in rows
    )


def document_counts(documents: QuerySet[ExternalOrder]) -> tuple[StatusCount, ...]:
    log = Counter(documents.values_list("status", flat=True))
    booked = Counter(
        DocumentBooking.objects.filter(document__in=documents).values_list("status", flat=True)
    )
    log_labels = {value: str(label) for value, label in ExternalOrder.Status.choices}
    booking_labels = {value: str(label) for value, label in DocumentBooking.Status.choices}
    return (
        *(StatusCount("upload log", log_labels.get(s, s), n) for s, n in sorted(log.items())),
        *(
            StatusCount("bookkeeping", booking_labels.get(s, s), n)
            for s, n in sorted(booked.items())
        ),
    )
