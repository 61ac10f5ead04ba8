"""``setup_roles``: give the groups "Operator" and "Accountant" exactly the permissions of
their role again (idempotent). The migration created them; run this after an update whose
release notes say the roles changed, or to undo changes made to the two groups by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from connector.cli import OperatorCommand
from connector.roles import ROLE_PERMISSIONS, RolesError, roles_apply


class Command(OperatorCommand):
    help = 'Create or update the groups "Operator" and "Accountant" (idempotent).'

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changes = roles_apply()
        except RolesError as exc:
            raise CommandError(str(exc)) from None
        for role, change in changes.items():
            if change.created:
                what = "created"
            elif change.added or change.removed:
                what = "updated"
            else:
                what = "unchanged"
            details = [f"{len(ROLE_PERMISSIONS[role])} permissions"]
            if change.added and not change.created:
                details.append("added " + ", ".join(change.added))
            if change.removed:
                details.append("removed " + ", ".join(change.removed))
            self.stdout.write(f"Group {role!r} {what}: {'; '.join(details)}.")
