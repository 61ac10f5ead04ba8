"""The groups "Operator" (Sachbearbeiter) and "Accountant" (Steuerberater) with their
permissions (docs/permissions.md, "Roles").

The lists are a copy of ``connector.roles`` as of this migration: migrations must not import
application code that changes later. ``manage.py setup_roles`` applies the current lists.
Permissions are normally created after ``migrate`` (post_migrate); they are created here first
so that the groups get them on a fresh database. Idempotent; undoing it removes the groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR = "Operator"
ACCOUNTANT = "Accountant"

MODELS = (
    "connector.connection",
    "connector.saleschannel",
    "connector.channelrule",
    "connector.importrun",
    "connector.externalorder",
    "connector.externalorderversion",
    "connector.invoicerequest",
    "connector.billbeename",
    "bookkeeping.account",
    "bookkeeping.debtormapping",
    "bookkeeping.customerdebtor",
    "bookkeeping.taxaccount",
    "bookkeeping.foreignregistration",
    "bookkeeping.couponrule",
    "bookkeeping.exchangerate",
    "bookkeeping.journalentry",
    "bookkeeping.journalline",
    "bookkeeping.documentbooking",
    "bookkeeping.exportbatch",
    "bookkeeping.exportedentry",
    "bookkeeping.bookkeepingsettings",
    "payments.paymentsource",
    "payments.statement",
    "payments.statementtransaction",
    "payments.paymentgroup",
    "payments.ignorerule",
    "payments.writeback",
    "payments.paymentallocation",
    "payments.reminderlog",
    "payments.payeraccount",
)
VIEW_ALL = tuple(f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in MODELS)

ROLES = {
    OPERATOR: (
        *VIEW_ALL,
        "connector.change_connection",
        "connector.test_connection",
        "connector.run_import",
        "connector.change_saleschannel",
        "connector.add_channelrule",
        "connector.change_channelrule",
        "connector.delete_channelrule",
        "bookkeeping.add_debtormapping",
        "bookkeeping.change_debtormapping",
        "bookkeeping.add_customerdebtor",
        "bookkeeping.change_customerdebtor",
        "bookkeeping.book_documents",
        "bookkeeping.add_exchangerate",
        "bookkeeping.change_exchangerate",
        "payments.add_paymentsource",
        "payments.change_paymentsource",
        "payments.add_paymentgroup",
        "payments.change_paymentgroup",
        "payments.add_ignorerule",
        "payments.change_ignorerule",
        "payments.import_statement",
        "payments.confirm_payment",
        "payments.send_reminders",
        "payments.change_writeback",
    ),
    ACCOUNTANT: (
        *VIEW_ALL,
        "bookkeeping.export_datev",
    ),
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions skips those.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for role, names in ROLES.items():
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.using(db).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group, _ = Group.objects.using(db).get_or_create(name=role)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[OPERATOR, ACCOUNTANT]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("connector", "0015_customer_of_the_order"),
        ("bookkeeping", "0015_transfers"),
        ("payments", "0006_payer_accounts"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
