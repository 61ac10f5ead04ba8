"""One import of a connection's changed orders: used alike by the CLI, Celery and the admin.

1. Take the connection's run (one at a time, database-enforced; ``import_runs``).
2. Plan day windows on LastModifiedAt from the watermark minus the overlap up to now minus the
   safety lag (``windows``).
3. For each window, read every page (pageSize 250, no state filter, so that orders leaving
   the imported states are seen too) and decide about each order in its own transaction
   (``documents``). Orders whose text is unchanged since the last import are recognised by
   their hash and not written again.
4. After a window's documents are committed, move the watermark to the window's end. A crash,
   a 429 storm, a timeout or a restart therefore never loses an order: the next run resumes.
5. Decide again about credit notes that waited for their original order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection as db_connection
from django.db.models import Q
from django.utils import timezone

from billbee.client import BillbeeClient
from billbee.dto import Page
from billbee.errors import BillbeeError

from .. import classify
from ..models import Connection, ExternalOrder, ExternalOrderVersion, ImportRun
from ..storable import usable_id
from ..texts import Text, message_of, texts_of_reasons
from ..windows import Window, import_span, local_midnight, plan_windows
from .bulk import GrowingTables, async_commit
from .channels import ChannelRegistry, settings_snapshot
from .connections import connection_client, explain
from .documents import (
    DocumentContext,
    Tally,
    deferred_credit_notes_again,
    document_process,
    documents_seen,
    known_documents,
)
from .import_runs import (
    COUNTER_FIELDS,
    import_run_begin,
    import_run_finish,
    import_run_renew,
    import_run_save_progress,
    import_run_start,
)
from .leases import LeaseLost, LeaseRenewer
from .names import billbee_names_refresh
from .reevaluate import external_orders_reevaluate
from .register import register_days, register_read

logger = logging.getLogger("connector.import")

Progress = Callable[["ImportResult"], None]
T = TypeVar("T")


@dataclass
class ImportResult:
    connection: str
    dry_run: bool
    run_id: int | None = None
    state: str = ImportRun.State.RUNNING
    window_from: datetime | None = None
    window_to: datetime | None = None
    windows_total: int = 0
    windows_done: int = 0
    pages_done: int = 0
    pages_total: int = 0
    window_pages_done: int = 0
    window_pages_total: int = 0
    fetched: int = 0
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    duration_s: float = 0.0
    error: str = ""
    tally: Tally = field(default_factory=Tally)

    def as_dict(self) -> dict[str, Any]:
        outcomes = self.tally.outcomes
        reasons = self.tally.reasons
        return {
            "connection": self.connection,
            "run": self.run_id,
            "state": self.state,
            "dry_run": self.dry_run,
            "window_from": self.window_from.isoformat() if self.window_from else None,
            "window_to": self.window_to.isoformat() if self.window_to else None,
            "windows": self.windows_total,
            "pages": self.pages_done,
            "requests": self.requests,
            "throttled": self.throttled,
            "retries": self.retries,
            "fetched": self.fetched,
            "imported": outcomes["imported"],
            "updated": outcomes["updated"],
            "unchanged": outcomes["unchanged"],
            "skipped": dict(reasons.get("skipped", {})),
            "excluded": dict(reasons.get("excluded", {})),
            "rejected": dict(reasons.get("rejected", {})),
            "waiting": outcomes["waiting"],
            "internal_errors": self.tally.internal_errors,
            "changes": self.tally.changes if self.dry_run else None,
            "error": self.error or None,
            "duration_s": round(self.duration_s, 3),
        }


class _StopImport(Exception):
    pass


def orders_import(
    connection: Connection,
    *,
    trigger: str = ImportRun.Trigger.MANUAL,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    client: BillbeeClient | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    run: ImportRun | None = None,
) -> ImportResult:
    """Import (or, with ``dry_run``, only classify and count) one connection's changes."""
    started = time.monotonic()
    now = now or timezone.now()
    result = ImportResult(connection=connection.name, dry_run=dry_run)
    own_client = client is None
    # The client first: a connection that cannot build one (missing or undecryptable
    # credentials) must not leave a run behind that blocks every later import.
    client = client or connection_client(connection)
    if not dry_run:
        try:
            run = (
                import_run_begin(run, now=now)
                if run is not None
                else import_run_start(connection, trigger, now=now)
            )
        except BaseException:
            if own_client:
                client.close()
            raise
    result.run_id = run.pk if run else None
    stats_before = client.stats.requests, client.stats.throttled, client.stats.retries
    renewer: LeaseRenewer | None = None
    try:
        # Everything after the run's start is inside the run's error handling: a failure
        # here too ends the run with its reason instead of leaving it "running".
        ctx, windows, statistics = _prepare(connection, run, result, now, dry_run, since, until)
        # The run's lease is renewed from a thread of its own while this one works, also
        # while it waits for one long Billbee request: a live import is never taken for dead.
        if run is not None:
            renewer = LeaseRenewer(lambda: import_run_renew(run))
            renewer.start()
        if not dry_run:
            _refresh_names(client, now)
        for window in windows:
            _import_window(client, ctx, window, result, run, progress, stats_before)
            result.windows_done += 1
            statistics.refresh_if_grown(result.fetched - result.tally.outcomes["unchanged"])
            if not dry_run:
                _advance_watermark(connection, window)
            _report(result, run, client, stats_before, progress)
        if dry_run:
            deferred_credit_notes_again(ctx)
        else:
            if run is not None:
                _read_register(client, connection, run, now)
            _credit_notes_again(connection, run, result)
        result.state = (
            ImportRun.State.PARTIAL if result.tally.internal_errors else ImportRun.State.SUCCEEDED
        )
    except (_StopImport, LeaseLost) as exc:
        result.error = message_of(exc)
        result.state = ImportRun.State.PARTIAL if result.windows_done else ImportRun.State.FAILED
    except Exception as exc:
        logger.exception("import of %s failed", connection)
        result.error = f"{type(exc).__name__}: {exc}"
        result.state = ImportRun.State.PARTIAL if result.windows_done else ImportRun.State.FAILED
    finally:
        if renewer is not None:
            renewer.stop()
        async_commit(False)
        result.duration_s = time.monotonic() - started
        _report(result, run, client, stats_before, None, final=True)
        if run is not None:
            import_run_finish(run, result.state, result.error)
        if own_client:
            client.close()
    return result


def _prepare(
    connection: Connection,
    run: ImportRun | None,
    result: ImportResult,
    now: datetime,
    dry_run: bool,
    since: datetime | None,
    until: datetime | None,
) -> tuple[DocumentContext, list[Window], GrowingTables]:
    """The run's windows, the context its documents are decided in, and the table
    statistics it keeps up to date."""
    start, end = import_span(
        now=now,
        tz=connection.zoneinfo,
        watermark=connection.watermark,
        start_date=connection.import_start_date,
        overlap=timedelta(minutes=connection.overlap_minutes),
        safety_lag=timedelta(minutes=connection.safety_lag_minutes),
        since=since,
        until=until,
    )
    windows = plan_windows(start, end, connection.zoneinfo)
    result.window_from, result.window_to, result.windows_total = start, end, len(windows)
    ctx = DocumentContext(
        connection=connection,
        settings=settings_snapshot(connection),
        channels=ChannelRegistry(connection),
        run=run,
        now=now,
        dry_run=dry_run,
        tally=result.tally,
    )
    async_commit(True)
    statistics = GrowingTables(
        ExternalOrder,
        ExternalOrderVersion,
        rows=ExternalOrder.objects.filter(connection=connection).count()
        if db_connection.vendor == "postgresql"
        else 0,
    )
    return ctx, windows, statistics


def _refresh_names(client: BillbeeClient, now: datetime) -> None:
    """Billbee's names of payment types and states, at most once a day; the import goes on
    without them (the stored or built-in names are used)."""
    try:
        billbee_names_refresh(client, now=now)
    except BillbeeError as exc:
        logger.warning("Billbee's names could not be refreshed: %s", exc)


def _read_register(
    client: BillbeeClient, connection: Connection, run: ImportRun, now: datetime
) -> None:
    """The invoice register's numbers and VAT flags for the documents this run decided
    (``register``); without them the documents keep the order's number for now."""
    days = register_days(connection, run, now)
    if not days:
        return
    try:
        read = register_read(client, connection, days, now)
    except BillbeeError as exc:
        logger.warning(
            "Billbee's invoice register could not be read (%s); the invoice numbers stay as "
            "the orders give them until the next run reads it",
            explain(exc, connection, "/orders/invoices"),
        )
        return
    logger.info(
        "invoice register: %d entries, %d documents matched, %d renumbered",
        read.entries,
        read.matched,
        read.renumbered,
    )


def _import_window(
    client: BillbeeClient,
    ctx: DocumentContext,
    window: Window,
    result: ImportResult,
    run: ImportRun | None,
    progress: Progress | None,
    stats_before: tuple[int, int, int],
) -> None:
    """Read every page of one day window; read it again while it changes under our feet.

    Pages are offsets into a list that Billbee computes again for every page. When an order
    of the window is modified while the window is read, it leaves the window (its new
    LastModifiedAt lies after the window's end, which is before now) and every later order
    moves up one place: the one that moves from page 2 onto page 1 would never be read. The
    window's TotalRows gives it away, and the window is read again; orders already handled
    in this window are skipped, so a second reading costs little.
    """
    seen: set[int] = set()
    span = f"{window[0]:%d.%m.%Y %H:%M}–{window[1]:%d.%m.%Y %H:%M} (UTC)"
    for _attempt in range(WINDOW_ATTEMPTS):
        try:
            stable = _read_window(client, ctx, window, seen, result, run, progress, stats_before)
        except BillbeeError as exc:
            raise _StopImport(
                Text(
                    "Reading orders modified {span} failed: {problem}",
                    span=span,
                    problem=explain(exc, ctx.connection),
                )
            ) from exc
        if stable:
            return
        logger.info("orders modified %s changed while being read; reading them again", span)
    raise _StopImport(
        Text(
            "Orders modified {span} kept changing while being read ({readings} readings); the "
            "next run reads them again.",
            span=span,
            readings=WINDOW_ATTEMPTS,
        )
    )


WINDOW_ATTEMPTS = 4


def _read_window(
    client: BillbeeClient,
    ctx: DocumentContext,
    window: Window,
    seen: set[int],
    result: ImportResult,
    run: ImportRun | None,
    progress: Progress | None,
    stats_before: tuple[int, int, int],
) -> bool:
    """One reading of a window's pages; False when its TotalRows changed meanwhile."""
    first_total: int | None = None
    stable = True
    pages = client.iter_order_records(modified_at_min=window[0], modified_at_max=window[1])
    for page in prefetched(pages):
        if first_total is None:
            first_total = page.total_rows
            result.pages_total += max(1, page.total_pages or 1)
            result.window_pages_total = max(1, page.total_pages or 1)
            result.window_pages_done = 0
        elif page.total_rows != first_total:
            stable = False
        _import_page(ctx, page, seen, result)
        result.pages_done += 1
        result.window_pages_done += 1
        _report(result, run, client, stats_before, progress)
    return stable


def _import_page(ctx: DocumentContext, page: Page, seen: set[int], result: ImportResult) -> None:
    records = [
        r
        for r in page.items
        if not (isinstance(r.raw, dict) and r.raw.get("BillBeeOrderId") in seen)
    ]
    ids = [
        r.raw["BillBeeOrderId"]
        for r in records
        if isinstance(r.raw, dict) and usable_id(r.raw.get("BillBeeOrderId"))
    ]
    known = known_documents(ctx.connection, ids)
    unchanged: list[int] = []
    for record in records:
        billbee_id = record.raw.get("BillBeeOrderId") if isinstance(record.raw, dict) else None
        document = known.get(billbee_id) if isinstance(billbee_id, int) else None
        outcome = document_process(ctx, record, document)
        result.fetched += 1
        if isinstance(billbee_id, int):
            seen.add(billbee_id)
            if outcome == "unchanged" and document is not None:
                unchanged.append(document.pk)
    if not ctx.dry_run:
        documents_seen(unchanged, ctx.now, ctx.run)


def _credit_notes_again(
    connection: Connection, run: ImportRun | None, result: ImportResult
) -> None:
    """Documents whose decision depends on others or on a setting changed since, decided
    again from their stored JSON: invoices that an older decision (or the AccountOne-compatible
    option, switched off since) skipped for their state, then credit notes read before their
    original order (windows follow LastModifiedAt, and an original is often modified after
    its credit note)."""
    moves = []
    if not connection.only_imported_states:
        moves += external_orders_reevaluate(
            connection,
            ExternalOrder.objects.filter(
                connection=connection, reason_code="state_not_imported"
            ).exclude(invoice_number=""),
            run=run,
        )
    moves += external_orders_reevaluate(
        connection,
        ExternalOrder.objects.filter(
            connection=connection,
            reason_code__in=("credit_original_missing", "credit_original_not_imported"),
        ),
        run=run,
    )
    # Split or copied orders that older versions took for credit notes because of their
    # BillBeeParentOrderId (rejected as "not negative", or ignored when cancelled): positive
    # documents without -GS, never accepted. Decided again once; they are invoices now.
    moves += external_orders_reevaluate(
        connection,
        ExternalOrder.objects.filter(
            connection=connection,
            kind=ExternalOrder.Kind.CREDIT_NOTE,
            status__in=(classify.REJECTED, classify.SKIPPED),
            total_gross__gte=0,
        ).exclude(order_number__iendswith="-GS"),
        run=run,
    )
    for move in moves:
        if run is not None and move.last_run_id == run.pk:
            result.tally.remove(move.before, move.summary_before)
        result.tally.add(move.after, move.summary)


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """Iterate ``items`` one step ahead in a background thread.

    While the documents of one page are decided and written, the next page is already being
    read (and paced: Billbee allows 2 requests per second). Only the background thread
    touches the client; only this thread touches the database. Errors arrive in order.
    """
    slot: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                slot.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    return
            offer((True, _END))
        except BaseException as exc:  # handed to the consumer, raised there
            offer((False, exc))

    thread = threading.Thread(target=produce, name="billbee-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = slot.get()
            if not ok:
                raise item
            if item is _END:
                return
            yield item
    finally:
        stop.set()


_END = object()


def _advance_watermark(connection: Connection, window: Window) -> None:
    """Move the watermark to the window's end, only forward and only without leaving a gap:
    everything before the window's start must be read already (up to the watermark or, the
    first time, up to the start date's midnight). A re-read of a later period moves nothing."""
    start, end = window
    watermark = connection.watermark
    covered = watermark or local_midnight(connection.import_start_date, connection.zoneinfo)
    if start > covered or (watermark is not None and watermark >= end):
        return
    current = Q(watermark__isnull=True) if watermark is None else Q(watermark=watermark)
    if Connection.objects.filter(current, pk=connection.pk).update(watermark=end):
        connection.watermark = end
    else:  # changed by somebody else meanwhile: take what is stored
        connection.refresh_from_db(fields=["watermark"])


def _report(
    result: ImportResult,
    run: ImportRun | None,
    client: BillbeeClient,
    stats_before: tuple[int, int, int],
    progress: Progress | None,
    *,
    final: bool = False,
) -> None:
    result.requests = client.stats.requests - stats_before[0]
    result.throttled = client.stats.throttled - stats_before[1]
    result.retries = client.stats.retries - stats_before[2]
    if run is not None:
        outcomes = result.tally.outcomes
        run.windows_total, run.windows_done = result.windows_total, result.windows_done
        run.pages_total, run.pages_done = result.pages_total, result.pages_done
        run.window_pages_total = result.window_pages_total
        run.window_pages_done = result.window_pages_done
        run.window_from, run.window_to = result.window_from, result.window_to
        run.fetched = result.fetched
        for name in COUNTER_FIELDS[1:]:  # after "fetched"
            setattr(run, name, outcomes[name])
        run.reasons = {status: dict(counts) for status, counts in result.tally.reasons.items()}
        run.reason_texts = texts_of_reasons(result.tally.reasons.values())
        run.api_requests, run.throttled, run.retries = (
            result.requests,
            result.throttled,
            result.retries,
        )
        import_run_save_progress(run, strict=not final)
    if progress is not None:
        progress(result)
