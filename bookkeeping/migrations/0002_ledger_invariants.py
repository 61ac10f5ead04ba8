"""The ledger's invariants in the database, not only in Python (GoBD, bookkeeping.md §6).

PostgreSQL:
- posted entries and lines cannot be updated or deleted (row triggers; TRUNCATE, the
  administrator's tool, stays possible);
- lines can only be added in the transaction that posted their entry (each entry records the
  transaction id that inserted it);
- at commit, every entry posted in the transaction must have at least two lines and balance:
  Σ debit = Σ credit (a deferred constraint trigger).
SQLite: posted entries and lines cannot be updated (triggers). Deletes are refused by the
models and by the PROTECT foreign keys between bookings, entries and lines; a SQLite trigger
would also stop Django's test-database flush, which empties tables with DELETE.
"""

from django.db import migrations

ENTRY = "bookkeeping_journalentry"
LINE = "bookkeeping_journalline"

POSTGRES_FORWARD = f"""
ALTER TABLE {ENTRY} ADD COLUMN posted_txid bigint NOT NULL DEFAULT txid_current();

CREATE FUNCTION bookkeeping_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'posted journal entries are immutable (% on %): post a reversal instead',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER journalentry_immutable BEFORE UPDATE OR DELETE ON {ENTRY}
    FOR EACH ROW EXECUTE FUNCTION bookkeeping_refuse_change();
CREATE TRIGGER journalline_immutable BEFORE UPDATE OR DELETE ON {LINE}
    FOR EACH ROW EXECUTE FUNCTION bookkeeping_refuse_change();

CREATE FUNCTION bookkeeping_line_in_posting_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An entry this statement cannot see is being inserted by this very statement (or by
    -- another transaction still open, which the foreign key then waits for).
    IF EXISTS (SELECT 1 FROM {ENTRY} WHERE id = NEW.entry_id AND posted_txid <> txid_current())
    THEN
        RAISE EXCEPTION 'journal entry % is posted: lines cannot be added to it', NEW.entry_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER journalline_added_with_its_entry BEFORE INSERT ON {LINE}
    FOR EACH ROW EXECUTE FUNCTION bookkeeping_line_in_posting_transaction();

CREATE FUNCTION bookkeeping_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    debit numeric;
    credit numeric;
    lines integer;
BEGIN
    SELECT coalesce(sum(amount) FILTER (WHERE side = 'S'), 0),
           coalesce(sum(amount) FILTER (WHERE side = 'H'), 0),
           count(*)
      INTO debit, credit, lines
      FROM {LINE} WHERE entry_id = NEW.id;
    IF lines < 2 OR debit <> credit THEN
        RAISE EXCEPTION 'journal entry % does not balance: debit % credit % (% lines)',
            NEW.id, debit, credit, lines USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER journalentry_balances AFTER INSERT ON {ENTRY}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION bookkeeping_entry_balances();
"""

POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS journalentry_balances ON {ENTRY};
DROP TRIGGER IF EXISTS journalline_added_with_its_entry ON {LINE};
DROP TRIGGER IF EXISTS journalline_immutable ON {LINE};
DROP TRIGGER IF EXISTS journalentry_immutable ON {ENTRY};
DROP FUNCTION IF EXISTS bookkeeping_entry_balances();
DROP FUNCTION IF EXISTS bookkeeping_line_in_posting_transaction();
DROP FUNCTION IF EXISTS bookkeeping_refuse_change();
ALTER TABLE {ENTRY} DROP COLUMN IF EXISTS posted_txid;
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable: post a reversal'); END"""
    for table in (ENTRY, LINE)
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_immutable" for table in (ENTRY, LINE)]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql, None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0001_journal")]

    operations = [migrations.RunPython(forward, backward)]
