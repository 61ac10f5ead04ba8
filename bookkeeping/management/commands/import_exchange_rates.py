"""``import_exchange_rates FILE [--kind monthly|daily] [--year YYYY] [--dry-run] [--json]``

Imports exchange rates (1 EUR = x units) from a CSV file: one rate a row
(``currency;month;rate`` or ``currency;date;rate``) or the BMF's table of
Umsatzsteuer-Umrechnungskurse (a row per country, January … December; ``--year`` required).
Rates are upserted on currency, day and kind: importing a file again changes nothing. A bad
line is listed on stderr and nothing is imported (exit 1). Afterwards the documents waiting
for an exchange rate are booked again (a task per connection).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from bookkeeping.parsers.exchange_rates import KINDS, RateFileError, exchange_rates_parse
from bookkeeping.services.rates import exchange_rates_import
from connector.cli import OperatorCommand, int_between


class Command(OperatorCommand):
    help = "Import exchange rates (BMF monthly VAT conversion rates or daily rates) from CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (long format or the BMF's table)")
        parser.add_argument(
            "--kind", choices=KINDS, help="what the file must hold (default: as the file says)"
        )
        parser.add_argument(
            "--year", type=int_between(1990, 2100, "a year"), help="the year of a BMF table"
        )
        parser.add_argument("--dry-run", action="store_true", help="show, write nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            parsed = exchange_rates_parse(data, kind=options["kind"], year=options["year"])
        except RateFileError as exc:
            self.stderr.write(f"{path}: {len(exc.problems)} bad, nothing was imported")
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise SystemExit(2) from None  # bad input, as the other commands answer it
        result = exchange_rates_import(parsed, dry_run=options["dry_run"])
        if options["json"]:
            payload = {"file": str(path), **result.as_dict()}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        what = "BMF monthly VAT conversion rates" if result.kind == "monthly" else "daily rates"
        self.stdout.write(
            f"{path}: {what}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged"
            + (" (dry run, nothing written)" if result.dry_run else "")
        )
        for rate, old in result.updated:
            self.stdout.write(
                f"  {rate.currency} {result.when(rate)}: {old.normalize():f} → {rate.rate:f}"
            )
        if result.rebooking:
            self.stdout.write(
                f"booking queued for {len(result.rebooking)} connection(s) with documents "
                "waiting for an exchange rate"
            )
