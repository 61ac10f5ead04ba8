"""Migration steps for SQLite: decimals become integers of their smallest unit.

Before ``ExactDecimalField`` (``connector/fields.py``), SQLite stored decimals with NUMERIC
affinity, as REAL floats whenever they had a fraction, sometimes with more places than the
field has. The migrations that switch the fields over convert every stored value: read as
the shortest decimal that the float stands for, rounded half up to the field's places, times
10 ** places, stored as an integer.

SQLite changes a column's type by rebuilding its table, which drops the table's triggers
(the journal's immutability triggers among them), and the immutability triggers refuse the
UPDATE that converts the values. So the triggers of the tables involved are lifted first
(kept in a temporary table of the migrating connection) and created again at the end, as
they were. On PostgreSQL these steps do nothing: ``numeric`` is exact and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

LIFTED = "connector_lifted_triggers"

# (table, column, decimal places)
Columns = Iterable[tuple[str, str, int]]


def to_units(value: Any, places: int) -> int | None:
    """A stored decimal (float, integer or text) as an integer of 10 ** -places."""
    if value is None:
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return int(number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP).scaleb(places))


def from_units(value: Any, places: int) -> str | None:
    """The reverse: an integer of 10 ** -places as decimal text (stored with NUMERIC
    affinity again)."""
    if value is None:
        return None
    return str(Decimal(int(value)).scaleb(-places))


def _convert(schema_editor: Any, columns: Columns, convert: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for table, column, places in columns:
            cursor.execute(
                f"SELECT rowid, {quote(column)} FROM {quote(table)} "  # noqa: S608
                f"WHERE {quote(column)} IS NOT NULL"
            )
            rows = [(convert(value, places), rowid) for rowid, value in cursor.fetchall()]
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE rowid = %s",  # noqa: S608
                rows,
            )


def columns_to_units(schema_editor: Any, columns: Columns) -> None:
    _convert(schema_editor, columns, to_units)


def columns_from_units(schema_editor: Any, columns: Columns) -> None:
    _convert(schema_editor, columns, from_units)


def lift_triggers(schema_editor: Any, tables: Iterable[str]) -> None:
    """Drop the triggers on (or naming) ``tables``, keeping their SQL to create them again."""
    if schema_editor.connection.vendor != "sqlite":
        return
    names = list(tables)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {LIFTED} (name text, sql text)")
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        lifted = [
            (name, sql)
            for name, table, sql in cursor.fetchall()
            if table in names or any(t in sql for t in names)
        ]
        for name, sql in lifted:
            cursor.execute(f"INSERT INTO {LIFTED} (name, sql) VALUES (%s, %s)", [name, sql])  # noqa: S608
            cursor.execute(f"DROP TRIGGER {schema_editor.quote_name(name)}")


def restore_triggers(schema_editor: Any) -> None:
    """Create the lifted triggers again (the tables may have been rebuilt meanwhile)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {LIFTED} (name text, sql text)")
        cursor.execute(f"SELECT sql FROM {LIFTED} ORDER BY rowid")  # noqa: S608
        for (sql,) in cursor.fetchall():
            cursor.execute(sql)
        cursor.execute(f"DROP TABLE temp.{LIFTED}")
