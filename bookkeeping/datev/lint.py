"""Linter for DATEV EXTF files and for bookings before they are written.

``lint_file`` re-parses written bytes with the independent reader and checks every file, header
and field rule of bookkeeping.md §1.1/§1.2/§1.4 (and §1.5 for Debitoren/Kreditoren), each as a
named rule of ``RULES``. ``lint_bookings`` checks the same rules on ``DatevBooking`` structures
where they apply. Findings with severity "error" should block the download; the caller decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from .columns import (
    ACCOUNT_LENGTH_RANGE,
    BOOKINGS_CATEGORY,
    CLIENT_RANGE,
    CONSULTANT_RANGE,
    CREATED_AT_RE,
    FLAGS,
    FORMATS,
    H_ACCOUNT_LENGTH,
    H_APP_INFO,
    H_CATEGORY,
    H_CLIENT,
    H_CONSULTANT,
    H_CREATED,
    H_EXPORTED_BY,
    H_FORMAT_NAME,
    H_FORMAT_VERSION,
    H_FROM,
    H_FY_START,
    H_INITIALS,
    H_KIND,
    H_LOCKED,
    H_ORIGIN,
    H_TO,
    H_VERSION,
    HEADER_FIELD_COUNT,
    HEADER_FIELD_NAMES,
    HEADER_KIND,
    HEADER_VERSION,
    MAX_BOOKING_ROWS,
    Column,
)
from .lint_rows import RowContext, booking_row_issues, debtor_row_issues
from .lint_structures import lint_bookings
from .reader import ExtfFile, ExtfHeader, ExtfRow, read_extf
from .rules import (
    ERROR,
    RULES,
    WARNING,
    Finding,
    Issue,
    header_code_issues,
    header_text_issues,
    issue,
    period_issues,
    range_issues,
    to_finding,
)

__all__ = ["RULES", "Finding", "lint_bookings", "lint_file"]

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEADER_LINE, _HEADING_LINE = 1, 2


def lint_file(data: bytes, refs: Sequence[str] | None = None) -> list[Finding]:
    """All findings for an EXTF file; ``refs[i]`` is the caller's key of row i (line i + 3)."""
    if not data:
        return [Finding(None, None, "", "file-empty", "The file is empty")]
    parsed = read_extf(data)
    findings = _file_findings(data, parsed)
    header = parsed.header
    if header is None:
        return findings
    findings += [
        to_finding(_HEADER_LINE, found, HEADER_FIELD_NAMES) for found in _header_issues(header)
    ]
    known = FORMATS.get(header.category or 0)
    if known is None:
        return findings  # without a known format the columns cannot be judged
    columns = known[2]
    if len(parsed.headings) != len(columns):
        message = f"The heading line has {len(parsed.headings)} columns, expected {len(columns)}"
        findings.append(Finding(_HEADING_LINE, None, "", "heading-count", message))
    findings += _row_findings(parsed.rows, columns, header, refs)
    return findings


def _file_findings(data: bytes, parsed: ExtfFile) -> list[Finding]:
    findings: list[Finding] = []
    for ending, lines in parsed.bad_endings.items():
        shown = "no line break" if ending == "none" else f"a bare {ending}"
        message = f"{len(lines)} line(s) end with {shown} instead of CR LF (first: line {lines[0]})"
        findings.append(Finding(lines[0], None, "", "line-ending", message))
    if parsed.undecodable_lines:
        lines = parsed.undecodable_lines
        message = f"Bytes that {parsed.encoding} cannot decode on line(s) {_shown(lines)}"
        findings.append(Finding(lines[0], None, "", "encoding", message))
    elif parsed.encoding == "cp1252" and not data.isascii() and _is_utf8(data):
        message = "The file looks like UTF-8 without BOM: DATEV would read it as cp1252"
        findings.append(Finding(None, None, "", "encoding-utf8-no-bom", message, "", WARNING))
    elif parsed.encoding == "utf-8":
        message = "The file is UTF-8 with BOM: DATEV reads it, but cp1252 is the default"
        findings.append(Finding(None, None, "", "encoding-utf8-bom", message, "", WARNING))
    return findings


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _shown(lines: list[int]) -> str:
    return ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")


def _header_issues(header: ExtfHeader) -> list[Issue]:
    bookings = header.category == BOOKINGS_CATEGORY
    found = _identity_issues(header)
    found += _number_issues(header)
    if bookings:
        found += _period_format_issues(header)
    found += header_text_issues(
        header.field(H_ORIGIN),
        header.field(H_EXPORTED_BY),
        header.label,
        header.field(H_INITIALS),
        header.field(H_APP_INFO),
        ERROR,
    )
    if header.locked not in FLAGS and (bookings or header.locked):
        message = f"Festschreibung '{header.locked}' must be 0 or 1"
        found.append(issue(H_LOCKED, "header-locked", message))
    return found + header_code_issues(header.currency, header.chart, bookings)


def _identity_issues(header: ExtfHeader) -> list[Issue]:
    found: list[Issue] = []
    if header.kind != HEADER_KIND:
        message = f"Kennzeichen '{header.kind}' must be EXTF (DTVF is for DATEV's own exports)"
        found.append(issue(H_KIND, "header-kind", message))
    if header.version != HEADER_VERSION:
        message = f"Versionsnummer '{header.field(H_VERSION)}' must be {HEADER_VERSION}"
        found.append(issue(H_VERSION, "header-version", message))
    known = FORMATS.get(header.category or 0)
    if known is None:
        message = f"Formatkategorie '{header.field(H_CATEGORY)}' must be 21 or 16"
        found.append(issue(H_CATEGORY, "header-category", message))
    else:
        name, version, _ = known
        if header.format_name != name:
            message = f"Formatname '{header.format_name}' must be '{name}' for this category"
            found.append(issue(H_FORMAT_NAME, "header-format-name", message))
        if header.format_version != version:
            message = f"Formatversion '{header.field(H_FORMAT_VERSION)}' must be {version}"
            found.append(issue(H_FORMAT_VERSION, "header-format-version", message))
    if len(header.fields) != HEADER_FIELD_COUNT:
        message = f"The header has {len(header.fields)} fields, expected {HEADER_FIELD_COUNT}"
        found.append(issue(None, "header-field-count", message))
    if not _is_timestamp(header.created_at):
        message = f"Erzeugt am '{header.created_at}' must be YYYYMMDDHHMMSSFFF (17 digits)"
        found.append(issue(H_CREATED, "header-created-at", message))
    return found


def _is_timestamp(value: str) -> bool:
    if not CREATED_AT_RE.fullmatch(value):
        return False
    try:
        datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def _number_issues(header: ExtfHeader) -> list[Issue]:
    found = range_issues(
        H_CONSULTANT,
        "Beraternummer",
        header.consultant_number,
        CONSULTANT_RANGE,
        "header-consultant",
        header.field(H_CONSULTANT),
    )
    found += range_issues(
        H_CLIENT,
        "Mandantennummer",
        header.client_number,
        CLIENT_RANGE,
        "header-client",
        header.field(H_CLIENT),
    )
    if header.fiscal_year_start is None:
        message = f"WJ-Beginn '{header.field(H_FY_START)}' must be a date YYYYMMDD"
        found.append(issue(H_FY_START, "header-fiscal-year-start", message))
    found += range_issues(
        H_ACCOUNT_LENGTH,
        "Sachkontenlänge",
        header.account_length,
        ACCOUNT_LENGTH_RANGE,
        "header-account-length",
        header.field(H_ACCOUNT_LENGTH),
    )
    return found


def _period_format_issues(header: ExtfHeader) -> list[Issue]:
    found: list[Issue] = []
    for column, name, value in (
        (H_FROM, "Datum vom", header.period_from),
        (H_TO, "Datum bis", header.period_to),
    ):
        if value is None:
            message = f"{name} '{header.field(column)}' must be a date YYYYMMDD"
            found.append(issue(column, "header-period-format", message))
    if header.period_from is None or header.period_to is None:
        return found
    return found + period_issues(header.fiscal_year_start, header.period_from, header.period_to)


def _row_context(header: ExtfHeader) -> RowContext:
    length = header.account_length
    if length is not None and not ACCOUNT_LENGTH_RANGE[0] <= length <= ACCOUNT_LENGTH_RANGE[1]:
        length = None
    start, end, fiscal_start = header.period_from, header.period_to, header.fiscal_year_start
    # DATEV takes the Belegdatum's year from the header period (§1.4).
    year = start.year if start else fiscal_start.year if fiscal_start else None
    period = (start, end) if start and end and start <= end else None
    return RowContext(length, year, period)


def _row_findings(
    rows: list[ExtfRow], columns: tuple[Column, ...], header: ExtfHeader, refs: Sequence[str] | None
) -> list[Finding]:
    bookings = header.category == BOOKINGS_CATEGORY
    check = booking_row_issues if bookings else debtor_row_issues
    context = _row_context(header)
    names = tuple(column.name for column in columns)
    findings: list[Finding] = []
    for index, row in enumerate(rows):
        issues = _shape_issues(row, len(columns))
        if len(row.fields) == len(columns):
            issues += check(row.fields, context)
        if issues:
            ref = refs[index] if refs is not None and index < len(refs) else ""
            findings += [to_finding(row.line, found, names, ref) for found in issues]
    if bookings and len(rows) > MAX_BOOKING_ROWS:
        message = f"The file holds {len(rows)} bookings, DATEV takes at most {MAX_BOOKING_ROWS}"
        findings.append(Finding(None, None, "", "too-many-rows", message))
    return findings


def _shape_issues(row: ExtfRow, expected: int) -> list[Issue]:
    found: list[Issue] = []
    if not row.well_formed:
        message = 'Quotes are unbalanced or stray: text goes in "…" with inner quotes doubled'
        found.append(issue(None, "quoting", message))
    if len(row.fields) != expected:
        # Positions are unreliable after a missing or extra field, so nothing else is judged.
        message = f"The row has {len(row.fields)} columns, expected {expected}"
        return [*found, issue(None, "row-column-count", message)]
    if _CONTROL_RE.search(";".join(row.fields)):
        column = next(i for i, value in enumerate(row.fields, 1) if _CONTROL_RE.search(value))
        message = "The field contains a control character (line break, tab …); use a space"
        found.append(issue(column, "text-control", message))
    return found
