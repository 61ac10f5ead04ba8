"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger("connector.tasks")


@shared_task(name="connector.import_orders", acks_late=True)
def import_orders_task(
    connection_id: int, trigger: str = "scheduled", run_id: int | None = None
) -> dict[str, Any]:
    """One import of a connection. ``run_id``: a pending run created by the console, begun
    here. A scheduled import checks again that it is due (a second tick or a redelivered
    message must not start an extra import)."""
    from django.utils import timezone

    from .errors import ConnectorError
    from .models import Connection, ImportRun
    from .services.import_runs import ImportAlreadyRunning, import_run_refuse
    from .services.imports import orders_import
    from .services.scheduling import connection_schedule
    from .texts import message_of

    connection = Connection.objects.get(pk=connection_id)
    if trigger == ImportRun.Trigger.SCHEDULED:
        due, why = connection_schedule(connection, timezone.now())
        if not due:
            logger.info("scheduled import of %s not started: %s", connection, why)
            return {"connection": connection.name, "state": "not started", "reason": why}
    run = ImportRun.objects.filter(pk=run_id).first() if run_id is not None else None
    try:
        result = orders_import(connection, trigger=trigger, run=run)
    except ImportAlreadyRunning as exc:
        logger.info("%s", exc)
        return {"connection": connection.name, "state": "not started", "reason": str(exc)}
    except ConnectorError as exc:
        logger.warning("import of %s not started: %s", connection, exc)
        if run is not None:
            import_run_refuse(run, message_of(exc))
        return {"connection": connection.name, "state": "not started", "reason": str(exc)}
    _book_after_import(connection_id, result.as_dict())
    return result.as_dict()


def _book_after_import(connection_id: int, result: dict[str, Any]) -> None:
    """New and changed documents go on to bookkeeping: in a worker as a task of its own, on
    the queue the import came from; called outside a worker, right here."""
    from celery import current_task
    from django.conf import settings

    from bookkeeping.tasks import book_documents_task

    if not settings.BOOK_AFTER_IMPORT or result.get("dry_run") or result.get("state") == "failed":
        return
    delivery = getattr(getattr(current_task, "request", None), "delivery_info", None) or {}
    queue = delivery.get("routing_key")
    if queue:
        book_documents_task.apply_async((connection_id,), queue=queue)
    else:
        book_documents_task.apply((connection_id,))


@shared_task(name="connector.reevaluate")
def reevaluate_task(connection_id: int) -> dict[str, int]:
    """Apply the current rules and settings to every stored document of a connection."""
    from collections import Counter

    from .models import Connection, ExternalOrder
    from .services.reevaluate import external_orders_reevaluate

    connection = Connection.objects.get(pk=connection_id)
    moves = external_orders_reevaluate(connection, ExternalOrder.objects.all())
    return dict(Counter(move.after for move in moves))


@shared_task(name="connector.invoice_requests_retry")
def invoice_requests_retry_task(connection_id: int) -> dict[str, int]:
    """Ask Billbee again for the invoices of a connection whose next attempt is due."""
    from collections import Counter

    from .models import Connection
    from .services.invoices import invoice_requests_retry

    connection = Connection.objects.get(pk=connection_id)
    return dict(Counter(r.state for r in invoice_requests_retry(connection)))


@shared_task(name="connector.schedule_tick")
def schedule_tick_task() -> dict[str, str]:
    from .services.scheduling import schedule_tick

    return schedule_tick()
