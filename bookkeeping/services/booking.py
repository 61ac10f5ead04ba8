"""Booking the upload log: every accepted document becomes one journal entry.

A run looks at every document of a connection and books those that are new, changed, or
waiting; a booked document that changed gets a reversal plus a new entry (never an edit), and
one that left the books (excluded, cancelled before booking …) gets a reversal. Invoices go
first, so that credit notes find their original booked. One document, one transaction: a
document that cannot be booked waits or is rejected with its reason, and the run goes on.
One run per connection at a time, on any number of workers (a lease in the database).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billbee import jsonutil
from billbee.dto import Order, parse_order
from billbee.errors import BillbeeDataError
from connector.models import Connection, ExternalOrder, ExternalOrderVersion
from connector.services.statistics import GrowingTables

from ..errors import BookingAlreadyRunning, Hold
from ..models import (
    BookkeepingSettings,
    DocumentBooking,
    ExportedEntry,
    JournalEntry,
    JournalLine,
)
from .debtors import debtor_mappings_sync
from .decide import Booking, BookingContext, Original, booking_decide
from .entries import entry_fields, entry_post, entry_reverse, lines_balance
from .pgwrite import entry_and_booking_insert
from .setup import bookkeeping_settings
from .writer import maybe_writer

logger = logging.getLogger("bookkeeping.booking")

BOOKED = DocumentBooking.Status.BOOKED
CHUNK = 500
LEASE = timedelta(minutes=10)
ACCEPTED = frozenset(ExternalOrder.ACCEPTED)
# What booking reads of a document (not its trace, which can be long).
DOCUMENT_FIELDS = (
    "connection_id", "billbee_order_id", "kind", "status", "reason", "invoice_number",
    "order_number", "origin", "payment_method", "parent_id", "raw_hash",
)  # fmt: skip


@dataclass
class BookingResult:
    connection: str
    examined: int = 0
    booked: int = 0
    rebooked: int = 0
    reversed: int = 0
    unchanged: int = 0
    nothing: int = 0
    late_changes: int = 0
    internal_errors: int = 0
    vat_differences: int = 0
    waiting: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["waiting"] = dict(self.waiting.most_common())
        data["rejected"] = dict(self.rejected.most_common())
        return data


def documents_book(
    connection: Connection,
    *,
    document_ids: list[int] | None = None,
    now: datetime | None = None,
    progress: Callable[[BookingResult], None] | None = None,
) -> BookingResult:
    started = time.perf_counter()
    now = now or timezone.now()
    settings = bookkeeping_settings(connection)
    result = BookingResult(connection.name)
    worker = _lease_take(settings, now)
    _async_commit(True)
    try:
        debtor_mappings_sync(connection)
        ctx = BookingContext.load(connection, settings, now)
        statistics = GrowingTables(
            JournalEntry, JournalLine, DocumentBooking, rows=_entries_before(connection)
        )
        ctx.writer = maybe_writer()
        try:
            for kind in (ExternalOrder.Kind.INVOICE, ExternalOrder.Kind.CREDIT_NOTE):
                for ids in _candidates(connection, kind, document_ids):
                    _book_chunk(ctx, ids, result)
                    statistics.refresh_if_grown(result.examined)
                    _lease_renew(settings, worker)
                    if progress:
                        progress(result)
                if ctx.writer:
                    ctx.writer.drain()  # credit notes look for their originals' bookings
        finally:
            if ctx.writer:
                ctx.writer.close()
                result.internal_errors += ctx.writer.failures
                result.booked -= ctx.writer.failures
    finally:
        _async_commit(False)
        BookkeepingSettings.objects.filter(pk=settings.pk, booking_worker=worker).update(
            booking_lease_until=None, booking_worker=""
        )
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


# --- one run per connection -------------------------------------------------------------


def _lease_take(settings: BookkeepingSettings, now: datetime) -> str:
    worker = f"{socket.gethostname()}:{os.getpid()}:{time.monotonic_ns()}"
    taken = (
        BookkeepingSettings.objects.filter(pk=settings.pk)
        .filter(Q(booking_lease_until__isnull=True) | Q(booking_lease_until__lt=now))
        .update(booking_lease_until=now + LEASE, booking_worker=worker)
    )
    if not taken:
        raise BookingAlreadyRunning(
            f"the documents of {settings.connection} are being booked already"
        )
    return worker


def _lease_renew(settings: BookkeepingSettings, worker: str) -> None:
    BookkeepingSettings.objects.filter(pk=settings.pk, booking_worker=worker).update(
        booking_lease_until=timezone.now() + LEASE
    )


def _entries_before(connection: Connection) -> int:
    if db_connection.vendor != "postgresql":
        return 0
    return JournalEntry.objects.filter(connection=connection).count()


def _async_commit(on: bool) -> None:
    """PostgreSQL: commit without waiting for the disk while booking (as the import does). A
    crash can only lose the last commits, in order, each a whole document (its entry and its
    booking together); the next run books those documents again."""
    if db_connection.vendor == "postgresql" and not db_connection.in_atomic_block:
        with db_connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit TO {'OFF' if on else 'DEFAULT'}")


# --- which documents ----------------------------------------------------------------------


def _candidates(connection: Connection, kind: str, only: list[int] | None) -> Iterator[list[int]]:
    """Ids of the documents to look at, a chunk at a time: accepted ones that are new,
    changed since they were booked, or waiting/rejected (decided again every run), and
    booked ones that left the books."""
    documents = ExternalOrder.objects.filter(connection=connection, kind=kind)
    if only is not None:
        documents = documents.filter(pk__in=only)
    last = 0
    while True:
        rows = list(
            documents.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "status", "raw_hash", "booking__status", "booking__source_hash")[
                : CHUNK * 4
            ]
        )
        if not rows:
            return
        last = rows[-1][0]
        wanted = [pk for pk, *rest in rows if _needs_booking(*rest)]
        for start in range(0, len(wanted), CHUNK):
            yield wanted[start : start + CHUNK]


def _needs_booking(status: str, raw_hash: str, booked: str | None, source_hash: str | None) -> bool:
    if status not in ACCEPTED:
        # Booked: to be reversed; waiting or rejected: no longer (the import set it aside).
        return booked in (BOOKED, DocumentBooking.Status.WAITING, DocumentBooking.Status.REJECTED)
    if booked is None or booked in (
        DocumentBooking.Status.WAITING,
        DocumentBooking.Status.REJECTED,
    ):
        return True
    return source_hash != raw_hash


def _latest_raw(ids: list[int]) -> dict[int, str]:
    rows = ExternalOrderVersion.objects.filter(
        external_order_id__in=ids, number=F("external_order__version_count")
    ).values_list("external_order_id", "raw_compressed")
    return {pk: zlib.decompress(bytes(raw)).decode("utf-8") for pk, raw in rows}


# --- one chunk, one document --------------------------------------------------------------


def _book_chunk(ctx: BookingContext, ids: list[int], result: BookingResult) -> None:
    documents = ExternalOrder.objects.only(*DOCUMENT_FIELDS).in_bulk(ids)
    raw = _latest_raw(ids)
    bookings = DocumentBooking.objects.select_related("entry").in_bulk(ids)
    originals = _originals(ctx, [d for d in documents.values() if d.parent_id])
    for pk in ids:
        document = documents[pk]
        result.examined += 1
        try:
            # One transaction per document. On PostgreSQL a document that needs one statement
            # (a new entry with its booking, or only its booking) runs it in autocommit, its
            # own transaction; the paths with several statements open one themselves.
            with _one_transaction():
                _book_one(ctx, document, raw.get(pk), bookings.get(pk), originals, result)
        except Exception as exc:  # one broken document never stops a run
            logger.exception("document %s could not be booked", document.billbee_order_id)
            result.internal_errors += 1
            _store_hold(
                ctx,
                document,
                bookings.get(pk),
                "rejected",
                "internal_error",
                f"could not be booked: {exc!r}",
                [],
            )


def _one_transaction() -> Any:
    return nullcontext() if db_connection.vendor == "postgresql" else transaction.atomic()


def _originals(ctx: BookingContext, credit_notes: list[ExternalOrder]) -> dict[int, Original]:
    parent_ids = sorted({d.parent_id for d in credit_notes if d.parent_id})
    if not parent_ids:
        return {}
    parents = ExternalOrder.objects.in_bulk(parent_ids)
    raw = _latest_raw(parent_ids)
    bookings = DocumentBooking.objects.select_related("entry").in_bulk(parent_ids)
    found = {}
    for pk, parent in parents.items():
        order = _parse(ctx, raw[pk]) if pk in raw else None
        label = parent.invoice_number or parent.order_number or str(parent.billbee_order_id)
        found[pk] = Original(order, bookings.get(pk), label)
    return found


def _parse(ctx: BookingContext, text: str) -> Order | None:
    try:
        return parse_order(jsonutil.loads(text), ctx.tz, text=text)
    except BillbeeDataError:
        return None


def _book_one(
    ctx: BookingContext,
    document: ExternalOrder,
    text: str | None,
    booking: DocumentBooking | None,
    originals: dict[int, Original],
    result: BookingResult,
) -> None:
    current = booking.entry if booking and booking.status == BOOKED else None
    if document.status not in ACCEPTED:
        if current is None and booking is not None:
            note = f"not booked: the import {document.get_status_display()} it ({document.reason})"
            _store(
                ctx,
                document,
                booking,
                DocumentBooking.Status.NOTHING,
                "not_accepted",
                note,
                None,
                [note],
                None,
            )
            result.nothing += 1
        if current is not None:
            note = (
                f"the document left the books ({document.get_status_display()}: {document.reason})"
            )
            with transaction.atomic():
                _reverse(ctx, current, note, result)
                _store(
                    ctx,
                    document,
                    booking,
                    DocumentBooking.Status.REVERSED,
                    "left_the_books",
                    note,
                    None,
                    [note],
                    None,
                )
            result.reversed += 1
        return
    order = _parse(ctx, text) if text else None
    if order is None:
        _hold(
            ctx,
            document,
            booking,
            current,
            result,
            Hold("rejected", "unreadable", "the stored document cannot be read"),
            [],
        )
        return
    original = originals.get(document.parent_id) if document.parent_id else None
    if document.kind == ExternalOrder.Kind.CREDIT_NOTE and original is None:
        original = Original(None, None, document.order_number.removesuffix("-GS") or "?")
    try:
        decided = booking_decide(ctx, document, order, document.raw_hash, original)
    except Hold as hold:
        _hold(ctx, document, booking, current, result, hold, [])
        return
    _post(ctx, document, booking, current, decided, result)


def _post(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    current: JournalEntry | None,
    decided: Booking,
    result: BookingResult,
) -> None:
    values, trace = decided.values, decided.trace
    if abs(decided.treatment.vat_difference) > Decimal("0.01"):
        result.vat_differences += 1
    if current is not None and current.plan_hash == values.plan_hash:
        trace.append(f"booked before as entry #{current.pk}; the booking did not change")
        _store(ctx, document, booking, BOOKED, "booked", "booked", current, trace, decided)
        result.unchanged += 1
        return
    if current is None:
        result.booked += 1
        _post_new(ctx, document, booking, decided, result)
        return
    with transaction.atomic():
        late = _exported(current) or values.late_change
        _reverse(ctx, current, "the document changed after it was booked", result, late=late)
        values.late_change = values.late_change or late
        values.note = f"replaces entry #{current.pk} (the document changed)"
        trace.append(f"the document changed: entry #{current.pk} reversed, booked anew")
        result.rebooked += 1
        _post_new(ctx, document, booking, decided, result)


def _post_new(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    decided: Booking,
    result: BookingResult,
) -> None:
    values, lines = decided.values, decided.plan.lines
    if values.late_change:
        values.note = (values.note + "; " if values.note else "") + (
            "late change: the period was already exported"
        )
        result.late_changes += 1
    decided.trace.append("posted as a new journal entry")
    if db_connection.vendor == "postgresql":
        lines_balance(lines)
        row = _booking_row(ctx, document, BOOKED, "booked", "booked", decided.trace, decided)
        fields = entry_fields(ctx.connection.pk, document.pk, values, ctx.now)
        if ctx.writer is None or db_connection.in_atomic_block:
            entry_and_booking_insert(fields, lines, row)
            return

        def failed(exc: BaseException) -> None:
            reason = f"could not be booked: {exc!r}"
            _store_hold(ctx, document, booking, "rejected", "internal_error", reason, [])

        ctx.writer.submit(lambda: entry_and_booking_insert(fields, lines, row), failed)
        return
    entry = entry_post(ctx.connection.pk, document.pk, values, lines, ctx.now)
    _store(ctx, document, booking, BOOKED, "booked", "booked", entry, decided.trace, decided)


def _exported(entry: JournalEntry) -> bool:
    return ExportedEntry.objects.filter(entry=entry).exists()


def _reverse(
    ctx: BookingContext,
    entry: JournalEntry,
    note: str,
    result: BookingResult,
    late: bool | None = None,
) -> None:
    if late is None:
        late = _exported(entry) or f"{entry.document_date:%Y-%m}" in ctx.exported_months
    if late:
        note += "; late change: the period was already exported"
        result.late_changes += 1
    entry_reverse(entry, ctx.now, late_change=late, note=note)


def _hold(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    current: JournalEntry | None,
    result: BookingResult,
    hold: Hold,
    trace: list[str],
) -> None:
    counter = result.rejected if hold.status == "rejected" else result.waiting
    if hold.status == DocumentBooking.Status.NOTHING:
        result.nothing += 1
    else:
        counter[_summary(hold)] += 1
    if current is None:
        _store_hold(ctx, document, booking, hold.status, hold.code, hold.reason, trace)
        return
    with transaction.atomic():
        # What was booked no longer matches the document: it is reversed, not left standing.
        _reverse(
            ctx, current, f"the document changed and can no longer be booked: {hold.reason}", result
        )
        result.reversed += 1
        _store_hold(ctx, document, booking, hold.status, hold.code, hold.reason, trace)


# Per reason code, the reason without document-specific values: what a run counts.
SUMMARIES = {
    "no_debtor": "no debtor account assigned",
    "original_not_booked": "original invoice not booked yet",
    "no_exchange_rate": "no exchange rate",
    "rounding_above_tolerance": "rounding difference above the tolerance",
    "margin_scheme": "margin scheme (§ 25a UStG): book by hand",
    "small_business_mode": "small-business VAT mode, but not a small business",
    "unknown_vat_mode": "unknown VAT mode",
    "ic_invalid_vat_id": "intra-community supply with an invalid VAT ID",
    "ic_no_vat_id": "intra-community supply without a VAT ID",
    "ic_vat_id_not_eu": "intra-community supply with a VAT ID outside the EU",
    "ic_domestic_vat_id": "intra-community supply with a VAT ID of the ship-from country",
    "ic_destination_outside_eu": "intra-community supply to outside the EU",
    "ic_domestic_destination": "intra-community supply within one country",
    "export_destination_in_eu": "export VAT mode for an EU destination",
    "no_destination": "no delivery country",
    "no_ship_from": "no ship-from country",
    "ship_from_outside_eu": "shipped from outside the EU",
    "home_country_not_eu": "home country outside the EU",
    "unknown_rate": "no VAT rate for the country and date",
    "no_revenue_account": "no revenue account for the treatment and rate",
    "no_vat_account": "no VAT account for the treatment and rate",
    "number_too_long": "invoice number longer than 36 characters",
    "internal_error": "could not be booked (internal error)",
}


def _summary(hold: Hold) -> str:
    return SUMMARIES.get(hold.code) or (hold.reason if len(hold.reason) <= 80 else hold.code)


def _store_hold(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    status: str,
    code: str,
    reason: str,
    trace: list[str],
) -> None:
    _store(
        ctx, document, booking, status, code, reason, None, [*trace, f"→ {status}: {reason}"], None
    )


def _booking_row(
    ctx: BookingContext,
    document: ExternalOrder,
    status: str,
    code: str,
    reason: str,
    trace: list[str],
    decided: Booking | None,
) -> dict[str, Any]:
    return {
        "document_id": document.pk,
        "connection_id": ctx.connection.pk,
        "status": status,
        "reason_code": code,
        "reason": reason,
        "source_hash": document.raw_hash,
        "case": decided.treatment.case.value if decided else "",
        "debtor": decided.values.debtor if decided else None,
        "vat_difference": decided.treatment.vat_difference if decided else None,
        "warnings": decided.warnings if decided else [],
        "trace": trace,
        "decided_at": ctx.now,
    }


def _store(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    status: str,
    code: str,
    reason: str,
    entry: JournalEntry | None,
    trace: list[str],
    decided: Booking | None,
) -> None:
    values = _booking_row(ctx, document, status, code, reason, trace, decided)
    values.pop("document_id")
    values["entry"] = entry
    if booking is None:
        DocumentBooking.objects.create(document=document, **values)
    else:
        DocumentBooking.objects.filter(pk=booking.pk).update(**values)
