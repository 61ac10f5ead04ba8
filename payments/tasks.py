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
