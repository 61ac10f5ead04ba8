"""docs/permissions.md names every permission the console checks, and only real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"


@pytest.mark.django_db
def test_the_permission_table_lists_every_named_permission_and_only_existing_ones():
    text = DOC.read_text()
    mentioned = set(re.findall(r"`((?:connector|bookkeeping|payments)\.[a-z_]+)`", text))
    custom = {
        f"{model._meta.app_label}.{codename}"
        for model in apps.get_models()
        for codename, _ in model._meta.permissions
    }
    existing = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }

    assert custom == {
        "connector.test_connection",
        "connector.run_import",
        "bookkeeping.export_datev",
        "bookkeeping.book_documents",
        "payments.import_statement",
        "payments.confirm_payment",
        "payments.send_reminders",
    }
    assert custom <= mentioned
    assert mentioned <= existing, mentioned - existing
