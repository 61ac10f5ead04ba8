"""The journal's protection on SQLite, created again.

Migration 0019 added the entries' ``texts`` column; SQLite adds a column with a default by
rebuilding the table, which dropped the entries' triggers (immutable, no delete, balance
proof) on SQLite installations. PostgreSQL keeps its triggers. This creates every SQLite
trigger of the journal again, as migration 0012 defines them; entries posted in between
stay as they were posted.
"""

from importlib import import_module

from django.db import migrations

protection = import_module("bookkeeping.migrations.0012_permissions_and_journal_protection")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        protection.sqlite_protect(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("bookkeeping", "0020_debtor_account_label")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
