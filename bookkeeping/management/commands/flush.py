"""Django's ``flush``, able to empty the journal: the database refuses to delete or truncate
journal entries and lines for everyone else (migration 0012)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from bookkeeping.protection import journal_destruction_allowed


class Command(DjangoFlush):
    help = (
        f"{DjangoFlush.help} This includes the journal, which nothing else may delete: "
        "database and journal go together."
    )

    def handle(self, **options: Any) -> None:
        with journal_destruction_allowed(connections[options["database"]]):
            super().handle(**options)
