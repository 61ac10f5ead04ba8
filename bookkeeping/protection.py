"""The one way around the journal's delete and truncate refusals (migration 0012): emptying
the whole database with ``manage.py flush``. Everything else that deletes or truncates a
journal table is refused by the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

ALLOW_ATTRIBUTE = "bookkeeping_allow_destroy"


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``bookkeeping_allow_destroy()`` for the SQLite delete triggers: 0 unless this very
    connection is inside ``journal_destruction_allowed``."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "bookkeeping_allow_destroy",
        0,
        lambda: int(getattr(connection, ALLOW_ATTRIBUTE, False)),
    )


@contextmanager
def journal_destruction_allowed(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within the block, this connection may delete (SQLite) or truncate (PostgreSQL) the
    journal tables; other connections may not."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET bookkeeping.allow_destroy = 'on'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET bookkeeping.allow_destroy")
        return
    setattr(connection, ALLOW_ATTRIBUTE, True)
    try:
        yield
    finally:
        setattr(connection, ALLOW_ATTRIBUTE, False)
