"""Booking the upload log: every accepted document becomes one journal entry.

A run looks at every document of a connection and books those that are new, changed, or
waiting; a booked document that changed gets a reversal plus a new entry (never an edit), and
one that left the books (excluded, cancelled before booking …) gets a reversal. Invoices go
first, so that credit notes find their original booked. One document, one transaction: a
document that cannot be booked waits or is rejected with its reason, and the run goes on.
One run per connection at a time, on any number of workers: a lease in the database that the
run renews from a thread of its own every ``LEASE_RENEW_SECONDS`` and that another worker takes
over once it has not been renewed for ``BOOKING_LEASE_SECONDS`` (a worker killed mid-run).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from connector.models import Connection, ExternalOrder, ExternalOrderVersion
from connector.services.bulk import GrowingTables, async_commit
from connector.services.leases import LeaseLost, LeaseRenewer, booking_lease

from ..errors import BookingAlreadyRunning
from ..models import (
    BookkeepingSettings,
    DocumentBooking,
    JournalEntry,
    JournalLine,
)
from .booking_steps import BookingResult, document_book, parse_stored, store_internal_error
from .debtors import debtor_mappings_sync
from .decide import BookingContext, Original
from .setup import bookkeeping_settings
from .writer import maybe_writer

logger = logging.getLogger("bookkeeping.booking")

BOOKED = DocumentBooking.Status.BOOKED
CHUNK = 500
ACCEPTED = frozenset(ExternalOrder.ACCEPTED)
# What booking reads of a document (not its trace, which can be long).
# Every field booking reads of a document: one left out is fetched again per document.
DOCUMENT_FIELDS = (
    "connection_id", "billbee_order_id", "kind", "status", "reason", "invoice_number",
    "order_number", "origin", "payment_method", "parent_id", "raw_hash", "register_vat_flags",
)  # fmt: skip


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
    renewer = LeaseRenewer(lambda: _lease_renew(settings, worker))
    async_commit(True)
    try:
        renewer.start()
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
                    try:
                        renewer.renew_now()  # also at a chunk's end: a lost lease stops the run
                    except LeaseLost:
                        raise BookingAlreadyRunning(
                            f"another worker took over booking the documents of {connection} "
                            "after this run missed its lease renewals; it goes on there"
                        ) from None
                    if progress:
                        progress(result)
                if ctx.writer:
                    ctx.writer.drain()  # credit notes look for their originals' bookings
        finally:
            if ctx.writer:
                ctx.writer.close()
                for counted in ctx.failed_writes:
                    result.write_failed(counted)
    finally:
        renewer.stop()
        async_commit(False)
        BookkeepingSettings.objects.filter(pk=settings.pk, booking_worker=worker).update(
            booking_lease_until=None, booking_worker=""
        )
    _payments_post_waiting(connection, now)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


def _payments_post_waiting(connection: Connection, now: datetime) -> None:
    """Payments confirmed before their invoice (Vorkasse) are posted once it is booked."""
    from django.apps import apps

    if not apps.is_installed("payments"):
        return
    from payments.services.transfers import payments_post_waiting

    posted = payments_post_waiting(connection, now=now)
    if posted:
        logger.info("%s: %d advance payments posted with their invoices", connection, posted)


# --- one run per connection -------------------------------------------------------------


def _lease_take(settings: BookkeepingSettings, now: datetime) -> str:
    worker = f"{socket.gethostname()}:{os.getpid()}:{time.monotonic_ns()}"
    taken = (
        BookkeepingSettings.objects.filter(pk=settings.pk)
        .filter(Q(booking_lease_until__isnull=True) | Q(booking_lease_until__lt=now))
        .update(booking_lease_until=now + booking_lease(), booking_worker=worker)
    )
    if not taken:
        raise BookingAlreadyRunning(
            f"the documents of {settings.connection} are being booked already"
        )
    return worker


def _lease_renew(settings: BookkeepingSettings, worker: str) -> bool:
    """Compare-and-swap: False once another worker took the lease over."""
    return (
        BookkeepingSettings.objects.filter(pk=settings.pk, booking_worker=worker).update(
            booking_lease_until=timezone.now() + booking_lease()
        )
        == 1
    )


def _entries_before(connection: Connection) -> int:
    if db_connection.vendor != "postgresql":
        return 0
    return JournalEntry.objects.filter(connection=connection).count()


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
    # Of the sentences' data only the reason's: a note that quotes it says it again.
    documents = (
        ExternalOrder.objects.only(*DOCUMENT_FIELDS)
        .annotate(reason_data=KeyTransform("reason", "texts"))
        .in_bulk(ids)
    )
    raw = _latest_raw(ids)
    bookings = DocumentBooking.objects.select_related("entry").defer("texts").in_bulk(ids)
    originals = _originals(ctx, [d for d in documents.values() if d.parent_id])
    for pk in ids:
        document = documents[pk]
        result.examined += 1
        counts = result.outcome_counts()
        try:
            # One transaction per document. On PostgreSQL a document that needs one statement
            # (a new entry with its booking, or only its booking) runs it in autocommit, its
            # own transaction; the paths with several statements open one themselves.
            with _one_transaction():
                document_book(ctx, document, raw.get(pk), bookings.get(pk), originals, result)
        except Exception as exc:  # one broken document never stops a run
            logger.exception("document %s could not be booked", document.billbee_order_id)
            result.restore(counts)
            result.internal_errors += 1
            store_internal_error(ctx, document, bookings.get(pk), exc)


def _one_transaction() -> Any:
    return nullcontext() if db_connection.vendor == "postgresql" else transaction.atomic()


def _originals(ctx: BookingContext, credit_notes: list[ExternalOrder]) -> dict[int, Original]:
    parent_ids = sorted({d.parent_id for d in credit_notes if d.parent_id})
    if not parent_ids:
        return {}
    parents = ExternalOrder.objects.in_bulk(parent_ids)
    raw = _latest_raw(parent_ids)
    bookings = (
        DocumentBooking.objects.select_related("entry")
        .defer("texts")
        .annotate(reason_data=KeyTransform("reason", "texts"))
        .in_bulk(parent_ids)
    )
    found = {}
    for pk, parent in parents.items():
        order = parse_stored(ctx, raw[pk]) if pk in raw else None
        label = parent.invoice_number or parent.order_number or str(parent.billbee_order_id)
        found[pk] = Original(order, bookings.get(pk), label)
    return found
