"""Reads of the ledger side, as plain data (the console, explain_order, reports)."""

from __future__ import annotations

from typing import Any

from connector.models import ExternalOrder

from .models import CASE_LABELS, DocumentBooking, JournalEntry
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
