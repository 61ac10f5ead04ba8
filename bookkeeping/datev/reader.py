"""Parser for DATEV-Format (EXTF) files of any category, written independently of ``writer.py``.

It reads what is there and records what it saw, without judging it, so that the linter can catch
the writer's mistakes: the encoding (cp1252, or UTF-8 when the file starts with a BOM, bookkeeping
.md §1.1), every line ending, undecodable bytes, and fields with DATEV quoting (``;`` and doubled
quotes inside double-quoted text).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from datetime import date

_BREAK = re.compile(r"(\r\n|\r|\n)")
# One line of well-formed fields: quoted text with doubled inner quotes, or an unquoted run
# (the quoted part is written as an unrolled loop, which the regex engine runs much faster).
_FIELD = r'(?:"[^"]*(?:""[^"]*)*"|[^;"]*)'
_WELL_FORMED = re.compile(f"{_FIELD}(?:;{_FIELD})*")
_DIGITS = re.compile(r"[0-9]+")
_ENDING_NAMES = {"\r\n": "CRLF", "\n": "LF", "\r": "CR", "": "none"}


@dataclass(frozen=True)
class ExtfRow:
    line: int  # physical line (1-based) on which the record starts
    fields: list[str]  # values with quotes removed and doubled quotes undone
    well_formed: bool = True  # False: stray or unbalanced quotes, fields are a best guess


@dataclass(frozen=True)
class ExtfHeader:
    fields: list[str]  # all header values as read, quotes removed
    kind: str  # "EXTF" / "DTVF"
    version: int | None
    category: int | None
    format_name: str
    format_version: int | None
    created_at: str
    consultant_number: int | None
    client_number: int | None
    fiscal_year_start: date | None
    account_length: int | None
    period_from: date | None
    period_to: date | None
    label: str
    locked: str
    currency: str
    chart: str

    def field(self, number: int) -> str:
        """Header field by DATEV's 1-based number; "" if the line is shorter."""
        return self.fields[number - 1] if number <= len(self.fields) else ""


@dataclass(frozen=True)
class ExtfFile:
    encoding: str  # "cp1252" or "utf-8" (with BOM)
    line_endings: dict[str, int]  # count per ending: CRLF, LF, CR, none (last line unended)
    bad_endings: dict[str, list[int]]  # line numbers per ending other than CRLF
    undecodable_lines: list[int]  # lines holding bytes the encoding cannot decode
    broken_lines: list[int]  # records whose quoted text spans a line break
    header: ExtfHeader | None
    headings: list[str]
    rows: list[ExtfRow]  # data rows from line 3 on


def read_extf(data: bytes) -> ExtfFile:
    """Parse an EXTF file; never raises on malformed content, it records it instead."""
    encoding, text = _decode(data)
    lines, endings = _split_lines(text)
    records, broken = _join_broken_records(lines, endings)
    parsed = _parse_records([record for _, record in records])
    rows = [ExtfRow(number, *fields) for (number, _), fields in zip(records, parsed, strict=True)]
    counts: dict[str, int] = {}
    bad: dict[str, list[int]] = {}
    for number, ending in enumerate(endings, 1):
        name = _ENDING_NAMES[ending]
        counts[name] = counts.get(name, 0) + 1
        if name != "CRLF":
            bad.setdefault(name, []).append(number)
    return ExtfFile(
        encoding=encoding,
        line_endings=counts,
        bad_endings=bad,
        undecodable_lines=[n for n, line in enumerate(lines, 1) if "\ufffd" in line],
        broken_lines=broken,
        header=_parse_header(rows[0].fields) if rows else None,
        headings=rows[1].fields if len(rows) > 1 else [],
        rows=rows[2:],
    )


def _decode(data: bytes) -> tuple[str, str]:
    # DATEV reads UTF-8 only behind a BOM; everything else is Windows-1252 (§1.1). Bytes that
    # cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD and are reported.
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    return "cp1252", data.decode("cp1252", errors="replace")


def _split_lines(text: str) -> tuple[list[str], list[str]]:
    """Physical lines and the ending found after each ("" for a last line without one)."""
    if not text:
        return [], []
    parts = _BREAK.split(text)
    lines, endings = parts[0::2], parts[1::2]
    if lines and lines[-1] == "" and endings:
        lines.pop()  # the file ends with a line break: nothing follows it
    else:
        endings.append("")
    return lines, endings


def _join_broken_records(
    lines: list[str], endings: list[str]
) -> tuple[list[tuple[int, str]], list[int]]:
    """Records with their first line number; a quote left open continues on the next line."""
    records: list[tuple[int, str]] = []
    broken: list[int] = []
    index = 0
    while index < len(lines):
        start, record = index, lines[index]
        while record.count('"') % 2 and index + 1 < len(lines):
            record += endings[index] + lines[index + 1]
            index += 1
        if index > start:
            broken.append(start + 1)
        records.append((start + 1, record))
        index += 1
    return records, broken


def _parse_records(records: list[str]) -> list[tuple[list[str], bool]]:
    """Fields of each record, and whether its quoting was well-formed."""
    quoted = ['"' in record and bool(_WELL_FORMED.fullmatch(record)) for record in records]
    # One csv reader (C code) for all well-formed quoted records: exact for DATEV quoting and
    # much faster than Python loops; it is only fed records the regex has already accepted.
    reader = csv.reader(
        (record for record, ok in zip(records, quoted, strict=True) if ok),
        delimiter=";",
        quotechar='"',
        doublequote=True,
        strict=True,
    )
    parsed: list[tuple[list[str], bool]] = []
    for record, ok in zip(records, quoted, strict=True):
        if ok:
            parsed.append((next(reader), True))
        elif '"' in record:
            parsed.append((_lenient_fields(record), False))
        else:
            parsed.append((record.split(";"), True))
    return parsed


def _lenient_fields(record: str) -> list[str]:
    """Best-effort split of a malformed record: quotes open only at a field's start."""
    fields: list[str] = []
    value: list[str] = []
    in_quotes = False
    index = 0
    while index < len(record):
        char = record[index]
        if in_quotes and char == '"' and record.startswith('"', index + 1):
            value.append('"')
            index += 1
        elif char == '"' and (in_quotes or not value):
            in_quotes = not in_quotes
        elif char == ";" and not in_quotes:
            fields.append("".join(value))
            value = []
        else:
            value.append(char)
        index += 1
    fields.append("".join(value))
    return fields


def _int(value: str) -> int | None:
    return int(value) if _DIGITS.fullmatch(value) else None


def _yyyymmdd(value: str) -> date | None:
    if len(value) != 8 or not _DIGITS.fullmatch(value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _parse_header(fields: list[str]) -> ExtfHeader:
    # Field numbers as in bookkeeping.md §1.2; a short header yields "" for what is missing.
    def get(number: int) -> str:
        return fields[number - 1] if number <= len(fields) else ""

    return ExtfHeader(
        fields=fields,
        kind=get(1),
        version=_int(get(2)),
        category=_int(get(3)),
        format_name=get(4),
        format_version=_int(get(5)),
        created_at=get(6),
        consultant_number=_int(get(11)),
        client_number=_int(get(12)),
        fiscal_year_start=_yyyymmdd(get(13)),
        account_length=_int(get(14)),
        period_from=_yyyymmdd(get(15)),
        period_to=_yyyymmdd(get(16)),
        label=get(17),
        locked=get(21),
        currency=get(22),
        chart=get(27),
    )
