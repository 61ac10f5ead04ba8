"""``connection_test NAME``: check credentials and API access; say what is wrong.

Exit code 0 when every required check passed, 1 otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from connector.cli import OperatorCommand, input_error
from connector.errors import ConnectorError
from connector.services.connections import connection_get, connection_test


class Command(OperatorCommand):
    help = "Test a connection's credentials and Billbee API access."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["name"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        result = connection_test(connection)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"Connection {result.connection} → {result.api_url}")
            for check in result.checks:
                mark = (
                    self.style.SUCCESS("ok  ")
                    if check.ok
                    else (
                        self.style.ERROR("FAIL") if check.required else self.style.WARNING("warn")
                    )
                )
                self.stdout.write(f"  {mark} {check.name}: {check.message}")
            verdict = (
                self.style.SUCCESS("Connection works.")
                if result.ok
                else self.style.ERROR("Connection does not work.")
            )
            self.stdout.write(verdict)
        if not result.ok:
            raise SystemExit(1)
