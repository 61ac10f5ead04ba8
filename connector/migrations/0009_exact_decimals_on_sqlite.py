"""Decimals exact on SQLite: stored as integers of their smallest unit (cents for two
places) instead of REAL floats (``connector/fields.py``). Every stored value is
converted, rounded half up to the field's places; SQLite rebuilds the table.
On PostgreSQL only the field class changes; the columns stay ``numeric``."""

from django.db import migrations

import connector.fields
from connector import sqlite_storage

COLUMNS = [
    ("connector_externalorder", "total_gross", 4),
    ("connector_externalorder", "shipping_cost", 4),
    ("connector_externalorder", "adjustment_cost", 4),
    ("connector_externalorder", "lines_total", 2),
    ("connector_externalorder", "rounding_difference", 4),
]
TABLES = sorted({table for table, _, _ in COLUMNS})


def lift_triggers(apps, schema_editor):
    sqlite_storage.lift_triggers(schema_editor, TABLES)


def restore_triggers(apps, schema_editor):
    sqlite_storage.restore_triggers(schema_editor)


def to_units(apps, schema_editor):
    sqlite_storage.columns_to_units(schema_editor, COLUMNS)


def from_units(apps, schema_editor):
    sqlite_storage.columns_from_units(schema_editor, COLUMNS)



class Migration(migrations.Migration):

    dependencies = [
        ('connector', '0008_invoiced_documents_in_every_state'),
    ]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.RunPython(to_units, from_units),
        migrations.AlterField(
            model_name='externalorder',
            name='adjustment_cost',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=4, max_digits=18, null=True),
        ),
        migrations.AlterField(
            model_name='externalorder',
            name='lines_total',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=2, help_text='Sum of the order lines, each rounded to cents.', max_digits=18, null=True),
        ),
        migrations.AlterField(
            model_name='externalorder',
            name='rounding_difference',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=4, help_text='TotalCost minus (rounded lines + shipping + adjustment).', max_digits=18, null=True),
        ),
        migrations.AlterField(
            model_name='externalorder',
            name='shipping_cost',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=4, max_digits=18, null=True),
        ),
        migrations.AlterField(
            model_name='externalorder',
            name='total_gross',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=4, max_digits=18, null=True),
        ),
        migrations.RunPython(restore_triggers, lift_triggers),
    ]
