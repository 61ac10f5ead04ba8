"""``export_datev --connection NAME --from YYYY-MM-DD --to YYYY-MM-DD --output PATH``

Writes the DATEV Buchungsstapel of the period: one file per month (entries not exported
before; ``--reexport`` for an explicit re-export of everything in the period). With one month
PATH is the file; with several, PATH is a directory (created) that receives one file per
month, or a ``.zip`` file that holds them. Every file is linted before it is written: findings
that DATEV would reject are listed with their Billbee order and nothing is exported (exit 1).
A month that is not over, or that still has documents waiting for bookkeeping, is exported
only with ``--allow-incomplete``; without it the open documents are listed (exit 1).
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from bookkeeping.errors import ExportIncomplete, ExportRefused
from bookkeeping.services.export import datev_export, month_ranges
from connector.cli import OperatorCommand, date_argument, input_error
from connector.errors import ConnectorError
from connector.services.connections import connection_get


class Command(OperatorCommand):
    help = "Export the journal of a period as DATEV EXTF Buchungsstapel (one file per month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True)
        parser.add_argument("--from", dest="date_from", required=True, type=date_argument)
        parser.add_argument("--to", dest="date_to", required=True, type=date_argument)
        parser.add_argument("--output", required=True, help="file, directory or .zip")
        parser.add_argument(
            "--reexport",
            action="store_true",
            help="export again entries that were exported before (recorded as a re-export)",
        )
        parser.add_argument(
            "--allow-incomplete",
            action="store_true",
            help="export a month that is not over or still has documents waiting (listed "
            "without this option, and recorded with the batch)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        date_from, date_to = options["date_from"], options["date_to"]
        if date_from > date_to:
            raise input_error(
                f"--from {date_from:%d.%m.%Y} is after --to {date_to:%d.%m.%Y}: give the "
                "period's first day, then its last."
            )
        try:
            result = datev_export(
                connection,
                date_from,
                date_to,
                reexport=options["reexport"],
                allow_incomplete=options["allow_incomplete"],
            )
        except ExportIncomplete as exc:
            self.stderr.write("not exported: the period is incomplete")
            for month in exc.months:
                if month.not_over:
                    self.stderr.write(f"  {month.start:%m/%Y}: the month is not over yet")
                for document in month.documents:
                    self.stderr.write(
                        f"  {month.start:%m/%Y}: {document.number} ({document.status}: "
                        f"{document.reason}; Billbee order {document.billbee_order_id})"
                    )
                if month.total > len(month.documents):
                    self.stderr.write(f"  … {month.total - len(month.documents)} more")
            self.stderr.write(
                "Book or settle them first, or export anyway with --allow-incomplete."
            )
            raise SystemExit(1) from None
        except ExportRefused as exc:
            self.stderr.write(str(exc))
            for finding in exc.findings:
                self.stderr.write(
                    f"  line {finding.line}, {finding.field}: {finding.message} "
                    f"(Billbee order {finding.ref or '?'})"
                )
            raise SystemExit(1) from None
        written = self._write(result.batches, Path(options["output"]), date_from, date_to)
        summary = {
            "files": [str(p) for p in written],
            "batches": [
                {
                    "id": b.pk,
                    "file": b.file_name,
                    "kind": b.kind,
                    "rows": b.rows,
                    "entries": b.entries,
                    "incomplete": b.incomplete,
                }
                for b in result.batches
            ],
            "empty_months": result.empty_months,
            "notices": result.notices,
            "warnings": [f"{w.field}: {w.message} ({w.ref})" for w in result.warnings],
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        for batch, path in zip(result.batches, written, strict=False):
            self.stdout.write(f"{path}: {batch.rows} rows, {batch.entries} entries")
        if result.empty_months:
            self.stdout.write(f"nothing (new) to export for {', '.join(result.empty_months)}")
        for finding in result.warnings:
            self.stdout.write(f"warning: {finding.field}: {finding.message} ({finding.ref})")
        for notice in result.notices:
            self.stderr.write(f"note: {notice}")

    def _write(self, batches: list, output: Path, date_from: date, date_to: date) -> list[Path]:
        if output.suffix.lower() == ".zip":
            with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for batch in batches:
                    archive.writestr(batch.file_name, batch.data)
            return [output] if batches else []
        several = len(month_ranges(date_from, date_to)) > 1 or len(batches) > 1
        if several or output.is_dir():
            output.mkdir(parents=True, exist_ok=True)
            paths = []
            for batch in batches:
                path = output / batch.file_name
                path.write_bytes(batch.data)
                paths.append(path)
            return paths
        if batches:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(batches[0].data)
            return [output]
        return []
