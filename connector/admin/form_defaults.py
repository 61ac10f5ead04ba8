"""What the console's forms fill in before the operator does: the only connection, and the last
closed month (the month before today, in the connection's zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from ..models import Connection


def only_one(queryset: QuerySet[Any]) -> Model | None:
    """The one row of ``queryset``, or None when there are none or several."""
    rows = list(queryset[:2])
    return rows[0] if len(rows) == 1 else None


def only_connection() -> Connection | None:
    found = only_one(Connection.objects.all())
    return found if isinstance(found, Connection) else None


def last_closed_month(connection: Connection | None = None, now: datetime | None = None) -> str:
    """``YYYY-MM`` of the month before today, today in the connection's zone (else the
    installation's)."""
    moment = now or timezone.now()
    zone = connection.zoneinfo if connection is not None else None
    today = timezone.localtime(moment, zone).date()
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def connection_initial(**more: Any) -> dict[str, Any]:
    """Initial values of a form with a connection and a month: the only connection (if there
    is exactly one) and the last closed month."""
    connection = only_connection()
    initial: dict[str, Any] = {"month": last_closed_month(connection), **more}
    if connection is not None:
        initial["connection"] = connection.pk
    return initial
