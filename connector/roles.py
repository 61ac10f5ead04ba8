"""The console's two roles, as Django groups with fixed permissions (docs/permissions.md, "Roles").

- **Operator** (Sachbearbeiter) keeps imports, booking and payments running: reads everything
  and changes connections, channel rules, the debtor mapping, customer debtors, exchange
  rates, bank and PSP accounts, payment groups and ignore rules; tests connections, starts
  imports, books waiting documents, imports statements, settles lines, sends reminders and
  approves write-backs to Billbee.
- **Accountant** (Steuerberater) reads everything and exports to DATEV; changes nothing of the
  set-up and starts no import.

Neither manages users nor deletes anything of the books. The migration ``connector 0016``
creates both groups from a copy of these lists; ``manage.py setup_roles`` applies the lists
again when a later version changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

OPERATOR = "Operator"
ACCOUNTANT = "Accountant"

# Every model of the three apps, as ``app.model``: both roles may view all of them.
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

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    OPERATOR: (
        *VIEW_ALL,
        # connections: edit (not add: a new Billbee account is the administrator's), test, import
        "connector.change_connection",
        "connector.test_connection",
        "connector.run_import",
        # sales channels and their rules
        "connector.change_saleschannel",
        "connector.add_channelrule",
        "connector.change_channelrule",
        "connector.delete_channelrule",
        # debtor mapping and customer debtors (saving books what waited), booking now
        "bookkeeping.add_debtormapping",
        "bookkeeping.change_debtormapping",
        "bookkeeping.add_customerdebtor",
        "bookkeeping.change_customerdebtor",
        "bookkeeping.book_documents",
        # exchange rates: importing them books what waited for a rate
        "bookkeeping.add_exchangerate",
        "bookkeeping.change_exchangerate",
        # payments: accounts, groups, ignore rules, statements, settling, reminders
        "payments.add_paymentsource",
        "payments.change_paymentsource",
        "payments.add_paymentgroup",
        "payments.change_paymentgroup",
        "payments.add_ignorerule",
        "payments.change_ignorerule",
        "payments.import_statement",
        "payments.confirm_payment",
        "payments.send_reminders",
        # approving the write-back of "paid" to Billbee
        "payments.change_writeback",
    ),
    ACCOUNTANT: (
        *VIEW_ALL,
        "bookkeeping.export_datev",
    ),
}


class RolesError(Exception):
    """A listed permission does not exist (its model or migration is missing)."""


@dataclass
class RoleChange:
    created: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def roles_apply(roles: dict[str, tuple[str, ...]] | None = None) -> dict[str, RoleChange]:
    """Create the groups and give each exactly its listed permissions (idempotent): what is
    missing is added, what is not listed is removed. Returns what changed per group."""
    roles = ROLE_PERMISSIONS if roles is None else roles
    wanted = {name for names in roles.values() for name in names}
    by_name = {
        _name(p): p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={name.split(".")[0] for name in wanted}
        )
    }
    missing = sorted(wanted - set(by_name))
    if missing:
        raise RolesError(
            "These permissions do not exist: " + ", ".join(missing) + ". Run "
            "`manage.py migrate` first (it creates every model's permissions)."
        )
    changes = {}
    with transaction.atomic():
        for role, names in roles.items():
            group, created = Group.objects.get_or_create(name=role)
            current = {_name(p): p for p in group.permissions.select_related("content_type")}
            change = RoleChange(
                created=created,
                added=sorted(set(names) - set(current)),
                removed=sorted(set(current) - set(names)),
            )
            group.permissions.add(*(by_name[name] for name in change.added))
            group.permissions.remove(*(current[name] for name in change.removed))
            changes[role] = change
    return changes


def _name(permission: Any) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"
