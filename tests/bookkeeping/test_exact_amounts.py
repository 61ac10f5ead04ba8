"""Money is exact on both databases: documents whose totals Billbee sends with
seven decimals are imported from the sandbox, booked and exported; every journal amount is
whole cents, every entry balances to the cent, SQLite never holds an amount as a float, and
the DATEV file books what the journal holds, to the cent."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection as db
from django.db import models
from django.db.models import Sum

from bookkeeping.datev import read_extf
from bookkeeping.exporting import ORIGINAL_IN_FIELD1
from bookkeeping.models import JournalEntry, JournalLine
from bookkeeping.services.export import datev_export
from connector.models import ExternalOrder
from tests.bookkeeping.helpers import generated_books

pytestmark = pytest.mark.django_db(transaction=True)

CENT = Decimal("0.01")
SIGN = {"S": 1, "H": -1}


def decimal_columns() -> list[tuple[str, str]]:
    """(table, column) of every decimal field of the project's models."""
    return [
        (model._meta.db_table, field.column)
        for app in ("connector", "bookkeeping")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.DecimalField)
    ]


def stored_types(table: str, column: str) -> set[str]:
    q = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT typeof({q(column)}) FROM {q(table)}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def amount(text: str) -> Decimal:
    """A DATEV amount ("269,41"): at most two decimals, decimal comma."""
    whole, _, cents = text.partition(",")
    assert len(cents) <= 2, text
    return Decimal(f"{whole}.{cents or 0}")


def test_sub_cent_totals_book_and_export_whole_cents(make_sandbox):
    connection, result = generated_books(make_sandbox(orders=250, subcent_totals=1.0))

    unrounded = [t for t in ExternalOrder.objects.values_list("total_gross", flat=True) if t % CENT]
    assert len(unrounded) >= 20  # the sandbox sent many totals with a sub-cent rest
    assert result.internal_errors == 0
    entries = JournalEntry.objects.filter(connection=connection)
    assert entries.count() == result.booked > 100

    # Every amount is whole cents, and every entry balances to the cent: in Python and in the
    # database's own sums.
    sides: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"S": Decimal(0), "H": Decimal(0)})
    for entry_id, side, value, tax in JournalLine.objects.values_list(
        "entry_id", "side", "amount", "tax"
    ):
        assert value == value.quantize(CENT) and value > 0, (entry_id, value)
        assert tax == tax.quantize(CENT), (entry_id, tax)
        sides[entry_id][side] += value
    assert all(s["S"] == s["H"] for s in sides.values())
    summed = JournalLine.objects.values("entry_id", "side").annotate(total=Sum("amount"))
    for row in summed.order_by():
        assert row["total"] == sides[row["entry_id"]][row["side"]]
    assert all(e.document_total == e.document_total.quantize(CENT) for e in entries)

    if db.vendor == "sqlite":
        floats = {c: t for c in decimal_columns() if "real" in (t := stored_types(*c))}
        assert floats == {}

    # The DATEV file books on each debtor, per document, exactly the journal's debtor lines.
    assert connection.bookkeeping.credit_note_document_field == ORIGINAL_IN_FIELD1
    export = datev_export(connection, date(2026, 8, 1), date(2026, 11, 30), allow_incomplete=True)
    assert sum(b.entries for b in export.batches) == entries.count()
    in_file: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for batch in export.batches:
        extf = read_extf(batch.data)
        turned = extf.headings.index("Generalumkehr (GU)")
        for row in extf.rows:
            f = row.fields
            sign = SIGN[f[1]] * (-1 if f[turned] == "1" else 1)
            in_file[(f[6], f[10])] += sign * amount(f[0])
    in_journal: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in JournalLine.objects.filter(role="debtor").select_related("entry"):
        key = (str(line.account), line.entry.reference or line.entry.number)
        in_journal[key] += SIGN[line.side] * line.amount
    assert {k: v for k, v in in_file.items() if v} == {k: v for k, v in in_journal.items() if v}


# --- the migrations that convert what SQLite stored as floats ------------------------------

BEFORE = [
    ("connector", "0008_invoiced_documents_in_every_state"),
    ("bookkeeping", "0006_supplements_and_incomplete_months"),
]


def migrate(targets: list[tuple[str, str]]) -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(db)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    # Every app's latest migration: going back to BEFORE also unapplied the apps that
    # depend on connector or bookkeeping (payments), and later tests need their tables.
    return MigrationLoader(db).graph.leaf_nodes()


def raw(sql: str, params: list | None = None) -> list[tuple]:
    with db.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def test_the_migrations_convert_stored_floats_to_exact_cents_and_keep_the_triggers(make_sandbox):
    _, result = generated_books(make_sandbox(orders=40))
    assert result.booked > 10
    lines = dict(JournalLine.objects.values_list("pk", "amount"))
    totals = dict(ExternalOrder.objects.values_list("pk", "total_gross"))
    document = ExternalOrder.objects.filter(total_gross__isnull=False).first()
    entry = JournalEntry.objects.first()

    migrate(BEFORE)
    if db.vendor == "sqlite":
        # As the decimal fields stored them: REAL whenever there is a fraction.
        assert "real" in {t for (t,) in raw("SELECT typeof(amount) FROM bookkeeping_journalline")}
    # What an older version stored: unrounded Billbee totals, a float that misses its cents.
    raw(
        "UPDATE connector_externalorder SET total_gross = %s, lines_total = %s, "
        "rounding_difference = %s WHERE id = %s",
        [589.2375, 0.125, -0.00005, document.pk],
    )
    if db.vendor == "sqlite":  # PostgreSQL refuses lines added to a posted entry
        for position, side in ((98, "H"), (99, "S")):
            raw(
                "INSERT INTO bookkeeping_journalline (entry_id, position, role, account, side, "
                "amount, rate, tax, bu_key, datev_gross) "
                "VALUES (%s, %s, 'rounding', 1590, %s, %s, NULL, %s, '', %s)",
                [entry.pk, position, side, 269.40000000000003, 0.0, False],
            )

    migrate(latest())

    if db.vendor == "sqlite":
        floats = {c: t for c in decimal_columns() if "real" in (t := stored_types(*c))}
        assert floats == {}
        added = JournalLine.objects.get(entry=entry, position=99)
        assert (added.amount, added.tax) == (Decimal("269.40"), Decimal("0.00"))
        between = JournalLine.objects.filter(amount__gt="269.39", amount__lt="269.41")
        assert between.filter(pk=added.pk).exists()
    stored = JournalLine.objects.exclude(position__in=(98, 99)).values_list("pk", "amount")
    assert dict(stored) == lines
    document.refresh_from_db()
    assert document.total_gross == Decimal("589.2375")
    assert document.lines_total == Decimal("0.13")  # half up
    assert document.rounding_difference == Decimal("-0.0001")  # half up: away from zero
    totals.pop(document.pk)
    assert (
        dict(ExternalOrder.objects.exclude(pk=document.pk).values_list("pk", "total_gross"))
        == totals
    )
    # The journal refuses changes again, in the database itself.
    from django.db import DatabaseError

    for sql in (
        "UPDATE bookkeeping_journalentry SET text = 'x' WHERE id = %s",
        "UPDATE bookkeeping_journalline SET amount = 1 WHERE entry_id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            raw(sql, [entry.pk])
