"""Booked invoices and credit notes made directly in the journal, for the payments tests that
need open items without importing from the sandbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine
from bookkeeping.posting import PlanLine
from bookkeeping.services.entries import EntryValues, entry_post
from connector.models import Connection, ExternalOrder
from payments.models import PaymentSource, StatementTransaction
from payments.services.statements import statement_import

SAMPLES = Path(__file__).parent / "samples" / "transfers"
DEBTOR, REVENUE = 10001, 8400


def _document(connection: Connection, number: str, kind: str, method: int) -> ExternalOrder:
    now = timezone.now()
    return ExternalOrder.objects.create(
        connection=connection,
        billbee_order_id=300000190000001 + ExternalOrder.objects.count(),
        kind=kind,
        order_number=number.rsplit("-", 1)[-1],
        invoice_number=number,
        payment_method=method,
        currency="EUR",
        status="imported",
        reason_code="imported",
        reason="imported",
        raw_hash="x",
        content_hash="y",
        first_seen_at=now,
        last_seen_at=now,
        decided_at=now,
    )


def _book(document: ExternalOrder, values: EntryValues, lines: list[PlanLine]) -> JournalEntry:
    now = timezone.now()
    entry = entry_post(document.connection_id, document.pk, values, lines, now)
    DocumentBooking.objects.create(
        document=document,
        connection_id=document.connection_id,
        status=DocumentBooking.Status.BOOKED,
        entry=entry,
        decided_at=now,
    )
    return entry


def _values(document: ExternalOrder, kind: str, total: Decimal, **extra: object) -> EntryValues:
    return EntryValues(
        kind=kind,
        number=document.invoice_number,
        document_date=date(2026, 11, 1),
        service_date=date(2026, 11, 1),
        text=f"{'Rechnung' if kind == 'invoice' else 'Gutschrift'} {document.invoice_number}",
        origin="Shop",
        order_number=document.order_number,
        billbee_order_id=document.billbee_order_id,
        case="domestic",
        debtor=DEBTOR,
        document_total=total,
        source_hash="h",
        plan_hash="p",
        **extra,  # type: ignore[arg-type]
    )


def booked_invoice(
    connection: Connection, number: str, total: str, *, method: int = 26
) -> JournalEntry:
    """A posted invoice over ``total`` (debtor 10001 against revenue 8400), booked."""
    document = _document(connection, number, ExternalOrder.Kind.INVOICE, method)
    amount = Decimal(total)
    lines = [
        PlanLine("debtor", DEBTOR, "S", amount),
        PlanLine("revenue", REVENUE, "H", amount),
    ]
    return _book(document, _values(document, "invoice", amount), lines)


def booked_credit_note(invoice: JournalEntry, number: str, total: str) -> JournalEntry:
    """A posted credit note over ``total`` (positive) correcting ``invoice``."""
    connection = Connection.objects.get(pk=invoice.connection_id)
    document = _document(connection, number, ExternalOrder.Kind.CREDIT_NOTE, 26)
    amount = Decimal(total)
    lines = [
        PlanLine("revenue", REVENUE, "S", amount),
        PlanLine("debtor", DEBTOR, "H", amount),
    ]
    values = _values(
        document, "credit_note", -amount, reference=invoice.number, credit_for_id=invoice.pk
    )
    return _book(document, values, lines)


def import_sample(source: PaymentSource, name: str) -> list[StatementTransaction]:
    result = statement_import(source, (SAMPLES / name).read_bytes(), filename=name)
    assert not result.errors, result.errors
    return list(StatementTransaction.objects.filter(statement_id=result.statement_id))


def line(source: PaymentSource, **fields: object) -> StatementTransaction:
    return StatementTransaction.objects.get(source=source, **fields)


def lines_of(entry: JournalEntry) -> list[tuple[str, int, str, Decimal]]:
    return [
        (ln.role, ln.account, ln.side, ln.amount)
        for ln in JournalLine.objects.filter(entry=entry).order_by("position")
    ]
