"""PostgreSQL: leave a fifth of every upload-log page free.

Every import that reads a document again moves its "last seen" timestamp. With free room on
the page, PostgreSQL updates the row in place (a heap-only tuple update) instead of writing a
new row version plus an entry in each of the table's indexes. SQLite needs nothing.
"""

from django.db import migrations


def fillfactor(value: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name("connector_externalorder")
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("connector", "0006_one_index_for_status_and_reason")]

    operations = [migrations.RunPython(fillfactor(80), fillfactor(100))]
