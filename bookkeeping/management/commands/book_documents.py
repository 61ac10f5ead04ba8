"""``book_documents [--connection NAME] [--json]``

Books the upload log into the journal now: new, changed and waiting documents (the import
does this after every run). Exit code 0 when every document could be looked at, 1 on
internal errors.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from bookkeeping.errors import BookkeepingError
from bookkeeping.services.booking import documents_book
from connector.cli import OperatorCommand, input_error
from connector.errors import ConnectorError
from connector.services.connections import connections_named


class Command(OperatorCommand):
    help = "Book imported documents into the journal (new, changed and waiting ones)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="connection name (default: every active one)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connections = connections_named(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        results = []
        for connection in connections:
            try:
                results.append(documents_book(connection).as_dict())
            except BookkeepingError as exc:
                raise CommandError(str(exc)) from None
        if options["json"]:
            payload: Any = results[0] if len(results) == 1 else results
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for data in results:
                self.stdout.write(
                    f"{data['connection']}: {data['booked']} booked, {data['rebooked']} rebooked, "
                    f"{data['reversed']} reversed, {data['unchanged']} unchanged, "
                    f"{data['late_changes']} late changes, {data['booked_after_export']} booked "
                    f"after export in {data['duration_s']} s"
                )
                for outcome in ("waiting", "rejected"):
                    for reason, count in data[outcome].items():
                        self.stdout.write(f"  {outcome:>8} {count:>6}  {reason}")
        if any(r["internal_errors"] for r in results):
            raise SystemExit(1)
