"""The life cycle of an import run: one per connection at a time, on any number of workers.

The database enforces the single running import (a partial unique index on running runs per
connection), so two workers on two machines cannot both start one. A running import renews its
lease (the run's heartbeat) every ``LEASE_RENEW_SECONDS`` from a thread of its own, also during
one long Billbee request (``leases``); a run whose heartbeat is older than ``IMPORT_STALE_AFTER``
(a few missed renewals) belonged to a worker that died, and is marked failed so that the next
import can start (it continues from the watermark, so nothing is lost).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import ConnectorError
from ..models import Connection, ImportRun
from ..texts import Text, texts
from .leases import LeaseLost, import_stale_after

COUNTER_FIELDS = (
    "fetched",
    "imported",
    "updated",
    "unchanged",
    "skipped",
    "excluded",
    "rejected",
    "waiting",
)


class ImportAlreadyRunning(ConnectorError):
    def __init__(self, run: ImportRun) -> None:
        started = timezone.localtime(run.started_at) if run.started_at else None
        super().__init__(
            f"An import of {run.connection} is already running (run #{run.pk}, started "
            f"{started:%d.%m.%Y %H:%M:%S} on {run.worker or 'an unknown worker'}). If its "
            f"worker stopped, the next import can start {stale_after().total_seconds():g} s "
            "after its last sign of life."
            if started
            else f"An import of {run.connection} is already running."
        )
        self.run = run


def stale_after() -> timedelta:
    return import_stale_after()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def import_run_start(
    connection: Connection, trigger: str, *, now: datetime | None = None
) -> ImportRun:
    """Create the connection's running run, or raise ``ImportAlreadyRunning``."""
    now = now or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return ImportRun.objects.create(
                    connection=connection,
                    trigger=trigger,
                    state=ImportRun.State.RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    worker=worker_name(),
                )
        except IntegrityError:
            running = ImportRun.objects.filter(
                connection=connection, state=ImportRun.State.RUNNING
            ).first()
            if running is None:
                continue  # it finished meanwhile
            if not import_run_fail_if_stale(running, now=now):
                raise ImportAlreadyRunning(running) from None
    raise ConnectorError(f"Could not start an import of {connection}; try again.")


def import_run_enqueue(connection: Connection, trigger: str) -> ImportRun:
    """A pending run, visible at once in the console; a worker begins it."""
    return ImportRun.objects.create(
        connection=connection, trigger=trigger, state=ImportRun.State.PENDING
    )


def import_run_begin(run: ImportRun, *, now: datetime | None = None) -> ImportRun:
    """Turn a pending run into the connection's running run (compare-and-swap), or mark it
    failed and raise ``ImportAlreadyRunning`` when another import is running."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            changed = ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.PENDING).update(
                state=ImportRun.State.RUNNING,
                started_at=now,
                heartbeat_at=now,
                worker=worker_name(),
            )
    except IntegrityError:
        running = ImportRun.objects.filter(
            connection_id=run.connection_id, state=ImportRun.State.RUNNING
        ).first()
        if running is not None and import_run_fail_if_stale(running, now=now):
            return import_run_begin(run, now=now)
        ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.PENDING).update(
            state=ImportRun.State.FAILED,
            finished_at=now,
            error=NOT_STARTED,
            error_texts=texts(error=NOT_STARTED),
        )
        if running is None:
            raise ConnectorError(f"Could not start import run #{run.pk}; try again.") from None
        raise ImportAlreadyRunning(running) from None
    if not changed:
        raise ConnectorError(f"Import run #{run.pk} is no longer waiting to start.")
    run.refresh_from_db()
    return run


NOT_STARTED = Text("Not started: another import of this connection was running.")


def import_run_refuse(run: ImportRun, reason: str) -> None:
    """A pending run that cannot begin (no readable credentials …) is failed with the reason at
    once, instead of waiting in the console until it counts as forgotten."""
    error = Text("Not started: {reason}", reason=reason)
    ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.PENDING).update(
        state=ImportRun.State.FAILED,
        finished_at=timezone.now(),
        error=error,
        error_texts=texts(error=error),
    )


def import_run_fail_if_stale(run: ImportRun, *, now: datetime | None = None) -> bool:
    """Mark a running run failed when its worker stopped sending heartbeats. Compare-and-
    swap: only one of several recovering workers succeeds."""
    now = now or timezone.now()
    limit = now - stale_after()
    heartbeat = run.heartbeat_at or run.started_at or run.created_at
    if heartbeat is None or heartbeat >= limit:
        return False
    changed = ImportRun.objects.filter(
        pk=run.pk, state=ImportRun.State.RUNNING, heartbeat_at=run.heartbeat_at
    ).update(
        state=ImportRun.State.FAILED,
        finished_at=now,
        error=(
            error := Text(
                "The worker {worker} stopped: no sign of life since {moment}. The next import "
                "continues from the watermark; nothing is lost.",
                worker=run.worker or "?",
                # To the second, alike in both languages.
                moment=f"{timezone.localtime(heartbeat):%d.%m.%Y %H:%M:%S}",
            )
        ),
        error_texts=texts(error=error),
    )
    return changed == 1


NO_WORKER = Text(
    "No worker started this import within an hour: is a Celery worker running "
    "(celery -A connector worker)?"
)


def import_runs_recover_stale(*, now: datetime | None = None) -> list[int]:
    """Fail running runs without heartbeat, and pending runs no worker took up."""
    now = now or timezone.now()
    recovered = []
    for run in ImportRun.objects.filter(state=ImportRun.State.RUNNING):
        if import_run_fail_if_stale(run, now=now):
            recovered.append(run.pk)
    forgotten = ImportRun.objects.filter(
        state=ImportRun.State.PENDING, created_at__lt=now - PENDING_TIMEOUT
    )
    for pk in forgotten.values_list("pk", flat=True):
        if ImportRun.objects.filter(pk=pk, state=ImportRun.State.PENDING).update(
            state=ImportRun.State.FAILED,
            finished_at=now,
            error=NO_WORKER,
            error_texts=texts(error=NO_WORKER),
        ):
            recovered.append(pk)
    return recovered


PENDING_TIMEOUT = timedelta(hours=1)


def import_run_renew(run: ImportRun) -> bool:
    """Renew the run's lease (compare-and-swap): False once it is no longer running, because
    another worker took it over after it missed its renewals."""
    return (
        ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.RUNNING).update(
            heartbeat_at=timezone.now()
        )
        == 1
    )


def import_run_save_progress(run: ImportRun, *, strict: bool = True) -> None:
    """Counters, progress and the heartbeat in one UPDATE (after every page), only while the
    run is still running: ``LeaseLost`` (with ``strict``) when another worker took it over."""
    run.heartbeat_at = timezone.now()
    saved = ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.RUNNING).update(
        heartbeat_at=run.heartbeat_at,
        windows_total=run.windows_total,
        windows_done=run.windows_done,
        pages_total=run.pages_total,
        pages_done=run.pages_done,
        window_pages_total=run.window_pages_total,
        window_pages_done=run.window_pages_done,
        window_from=run.window_from,
        window_to=run.window_to,
        reasons=run.reasons,
        reason_texts=run.reason_texts,
        api_requests=run.api_requests,
        throttled=run.throttled,
        retries=run.retries,
        **{name: getattr(run, name) for name in COUNTER_FIELDS},
    )
    if strict and not saved:
        raise LeaseLost(
            Text(
                "Import run #{run} was taken over by another worker after it missed its "
                "renewals; this worker stopped. The next import continues from the watermark.",
                run=run.pk,
            )
        )


def import_run_finish(run: ImportRun, state: str, error: str = "") -> None:
    """End the run, unless another worker has marked it failed meanwhile (its verdict
    stands: this worker's counters were written up to then)."""
    run.error = error
    run.error_texts = texts(error=error)
    run.finished_at = timezone.now()
    import_run_save_progress(run, strict=False)
    if ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.RUNNING).update(
        state=state, error=error, error_texts=run.error_texts, finished_at=run.finished_at
    ):
        run.state = state
    else:
        run.refresh_from_db(fields=["state", "error", "error_texts", "finished_at"])
