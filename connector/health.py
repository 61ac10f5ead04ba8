"""``/healthz``: is the service able to work? For load balancers, container health checks and
uptime monitors: no login, and nothing in the answer but states, connection ids and ages.

The database and the Celery broker are asked on every request (with a short timeout); each
connection's last successful import is read in one query and judged by the same overdue rule
as the console (``connector.selectors.import_overdue``). docs/operations.md describes the
answer.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Connection
from .selectors import import_overdue_since, last_successful_imports

logger = logging.getLogger("connector.health")

# Seconds to wait for the broker before it counts as down: a health check must answer quickly.
BROKER_TIMEOUT = 3.0
OK, DEGRADED, ERROR = "ok", "degraded", "error"


def database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health: the database does not answer: %s", exc)
        return False
    return True


def broker_ok() -> bool:
    """Connect to the Celery broker once (Redis, or the embedded filesystem broker, whose
    connection always succeeds: there its folders must exist and be writable)."""
    from .celery import app

    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
            if broker.transport_cls == "filesystem":
                return _filesystem_folders_writable(broker.transport_options)
    except Exception as exc:  # any failure of any transport means "down"
        logger.warning("health: the broker does not answer: %s", exc)
        return False
    return True


def _filesystem_folders_writable(options: dict[str, Any]) -> bool:
    folders = {str(options[key]) for key in ("data_folder_in", "data_folder_out") if key in options}
    missing = [f for f in folders if not (os.path.isdir(f) and os.access(f, os.W_OK))]
    if missing:
        logger.warning("health: the broker's folders are missing or read-only: %s", missing)
    return not missing


def connection_states(now: Any) -> list[dict[str, Any]]:
    """Per connection: id, age of the last successful import (None: never) and overdue."""
    rows = list(Connection.objects.order_by("pk"))
    last = last_successful_imports([c.pk for c in rows])
    states = []
    for connection in rows:
        finished = last.get(connection.pk)
        age = int((now - finished).total_seconds()) if finished else None
        states.append(
            {
                "id": connection.pk,
                "last_success_age_seconds": age,
                "overdue": import_overdue_since(connection, now, finished),
            }
        )
    return states


def health_report() -> tuple[dict[str, Any], int]:
    """The answer of ``/healthz`` and its HTTP status: 503 when the database or the broker
    fails, else 200 (``degraded`` when an import is overdue)."""
    database = database_ok()
    broker = broker_ok()
    states: list[dict[str, Any]] = []
    if database:
        try:
            states = connection_states(timezone.now())
        except DatabaseError as exc:
            logger.warning("health: reading the connections failed: %s", exc)
            database = False
    if not (database and broker):
        status = ERROR
    elif any(state["overdue"] for state in states):
        status = DEGRADED
    else:
        status = OK
    report = {
        "status": status,
        "database": OK if database else ERROR,
        "broker": OK if broker else ERROR,
        "connections": states,
    }
    return report, 503 if status == ERROR else 200


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    report, status = health_report()
    return JsonResponse(report, status=status)
