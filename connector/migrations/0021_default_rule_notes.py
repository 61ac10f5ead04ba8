"""Default channel rules keep no English note of their own: the console writes why they exist
in the reader's language (ChannelRule.shown_note). A note an operator changed stays."""

from django.db import migrations

ENGLISH_DEFAULT_NOTE = "default: usually booked through the ledger's direct integration"


def forwards(apps, schema_editor):
    ChannelRule = apps.get_model("connector", "ChannelRule")
    ChannelRule.objects.filter(is_default=True, note=ENGLISH_DEFAULT_NOTE).update(note="")


def backwards(apps, schema_editor):
    ChannelRule = apps.get_model("connector", "ChannelRule")
    ChannelRule.objects.filter(is_default=True, note="").update(note=ENGLISH_DEFAULT_NOTE)


class Migration(migrations.Migration):
    dependencies = [("connector", "0020_connection_test_texts")]
    operations = [migrations.RunPython(forwards, backwards)]
