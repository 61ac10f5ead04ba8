"""The ledger's invariants: posted entries balance and are never changed, in Python and in the
database (PostgreSQL: triggers and a deferred balance check; SQLite: update triggers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from bookkeeping.models import ImmutableError, JournalEntry, JournalLine
from bookkeeping.posting import PlanLine
from bookkeeping.services.entries import EntryValues, entry_post, entry_reverse, lines_balance
from connector.models import Connection, ExternalOrder

TABLE_ENTRY = "bookkeeping_journalentry"
TABLE_LINE = "bookkeeping_journalline"


def a_document() -> ExternalOrder:
    shop, _ = Connection.objects.get_or_create(
        name="ledger", defaults={"api_url": "http://127.0.0.1:9/api/v1", "username": "u"}
    )
    now = timezone.now()
    return ExternalOrder.objects.create(
        connection=shop,
        billbee_order_id=300000180000001 + ExternalOrder.objects.count(),
        status="imported",
        reason_code="imported",
        reason="imported",
        raw_hash="x",
        content_hash="y",
        first_seen_at=now,
        last_seen_at=now,
        decided_at=now,
    )


def values(**fields) -> EntryValues:
    data = {
        "kind": "invoice",
        "number": "RE-2026-1",
        "document_date": date(2026, 11, 10),
        "service_date": date(2026, 11, 12),
        "text": "Rechnung 1 Shopware",
        "origin": "[Billbee]-Shopware-Shop",
        "order_number": "1",
        "billbee_order_id": 1,
        "case": "domestic",
        "debtor": 10001,
        "document_total": Decimal("119.00"),
        "source_hash": "x",
        "plan_hash": "p",
    }
    data.update(fields)
    return EntryValues(**data)


BALANCED = [
    PlanLine("debtor", 10001, "S", Decimal("119.00")),
    PlanLine("revenue", 8400, "H", Decimal("100.00"), Decimal(19), Decimal("19.00")),
    PlanLine("vat", 1776, "H", Decimal("19.00"), Decimal(19)),
]


def post(document: ExternalOrder, lines=BALANCED) -> JournalEntry:
    return entry_post(document.connection_id, document.pk, values(), list(lines), timezone.now())


# ---------------------------------------------------------------- in Python (every database)


@pytest.mark.django_db
def test_an_unbalanced_or_non_positive_plan_is_refused_before_the_database():
    with pytest.raises(ValueError, match=r"debit 119\.00 ≠ credit 118\.00"):
        lines_balance([*BALANCED[:2], PlanLine("vat", 1776, "H", Decimal("18.00"))])
    with pytest.raises(ValueError, match="positive"):
        lines_balance(
            [PlanLine("debtor", 1, "S", Decimal(0)), PlanLine("revenue", 2, "H", Decimal(0))]
        )


@pytest.mark.django_db
def test_posted_entries_and_lines_cannot_be_saved_again_updated_or_deleted():
    entry = post(a_document())
    entry.text = "changed"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(ImmutableError):
        JournalEntry.objects.filter(pk=entry.pk).update(text="changed")
    with pytest.raises(ImmutableError):
        JournalLine.objects.filter(entry=entry).delete()
    line = entry.lines.first()
    line.amount = Decimal(1)
    with pytest.raises(ImmutableError):
        line.save()
    assert JournalEntry.objects.get(pk=entry.pk).text == "Rechnung 1 Shopware"


@pytest.mark.django_db
def test_the_database_refuses_to_update_a_posted_entry_or_line():
    entry = post(a_document())
    for table, column in ((TABLE_ENTRY, "text"), (TABLE_LINE, "account")):
        value = "'x'" if column == "text" else "9999"
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"UPDATE {table} SET {column} = {value}")  # noqa: S608
    assert JournalEntry.objects.get(pk=entry.pk).text == "Rechnung 1 Shopware"
    assert {ln.account for ln in entry.lines.all()} == {10001, 8400, 1776}


# The journal's protection on PostgreSQL (migrations 0002 and 0012).
POSTGRES_TRIGGERS = {
    "journalentry_immutable",
    "journalline_immutable",
    "journalline_added_with_its_entry",
    "journalentry_balances",
    "journalentry_no_truncate",
    "journalline_no_truncate",
}


@pytest.mark.django_db
def test_every_trigger_of_the_journal_stands_after_all_migrations():
    """A migration that rebuilds a journal table drops its triggers on SQLite (adding a
    column with a default does): every trigger of the journal's protection must stand at the
    end, on SQLite (as migration 0012 defines them) and on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            protection = import_module(
                "bookkeeping.migrations.0012_permissions_and_journal_protection"
            )
            expected = set(protection.SQLITE_TRIGGERS)
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            expected = POSTGRES_TRIGGERS
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        standing = {name for (name,) in cursor.fetchall()}

    assert expected - standing == set()


@pytest.mark.django_db
def test_a_reversal_mirrors_every_line_and_points_at_the_original():
    entry = post(a_document())
    reversal = entry_reverse(entry, timezone.now(), late_change=False, note="changed")

    assert reversal.reverses == entry and reversal.kind == "reversal"
    assert reversal.document_total == Decimal("-119.00")
    assert [(ln.account, ln.side, ln.amount) for ln in reversal.lines.all()] == [
        (10001, "H", Decimal("119.00")),
        (8400, "S", Decimal("100.00")),
        (1776, "S", Decimal("19.00")),
    ]


# ---------------------------------------------------------------- PostgreSQL


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_updates_and_deletes_of_posted_rows(postgres):
    entry = post(a_document())
    statements = [
        f"UPDATE {TABLE_ENTRY} SET text = 'x' WHERE id = {entry.pk}",  # noqa: S608
        f"DELETE FROM {TABLE_LINE} WHERE entry_id = {entry.pk}",  # noqa: S608
        f"UPDATE {TABLE_LINE} SET amount = 1 WHERE entry_id = {entry.pk}",  # noqa: S608
    ]
    for sql in statements:
        with (
            pytest.raises(IntegrityError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert JournalLine.objects.filter(entry=entry).count() == 3


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_to_commit_an_entry_that_does_not_balance(postgres):
    document = a_document()
    unbalanced = [*BALANCED[:2], PlanLine("vat", 1776, "H", Decimal("18.00"))]
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        # Around the Python check, as a program writing rows directly would.
        entry = JournalEntry.objects.create(
            connection_id=document.connection_id,
            document=document,
            posted_at=timezone.now(),
            **{
                k: v
                for k, v in values().__dict__.items()
                if k not in ("credit_for_id", "reverses_id")
            },
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
            for i, ln in enumerate(unbalanced, start=1)
        )
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_lines_added_to_an_entry_posted_earlier(postgres):
    entry = post(a_document())  # committed (autocommit)
    with pytest.raises(IntegrityError, match="is posted"), transaction.atomic():
        JournalLine.objects.bulk_create(
            [
                JournalLine(
                    entry=entry,
                    position=9,
                    role="revenue",
                    account=8400,
                    side="S",
                    amount=Decimal(1),
                ),
                JournalLine(
                    entry=entry, position=10, role="vat", account=1776, side="H", amount=Decimal(1)
                ),
            ]
        )
    assert entry.lines.count() == 3


@pytest.mark.django_db(transaction=True)
def test_postgres_accepts_a_balanced_entry_and_its_reversal(postgres):
    entry = post(a_document())
    reversal = entry_reverse(entry, timezone.now(), late_change=True, note="late")
    assert JournalEntry.objects.count() == 2
    assert JournalEntry.objects.get(pk=reversal.pk).late_change
