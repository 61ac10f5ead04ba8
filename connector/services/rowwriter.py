"""INSERT and UPDATE for the upload log's hot path, without the ORM's per-field machinery.

An import writes thousands of documents per second, one transaction each. Compiling an ORM
insert of a 50-column row costs more than the database needs to store it, so these writes
are plain parameterised SQL. Values that need conversion (date/times, dates, JSON, decimals)
go through Django's own adapters, chosen once per field, so they are stored exactly as the
ORM would store them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, models

Converter = Callable[[Any], Any] | None


def _converter(field: models.Field[Any, Any]) -> Converter:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return _sqlite_datetime(connection.timezone)
        return ops.adapt_datetimefield_value  # type: ignore[no-any-return]
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value  # type: ignore[no-any-return]
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: ops.adapt_json_value(value, encoder)
    # Strings, integers, booleans, foreign-key ids, Decimal and bytes: both drivers take them
    # as they are (Django registers Decimal for sqlite3).
    return None


def _sqlite_datetime(zone: Any) -> Converter:
    """What Django's SQLite backend stores for a date/time (naive text in the database's zone,
    UTC by default), without its generic checks: about ten times faster."""

    def adapt(value: datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)

    return adapt


class RowWriter:
    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.pk = str(meta.pk.column)  # type: ignore[union-attr]
        self._fields: dict[str, models.Field[Any, Any]] = {}
        for field in meta.concrete_fields:
            if not field.primary_key:
                self._fields[field.name] = field  # type: ignore[assignment]
                self._fields[field.attname] = field  # type: ignore[assignment]
        self._columns: dict[str, tuple[str, Converter]] = {}
        self._sql: dict[tuple[str, tuple[str, ...]], str] = {}

    def _column(self, name: str) -> tuple[str, Converter]:
        column = self._columns.get(name)
        if column is None:
            field = self._fields[name]
            column = self._columns[name] = (str(field.column), _converter(field))
        return column

    def _params(self, values: dict[str, Any]) -> list[Any]:
        params = []
        for name, value in values.items():
            convert = self._column(name)[1]
            if isinstance(value, models.Model):
                value = value.pk
            params.append(value if convert is None or value is None else convert(value))
        return params

    def _statement(self, kind: str, names: tuple[str, ...]) -> str:
        sql = self._sql.get((kind, names))
        if sql is None:
            quote = connection.ops.quote_name
            columns = [quote(self._column(n)[0]) for n in names]
            table, pk = quote(self.table), quote(self.pk)
            # Table and column names come from the model's metadata, quoted; values are
            # always parameters.
            if kind == "insert":
                sql = (
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {pk}"
                )
            else:
                assignments = ", ".join(f"{c} = %s" for c in columns)
                sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
            self._sql[(kind, names)] = sql
        return sql

    def insert(self, values: dict[str, Any]) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self._statement("insert", tuple(values)), self._params(values))
            return int(cursor.fetchone()[0])

    def update(self, pk: int, values: dict[str, Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self._statement("update", tuple(values)), [*self._params(values), pk])
