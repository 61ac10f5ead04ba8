"""Reads of the ledger side, as plain data (the console, explain_order, reports)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Count

from billbee.enums import payment_type_name
from connector.models import Connection, ExternalOrder

from .models import CASE_LABELS, DebtorMapping, DocumentBooking, JournalEntry
from .vat import Case


def _amount(value: Any) -> str | None:
    return None if value is None else str(value)


def entry_summary(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "number": entry.number,
        "document_date": entry.document_date.isoformat(),
        "service_date": entry.service_date.isoformat() if entry.service_date else None,
        "text": entry.text,
        "case": entry.case,
        "debtor": entry.debtor,
        "total": _amount(entry.document_total),
        "currency": entry.currency,
        "reverses": entry.reverses_id,
        "credit_for": entry.credit_for_id,
        "late_change": entry.late_change,
        "note": entry.note,
        "exported": entry.exports.filter(reexport=False).exists(),
        "lines": [
            {
                "role": ln.role,
                "account": ln.account,
                "side": ln.side,
                "amount": _amount(ln.amount),
                "rate": _amount(ln.rate),
                "bu_key": ln.bu_key,
            }
            for ln in entry.lines.all()
        ],
    }


def booking_explanation(document: ExternalOrder) -> dict[str, Any] | None:
    """How bookkeeping treated the document: status and reason, VAT treatment, debtor, the
    decision trace, and every journal entry posted for it (reversals included)."""
    booking = DocumentBooking.objects.filter(document=document).first()
    entries = list(
        JournalEntry.objects.filter(document=document).order_by("pk").prefetch_related("lines")
    )
    if booking is None and not entries:
        return None
    data: dict[str, Any] = {"status": None, "entries": [entry_summary(e) for e in entries]}
    if booking is not None:
        data.update(
            status=booking.status,
            reason=booking.reason,
            reason_code=booking.reason_code,
            case=booking.case or None,
            case_label=CASE_LABELS.get(Case(booking.case)) if booking.case else None,
            debtor=booking.debtor,
            vat_difference=_amount(booking.vat_difference),
            warnings=booking.warnings,
            trace=booking.trace,
            entry=booking.entry_id,
        )
    return data


# ---------------------------------------------------------------- debtor mapping

WaitingCounts = dict[tuple[str, int | None], int]


def debtor_waiting_counts(
    connection_id: int, origins: Collection[str] | None = None
) -> WaitingCounts:
    """Documents waiting for a debtor account, counted per (origin, payment method)."""
    waiting = DocumentBooking.objects.filter(
        connection_id=connection_id,
        status=DocumentBooking.Status.WAITING,
        reason_code="no_debtor",
    )
    if origins is not None:
        waiting = waiting.filter(document__origin__in=origins)
    rows = (
        waiting.values_list("document__origin", "document__payment_method")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(origin, method): n for origin, method, n in rows}


def documents_waiting_for(mapping: DebtorMapping, counts: WaitingCounts) -> int:
    """How many of the waiting documents a mapping row is for: those of its origin and
    payment method; every one of the origin for "any payment method"."""
    if mapping.payment_method == DebtorMapping.ANY_PAYMENT_METHOD:
        return sum(n for (origin, _), n in counts.items() if origin == mapping.origin)
    return counts.get((mapping.origin, mapping.payment_method), 0)


def debtor_mapping_waiting(mapping: DebtorMapping) -> int:
    counts = debtor_waiting_counts(mapping.connection_id, [mapping.origin])
    return documents_waiting_for(mapping, counts)


def payment_method_label(method: int) -> str:
    """A payment method as files and the command line write it: Billbee's id, ``any`` for
    the origin's fallback row."""
    return "any" if method == DebtorMapping.ANY_PAYMENT_METHOD else str(method)


def debtor_mapping_rows(
    connection: Connection, *, unassigned: bool = False
) -> list[dict[str, Any]]:
    """Every debtor mapping row of the connection with the documents waiting for it."""
    mappings = DebtorMapping.objects.filter(connection=connection)
    if unassigned:
        mappings = mappings.filter(account__isnull=True)
    counts = debtor_waiting_counts(connection.pk)
    return [
        {
            "origin": m.origin,
            "payment_method": (
                "any" if m.payment_method == DebtorMapping.ANY_PAYMENT_METHOD else m.payment_method
            ),
            "payment_method_name": (
                "any payment method"
                if m.payment_method == DebtorMapping.ANY_PAYMENT_METHOD
                else m.payment_method_name or payment_type_name(m.payment_method)
            ),
            "account": m.account,
            "name": m.name,
            "waiting": documents_waiting_for(m, counts),
        }
        for m in mappings.order_by("origin", "payment_method")
    ]
