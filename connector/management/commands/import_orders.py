"""``import_orders [--connection NAME] [--since ISO] [--until ISO] [--dry-run] [--json]``

One import now, ignoring the daily window. ``--json`` prints one JSON object with at least
requests, throttled, fetched, imported, updated, unchanged, skipped (reason → count),
rejected (reason → count) and duration_s. Exit code 0 when the import succeeded, 1 when it
failed or stopped part-way (the next run continues where it stopped).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from connector.cli import OperatorCommand, input_error, moment_argument
from connector.errors import ConnectorError
from connector.models import Connection, ImportRun
from connector.services.connections import connections_named
from connector.services.imports import ImportResult, orders_import


class Command(OperatorCommand):
    help = "Import changed orders, invoices and credit notes from Billbee now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="connection name (default: every active one)")
        parser.add_argument(
            "--since",
            type=moment_argument,
            help="read orders modified after this moment (ISO; "
            "naive values are in the connection's zone)",
        )
        parser.add_argument("--until", type=moment_argument, help="…and up to this moment (ISO)")
        parser.add_argument(
            "--dry-run", action="store_true", help="decide and report, write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connections = connections_named(options["connection"])
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        if not connections:
            raise CommandError("There is no active connection to import from.")
        # Every connection's period is checked before the first import starts.
        spans = {c.pk: _span(c, options["since"], options["until"]) for c in connections}
        results = [self._import(c, *spans[c.pk], options) for c in connections]
        booked = {r.connection: self._book(c, r) for c, r in zip(connections, results, strict=True)}
        if options["json"]:
            dicts = [dict(r.as_dict(), booking=booked[r.connection]) for r in results]
            payload: Any = dicts[0] if len(dicts) == 1 else dicts
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for result in results:
                self._print_summary(result)
                self._print_booking(booked[result.connection])
        if any(r.state != ImportRun.State.SUCCEEDED for r in results):
            raise SystemExit(1)

    def _import(
        self,
        connection: Connection,
        since: datetime | None,
        until: datetime | None,
        options: dict[str, Any],
    ) -> ImportResult:
        bar = _ProgressBar() if sys.stderr.isatty() and not options["json"] else None
        try:
            return orders_import(
                connection,
                trigger=ImportRun.Trigger.MANUAL,
                since=since,
                until=until,
                dry_run=options["dry_run"],
                progress=bar.update if bar else None,
            )
        except ConnectorError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar:
                bar.close()

    def _book(self, connection: Connection, result: ImportResult) -> dict[str, Any] | None:
        """After a (partial) import, its documents are booked (setting BOOK_AFTER_IMPORT)."""
        from django.conf import settings

        from bookkeeping.errors import BookkeepingError
        from bookkeeping.services.booking import documents_book

        if result.dry_run or not settings.BOOK_AFTER_IMPORT or result.state == "failed":
            return None
        try:
            return documents_book(connection).as_dict()
        except BookkeepingError as exc:
            return {"error": str(exc)}

    def _print_booking(self, booking: dict[str, Any] | None) -> None:
        if booking is None:
            return
        if "error" in booking:
            self.stdout.write(f"  bookkeeping: {booking['error']}")
            return
        self.stdout.write(
            f"  bookkeeping: {booking['booked']} booked, {booking['rebooked']} rebooked "
            f"(reversal + new entry), {booking['reversed']} reversed, "
            f"{booking['unchanged']} unchanged, {booking['late_changes']} late changes, "
            f"{booking['booked_after_export']} booked after export"
        )
        for outcome in ("waiting", "rejected"):
            counts = booking[outcome]
            if counts:
                self.stdout.write(f"  {outcome} for bookkeeping {sum(counts.values())}:")
                for reason, count in counts.items():
                    self.stdout.write(f"    {count:>6}  {reason}")

    def _print_summary(self, result: ImportResult) -> None:
        data = result.as_dict()
        title = f"{'Dry run' if result.dry_run else 'Import'} of {result.connection}"
        if result.run_id:
            title += f" (run #{result.run_id})"
        style = self.style.SUCCESS if result.state == "succeeded" else self.style.ERROR
        self.stdout.write(style(f"{title}: {result.state} in {data['duration_s']} s"))
        self.stdout.write(
            f"  {data['windows']} day windows, {data['requests']} requests "
            f"({data['throttled']} throttled), {data['fetched']} documents read"
        )
        self.stdout.write(
            f"  imported {data['imported']}, updated {data['updated']}, "
            f"unchanged {data['unchanged']}, waiting for invoice "
            f"{data['waiting']}"
        )
        for outcome in ("skipped", "excluded", "rejected"):
            counts = data[outcome]
            if counts:
                self.stdout.write(f"  {outcome} {sum(counts.values())}:")
                for reason, count in sorted(counts.items(), key=lambda kv: -kv[1]):
                    self.stdout.write(f"    {count:>6}  {reason}")
        if result.dry_run and data["changes"]:
            self.stdout.write(f"  would change {len(data['changes'])} decisions, e.g.:")
            for change in data["changes"][:10]:
                self.stdout.write(
                    f"    {change['order_number'] or change['billbee_order_id']}"
                    f": {change['before'] or 'new'} → {change['after']} "
                    f"({change['reason']})"
                )
        if result.error:
            self.stdout.write(self.style.ERROR(f"  {result.error}"))


def _span(
    connection: Connection, since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` as moments (naive values in the connection's zone), refused
    when they make no period: a start after the end, or either in the future (a watermark in
    the future would skip every change until then)."""
    zone = connection.zoneinfo
    since, until = (
        timezone.make_aware(value, zone) if value and timezone.is_naive(value) else value
        for value in (since, until)
    )
    now = timezone.now()
    shown = {
        name: f"{timezone.localtime(value, zone):%d.%m.%Y %H:%M} ({zone.key})"
        for name, value in (("since", since), ("until", until))
        if value is not None
    }
    if since is not None and until is not None and since >= until:
        raise input_error(
            f"--since {shown['since']} is not before --until {shown['until']}: give a start "
            "before the end."
        )
    for name, value in (("since", since), ("until", until)):
        if value is not None and value > now:
            raise input_error(
                f"--{name} {shown[name]} is in the future: Billbee has no changes from then yet."
            )
    return since, until


class _ProgressBar:
    """A one-line progress bar on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self._last = 0.0

    def update(self, result: ImportResult) -> None:
        import time

        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        share = result.windows_done / result.windows_total if result.windows_total else 0.0
        filled = int(share * 30)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}  day {result.windows_done}"
            f"/{result.windows_total}  {result.fetched} documents  {result.requests} requests "
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
