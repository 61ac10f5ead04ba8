"""The DATEV export: one EXTF Buchungsstapel per month, linted before it is offered.

Each entry is exported exactly once: a batch records the entries it contains, and the next
export of the month takes only entries not exported yet (corrections, late documents). A
re-export of entries exported before is an explicit request and is recorded as such. A file
never spans two years, holds at most 99,999 rows (more are split into parts), and is written
and linted in a stream, so that memory stays flat whatever the number of entries.

A month's first export, each of its supplements (Nachtrag: documents booked after the export
and late changes) and each re-export (Wiederholung) are told apart in the file name, the
header's Bezeichnung and the batch list, so that no two files are alike. A month that is not
over, or that still has documents waiting, is exported only when the caller allows it.
"""

from __future__ import annotations

import hashlib
import tempfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, overload

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from connector.fields import ExactDecimalField
from connector.models import Connection
from connector.services.documents import id_list_condition
from connector.texts import Text, texts

from ..datev import (
    DatevBooking,
    DatevHeader,
    Finding,
    lint_stream,
    write_bookings,
)
from ..errors import ExportIncomplete, ExportRefused
from ..exporting import ExportEntry, ExportLine, datev_rows
from ..models import BookkeepingSettings, ExportBatch, ExportedEntry, JournalEntry, JournalLine
from .export_periods import BatchKind, batch_file_name, batch_kind, batch_notices, month_open_items
from .setup import bookkeeping_settings, chart_of

MAX_ROWS = 99_999
RATE_PLACES = 6  # the exchange rate's decimal places
ENTRY_FIELDS = [f.name for f in ExportEntry.__dataclass_fields__.values()]
LINE_FIELDS = [f.name for f in ExportLine.__dataclass_fields__.values()]


@dataclass
class ExportResult:
    batches: list[ExportBatch] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    empty_months: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what the accountant must know


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
    allow_incomplete: bool = False,
    user: Any = None,
    now: datetime | None = None,
) -> ExportResult:
    """Export the period's entries. A month not over yet, or with documents waiting, raises
    ``ExportIncomplete`` unless ``allow_incomplete``. Every file is written and linted first;
    when any has errors, ``ExportRefused`` lists them all and nothing is recorded."""
    if date_from > date_to:
        raise ValueError("the period ends before it starts")
    settings = bookkeeping_settings(connection)
    now = now or timezone.now()
    result = ExportResult()
    months = []
    for start, end in month_ranges(date_from, date_to):
        ids = _entry_ids(connection, start, end, reexport)
        if not ids:
            result.empty_months.append(f"{start:%Y-%m}")
            continue
        months.append((start, end, ids, month_open_items(connection, start, end, now)))
    open_months = [m for *_, m in months if m.is_open]
    if open_months and not allow_incomplete:
        raise ExportIncomplete(
            "not exported: " + "; ".join(m.summary(now) for m in open_months) + ". Book or "
            "settle the waiting documents first, or confirm the export of an incomplete month",
            open_months,
        )
    with ExitStack() as files:
        parts: list[_Part] = []
        for start, end, ids, month in months:
            kind = batch_kind(connection, start, reexport)
            incomplete = month.summary(now) if month.is_open else ""
            parts += _write_month(settings, start, end, ids, now, files, kind, incomplete)
        errors = _unique([f for part in parts for f in part.findings if f.severity == "error"])
        if errors:
            refused = ", ".join(sorted({f"{p.start:%m/%Y}" for p in parts if p.errors}))
            raise ExportRefused(
                Text(
                    "the DATEV file for {months} has {count} finding(s) that DATEV would reject; "
                    "nothing was exported",
                    months=refused,
                    count=len(errors),
                ),
                errors,
            )
        with transaction.atomic():
            for part in parts:
                result.batches.append(_record(settings, part, reexport, user))
                result.warnings.extend(part.findings)
    result.notices = batch_notices(result.batches)
    return result


def _entry_ids(connection: Connection, start: date, end: date, reexport: bool) -> list[int]:
    entries = JournalEntry.objects.filter(
        connection=connection, document_date__gte=start, document_date__lte=end
    )
    if not reexport:
        entries = entries.exclude(exports__reexport=False)
    return list(entries.order_by("document_date", "pk").values_list("pk", flat=True))


def _entry_rows(
    ids: list[int], locked: bool, credit_note_key: str
) -> Iterator[tuple[int, list[DatevBooking]]]:
    """Each entry's DATEV rows. Entries and lines are read in chunks with plain SQL: the
    ORM's per-row machinery would cost more than the rest of the export."""
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        lines: dict[int, list[ExportLine]] = {pk: [] for pk in chunk}
        for row in _select(JournalLine, ("entry_id", *LINE_FIELDS), "entry_id", chunk):
            lines[row[0]].append(_line(row[1:]))
        entries = {row[0]: _entry(row) for row in _select(JournalEntry, ENTRY_COLUMNS, "id", chunk)}
        for pk in chunk:
            yield (
                pk,
                datev_rows(entries[pk], lines[pk], locked=locked, credit_note_key=credit_note_key),
            )


ENTRY_COLUMNS = tuple("id" if name == "pk" else name for name in ENTRY_FIELDS)


def _select(model: Any, columns: tuple[str, ...], key: str, ids: list[int]) -> list[tuple]:
    quote = db_connection.ops.quote_name
    match, params = id_list_condition(key, ids)
    order = " ORDER BY entry_id, position" if model is JournalLine else ""
    sql = (
        f"SELECT {', '.join(quote(c) for c in columns)} "  # noqa: S608 - names from the models
        f"FROM {quote(model._meta.db_table)} WHERE {match}{order}"
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _dec(value: Any, places: int = 2) -> Decimal | None:
    """Decimals as stored: PostgreSQL returns them exact; SQLite holds them as integers of
    the field's smallest unit (``ExactDecimalField``)."""
    if value is None or isinstance(value, Decimal):
        return value
    return ExactDecimalField.from_stored(value, places)


def _entry(row: tuple) -> ExportEntry:
    (pk, kind, number, reference, document_day, service_day, text, origin, order_number,
     billbee_id, case, destination, origin_country, origin_rate, currency, rate, total,
     debtor) = row  # fmt: skip
    return ExportEntry(
        pk, kind, number, reference, _day(document_day), _day(service_day), text, origin,  # type: ignore[arg-type]
        order_number, billbee_id, case, destination, origin_country, _dec(origin_rate),
        currency, _dec(rate, RATE_PLACES), _dec(total), debtor,  # type: ignore[arg-type]
    )  # fmt: skip


def _line(row: tuple) -> ExportLine:
    role, account, side, amount, rate, tax, bu_key, gross = row
    return ExportLine(role, account, side, _dec(amount), _dec(rate), _dec(tax), bu_key, bool(gross))  # type: ignore[arg-type]


class _Refs(Sequence[str]):
    """The rows' Billbee order ids, kept as integers, read as the strings findings carry."""

    def __init__(self) -> None:
        self.ids: array[int] = array("q")

    def append(self, value: int) -> None:
        self.ids.append(value)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [str(v) for v in self.ids[index]]
        return str(self.ids[index])


@dataclass
class _Part:
    """One file: a month, or a part of one when the month has more than 99,999 rows."""

    start: date
    end: date
    number: int
    spool: IO[bytes]
    kind: BatchKind
    incomplete: str
    # Compact arrays: a month can hold 100k entries and 125k rows.
    entries: array[int] = field(default_factory=lambda: array("q"))
    refs: _Refs = field(default_factory=lambda: _Refs())
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0

    @property
    def errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


class _Entries:
    """The month's entries with their rows, one at a time, with one entry of look-ahead: an
    entry whose rows do not fit the current file starts the next one."""

    def __init__(self, source: Iterator[tuple[int, list[DatevBooking]]]) -> None:
        self.source = source
        self.pending: tuple[int, list[DatevBooking]] | None = None
        self.done = False

    def take(self) -> tuple[int, list[DatevBooking]] | None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            return pending
        item = next(self.source, None)
        self.done = item is None
        return item


def _part_rows(entries: _Entries, part: _Part) -> Iterator[DatevBooking]:
    while (item := entries.take()) is not None:
        pk, rows = item
        if part.rows and part.rows + len(rows) > MAX_ROWS:
            entries.pending = item
            return
        part.entries.append(pk)
        for row in rows:
            part.rows += 1
            part.refs.append(int(row.ref))
            yield row


def _write_month(
    settings: BookkeepingSettings,
    start: date,
    end: date,
    ids: list[int],
    now: datetime,
    files: ExitStack,
    batch_kind: BatchKind,
    incomplete: str,
) -> list[_Part]:
    entries = _Entries(
        _entry_rows(ids, settings.lock_exported, settings.credit_note_document_field)
    )
    parts: list[_Part] = []
    while not entries.done or entries.pending is not None:
        spool = files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
        part = _Part(start, end, len(parts) + 1, spool, batch_kind, incomplete)
        label = " ".join(
            p
            for p in (
                batch_kind.label(),
                f"{start:%m/%Y}",
                f"Teil {part.number}" if part.number > 1 else "",
            )
            if p
        )
        header = datev_header(settings, start, end, now, label=label, locked=settings.lock_exported)
        write_bookings(header, _part_rows(entries, part), spool)
        if not part.entries:
            break
        spool.seek(0)
        # The written file is read back by an independent reader and every header and field
        # rule is checked, as DATEV will; each finding names its row's Billbee order.
        part.findings.extend(lint_stream(spool, part.refs))
        parts.append(part)
    return parts


def _record(settings: BookkeepingSettings, part: _Part, reexport: bool, user: Any) -> ExportBatch:
    part.spool.seek(0)
    content, digest = _compress(part.spool)
    name = batch_file_name(settings.connection.name, part.start, part.kind, part.number)
    batch = ExportBatch.objects.create(
        connection=settings.connection,
        period_from=part.start,
        period_to=part.end,
        part=part.number,
        reexport=reexport,
        kind=part.kind.kind,
        sequence=part.kind.sequence,
        incomplete=part.incomplete,
        texts=texts(incomplete=part.incomplete),
        file_name=name,
        content=content,
        sha256=digest,
        rows=part.rows,
        entries=len(part.entries),
        warnings=[_finding_dict(f) for f in part.findings],
        created_by=user if getattr(user, "pk", None) else None,
    )
    _exported_insert(batch.pk, part.entries, reexport)
    return batch


def _exported_insert(batch_id: int, entries: Sequence[int], reexport: bool) -> None:
    """Which entries the batch holds: on PostgreSQL one statement with the ids as an array."""
    if db_connection.vendor != "postgresql":
        ExportedEntry.objects.bulk_create(
            [ExportedEntry(batch_id=batch_id, entry_id=pk, reexport=reexport) for pk in entries],
            batch_size=5000,
        )
        return
    table = db_connection.ops.quote_name(ExportedEntry._meta.db_table)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (batch_id, entry_id, reexport) "
            "SELECT %s, unnest(%s::bigint[]), %s",
            [batch_id, list(entries), reexport],
        )


def datev_header(
    settings: BookkeepingSettings,
    start: date,
    end: date,
    now: datetime,
    *,
    label: str,
    locked: bool,
) -> DatevHeader:
    """The EXTF header of a connection's file covering ``start``–``end`` (bookkeeping.md §1.2)."""
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
        # The batch's kind and month first: Bezeichnung holds 30 characters.
        label=f"{label} {connection.name}"[:30],
        chart=chart_of(connection).code,
        created_at=timezone.localtime(now, connection.zoneinfo).replace(tzinfo=None),
        locked=locked,
        initials=settings.initials,
        exported_by="billbee-connector",
    )


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
    compressor = zlib.compressobj(1)  # the files are mostly separators: fast is small enough
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
