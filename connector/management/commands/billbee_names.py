"""``billbee_names CONNECTION``: refresh Billbee's names of payment types and order states now.

The import does this on its own when it starts, at most once a day; this command does it at
once (after Billbee added a payment type) through the connection's credentials. ``--list``
prints the stored names instead. Exit code 1 when Billbee could not be read.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from billbee.errors import BillbeeError
from connector.cli import OperatorCommand
from connector.errors import ConnectorError
from connector.models import BillbeeName
from connector.services.connections import connection_client, connection_get, explain
from connector.services.names import billbee_names_refresh


class Command(OperatorCommand):
    help = "Refresh Billbee's names of payment types and order states (GET /enums/*)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the connection to read Billbee with")
        parser.add_argument("--list", action="store_true", help="print the stored names")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for entry in BillbeeName.objects.all():
                self.stdout.write(f"{entry.kind}\t{entry.billbee_id}\t{entry.name}")
            return
        if not options["name"]:
            raise CommandError("name the connection to read Billbee with, or use --list")
        try:
            connection = connection_get(options["name"])
            client = connection_client(connection)
        except ConnectorError as exc:
            raise CommandError(str(exc)) from None
        try:
            result = billbee_names_refresh(client, force=True)
        except BillbeeError as exc:
            self.stderr.write(f"Billbee's names could not be read: {explain(exc, connection)}")
            raise SystemExit(1) from None
        finally:
            client.close()
        for kind, count in result.counts.items():
            beyond = result.beyond.get(kind) or []
            new = f", beyond the built-in list: {', '.join(map(str, beyond))}" if beyond else ""
            label = BillbeeName.Kind(kind).label
            self.stdout.write(f"{count} names of {label}s stored{new}")
