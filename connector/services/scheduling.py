"""The periodic tick: start the imports that are due, recover runs whose worker died."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from ..models import Connection, ImportRun, InvoiceRequest
from ..schedule import next_start, schedule_decision
from .import_runs import import_runs_recover_stale

logger = logging.getLogger("connector.schedule")


def last_started(connection: Connection) -> datetime | None:
    """When the connection's last import started; the short reads of open prepayment orders
    before a statement is matched do not count (they do not move the import on)."""
    return (
        ImportRun.objects.filter(connection=connection, started_at__isnull=False)
        .exclude(trigger=ImportRun.Trigger.PAYMENTS)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def _schedule_of(connection: Connection) -> dict[str, object]:
    return {
        "tz": connection.zoneinfo,
        "window_start": connection.schedule_window_start,
        "window_end": connection.schedule_window_end,
        "spacing": timedelta(minutes=connection.schedule_spacing_minutes),
        "last_started": last_started(connection),
        "enabled": connection.schedule_enabled and connection.is_active,
    }


def connection_schedule(connection: Connection, now: datetime) -> tuple[bool, str]:
    return schedule_decision(now=now, **_schedule_of(connection))  # type: ignore[arg-type]


def connection_next_start(connection: Connection, now: datetime) -> datetime | None:
    return next_start(now=now, **_schedule_of(connection))  # type: ignore[arg-type]


def schedule_tick(*, now: datetime | None = None) -> dict[str, str]:
    """Enqueue an import for every connection that is due; returns name → decision."""
    from ..tasks import import_orders_task

    now = now or timezone.now()
    recovered = import_runs_recover_stale(now=now)
    if recovered:
        logger.warning("runs %s had no heartbeat and were marked failed", recovered)
    decisions = {}
    for connection in Connection.objects.filter(is_active=True):
        due, why = connection_schedule(connection, now)
        running = ImportRun.objects.filter(
            connection=connection, state=ImportRun.State.RUNNING
        ).exists()
        if due and running:
            due, why = False, "an import is running"
        decisions[connection.name] = ("enqueued: " if due else "not due: ") + why
        if due:
            transaction.on_commit(
                partial(import_orders_task.delay, connection.pk, ImportRun.Trigger.SCHEDULED)
            )
        logger.info("schedule %s: %s", connection.name, decisions[connection.name])
    _retry_invoices(now)
    _send_writebacks(now)
    _send_reminders(now)
    return decisions


def _send_writebacks(now: datetime) -> None:
    """Write-backs of "paid" to Billbee that are due (payments app)."""
    from payments.tasks import writebacks_due, writebacks_send_task

    for connection_id in writebacks_due(now):
        transaction.on_commit(partial(writebacks_send_task.delay, connection_id))


def _send_reminders(now: datetime) -> None:
    """Payment reminders, once a day per connection (payments app)."""
    from payments.tasks import reminders_due_today, reminders_send_task

    for connection_id in reminders_due_today(now):
        transaction.on_commit(partial(reminders_send_task.delay, connection_id))


def _retry_invoices(now: datetime) -> None:
    """Invoices whose PDF or answer Billbee still owes, asked for again once due."""
    from ..tasks import invoice_requests_retry_task

    due = (
        InvoiceRequest.objects.filter(
            state=InvoiceRequest.State.PENDING,
            next_attempt_at__lte=now,
            connection__is_active=True,
        )
        .values_list("connection_id", flat=True)
        .distinct()
    )
    for connection_id in due:
        transaction.on_commit(partial(invoice_requests_retry_task.delay, connection_id))
