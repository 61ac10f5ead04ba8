"""The DATEV export: one EXTF Buchungsstapel per month, linted before it is offered.

Each entry is exported exactly once: a batch records the entries it contains, and the next
export of the month takes only entries not exported yet (corrections, late documents). A
re-export of entries exported before is an explicit request and is recorded as such. A file
never spans two years, holds at most 99,999 rows (more are split into parts), and is written
and linted in a stream, so that memory stays flat whatever the number of entries.
"""

from __future__ import annotations

import hashlib
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from connector.models import Connection

from ..datev import (
    DatevBooking,
    DatevHeader,
    Finding,
    lint_booking,
    lint_header,
    lint_stream,
    write_bookings,
)
from ..errors import ExportRefused
from ..exporting import ExportEntry, ExportLine, datev_rows
from ..models import BookkeepingSettings, ExportBatch, ExportedEntry, JournalEntry, JournalLine
from .setup import bookkeeping_settings, chart_of

MAX_ROWS = 99_999
ENTRY_FIELDS = [f.name for f in ExportEntry.__dataclass_fields__.values()]
LINE_FIELDS = [f.name for f in ExportLine.__dataclass_fields__.values()]


@dataclass
class ExportResult:
    batches: list[ExportBatch] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    empty_months: list[str] = field(default_factory=list)


def month_ranges(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """The calendar months of a period, each clipped to it: a file never spans two."""
    ranges = []
    day = date_from
    while day <= date_to:
        following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        ranges.append((day, min(date_to, date.fromordinal(following.toordinal() - 1))))
        day = following
    return ranges


def datev_export(
    connection: Connection,
    date_from: date,
    date_to: date,
    *,
    reexport: bool = False,
    user: Any = None,
    now: datetime | None = None,
) -> ExportResult:
    """Export the period's entries; raises ``ExportRefused`` (with every finding) and records
    nothing when a file has errors."""
    if date_from > date_to:
        raise ValueError("the period ends before it starts")
    settings = bookkeeping_settings(connection)
    result = ExportResult()
    for start, end in month_ranges(date_from, date_to):
        ids = _entry_ids(connection, start, end, reexport)
        if not ids:
            result.empty_months.append(f"{start:%Y-%m}")
            continue
        for part, chunk in enumerate(_parts(ids), start=1):
            batch, warnings = _export_file(
                settings, start, end, chunk, part, reexport, user, now or timezone.now()
            )
            result.batches.append(batch)
            result.warnings.extend(warnings)
    return result


def _entry_ids(connection: Connection, start: date, end: date, reexport: bool) -> list[int]:
    entries = JournalEntry.objects.filter(
        connection=connection, document_date__gte=start, document_date__lte=end
    )
    if not reexport:
        entries = entries.exclude(exports__reexport=False)
    return list(entries.order_by("document_date", "pk").values_list("pk", flat=True))


def _parts(ids: list[int]) -> Iterator[list[int]]:
    """Entries per file so that no file has more than 99,999 rows. An entry has one row per
    line besides the debtor at most, so its line count bounds its rows."""
    counts = _row_bounds(ids)
    part: list[int] = []
    rows = 0
    for pk in ids:
        n = counts.get(pk, 0)
        if part and rows + n > MAX_ROWS:
            yield part
            part, rows = [], 0
        part.append(pk)
        rows += n
    if part:
        yield part


def _row_bounds(ids: list[int]) -> dict[int, int]:
    bounds: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = (
            JournalLine.objects.filter(entry_id__in=chunk)
            .exclude(role="debtor")
            .values("entry_id")
            .annotate(n=Count("pk"))
            .values_list("entry_id", "n")
        )
        bounds.update(rows)
    return bounds


def _rows(ids: list[int], locked: bool) -> Iterator[DatevBooking]:
    """The DATEV rows of the entries, read from the database in chunks."""
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        lines: dict[int, list[ExportLine]] = {pk: [] for pk in chunk}
        for row in (
            JournalLine.objects.filter(entry_id__in=chunk)
            .order_by("entry_id", "position")
            .values_list("entry_id", *LINE_FIELDS)
        ):
            lines[row[0]].append(ExportLine(*row[1:]))
        entries = {
            row[0]: ExportEntry(*row)
            for row in JournalEntry.objects.filter(pk__in=chunk).values_list(*ENTRY_FIELDS)
        }
        for pk in chunk:
            yield from datev_rows(entries[pk], lines[pk], locked=locked)


def _header(settings: BookkeepingSettings, start: date, end: date, now: datetime) -> DatevHeader:
    connection = settings.connection
    fiscal_month = settings.fiscal_year_start_month
    fiscal_year = start.year if start.month >= fiscal_month else start.year - 1
    return DatevHeader(
        consultant_number=settings.consultant_number,
        client_number=settings.client_number,
        fiscal_year_start=date(fiscal_year, fiscal_month, 1),
        account_length=4,
        period_from=start,
        period_to=end,
        label=f"Billbee {connection.name} {start:%m/%Y}"[:30],
        chart=chart_of(connection).code,
        created_at=timezone.localtime(now, connection.zoneinfo).replace(tzinfo=None),
        locked=settings.lock_exported,
        initials=settings.initials,
        exported_by="billbee-connector",
    )


def _export_file(
    settings: BookkeepingSettings,
    start: date,
    end: date,
    ids: list[int],
    part: int,
    reexport: bool,
    user: Any,
    now: datetime,
) -> tuple[ExportBatch, list[Finding]]:
    header = _header(settings, start, end, now)
    refs: list[str] = []
    findings: list[Finding] = lint_header(header)

    def checked() -> Iterator[DatevBooking]:
        # Each row is linted as it goes to the writer: one pass over the database.
        for line, row in enumerate(_rows(ids, settings.lock_exported), start=3):
            refs.append(row.ref)
            findings.extend(lint_booking(header, row, line))
            yield row

    with tempfile.TemporaryFile() as spool:
        rows = write_bookings(header, checked(), spool)
        spool.seek(0)
        # The written file is read back and checked again, field by field, as DATEV will.
        findings.extend(lint_stream(spool, refs))
        errors = _unique([f for f in findings if f.severity == "error"])
        if errors:
            raise ExportRefused(
                f"the DATEV file for {start:%m/%Y} has {len(errors)} finding(s) that DATEV "
                "would reject; nothing was exported",
                errors,
            )
        spool.seek(0)
        content, digest = _compress(spool)
    name = (
        f"EXTF_Buchungsstapel_{settings.connection.name}_{start:%Y-%m}"
        f"{f'_{part}' if part > 1 else ''}{'_reexport' if reexport else ''}.csv"
    )
    with transaction.atomic():
        batch = ExportBatch.objects.create(
            connection=settings.connection,
            period_from=start,
            period_to=end,
            part=part,
            reexport=reexport,
            file_name=name,
            content=content,
            sha256=digest,
            rows=rows,
            entries=len(ids),
            warnings=[_finding_dict(f) for f in findings],
            created_by=user if getattr(user, "pk", None) else None,
        )
        ExportedEntry.objects.bulk_create(
            [ExportedEntry(batch=batch, entry_id=pk, reexport=reexport) for pk in ids],
            batch_size=5000,
        )
    return batch, findings


def _unique(findings: list[Finding]) -> list[Finding]:
    """A rule broken once is reported once, though both the structure and the re-read file
    found it."""
    seen: set[tuple[int | None, int | None, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.line, finding.column, finding.rule)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _compress(spool: IO[bytes]) -> tuple[bytes, str]:
    digest = hashlib.sha256()
    compressor = zlib.compressobj(6)
    parts = []
    while block := spool.read(1 << 20):
        digest.update(block)
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts), digest.hexdigest()


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.line,
        "column": finding.column,
        "field": finding.field,
        "rule": finding.rule,
        "message": finding.message,
        "ref": finding.ref,
        "severity": finding.severity,
    }
