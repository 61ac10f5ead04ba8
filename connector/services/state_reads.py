"""Reading the orders in given states from Billbee, outside the regular import's windows.

Payment matching needs the orders that wait for a prepayment (Vorkasse) as they are in Billbee
now, also those the regular import has not read yet. ``orders_read_in_states`` asks Billbee
for them with its state filter (``GET /orders?orderStateId=…&minOrderDate=…``,
billbee-api.md §2.1) and stores them the way the import does (``documents``): one row per
Billbee order, a new version only when its content changed, unchanged ones recognised by
their hash; invoiced ones get the invoice register's number as in the import. It runs as an
import run of its own (trigger "payments"), so it never writes at
the same time as the regular import of the connection; the watermark stays where it is.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from billbee.client import BillbeeClient
from billbee.errors import BillbeeError

from ..models import Connection, ImportRun
from .channels import ChannelRegistry, settings_snapshot
from .connections import explain
from .documents import DocumentContext
from .import_runs import import_run_finish, import_run_renew, import_run_start
from .imports import ImportResult, _import_page, _read_register, _report


def orders_read_in_states(
    connection: Connection,
    client: BillbeeClient,
    *,
    states: Iterable[int],
    since: datetime,
    now: datetime | None = None,
) -> ImportResult:
    """Read and store the orders in ``states`` ordered since ``since``. Raises
    ``ImportAlreadyRunning`` while another import of the connection runs; a Billbee error
    ends the run as failed (or partial) with the reason in ``error``."""
    started = time.monotonic()
    now = now or timezone.now()
    result = ImportResult(connection=connection.name, dry_run=False)
    run = import_run_start(connection, ImportRun.Trigger.PAYMENTS, now=now)
    result.run_id, result.window_from, result.window_to = run.pk, since, now
    stats_before = client.stats.requests, client.stats.throttled, client.stats.retries
    ctx = DocumentContext(
        connection=connection,
        settings=settings_snapshot(connection),
        channels=ChannelRegistry(connection),
        run=run,
        now=now,
        dry_run=False,
        tally=result.tally,
    )
    seen: set[int] = set()
    try:
        pages = client.iter_order_records(states=sorted(set(states)), min_order_date=since)
        for page in pages:
            result.pages_total = max(result.pages_total, page.total_pages or 1)
            _import_page(ctx, page, seen, result)
            result.pages_done += 1
            import_run_renew(run)
        _read_register(client, connection, run, now)
        result.state = (
            ImportRun.State.PARTIAL if result.tally.internal_errors else ImportRun.State.SUCCEEDED
        )
    except BillbeeError as exc:
        result.error = f"Reading the open orders failed: {explain(exc, connection)}"
        result.state = ImportRun.State.PARTIAL if result.fetched else ImportRun.State.FAILED
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        result.state = ImportRun.State.PARTIAL if result.fetched else ImportRun.State.FAILED
        raise
    finally:
        result.duration_s = time.monotonic() - started
        _report(result, run, client, stats_before, None, final=True)
        import_run_finish(run, result.state, result.error)
    return result
