"""Re-encrypting every stored credential with the first key of CREDENTIALS_KEY.

Keys rotate in three steps (docs/configuration.md): put the new key first in CREDENTIALS_KEY
and keep the old one after it; run ``rotate_credentials``; drop the old key. This module is the
second step: every ``EncryptedSecretField`` of every model is read (any key of the list
decrypts) and written again (the first key encrypts), one transaction per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from ..crypto import EncryptedSecretField, Secret, UnreadableSecret


@dataclass
class RotationReport:
    reencrypted: int = 0  # credentials written again with the first key
    rows: int = 0  # rows that had at least one
    unreadable: list[str] = field(default_factory=list)  # "connection shop: api_key", …


def _secret_fields() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.fields if isinstance(f, EncryptedSecretField)]
        if names:
            found.append((model, names))
    return found


def credentials_rotate() -> RotationReport:
    report = RotationReport()
    for model, names in _secret_fields():
        for row in model._default_manager.only("pk", *names).order_by("pk").iterator():
            changes: dict[str, Secret] = {}
            for name in names:
                value = getattr(row, name)
                if isinstance(value, UnreadableSecret):
                    report.unreadable.append(f"{model._meta.verbose_name} {row}: {name}")
                elif isinstance(value, Secret) and value:
                    changes[name] = value
            if changes:
                with transaction.atomic():
                    model._default_manager.filter(pk=row.pk).update(**changes)
                report.reencrypted += len(changes)
                report.rows += 1
    return report
