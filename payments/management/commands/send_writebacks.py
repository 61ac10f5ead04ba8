"""``send_writebacks --connection NAME [--approve] [--json]``

Sends a connection's due write-backs of "paid" to Billbee now (the schedule's tick does the
same every few minutes): each order is read again first and marked paid only while it is
still open. ``--approve`` first approves every entry waiting for approval. Exit code 0, or 1
when entries were stopped or are to be tried again.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from connector.cli import OperatorCommand, input_error, name_argument
from connector.errors import ConnectorError
from connector.services.connections import connection_client, connection_get
from payments.models import Writeback
from payments.services.matching import writebacks_send


class Command(OperatorCommand):
    help = 'Send the due write-backs of "paid" to Billbee now.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", type=name_argument, metavar="NAME", required=True)
        parser.add_argument(
            "--approve", action="store_true", help="approve the entries waiting for approval"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
            client = connection_client(connection)
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        approved = 0
        if options["approve"]:
            approved = Writeback.objects.filter(
                connection=connection, state=Writeback.State.AWAITING_APPROVAL
            ).update(state=Writeback.State.PENDING)
        try:
            counts = writebacks_send(connection, client)
        finally:
            client.close()
        data = {"connection": connection.name, "approved": approved, **counts}
        if options["json"]:
            self.stdout.write(json.dumps(data))
        else:
            self.stdout.write(
                f"{connection.name}: {approved} approved, {counts['done']} marked paid or "
                f"already paid, {counts['stopped']} stopped, {counts['retry']} to try again"
            )
            for entry in Writeback.objects.filter(
                connection=connection, state=Writeback.State.STOPPED
            ).order_by("-updated_at")[: counts["stopped"]]:
                self.stdout.write(f"  order {entry.billbee_order_id}: {entry.reason}")
        if counts["stopped"] or counts["retry"]:
            raise SystemExit(1)
