"""Decimals exact on SQLite: stored as integers of their smallest unit (cents for two
places) instead of REAL floats (``connector/fields.py``). Every stored value is
converted, rounded half up to the field's places. SQLite rebuilds the tables, which drops
their triggers, and the journal's immutability triggers refuse the conversion's UPDATE: the
triggers are lifted first and created again at the end, as they were (migrations 0002, 0006).
On PostgreSQL only the field class changes; the columns stay ``numeric``."""

from decimal import Decimal

import django.core.validators
from django.db import migrations

import connector.fields
from connector import sqlite_storage

COLUMNS = [
    ("bookkeeping_bookkeepingsettings", "rounding_tolerance", 2),
    ("bookkeeping_documentbooking", "vat_difference", 2),
    ("bookkeeping_exchangerate", "rate", 6),
    ("bookkeeping_journalentry", "document_total", 2),
    ("bookkeeping_journalentry", "exchange_rate", 6),
    ("bookkeeping_journalentry", "origin_rate", 2),
    ("bookkeeping_journalline", "amount", 2),
    ("bookkeeping_journalline", "rate", 2),
    ("bookkeeping_journalline", "tax", 2),
    ("bookkeeping_taxaccount", "rate", 2),
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
        ('bookkeeping', '0006_supplements_and_incomplete_months'),
    ]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.RunPython(to_units, from_units),
        migrations.AlterField(
            model_name='bookkeepingsettings',
            name='rounding_tolerance',
            field=connector.fields.ExactDecimalField(decimal_places=2, default=Decimal('0.05'), help_text='Rounding differences up to this amount go to the rounding account; a larger one holds the document back for review.', max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))]),
        ),
        migrations.AlterField(
            model_name='documentbooking',
            name='vat_difference',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
        ),
        migrations.AlterField(
            model_name='exchangerate',
            name='rate',
            field=connector.fields.ExactDecimalField(decimal_places=6, max_digits=14, validators=[django.core.validators.MinValueValidator(0)]),
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='document_total',
            field=connector.fields.ExactDecimalField(decimal_places=2, help_text="The document's total in its currency.", max_digits=18),
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='exchange_rate',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=6, help_text='1 EUR = x.', max_digits=14, null=True),
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='origin_rate',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='amount',
            field=connector.fields.ExactDecimalField(decimal_places=2, max_digits=14),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='rate',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='tax',
            field=connector.fields.ExactDecimalField(decimal_places=2, default=0, help_text='Revenue lines: the VAT on this line (part of the VAT line of its rate).', max_digits=14),
        ),
        migrations.AlterField(
            model_name='taxaccount',
            name='rate',
            field=connector.fields.ExactDecimalField(blank=True, decimal_places=2, help_text='Empty: any rate.', max_digits=5, null=True),
        ),
        migrations.RunPython(restore_triggers, lift_triggers),
    ]
