"""Posting journal entries and reversals. Called inside the caller's transaction (one per
document); entries are only ever inserted, never changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from connector.services.rowwriter import RowWriter
from connector.texts import texts

from ..models import JournalEntry, JournalLine
from ..posting import PlanLine, mirror

ZERO = Decimal(0)


@dataclass
class EntryValues:
    """The header of an entry to post (everything but its lines)."""

    kind: str
    number: str
    document_date: date
    service_date: date | None
    text: str
    origin: str
    order_number: str
    billbee_order_id: int
    case: str
    debtor: int
    document_total: Decimal
    source_hash: str
    plan_hash: str
    reference: str = ""
    eu_destination: str = ""
    eu_origin: str = ""
    origin_rate: Decimal | None = None
    currency: str = "EUR"
    exchange_rate: Decimal | None = None
    credit_for_id: int | None = None
    reverses_id: int | None = None
    late_change: bool = False  # a correction posted after the period was exported
    booked_after_export: bool = False  # a first entry posted after the period was exported
    note: str = ""


def lines_balance(lines: list[PlanLine]) -> None:
    """Python's check before the database's: a readable error instead of a constraint."""
    debit = sum((ln.amount for ln in lines if ln.side == "S"), ZERO)
    credit = sum((ln.amount for ln in lines if ln.side == "H"), ZERO)
    if debit != credit or len(lines) < 2:
        raise ValueError(f"an entry must balance: debit {debit} ≠ credit {credit}")
    if any(ln.amount <= 0 for ln in lines):
        raise ValueError("every line amount must be positive (the side gives the sign)")


ENTRIES = RowWriter(JournalEntry)
LINES = RowWriter(JournalLine)


def entry_post(
    connection_id: int,
    document_id: int | None,
    values: EntryValues,
    lines: list[PlanLine],
    now: datetime,
) -> JournalEntry:
    lines_balance(lines)
    # The entry and its lines are one unit: the database checks the balance when it commits.
    # Inside the caller's transaction no savepoint is needed: a failure undoes the document.
    with transaction.atomic(savepoint=False):
        return _insert(connection_id, document_id, values, lines, now)


def entry_fields(
    connection_id: int, document_id: int | None, values: EntryValues, now: datetime
) -> dict[str, Any]:
    """The columns of an entry's row."""
    return {
        "connection_id": connection_id,
        "document_id": document_id,
        "kind": values.kind,
        "number": values.number,
        "reference": values.reference,
        "document_date": values.document_date,
        "service_date": values.service_date,
        "text": values.text,
        "origin": values.origin[:320],
        "order_number": values.order_number[:200],
        "billbee_order_id": values.billbee_order_id,
        "case": values.case,
        "eu_destination": values.eu_destination,
        "eu_origin": values.eu_origin,
        "origin_rate": values.origin_rate,
        "currency": values.currency,
        "exchange_rate": values.exchange_rate,
        "document_total": values.document_total,
        "debtor": values.debtor,
        "reverses_id": values.reverses_id,
        "credit_for_id": values.credit_for_id,
        "late_change": values.late_change,
        "booked_after_export": values.booked_after_export,
        "note": values.note,
        "texts": texts(note=values.note),
        "source_hash": values.source_hash,
        "plan_hash": values.plan_hash,
        "posted_at": now,
    }


def _insert(
    connection_id: int,
    document_id: int | None,
    values: EntryValues,
    lines: list[PlanLine],
    now: datetime,
) -> JournalEntry:
    """Plain parameterised INSERTs (the posting hot path; see connector/services/rowwriter)."""
    fields = entry_fields(connection_id, document_id, values, now)
    pk = ENTRIES.insert(fields)
    LINES.insert_many(
        [
            {
                "entry_id": pk,
                "position": position,
                "role": ln.role,
                "account": ln.account,
                "side": ln.side,
                "amount": ln.amount,
                "rate": ln.rate,
                "tax": ln.tax,
                "bu_key": ln.bu_key,
                "datev_gross": ln.datev_gross,
            }
            for position, ln in enumerate(lines, start=1)
        ]
    )
    entry = JournalEntry(pk=pk, **fields)
    entry._state.adding = False
    entry._state.db = "default"
    return entry


def plan_lines_of(entry: JournalEntry) -> list[PlanLine]:
    return [
        PlanLine(
            ln.role, ln.account, ln.side, ln.amount, ln.rate, ln.tax, ln.bu_key, ln.datev_gross
        )
        for ln in entry.lines.all()
    ]


def entry_reverse(
    entry: JournalEntry, now: datetime, *, late_change: bool, note: str
) -> JournalEntry:
    """The reversal (Storno) of a posted entry: the same lines with every side turned, on the
    original's dates, pointing at it. DATEV receives it as a Generalumkehr."""
    values = EntryValues(
        kind=JournalEntry.Kind.REVERSAL,
        number=entry.number,
        document_date=entry.document_date,
        service_date=entry.service_date,
        text=f"Storno {entry.text}"[:60],
        origin=entry.origin,
        order_number=entry.order_number,
        billbee_order_id=entry.billbee_order_id,
        case=entry.case,
        debtor=entry.debtor,
        document_total=-entry.document_total,
        source_hash=entry.source_hash,
        plan_hash=entry.plan_hash,
        reference=entry.reference,
        eu_destination=entry.eu_destination,
        eu_origin=entry.eu_origin,
        origin_rate=entry.origin_rate,
        currency=entry.currency,
        exchange_rate=entry.exchange_rate,
        late_change=late_change,
        note=note,
        reverses_id=entry.pk,
    )
    return entry_post(
        entry.connection_id, entry.document_id, values, mirror(plan_lines_of(entry)), now
    )
