"""``ExactDecimalField``: decimals are exact on SQLite as on PostgreSQL. SQLite stores them as
integers of their smallest unit, never as floats; comparisons, CHECK constraints, sums,
CASE expressions, parameters and raw reads all see the exact value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Max, Min, Sum, Value

from bookkeeping.models import ExchangeRate, JournalLine
from bookkeeping.services.export import _dec
from tests.bookkeeping.test_ledger_invariants import a_document, post

pytestmark = pytest.mark.django_db


def rate(value: str, day: int = 1) -> ExchangeRate:
    return ExchangeRate.objects.create(currency="USD", day=date(2026, 11, day), rate=Decimal(value))


def stored(table: str, column: str) -> list[tuple]:
    """The stored values as the database holds them, with their storage class on SQLite."""
    kind = "typeof({0})" if connection.vendor == "sqlite" else "pg_typeof({0})::text"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, {kind.format(column)} FROM {table} ORDER BY id"  # noqa: S608
        )
        return cursor.fetchall()


def test_values_are_rounded_half_up_once_and_stored_exactly():
    rate("1.0812345")  # seven places into six: half up
    rate("0.1", day=2)
    rate("0.2", day=3)

    assert list(ExchangeRate.objects.order_by("day").values_list("rate", flat=True)) == [
        Decimal("1.081235"),
        Decimal("0.100000"),
        Decimal("0.200000"),
    ]
    if connection.vendor == "sqlite":
        assert stored("bookkeeping_exchangerate", "rate") == [
            (1081235, "integer"),
            (100000, "integer"),
            (200000, "integer"),
        ]
    else:
        assert {kind for _, kind in stored("bookkeeping_exchangerate", "rate")} == {"numeric"}


def test_comparisons_sums_and_parameters_are_exact():
    for day, value in enumerate(("0.1", "0.2", "0.3", "1.081235"), 1):
        rate(value, day)
    rates = ExchangeRate.objects.all()
    field = ExchangeRate._meta.get_field("rate")

    # 0.1 + 0.2 is 0.3 (as floats it is 0.30000000000000004).
    assert rates.filter(day__lte=date(2026, 11, 2)).aggregate(s=Sum("rate"))["s"] == Decimal("0.3")
    assert rates.aggregate(lo=Min("rate"), hi=Max("rate")) == {
        "lo": Decimal("0.1"),
        "hi": Decimal("1.081235"),
    }
    assert rates.filter(rate=Decimal("0.3")).count() == 1
    assert rates.filter(rate__gt="0.2").count() == 2
    assert rates.filter(rate__gte=Decimal("0.2"), rate__lt=1).count() == 2
    assert rates.filter(rate__in=[Decimal("0.1"), Decimal("1.081235")]).count() == 2
    assert rates.filter(rate__gt=Value(Decimal("1.08"), output_field=field)).count() == 1
    assert list(rates.order_by("-rate").values_list("day__day", flat=True)) == [4, 3, 2, 1]


def test_a_value_too_large_for_its_field_is_refused_on_every_database():
    with pytest.raises(DataError, match="does not fit a number of 14 digits"), transaction.atomic():
        rate("1E+30")
    assert not ExchangeRate.objects.exists()


def test_the_positive_amount_constraint_sees_the_rounded_amount():
    entry = post(a_document())
    line = {"entry": entry, "role": "rounding", "account": 1590, "side": "S"}
    with pytest.raises(IntegrityError), transaction.atomic():
        # 0.004 is 0.00 at cents: not positive.
        JournalLine.objects.bulk_create([JournalLine(position=9, amount=Decimal("0.004"), **line)])
    if connection.vendor == "sqlite":  # PostgreSQL refuses lines added to a posted entry
        counter = {**line, "side": "H"}
        JournalLine.objects.bulk_create(
            [
                JournalLine(position=9, amount=Decimal("0.005"), **line),
                JournalLine(position=10, amount=Decimal("0.005"), **counter),
            ]
        )
        assert JournalLine.objects.get(entry=entry, position=9).amount == Decimal("0.01")


def test_raw_reads_of_stored_values_are_exact():
    post(a_document())
    with connection.cursor() as cursor:
        cursor.execute("SELECT amount, tax FROM bookkeeping_journalline ORDER BY position")
        rows = [(_dec(amount), _dec(tax)) for amount, tax in cursor.fetchall()]
    assert rows == [
        (Decimal("119.00"), Decimal("0.00")),
        (Decimal("100.00"), Decimal("19.00")),
        (Decimal("19.00"), Decimal("0.00")),
    ]
    assert _dec(1081235, 6) == Decimal("1.081235")
