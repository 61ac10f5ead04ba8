"""Transfers between the merchant's own accounts (a payment provider's payout to the bank via
the transit account, Geldtransit): a journal entry of kind "transfer" that belongs to no
document, and the transit line role. SQLite rebuilds the entries table to let its document be
empty, which drops its triggers: they are lifted first and created again at the end, as in
migration 0007."""

import django.db.models.deletion
from django.db import migrations, models

from connector import sqlite_storage

TABLES = ["bookkeeping_journalentry"]


def lift_triggers(apps, schema_editor):
    sqlite_storage.lift_triggers(schema_editor, TABLES)


def restore_triggers(apps, schema_editor):
    sqlite_storage.restore_triggers(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('bookkeeping', '0014_payment_adjustments'),
        ('connector', '0014_permissions_and_schedule_defaults'),
    ]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.AlterField(
            model_name='journalentry',
            name='document',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='journal_entries', to='connector.externalorder'),
        ),
        migrations.RunPython(restore_triggers, lift_triggers),
        migrations.AlterField(
            model_name='journalentry',
            name='kind',
            field=models.CharField(choices=[('invoice', 'invoice'), ('credit_note', 'credit note'), ('reversal', 'reversal'), ('payment', 'payment'), ('transfer', 'transfer (Geldtransit)')], max_length=11),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='role',
            field=models.CharField(choices=[('debtor', 'debtor'), ('revenue', 'revenue'), ('shipping', 'shipping'), ('discount', 'discount'), ('vat', 'VAT'), ('rounding', 'rounding difference'), ('coupon', 'multi-purpose voucher'), ('voucher', 'single-purpose voucher'), ('bank', 'bank or payment provider account'), ('fee', 'payment provider fee'), ('skonto', 'cash discount granted (Skonto)'), ('writeoff', 'written off (Forderungsverlust or small difference)'), ('transit', 'transit account (Geldtransit)')], max_length=8),
        ),
    ]
