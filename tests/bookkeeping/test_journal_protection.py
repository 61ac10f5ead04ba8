"""The journal's protection in the database after the whole migration chain, on the database
the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL): deleting entries or lines
is refused, truncating them too on PostgreSQL, and an entry whose lines do not balance cannot
be committed. A migration that rebuilds a journal table drops its SQLite triggers: these tests
are what notices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bookkeeping.models import JournalEntry, JournalLine
from bookkeeping.posting import PlanLine
from tests.bookkeeping.test_ledger_invariants import (
    BALANCED,
    TABLE_ENTRY,
    TABLE_LINE,
    a_document,
    post,
    values,
)

pytestmark = pytest.mark.django_db(transaction=True)


def raw(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def insert_unchecked(lines: list[PlanLine]) -> JournalEntry:
    """An entry and its lines written around the Python checks, as a program writing rows
    directly would."""
    document = a_document()
    entry = JournalEntry.objects.create(
        connection_id=document.connection_id,
        document=document,
        posted_at=timezone.now(),
        **{k: v for k, v in values().__dict__.items() if k not in ("credit_for_id", "reverses_id")},
    )
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            position=i,
            role=ln.role,
            account=ln.account,
            side=ln.side,
            amount=ln.amount,
        )
        for i, ln in enumerate(lines, start=1)
    )
    return entry


@pytest.mark.parametrize("table", [TABLE_LINE, TABLE_ENTRY])
def test_deleting_posted_rows_is_refused(table):
    entry = post(a_document())
    with pytest.raises(DatabaseError, match=r"immutable|cannot be deleted"):
        raw(f"DELETE FROM {table}")  # noqa: S608
    assert JournalEntry.objects.filter(pk=entry.pk).exists()
    assert JournalLine.objects.filter(entry=entry).count() == 3


@pytest.mark.parametrize("table", [TABLE_LINE, TABLE_ENTRY])
def test_truncating_the_journal_is_refused_on_postgres(postgres, table):
    entry = post(a_document())
    with pytest.raises(DatabaseError, match="immutable"):
        raw(
            f"TRUNCATE {TABLE_ENTRY}, {TABLE_LINE} CASCADE"
            if table == TABLE_ENTRY
            else f"TRUNCATE {table}"
        )
    assert JournalLine.objects.filter(entry=entry).count() == 3


def test_an_entry_that_does_not_balance_is_not_committed():
    unbalanced = [*BALANCED[:2], PlanLine("vat", 1776, "H", Decimal("18.00"))]
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_unchecked(unbalanced)
    assert not JournalEntry.objects.exists()


def test_an_entry_with_one_line_is_not_committed():
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_unchecked([BALANCED[0]])
    assert not JournalEntry.objects.exists()


def test_a_balanced_entry_written_directly_is_committed():
    with transaction.atomic():
        entry = insert_unchecked(BALANCED)
    assert JournalLine.objects.filter(entry=entry).count() == 3


def test_lines_added_to_an_entry_posted_earlier_are_refused():
    entry = post(a_document())
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalLine.objects.create(
            entry=entry, position=9, role="revenue", account=8400, side="H", amount=Decimal(1)
        )
    assert entry.lines.count() == 3


def test_flush_still_empties_the_whole_database():
    post(a_document())
    call_command("flush", interactive=False, verbosity=0)
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()
