"""The month's documents that the journal does not hold: waiting or rejected by bookkeeping,
accepted but not booked yet, not accepted by the import; and VAT differences against Billbee.

Selectors over the upload log (``ExternalOrder.document_date`` decides the month).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext, gettext_noop

from connector.labels import reason_label
from connector.models import ChannelRule, ExternalOrder
from connector.texts import stored_text

from ..labels import NOT_BOOKED, booking_reason_label
from ..models import DocumentBooking
from .rows import HeldDocument, ReasonDetail, ReasonGroup, StatusCount, VatDifferenceRow

CENT = Decimal("0.01")
ZERO = Decimal(0)
DELETED_RULE = 0  # the documents of a channel rule deleted since their decision
# How many held documents the report lists one by one (the groups count all of them).
LISTED_DOCUMENTS = 50
# The data keep these English; the report shows them in the reader's language (gettext).
NOT_BOOKED_REASON = gettext_noop("accepted, not booked yet: run the booking")
UPLOAD_LOG = gettext_noop("upload log")
BOOKKEEPING = gettext_noop("bookkeeping")
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
    # Documents waiting for a debtor: the origins that lack one, each with its count.
    groups = reason_groups(
        (
            (d.status, d.reason_code, d.origin if d.reason_code == "no_debtor" else None)
            for d in found
        ),
        booking_reason_label,
        lambda origin: str(origin),
    )
    return groups, tuple(found[:LISTED_DOCUMENTS]), len(found)


def _held_bookings(documents: QuerySet[ExternalOrder]) -> list[HeldDocument]:
    # A booking left waiting for a document the import no longer accepts is not looked at
    # again (the document shows under "not accepted" instead).
    rows = (
        DocumentBooking.objects.filter(
            document__in=documents.filter(status__in=ExternalOrder.ACCEPTED),
            status__in=(DocumentBooking.Status.WAITING, DocumentBooking.Status.REJECTED),
        )
        .annotate(reason_data=KeyTransform("reason", "texts"))
        .values_list(
            "status",
            "reason_code",
            "reason",
            "document_id",
            "document__invoice_number",
            "document__order_number",
            "document__billbee_order_id",
            "document__document_date",
            "document__origin",
            "reason_data",
        )
    )
    # The reason as its sentence where its data gives it back, so that the report says it in
    # its reader's language (the CSV in English).
    return [
        HeldDocument(status, code, stored_text(reason, stored), pk, number, order, bb, day, origin)
        for status, code, reason, pk, number, order, bb, day, origin, stored in rows
    ]


def _not_booked(documents: QuerySet[ExternalOrder]) -> list[HeldDocument]:
    rows = documents.filter(status__in=ExternalOrder.ACCEPTED, booking__isnull=True).values_list(
        "pk", "invoice_number", "order_number", "billbee_order_id", "document_date", "origin"
    )
    return [HeldDocument("not booked", NOT_BOOKED, NOT_BOOKED_REASON, *row) for row in rows]


def reason_groups(
    rows: Iterable[tuple[str, str, Any]],
    label_of: Callable[[str], str],
    detail_label: Callable[[Any], str],
) -> tuple[ReasonGroup, ...]:
    """(status, reason code, detail key or None) → one group per status and code, most
    frequent first, named by its code's label (stored reasons name one document each, so no
    reason is the group's name); the details (a rule, an origin) listed with their counts."""
    counts: Counter[tuple[str, str]] = Counter()
    details: dict[tuple[str, str], Counter[Any]] = defaultdict(Counter)
    for status, code, key in rows:
        counts[(status, code)] += 1
        if key is not None:
            details[(status, code)][key] += 1
    return tuple(
        ReasonGroup(
            status,
            code,
            label_of(code),
            count,
            tuple(
                ReasonDetail(detail_label(key), n)
                for key, n in sorted(
                    details[(status, code)].items(), key=lambda kv: (-kv[1], str(kv[0]))
                )
            ),
        )
        for (status, code), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def not_accepted_groups(documents: QuerySet[ExternalOrder]) -> tuple[ReasonGroup, ...]:
    """Not accepted by the import, by reason; the channel rules that excluded documents
    listed under "excluded by a channel rule", each with its own count."""
    rows = list(
        documents.filter(status__in=NOT_ACCEPTED).values_list("status", "reason_code", "rule_id")
    )
    rule_ids = {rule for _, code, rule in rows if code == "channel_rule" and rule is not None}
    rules = {rule.pk: rule for rule in ChannelRule.objects.filter(pk__in=rule_ids)}

    def rule_label(rule_id: int) -> str:
        if rule_id == DELETED_RULE:
            return gettext("a rule deleted since")
        return gettext("rule #%(id)s: %(rule)s") % {"id": rule_id, "rule": rules[rule_id]}

    return reason_groups(
        (
            (
                status,
                code,
                (rule if rule in rules else DELETED_RULE) if code == "channel_rule" else None,
            )
            for status, code, rule in rows
        ),
        reason_label,
        rule_label,
    )


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
        *(StatusCount(UPLOAD_LOG, log_labels.get(s, s), n) for s, n in sorted(log.items())),
        *(StatusCount(BOOKKEEPING, booking_labels.get(s, s), n) for s, n in sorted(booked.items())),
    )
