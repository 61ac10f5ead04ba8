"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger("bookkeeping.tasks")


@shared_task(
    name="bookkeeping.book_documents",
    bind=True,
    acks_late=True,
    max_retries=20,
    default_retry_delay=30,
)
def book_documents_task(self: Any, connection_id: int) -> dict[str, Any]:
    """Book a connection's new, changed and waiting documents. When another worker is
    booking the same connection, try again shortly: what it loaded before a change (a debtor
    assigned a moment ago) is then booked by this run."""
    from connector.models import Connection

    from .errors import BookingAlreadyRunning
    from .services.booking import documents_book

    connection = Connection.objects.get(pk=connection_id)
    try:
        return documents_book(connection).as_dict()
    except BookingAlreadyRunning as exc:
        logger.info("%s; trying again in %s s", exc, self.default_retry_delay)
        raise self.retry(exc=exc) from None
