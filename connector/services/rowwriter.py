"""INSERT and UPDATE for the upload log's hot path, without the ORM's per-field machinery.

An import writes thousands of documents per second, one transaction each. Compiling an ORM
insert of a 50-column row costs more than the database needs to store it, so these writes
are plain parameterised SQL. Values that need conversion (date/times, dates, JSON, decimals)
go through Django's own adapters or the field's, chosen once per field, so they are stored
exactly as the ORM would store them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection, models

from ..fields import ExactDecimalField

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
    if isinstance(field, ExactDecimalField):
        # Rounded to the field's places; on SQLite an integer of the smallest unit.
        return lambda value: field.get_db_prep_value(value, connection)
    # Strings, integers, booleans, foreign-key ids and bytes: both drivers take them as they
    # are.
    return None


def _sqlite_datetime(zone: Any) -> Converter:
    """What Django's SQLite backend stores for a date/time (naive text in the database's zone,
    UTC by default), without its generic checks: about ten times faster."""

    def adapt(value: datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)

    return adapt


def _primary_key(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


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
        self._sql: dict[tuple[str, tuple[str, ...]], tuple[str, list[Converter]]] = {}

    def _column(self, name: str) -> tuple[str, Converter]:
        column = self._columns.get(name)
        if column is None:
            field = self._fields[name]
            convert = _converter(field)
            if isinstance(field, models.ForeignKey):
                convert = _primary_key
            column = self._columns[name] = (str(field.column), convert)
        return column

    def _prepared(self, kind: str, names: tuple[str, ...]) -> tuple[str, list[Converter]]:
        """The statement and the value converters for one set of columns, built once."""
        prepared = self._sql.get((kind, names))
        if prepared is None:
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
            prepared = self._sql[(kind, names)] = (sql, [self._column(n)[1] for n in names])
        return prepared

    def convert(self, name: str, value: Any) -> Any:
        """One value as this writer stores it in column ``name``."""
        convert = self._column(name)[1]
        return value if convert is None or value is None else convert(value)

    @staticmethod
    def _params(converters: list[Converter], values: dict[str, Any]) -> list[Any]:
        return [
            value if convert is None or value is None else convert(value)
            for convert, value in zip(converters, values.values(), strict=True)
        ]

    def insert(self, values: dict[str, Any]) -> int:
        sql, converters = self._prepared("insert", tuple(values))
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(converters, values))
            return int(cursor.fetchone()[0])

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Several rows with the same columns in one statement (one round trip)."""
        if not rows:
            return
        names = tuple(rows[0])
        sql, converters = self._prepared("insert", names)
        head, values = sql.split(" VALUES ", 1)
        one = values.rsplit(" RETURNING ", 1)[0]
        params: list[Any] = []
        for row in rows:
            params += self._params(converters, row)
        with connection.cursor() as cursor:
            cursor.execute(f"{head} VALUES {', '.join([one] * len(rows))}", params)

    def insert_returning(self, values: dict[str, Any], then: str, then_params: list[Any]) -> int:
        """PostgreSQL: insert a row and run ``then`` (an ``INSERT … SELECT … FROM parent``
        that reads the new row as ``parent``) in the same statement: one statement is one
        transaction and one round trip. Returns the value ``then`` returns."""
        sql, converters = self._prepared("insert", tuple(values))
        returning = sql.rsplit(" RETURNING ", 1)[0] + " RETURNING *"
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH parent AS ({returning}) {then}",
                [*self._params(converters, values), *then_params],
            )
            return int(cursor.fetchone()[0])

    def update(self, pk: int, values: dict[str, Any]) -> None:
        sql, converters = self._prepared("update", tuple(values))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self._params(converters, values), pk])
