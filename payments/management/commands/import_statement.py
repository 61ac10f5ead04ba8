"""``import_statement FILE [--source NAME] [--connection NAME] [--format F] [--no-billbee]
[--json]``

Reads a bank or payment-provider statement into an account (a payment source): new lines are
stored, lines already stored are counted as known, broken lines are listed with their reason.
Then the open prepayment orders are read from Billbee (unless ``--no-billbee``; a failure is a
warning) and every line not yet confirmed is matched.
Exit code 0 when every line was read, 1 when lines failed, 2 on bad input (an unknown account
or format, a file that cannot be read or belongs to another account: nothing is written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from connector.cli import OperatorCommand, input_error, name_argument
from connector.errors import ConnectorError
from connector.services.connections import connection_get
from payments.errors import PaymentsError
from payments.models import PaymentSource
from payments.services.matching import transactions_confirm_exact, transactions_match
from payments.services.prepayments import OpenOrdersRead, prepayment_orders_read
from payments.services.statements import FORMATS, statement_import

MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(OperatorCommand):
    help = "Import a bank or payment-provider statement (CAMT, MT940, PayPal, Stripe, CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the statement file")
        parser.add_argument(
            "--source", metavar="NAME", help="the account (default: the only active one)"
        )
        parser.add_argument(
            "--connection", type=name_argument, metavar="NAME", help="the connection"
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="the file's format (default: the account's, else recognised)",
        )
        parser.add_argument(
            "--no-billbee",
            action="store_true",
            help="match against the stored orders only: do not read the open prepayment "
            "orders from Billbee first",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise input_error(f"{options['file']!r} is not a readable file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise input_error(f"{options['file']!r} is larger than 200 MB: split the export.")
        source = self.source(options["source"], options["connection"])
        try:
            result = statement_import(
                source, path.read_bytes(), filename=path.name, format=options["format"]
            )
        except PaymentsError as exc:
            raise input_error(str(exc)) from None
        data = result.as_dict()
        # Prepayment orders as Billbee has them now (a failure is a warning); then the lines
        # not yet confirmed are matched; only the exact 1:1 rule confirms by itself.
        open_orders = OpenOrdersRead()
        if not options["no_billbee"]:
            open_orders = prepayment_orders_read(source.connection)
        data["open_orders"] = open_orders.as_dict()
        matching = transactions_match(source.connection)
        matching.confirmed = transactions_confirm_exact(source.connection)
        data["matching"] = matching.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"{source.name}: {data['lines']} lines, {data['new']} new, {data['known']} "
                f"already known, {len(data['errors'])} with errors "
                f"(statement {data['statement_id']})"
            )
            if open_orders.read:
                self.stdout.write(
                    f"open prepayment orders read from Billbee: {open_orders.fetched} "
                    f"({open_orders.stored} new or changed)"
                )
            if open_orders.warning:
                self.stderr.write(f"warning: {open_orders.warning}")
            states = ", ".join(f"{n} {state}" for state, n in sorted(matching.states.items()))
            self.stdout.write(
                f"matched {matching.lines} open lines: {states or 'none'}; "
                f"{matching.confirmed} confirmed by the exact rule"
            )
            booked = ", ".join(
                f"{n} {what.replace('_', ' ')}" for what, n in matching.booked.items() if n
            )
            if booked:
                self.stdout.write(f"booked without a person: {booked}")
            for error in data["errors"]:
                self.stdout.write(f"  line {error['position']}: {error['reason']}")
        if result.errors:
            raise SystemExit(1)

    def source(self, name: str | None, connection_name: str | None) -> PaymentSource:
        sources = PaymentSource.objects.select_related("connection").filter(is_active=True)
        if connection_name:
            try:
                sources = sources.filter(connection=connection_get(connection_name))
            except ConnectorError as exc:
                raise input_error(str(exc)) from None
        else:
            sources = sources.filter(connection__is_active=True)
        candidates = list(sources.filter(name=name) if name else sources)
        if len(candidates) == 1:
            return candidates[0]
        known = ", ".join(sorted({s.name for s in sources})) or "none yet"
        if not candidates:
            what = f"no active account named {name!r}" if name else "no active account"
            raise input_error(
                f"There is {what} (known: {known}). Create it in the console under "
                "Payments → Bank and PSP accounts."
            )
        if name:
            raise input_error(
                f"Several connections have an account {name!r}: name one with --connection."
            )
        raise input_error(f"There are several accounts ({known}): name one with --source.")
