"""Billbee's invoice register on the upload log: the number printed on each invoice and the
VAT flags Billbee decided with.

GoBD: a document's number is the number on the invoice. Billbee's register
(``GET /orders/invoices``) lists it as printed (``InvoiceNumber``), and it may differ from the
order's ``InvoiceNumberPrefix`` + ``InvoiceNumber`` + ``InvoiceNumberPostfix`` (a number
format changed after invoicing, zero-padded numbers). Where they differ, the register's form
becomes the document's number: booked as Belegfeld 1, exported to DATEV and compared by the
completeness check. Its ``VatFlags`` are stored for bookkeeping's cross-check of the VAT
decision.

After its windows, an import reads the register for the invoice days of the documents it
decided (one request series per run of consecutive days; each (page, minInvoiceDate) may be
read once a minute). A failure is logged and the run goes on: the documents keep the
order's number until a later run reads the register.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q

from billbee.client import BillbeeClient
from billbee.dto import InvoiceListItem

from ..models import Connection, ExternalOrder, ImportRun

logger = logging.getLogger("connector.import")

LOOKUP_CHUNK = 500
UPDATE_FIELDS = [
    "register_invoice_number",
    "register_vat_flags",
    "register_read_at",
    "invoice_number",
    "trace",
]


@dataclass
class RegisterRead:
    entries: int = 0
    matched: int = 0
    renumbered: int = 0
    unreadable: int = 0


def register_days(connection: Connection, run: ImportRun, now: datetime) -> list[date]:
    """The invoice days (connection's zone) of the run's invoiced documents that were decided
    in it or whose register entry was never read."""
    tz = connection.zoneinfo
    dates = (
        ExternalOrder.objects.filter(connection=connection, last_run=run)
        .filter(Q(decided_at=now) | Q(register_read_at__isnull=True))
        .exclude(invoice_number="")
        .exclude(invoice_date__isnull=True)
        .values_list("invoice_date", flat=True)
    )
    return sorted({d.astimezone(tz).date() for d in dates if d is not None})


def day_ranges(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days merged: 1, 2, 3, 7 → (1, 3), (7, 7)."""
    first = last = None
    for day in sorted(set(days)):
        if last is not None and day == last + timedelta(days=1):
            last = day
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = day
    if first is not None and last is not None:
        yield first, last


def register_read(
    client: BillbeeClient, connection: Connection, days: Iterable[date], now: datetime
) -> RegisterRead:
    """Read the register for ``days`` and store number and flags on the matching documents."""
    tz = connection.zoneinfo
    result = RegisterRead()
    for first, last in day_ranges(days):
        start = datetime.combine(first, time.min, tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz) - timedelta(
            milliseconds=1
        )
        items: list[InvoiceListItem] = []
        for page in client.iter_invoices(
            min_invoice_date=start, max_invoice_date=end, include_positions=False
        ):
            result.unreadable += len(page.failures)
            items.extend(page.items)
        result.entries += len(items)
        for start_index in range(0, len(items), LOOKUP_CHUNK):
            _apply(connection, items[start_index : start_index + LOOKUP_CHUNK], now, result)
    return result


def _kind(item: InvoiceListItem) -> str:
    return ExternalOrder.Kind.CREDIT_NOTE if item.is_credit_note else ExternalOrder.Kind.INVOICE


def _apply(
    connection: Connection, items: list[InvoiceListItem], now: datetime, result: RegisterRead
) -> None:
    """Each register entry's document: by Billbee id and kind (Billbee may list a credit note
    under its original's id), else by order number and kind."""
    ids = {i.billbee_id for i in items}
    numbers = {i.order_number for i in items if i.order_number}
    documents = list(
        ExternalOrder.objects.filter(connection=connection)
        .filter(Q(billbee_order_id__in=ids) | Q(order_number__in=numbers))
        .only("billbee_order_id", "kind", "order_number", *UPDATE_FIELDS)
    )
    by_id = {(d.billbee_order_id, d.kind): d for d in documents}
    by_number: dict[tuple[str, str], ExternalOrder] = {}
    for document in documents:
        if document.order_number:
            by_number.setdefault((document.order_number, document.kind), document)
    changed: dict[int, ExternalOrder] = {}
    for item in items:
        kind = _kind(item)
        found = by_id.get((item.billbee_id, kind)) or by_number.get((item.order_number or "", kind))
        if found is None or not item.invoice_number:
            continue
        result.matched += 1
        if _take(found, item, now):
            result.renumbered += 1
        changed[found.pk] = found
    if changed:
        ExternalOrder.objects.bulk_update(list(changed.values()), UPDATE_FIELDS, batch_size=500)


def _take(document: ExternalOrder, item: InvoiceListItem, now: datetime) -> bool:
    """Store the register's number and flags on ``document``; True when its number changed."""
    number = (item.invoice_number or "")[:200]
    document.register_invoice_number = number
    document.register_vat_flags = _flags(item.vat_flags)
    document.register_read_at = now
    if not number or document.invoice_number == number:
        return False
    before = document.invoice_number
    document.invoice_number = number
    document.trace = [
        *(document.trace or []),
        f"invoice number {number} as Billbee's invoice register prints it "
        f"(the order's prefix + number + postfix read {before or 'nothing'})",
    ]
    return True


def _flags(flags: dict[str, Any]) -> dict[str, Any]:
    """The flags as JSON can hold them (booleans and strings as sent)."""
    return {str(k): v for k, v in flags.items() if isinstance(v, bool | str | int) or v is None}
