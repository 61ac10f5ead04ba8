"""Assigning a debtor account to an origin and payment method from a script (the console's
debtor mapping list does the same): the row is created when the import has not registered it
yet, validated by the model (debtor 10000–69999), and the documents that waited for it are
booked on a worker."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from billbee.enums import payment_type_name
from connector.models import Connection

from ..models import DebtorMapping
from .rebooking import documents_book_soon


@dataclass(frozen=True)
class DebtorAssignment:
    mapping: DebtorMapping
    created: bool
    changed: list[str]  # the fields that changed ("account", "name")


def debtor_mapping_assign(
    connection: Connection,
    origin: str,
    payment_method: int,
    account: int | str,
    name: str | None = None,
) -> DebtorAssignment:
    """Assign ``account`` (and ``name`` when given) to the origin's payment method (0: any).
    Raises ``ValidationError`` with the model's reasons; nothing is written then."""
    with transaction.atomic():
        mapping = (
            DebtorMapping.objects.select_for_update()
            .filter(connection=connection, origin=origin, payment_method=payment_method)
            .first()
        )
        created = mapping is None
        if mapping is None:
            mapping = DebtorMapping(
                connection=connection,
                origin=origin,
                payment_method=payment_method,
                payment_method_name=(
                    ""
                    if payment_method == DebtorMapping.ANY_PAYMENT_METHOD
                    else payment_type_name(payment_method)[:100]
                ),
            )
        before = (mapping.account, mapping.name)
        mapping.account = account  # type: ignore[assignment]  # full_clean converts it
        if name is not None:
            mapping.name = name
        mapping.full_clean()
        changed = [
            field
            for field, old in zip(("account", "name"), before, strict=True)
            if getattr(mapping, field) != old
        ]
        if created:
            mapping.save(force_insert=True)
        elif changed:
            mapping.save(update_fields=[*changed, "updated_at"])
        if created or "account" in changed:
            documents_book_soon({connection.pk})
    return DebtorAssignment(mapping, created, changed)
