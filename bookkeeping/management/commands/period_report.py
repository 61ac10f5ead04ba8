"""``period_report --connection NAME --month YYYY-MM [--format pdf|xlsx|csv|json]
[--section S] [--output PATH] [--check-billbee]``

Writes the month's period report with its completeness check: PDF (default), XLSX, one
section as CSV, or JSON. JSON without ``--output`` goes to stdout; the other formats go to
PATH, else to ``period-report-NAME-YYYY-MM[-SECTION].EXT`` in the current directory.
``--check-billbee`` reads Billbee's invoice register of the month (Billbee allows each page
once a minute; the client waits); without it only the upload log is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from django.core.management.base import CommandError, CommandParser

from bookkeeping.reports import (
    SECTIONS,
    UnknownSection,
    completeness_check,
    period_report,
    render_csv,
    render_json,
    render_pdf,
    render_xlsx,
)
from connector.cli import OperatorCommand, input_error, month_argument
from connector.errors import ConnectorError
from connector.services.connections import connection_get

FORMATS = ("pdf", "xlsx", "csv", "json")


class Command(OperatorCommand):
    help = "Write the monthly period report (and its completeness check) of a connection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True)
        parser.add_argument("--month", required=True, type=month_argument, help="YYYY-MM")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("--section", choices=SECTIONS, help="the section (CSV)")
        parser.add_argument("--output", help="file to write (JSON: stdout when left out)")
        parser.add_argument(
            "--check-billbee",
            action="store_true",
            help="compare the upload log with Billbee's invoice register of the month",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        year, month = options["month"]
        fmt, section = options["format"], options["section"]
        if fmt == "csv" and not section:
            raise CommandError(f"--format csv needs --section, one of: {', '.join(SECTIONS)}")
        report = period_report(connection, year, month)
        client: Literal[False] | None = None if options["check_billbee"] else False
        completeness = completeness_check(connection, year, month, client=client)
        if completeness.reason and options["check_billbee"]:
            self.stderr.write(f"Completeness: {completeness.reason}")
        try:
            content = self._render(fmt, section, report, completeness)
        except UnknownSection as exc:
            raise CommandError(str(exc)) from None
        if fmt == "json" and not options["output"]:
            self.stdout.write(content.decode("utf-8"))
            return
        suffix = f"-{section}" if fmt == "csv" else ""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in connection.name)
        name = f"period-report-{safe}-{year}-{month:02d}{suffix}.{fmt}"
        target = Path(options["output"] or name)
        target.write_bytes(content)
        self.stdout.write(f"wrote {target} ({len(content)} bytes)")

    @staticmethod
    def _render(fmt: str, section: str | None, report: Any, completeness: Any) -> bytes:
        if fmt == "pdf":
            return render_pdf(report, completeness)
        if fmt == "xlsx":
            return render_xlsx(report, completeness)
        if fmt == "csv":
            return render_csv(report, section or "", completeness)
        return render_json(report, completeness).encode("utf-8")
