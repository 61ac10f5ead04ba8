"""Booking again what waited, after a change that can unblock it (a mapping saved or imported,
exchange rates imported): a booking task per connection, on any worker, once the change is
committed."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def documents_book_soon(connection_ids: set[int]) -> None:
    """After the transaction commits: book what waited (on a worker)."""
    from ..tasks import book_documents_task

    def enqueue(pk: int) -> Callable[[], None]:
        return lambda: book_documents_task.delay(pk)

    for pk in connection_ids:
        transaction.on_commit(enqueue(pk))
