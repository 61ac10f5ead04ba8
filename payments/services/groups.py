"""Komfortkasse's payment groups of a connection, created with their defaults on first use."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from connector.models import Connection

from ..models import PaymentGroup
from ..selectors import default_payment_groups


def payment_groups_ensure(connection: Connection) -> list[PaymentGroup]:
    """Store the default of every group the connection does not have yet; returns the
    groups created (an existing group is never changed)."""
    existing = set(
        PaymentGroup.objects.filter(connection=connection).values_list("kind", flat=True)
    )
    created = []
    for group in default_payment_groups(connection):
        if group.kind in existing:
            continue
        try:
            with transaction.atomic():
                group.save()
        except IntegrityError:  # created at the same moment by another request
            continue
        created.append(group)
    return created
