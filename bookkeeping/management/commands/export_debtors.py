"""``export_debtors --connection NAME --output PATH``

Writes the DATEV master data of the connection's debtors (Debitoren/Kreditoren, category 16):
per-customer debtors with name, address and VAT ID, and the mapping's collective debtors.
Linted first: findings DATEV would reject are listed and nothing is written (exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from bookkeeping.errors import ExportRefused
from bookkeeping.services.debtor_export import datev_debtors_file
from connector.cli import OperatorCommand, input_error
from connector.errors import ConnectorError
from connector.services.connections import connection_get


class Command(OperatorCommand):
    help = "Export the debtors' DATEV master data (Debitoren/Kreditoren)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        try:
            data, warnings = datev_debtors_file(connection)
        except ExportRefused as exc:
            self.stderr.write(str(exc))
            for finding in exc.findings:
                self.stderr.write(f"  line {finding.line}, {finding.field}: {finding.message}")
            raise SystemExit(1) from None
        Path(options["output"]).write_bytes(data)
        rows = data.count(b"\r\n") - 2
        self.stdout.write(f"{options['output']}: {rows} debtors")
        for finding in warnings:
            self.stdout.write(f"warning: {finding.field}: {finding.message}")
