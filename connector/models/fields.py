"""Model fields of the upload log."""

from __future__ import annotations

import decimal
from functools import cached_property
from typing import Any

from django.db import models


class ReadableDecimalField(models.DecimalField):
    """A ``DecimalField`` whose values are read back whatever the database holds.

    SQLite stores any number in a decimal column (PostgreSQL refuses what does not fit). Rows
    written before amounts were range-checked may hold, say, 1E+30; Django's SQLite reader
    then raises ``InvalidOperation`` for the whole query, and every page that lists the row
    answers 500. Reading with room for 20 more digits and no traps shows such a value as it is
    stored, so one bad row never breaks a page. Writing is unchanged, and the column is the
    same as a ``DecimalField``'s (no migration).
    """

    @cached_property
    def context(self) -> decimal.Context:
        return decimal.Context(prec=self.max_digits + 20, traps=[])

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
