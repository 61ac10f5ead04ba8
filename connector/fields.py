"""Decimals that no database stores as a float.

SQLite has no decimal type: a column declared ``decimal`` has NUMERIC affinity, so Django's
``DecimalField`` is stored as a REAL (a binary float) whenever the value has a fraction.
Sums then drift (0.1 + 0.2), comparisons miss by a hair, and a value written with more places
than the field has is kept unrounded. ``ExactDecimalField`` stores on SQLite the value scaled
to a whole number of its smallest unit (cents for ``decimal_places=2``) in an INTEGER column;
comparisons, ``SUM`` and ``ORDER BY`` over such a column are exact integer arithmetic. On
PostgreSQL it is the ordinary ``numeric(max_digits, decimal_places)``.

Rounding happens once, when a value is written: half up (away from zero) to the field's
places, as PostgreSQL's ``numeric`` rounds. A value with more digits than ``max_digits``
allows is refused on both databases (``DataError``), never stored.

Expressions that combine such columns need care on SQLite, where the columns hold scaled
integers: adding or subtracting columns with the same places is exact, but give the result
an ``output_field`` of this class (with those places), and never multiply or divide two of
them in SQL. A ``Value(Decimal)`` parameter must carry such an ``output_field`` too, so that
it is scaled like the column it meets. Raw SQL reads the stored integers: use
``ExactDecimalField.from_stored`` (or the field's ``from_db_value``) to read them back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from django.db import DataError, models
from django.db.backends.base.base import BaseDatabaseWrapper

_READ_CONTEXT = Context(prec=80, traps=[])


def register_postgresql_type() -> None:
    """Name the field's type to the PostgreSQL backend (numeric, as a DecimalField): Django
    inserts many rows at once as arrays (``UNNEST``) only when it knows every field's type, and
    a statement of 50,000 lines otherwise takes seconds to build and send."""
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper
    except ImportError:  # no PostgreSQL driver installed
        return
    types = DatabaseWrapper.data_types
    if "ExactDecimalField" not in types:
        DatabaseWrapper.data_types = {**types, "ExactDecimalField": types["DecimalField"]}


class ExactDecimalField(models.DecimalField):  # type: ignore[type-arg]
    description = "Decimal number (SQLite: an integer of the smallest unit)"

    def get_internal_type(self) -> str:
        # Not "DecimalField": Django's SQLite backend would convert what it reads as a float
        # and cast expressions to NUMERIC; this field converts its own values.
        return "ExactDecimalField"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def cast_db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return self.db_type(connection)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        exact = self.exact(value)
        if connection.vendor == "sqlite":
            return int(exact.scaleb(self.decimal_places))
        return exact

    def exact(self, value: Any) -> Decimal:
        """``value`` rounded half up to this field's places; refused if it does not fit."""
        places = Decimal(1).scaleb(-self.decimal_places)
        try:
            exact = Decimal(value).quantize(places, ROUND_HALF_UP)
        except InvalidOperation:
            exact = None
        digits = self.max_digits or 0
        if exact is None or not exact.is_finite() or len(exact.as_tuple().digits) > digits:
            raise DataError(
                f"{value} does not fit a number of {self.max_digits} digits with "
                f"{self.decimal_places} decimal places"
            )
        return exact

    def from_db_value(
        self, value: Any, expression: Any, connection: BaseDatabaseWrapper
    ) -> Decimal | None:
        if value is None or connection.vendor != "sqlite":
            return value  # type: ignore[no-any-return]
        return self.from_stored(value, self.decimal_places)

    @staticmethod
    def from_stored(value: Any, decimal_places: int) -> Decimal | None:
        """What SQLite returns for such a column (an integer of the smallest unit) as the
        Decimal it stands for. A float (an average over such a column) is in the same unit,
        read by its shortest representation and rounded half up to the field's places."""
        if value is None:
            return None
        if isinstance(value, int):
            return Decimal(value).scaleb(-decimal_places)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        places = Decimal(1).scaleb(-decimal_places)
        # Wide and without traps: a row written before amounts were range-checked may hold
        # 1E+30 (SQLite stores any number in any column); it is read as it is, so that one
        # bad row never breaks a page that lists it.
        return number.scaleb(-decimal_places).quantize(places, ROUND_HALF_UP, _READ_CONTEXT)
