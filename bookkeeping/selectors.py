"""Reads of the ledger side, as plain data (the console, explain_order, reports)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, F, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation

from billbee.enums import payment_type_name
from connector.models import Connection, ExternalOrder
from connector.texts import said_field, said_list_field

from .models import CASE_LABELS, DebtorMapping, DocumentBooking, JournalEntry, JournalLine
from .posting import NET_ROLES
from .vat import Case
from .vat.threshold import DISTANCE_SALE_CASES, DistanceSale, ThresholdStatus, threshold_status


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
        "note_data": (entry.texts or {}).get("note"),
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


def _case_in_english(case: str) -> str | None:
    """The VAT treatment's label for the explanation (the command line, the assistant), in
    English like the reasons and the trace beside it, whatever language is active."""
    if not case:
        return None
    with translation.override(None):
        return str(CASE_LABELS[Case(case)])


def booking_explanation(
    document: ExternalOrder, *, for_reader: bool = False
) -> dict[str, Any] | None:
    """How bookkeeping treated the document: status and reason, VAT treatment, debtor, the
    decision trace, and every journal entry posted for it (reversals included). The reason,
    warnings and trace as stored (English), or with ``for_reader`` in the active language."""
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
            reason=said_field(booking, "reason") if for_reader else booking.reason,
            reason_code=booking.reason_code,
            case=booking.case or None,
            case_label=(str(CASE_LABELS[Case(booking.case)]) if booking.case else None)
            if for_reader
            else _case_in_english(booking.case),
            debtor=booking.debtor,
            vat_difference=_amount(booking.vat_difference),
            warnings=said_list_field(booking, "warnings") if for_reader else booking.warnings,
            trace=said_list_field(booking, "trace") if for_reader else booking.trace,
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


# --- the EU-wide delivery threshold (§ 3c (4) UStG) ------------------------------------------


def distance_sales(connection: Connection, first: date, last: date) -> list[DistanceSale]:
    """Each entry's net intra-community distance sales with a date of supply (else document
    date) from ``first`` to ``last``: what § 3c (4) UStG counts. Reversals and credit notes
    count negative, so a cancelled sale is gone again."""
    # The amount column's own field: on SQLite it holds cents as integers, and the sum is
    # read back through the field.
    amount = JournalLine._meta.get_field("amount")
    signed = SqlCase(
        When(side="H", then=F("amount")),
        default=Value(0) - F("amount"),
        output_field=amount,
    )
    rows = (
        JournalLine.objects.filter(
            entry__connection=connection,
            entry__case__in=DISTANCE_SALE_CASES,
            role__in=NET_ROLES,
        )
        .annotate(day=Coalesce("entry__service_date", "entry__document_date"))
        .filter(day__gte=first, day__lte=last)
        .values("entry_id", "day", "entry__number")
        .annotate(net=Sum(signed))
        .order_by()
    )
    return [
        DistanceSale(row["day"], row["entry__number"], _money(row["net"]))
        for row in rows.iterator(chunk_size=2000)
    ]


def distance_sales_status(
    connection: Connection, year: int, upto: date | None = None
) -> ThresholdStatus:
    """The threshold status of ``year`` up to ``upto`` (default: the whole year)."""
    previous = sum(
        (s.net for s in distance_sales(connection, date(year - 1, 1, 1), date(year - 1, 12, 31))),
        Decimal(0),
    )
    sales = distance_sales(connection, date(year, 1, 1), upto or date(year, 12, 31))
    return threshold_status(year, previous, sales)


def _money(value: Any) -> Decimal:
    """A sum of amounts (exact on both databases), at cents; no rows: 0.00."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
