"""``send_reminders --connection NAME [--dry-run] [--date YYYY-MM-DD] [--json]``

Sends a connection's due payment reminders (Zahlungserinnerung, Mahnung) now; the schedule
does the same once a day. ``--dry-run`` lists what would be sent (to, level, order, amount)
and sends, asks and logs nothing. ``--date`` takes another day as today (to see what a day
will bring). Exit code 0, or 1 when reminders failed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from connector.cli import OperatorCommand, date_argument, input_error, name_argument
from connector.errors import ConnectorError
from connector.services.connections import connection_get
from payments.services.reminders import reminders_send


class Command(OperatorCommand):
    help = "Send the due payment reminders (Mahnungen) of a connection now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", type=name_argument, metavar="NAME", required=True)
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be sent; send nothing"
        )
        parser.add_argument(
            "--date", type=date_argument, metavar="YYYY-MM-DD", help="the day taken as today"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        try:
            run = reminders_send(connection, dry_run=options["dry_run"], on=options["date"])
        except ConnectorError as exc:  # the connection's credentials are incomplete or unreadable
            raise input_error(str(exc)) from None
        counts = {s: run.count(s) for s in ("due", "sent", "failed", "skipped")}
        if options["json"]:
            data = {
                "connection": connection.name,
                "dry_run": run.dry_run,
                **counts,
                "reminders": [r.as_dict() for r in run.reminders],
            }
            self.stdout.write(json.dumps(data))
        else:
            self._print(connection.name, run.dry_run, counts, run.reminders)
        if counts["failed"]:
            raise SystemExit(1)

    def _print(
        self, name: str, dry_run: bool, counts: dict[str, int], reminders: list[Any]
    ) -> None:
        if dry_run:
            self.stdout.write(f"{name}: {counts['due']} reminder(s) due (dry run: nothing sent)")
        else:
            self.stdout.write(
                f"{name}: {counts['sent']} sent, {counts['failed']} failed, "
                f"{counts['skipped']} not sent"
            )
        for r in reminders:
            to = r.to.replace("\n", ", ") or "(no address)"
            line = (
                f"  level {r.level} {r.channel} to {to}: order {r.order_number}, invoice "
                f"{r.invoice_number}, {r.amount} {r.currency} open"
            )
            if not dry_run:
                line += f" [{r.status}]"
            self.stdout.write(line)
            if r.reason:
                self.stdout.write(f"    {r.reason}")
