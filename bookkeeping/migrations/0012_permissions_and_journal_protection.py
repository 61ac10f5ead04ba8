"""Named permissions of the console, and the journal's protection completed on both databases
(GoBD, bookkeeping.md §6).

PostgreSQL (in addition to migration 0002): ``TRUNCATE`` of the journal tables is refused.
SQLite, the default database, now protects the journal as PostgreSQL does:
- posted entries and lines cannot be updated or deleted (row triggers);
- an entry whose lines do not balance (Σ debit ≠ Σ credit, or fewer than two lines) cannot be
  committed: every entry has a row in ``bookkeeping_journal_balance`` whose ``proof`` points
  at the entry only while its lines balance (``-id`` otherwise). ``proof`` is a deferred
  foreign key, so SQLite checks it when the transaction commits, as PostgreSQL's deferred
  constraint trigger does; lines added later to a posted entry unbalance it and are refused
  the same way. Entries posted before this migration are not checked again.

``manage.py flush`` (the administrator's "empty the whole database", also how the test suite
cleans up) is the one way around the delete and truncate refusals: it sets
``bookkeeping.allow_destroy`` for its own statements only (see
``bookkeeping/management/commands/flush.py`` and ``bookkeeping/protection.py``).

SQLite drops a table's triggers when a migration rebuilds the table: every SQLite trigger is
created again here (and ``tests/bookkeeping/test_journal_protection.py`` checks each one after
the whole migration chain).
"""

from django.db import migrations

ENTRY = "bookkeeping_journalentry"
LINE = "bookkeeping_journalline"
BALANCE = "bookkeeping_journal_balance"

POSTGRES_FORWARD = f"""
CREATE FUNCTION bookkeeping_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('bookkeeping.allow_destroy', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the journal is immutable: % of % is refused (post reversals instead)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER journalentry_no_truncate BEFORE TRUNCATE ON {ENTRY}
    FOR EACH STATEMENT EXECUTE FUNCTION bookkeeping_refuse_truncate();
CREATE TRIGGER journalline_no_truncate BEFORE TRUNCATE ON {LINE}
    FOR EACH STATEMENT EXECUTE FUNCTION bookkeeping_refuse_truncate();
"""

POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS journalline_no_truncate ON {LINE};
DROP TRIGGER IF EXISTS journalentry_no_truncate ON {ENTRY};
DROP FUNCTION IF EXISTS bookkeeping_refuse_truncate();
"""

# Amounts may be stored as numbers or as text: the sums are compared in whole cents.
_BALANCED = f"""(SELECT count(*) >= 2
        AND round(coalesce(sum(CASE WHEN side = 'S' THEN amount END), 0) * 100)
          = round(coalesce(sum(CASE WHEN side = 'H' THEN amount END), 0) * 100)
      FROM {LINE} WHERE entry_id = NEW.entry_id)"""

SQLITE_TRIGGERS = {
    f"{ENTRY}_immutable": f"""CREATE TRIGGER {ENTRY}_immutable BEFORE UPDATE ON {ENTRY}
        BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable: post a reversal'); END""",
    f"{LINE}_immutable": f"""CREATE TRIGGER {LINE}_immutable BEFORE UPDATE ON {LINE}
        BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable: post a reversal'); END""",
    # bookkeeping_allow_destroy() is registered on the connections Django opens (0 unless
    # manage.py flush runs); elsewhere it does not exist and the delete fails all the same.
    f"{ENTRY}_no_delete": f"""CREATE TRIGGER {ENTRY}_no_delete BEFORE DELETE ON {ENTRY}
        WHEN NOT bookkeeping_allow_destroy()
        BEGIN SELECT RAISE(ABORT, 'posted journal entries cannot be deleted: post a reversal');
        END""",
    f"{LINE}_no_delete": f"""CREATE TRIGGER {LINE}_no_delete BEFORE DELETE ON {LINE}
        WHEN NOT bookkeeping_allow_destroy()
        BEGIN SELECT RAISE(ABORT, 'posted journal entries cannot be deleted: post a reversal');
        END""",
    f"{ENTRY}_balance_pending": f"""CREATE TRIGGER {ENTRY}_balance_pending
        AFTER INSERT ON {ENTRY}
        BEGIN INSERT OR REPLACE INTO {BALANCE} (entry_id, proof) VALUES (NEW.id, -NEW.id); END""",
    f"{LINE}_balance": f"""CREATE TRIGGER {LINE}_balance AFTER INSERT ON {LINE}
        BEGIN UPDATE {BALANCE}
            SET proof = CASE WHEN {_BALANCED} THEN entry_id ELSE -entry_id END
            WHERE entry_id = NEW.entry_id;
        END""",
}

SQLITE_BALANCE_TABLE = f"""CREATE TABLE IF NOT EXISTS {BALANCE} (
    entry_id integer NOT NULL PRIMARY KEY,
    proof integer NOT NULL REFERENCES {ENTRY} (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED
)"""


def sqlite_protect(schema_editor) -> None:
    """Every SQLite trigger of the journal, created again whatever an earlier migration left."""
    schema_editor.execute(SQLITE_BALANCE_TABLE, None)
    for name, sql in SQLITE_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", None)
        schema_editor.execute(sql, None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, None)
    elif vendor == "sqlite":
        sqlite_protect(schema_editor)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, None)
    elif vendor == "sqlite":
        for name in (
            f"{ENTRY}_no_delete",
            f"{LINE}_no_delete",
            f"{ENTRY}_balance_pending",
            f"{LINE}_balance",
        ):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", None)
        schema_editor.execute(f"DROP TABLE IF EXISTS {BALANCE}", None)


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0009_own_vat_id")]

    operations = [
        migrations.AlterModelOptions(
            name="documentbooking",
            options={"permissions": [("book_documents", "Can book the waiting documents now")]},
        ),
        migrations.AlterModelOptions(
            name="exportbatch",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    (
                        "export_datev",
                        "Can export a period or the debtors to DATEV (marks the entries "
                        "exported)",
                    )
                ],
                "verbose_name_plural": "export batches",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
