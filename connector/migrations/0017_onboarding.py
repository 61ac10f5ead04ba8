from django.db import migrations, models
from django.db.models import F


def existing_connections_are_set_up(apps, schema_editor):
    """Connections made before the wizard existed were set up without it: they count as
    finished, so that nothing asks to set them up again."""
    Connection = apps.get_model("connector", "Connection")
    Connection.objects.update(onboarded_at=F("created_at"), onboarding_step=7)


class Migration(migrations.Migration):
    dependencies = [
        ("connector", "0016_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="connection",
            name="onboarding_step",
            field=models.PositiveSmallIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="connection",
            name="onboarded_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(existing_connections_are_set_up, migrations.RunPython.noop),
    ]
