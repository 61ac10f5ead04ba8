"""PostgreSQL: a document's entry, its lines and its booking status in one statement.

Booking writes thousands of documents a second, one transaction each. Three INSERTs in a
transaction cost five round trips; one statement with data-modifying CTEs is one round trip
and, in autocommit, one transaction of its own, so the database still checks the entry's
balance (the deferred trigger) and every foreign key when it commits. The lines travel as
arrays, so that the statement's text is the same for every document and psycopg prepares it
once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from ..models import DocumentBooking, JournalEntry, JournalLine
from ..posting import PlanLine

LINE_COLUMNS = (
    ("position", "int"),
    ("role", "text"),
    ("account", "int"),
    ("side", "text"),
    ("amount", "numeric"),
    ("rate", "numeric"),
    ("tax", "numeric"),
    ("bu_key", "text"),
    ("datev_gross", "bool"),
)
BOOKING_COLUMNS = (
    "document_id",
    "connection_id",
    "status",
    "reason_code",
    "reason",
    "source_hash",
    "case",
    "debtor",
    "vat_difference",
    "warnings",
    "trace",
    "texts",
    "decided_at",
)
_SQL: dict[tuple[str, ...], str] = {}


def _statement(entry_columns: tuple[str, ...]) -> str:
    sql = _SQL.get(entry_columns)
    if sql is not None:
        return sql
    q = connection.ops.quote_name
    entry, line, booking = (
        q(m._meta.db_table) for m in (JournalEntry, JournalLine, DocumentBooking)
    )
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in LINE_COLUMNS)
    names = ", ".join(q(name) for name, _ in LINE_COLUMNS)
    columns = ", ".join(q(c) for c in BOOKING_COLUMNS)
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in (*BOOKING_COLUMNS[1:], "entry_id"))
    # Names come from the models' metadata, quoted; every value is a parameter.
    sql = (
        f"WITH new_entry AS (INSERT INTO {entry} ({', '.join(q(c) for c in entry_columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(entry_columns))}) RETURNING id), "
        f"new_lines AS (INSERT INTO {line} (entry_id, {names}) "
        f"SELECT new_entry.id, l.* FROM new_entry, unnest({arrays}) AS l({names})) "
        f"INSERT INTO {booking} ({columns}, entry_id) "
        f"SELECT {', '.join(['%s'] * len(BOOKING_COLUMNS))}, new_entry.id FROM new_entry "
        f"ON CONFLICT (document_id) DO UPDATE SET {updates} RETURNING entry_id"
    )
    _SQL[entry_columns] = sql
    return sql


def entry_and_booking_insert(
    entry: dict[str, Any], lines: list[PlanLine], booking: dict[str, Any]
) -> int:
    """Insert the entry with its lines and upsert the document's booking pointing at it;
    returns the entry's id. Must run in autocommit (its own transaction) or in the caller's."""
    ops = connection.ops
    entry_values = [
        ops.adapt_datetimefield_value(v)
        if isinstance(v, datetime)
        else (ops.adapt_json_value(v, None) if isinstance(v, dict) else v)
        for v in entry.values()
    ]
    line_arrays = [[getattr(ln, name) for ln in lines] for name, _ in LINE_COLUMNS[1:]]
    positions = list(range(1, len(lines) + 1))
    booking_values = [
        ops.adapt_json_value(booking[c], None)
        if c in ("warnings", "trace", "texts")
        else booking[c]
        for c in BOOKING_COLUMNS
    ]
    with connection.cursor() as cursor:
        # Prepared on the server (parsed and planned once per database connection): this one
        # statement is executed for every document booked.
        cursor.cursor.execute(
            _statement(tuple(entry)),
            [*entry_values, positions, *line_arrays, *booking_values],
            prepare=True,
        )
        return int(cursor.fetchone()[0])
