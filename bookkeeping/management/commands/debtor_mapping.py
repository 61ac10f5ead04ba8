"""``debtor_mapping list|set|export|import --connection NAME …``

The debtor mapping ("Debitoren weitere Shops") from a script, as in the console:

- ``list [--unassigned] [--json]``: every row with the documents waiting for it;
- ``set --origin ORIGIN [--payment-method ID|any] --account N [--name TEXT]``: assign a
  debtor (the row is created when the import has not registered it yet);
- ``export --output PATH`` and ``import FILE [--dry-run] [--json]``: the console's CSV or
  XLSX file (by the extension); an import writes every row or none.

Assigning or importing books the documents that waited for a debtor (a task on a worker).
Exit code 2 when the input is rejected (nothing is written then), 1 on other errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DebtorMapping
from bookkeeping.resources import DebtorMappingResource, payment_method_value
from bookkeeping.selectors import debtor_mapping_rows, debtor_mapping_waiting
from bookkeeping.services.debtor_mapping import debtor_mapping_assign
from bookkeeping.services.setup_files import ImportReport, setup_file_export, setup_file_import
from connector.cli import OperatorCommand, input_error
from connector.errors import ConnectorError
from connector.models import Connection
from connector.services.connections import connection_get

BAD_INPUT = 2


def _problems(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())


class Command(OperatorCommand):
    help = "List, assign, export and import a connection's debtor mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)

        def action(name: str, help: str) -> CommandParser:
            command: CommandParser = sub.add_parser(name, help=help)
            command.add_argument("--connection", required=True, metavar="NAME")
            return command

        listing = action("list", "every row and the documents waiting for it")
        listing.add_argument("--unassigned", action="store_true", help="only rows without account")
        listing.add_argument("--json", action="store_true", help="print one JSON array")

        assign = action("set", "assign a debtor account (creates the row)")
        assign.add_argument("--origin", required=True, help="<label>-<Platform>-<BillbeeShopName>")
        assign.add_argument(
            "--payment-method",
            default="any",
            metavar="ID|any",
            help="Billbee payment method id, or 'any' (default): the origin's fallback",
        )
        assign.add_argument("--account", required=True, metavar="N", help="debtor 10000–69999")
        assign.add_argument(
            "--name", metavar="TEXT", help="the debtor's name in DATEV (up to 50 characters)"
        )

        export = action("export", "write the mapping as CSV or XLSX")
        export.add_argument("--output", required=True, metavar="PATH", help=".csv or .xlsx")

        load = action("import", "read a CSV or XLSX file: every row or none")
        load.add_argument("file", metavar="FILE", help=".csv or .xlsx")
        load.add_argument("--dry-run", action="store_true", help="report, write nothing")
        load.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        try:
            getattr(self, f"do_{options['action']}")(connection, options)
        except BookkeepingError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None

    def do_list(self, connection: Connection, options: dict[str, Any]) -> None:
        rows = debtor_mapping_rows(connection, unassigned=options["unassigned"])
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        table = [("origin", "payment method", "account", "name", "waiting")] + [
            (
                r["origin"],
                r["payment_method_name"]
                if r["payment_method"] == "any"
                else f"{r['payment_method']} {r['payment_method_name']}",
                "" if r["account"] is None else str(r["account"]),
                r["name"],
                str(r["waiting"]),
            )
            for r in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(5)]
        for line in table:
            cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
            cells[-1] = line[-1].rjust(widths[-1])
            self.stdout.write("  ".join(cells).rstrip())

    def do_set(self, connection: Connection, options: dict[str, Any]) -> None:
        try:
            method = payment_method_value(options["payment_method"])
        except ValueError as exc:
            raise CommandError(f"--payment-method: {exc}", returncode=BAD_INPUT) from None
        # Counted before: a worker may book them before this command prints.
        waiting = debtor_mapping_waiting(
            DebtorMapping(connection=connection, origin=options["origin"], payment_method=method)
        )
        try:
            done = debtor_mapping_assign(
                connection, options["origin"], method, options["account"], options["name"]
            )
        except ValidationError as exc:
            raise CommandError(
                f"Debtor mapping {options['origin']} / payment method "
                f"{options['payment_method']} not saved: {_problems(exc)}",
                returncode=BAD_INPUT,
            ) from None
        mapping = done.mapping
        what = "Created" if done.created else ("Updated" if done.changed else "Unchanged")
        self.stdout.write(f"{what}: {mapping} → {mapping.account} {mapping.name}".rstrip())
        if waiting and (done.created or "account" in done.changed):
            self.stdout.write(f"{waiting} document(s) waiting for it are booked on a worker.")

    def do_export(self, connection: Connection, options: dict[str, Any]) -> None:
        path = Path(options["output"])
        rows = setup_file_export(DebtorMappingResource, connection, path)
        self.stdout.write(f"{path}: {rows} {'row' if rows == 1 else 'rows'}")

    def do_import(self, connection: Connection, options: dict[str, Any]) -> None:
        report = setup_file_import(
            DebtorMappingResource, connection, Path(options["file"]), dry_run=options["dry_run"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print_report(report)
        if not report.ok:
            errors = report.errors + [
                f"row {r.row}: {r.reason}" for r in report.rows if r.outcome == "error"
            ]
            raise CommandError(f"Nothing was imported: {'; '.join(errors)}", returncode=BAD_INPUT)

    def _print_report(self, report: ImportReport) -> None:
        for error in report.errors:
            self.stdout.write(f"file: {error}")
        for row in report.rows:
            reason = f": {row.reason}" if row.reason else ""
            self.stdout.write(f"row {row.row:>4}  {row.outcome:<9}  {row.key}{reason}")
        totals = ", ".join(f"{n} {outcome}" for outcome, n in report.totals().items())
        if report.written:
            self.stdout.write(f"{totals}.")
        else:
            reason = "dry run" if report.ok else "invalid rows"
            self.stdout.write(f"{totals}; nothing was written ({reason}).")
