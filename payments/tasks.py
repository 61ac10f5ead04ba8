"""Celery tasks of the payments app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task


@shared_task(name="payments.writebacks_send")
def writebacks_send_task(connection_id: int) -> dict[str, int]:
    """Send a connection's due write-backs of "paid" to Billbee."""
    from connector.models import Connection
    from connector.services.connections import connection_client

    from .services.matching import writebacks_send

    connection = Connection.objects.get(pk=connection_id)
    client = connection_client(connection)
    try:
        return writebacks_send(connection, client)
    finally:
        client.close()


def writebacks_due(now: datetime) -> list[int]:
    """The connections with write-backs to send now."""
    from django.db.models import Q

    from .models import Writeback

    return list(
        Writeback.objects.filter(state=Writeback.State.PENDING, connection__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("connection_id", flat=True)
        .distinct()
    )


# Reminders go out once a day, in the morning of the connection's zone, not at midnight.
REMINDERS_FROM_HOUR = 8


@shared_task(name="payments.reminders_send")
def reminders_send_task(connection_id: int) -> dict[str, int]:
    """Send a connection's due payment reminders."""
    from connector.models import Connection

    from .services.reminders import reminders_send

    connection = Connection.objects.get(pk=connection_id)
    run = reminders_send(connection)
    return {s: run.count(s) for s in ("sent", "failed", "skipped")}


def reminders_due_today(now: datetime) -> list[int]:
    """The connections whose reminders are to be sent now: once a day per connection, from
    ``REMINDERS_FROM_HOUR`` in its zone. The day is claimed by compare-and-swap, so that two
    ticks enqueue one run."""
    from django.db.models import Q
    from django.utils import timezone

    from connector.models import Connection

    from .models import PaymentGroup

    due = []
    for connection in Connection.objects.filter(
        is_active=True, payment_groups__reminders_enabled=True
    ).distinct():
        local = timezone.localtime(now, connection.zoneinfo)
        if local.hour < REMINDERS_FROM_HOUR:
            continue
        claimed = (
            PaymentGroup.objects.filter(connection=connection, reminders_enabled=True)
            .filter(Q(reminders_run_on__isnull=True) | Q(reminders_run_on__lt=local.date()))
            .update(reminders_run_on=local.date())
        )
        if claimed:
            due.append(connection.pk)
    return due
