"""Linting a written EXTF file in constant memory.

``lint_file`` parses a whole file at once, which for a month of 99,999 rows costs a few
hundred MB. ``lint_stream`` reads the file line by line and lints it in slices of rows, each
slice behind the file's own header and heading lines, so that every rule of ``lint_file``
applies unchanged; line numbers and row keys are those of the whole file, header findings are
reported once, and the row limit is checked on the whole file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import BinaryIO

from .columns import MAX_BOOKING_ROWS
from .lint import lint_file
from .rules import Finding

SLICE_ROWS = 5000
FIRST_ROW_LINE = 3


def _slices(stream: BinaryIO, size: int) -> Iterator[tuple[bytes, int, list[bytes]]]:
    """(header and heading lines, line number of the slice's first row, the slice's rows)."""
    preamble = stream.readline() + stream.readline()
    line = FIRST_ROW_LINE
    rows: list[bytes] = []
    for raw in iter(stream.readline, b""):
        rows.append(raw)
        if len(rows) == size:
            yield preamble, line, rows
            line += len(rows)
            rows = []
    if rows or line == FIRST_ROW_LINE:
        yield preamble, line, rows


def lint_stream(
    stream: BinaryIO, refs: Sequence[str] | None = None, *, slice_rows: int = SLICE_ROWS
) -> list[Finding]:
    """The findings of ``lint_file`` for the file in ``stream``, read from where it stands."""
    findings: list[Finding] = []
    total = 0
    for number, (preamble, first_line, rows) in enumerate(_slices(stream, slice_rows)):
        offset = first_line - FIRST_ROW_LINE
        chunk_refs = refs[offset : offset + len(rows)] if refs is not None else None
        for finding in lint_file(preamble + b"".join(rows), chunk_refs):
            if finding.rule == "too-many-rows":
                continue  # judged on the whole file below
            if finding.line is not None and finding.line < FIRST_ROW_LINE:
                if number == 0:
                    findings.append(finding)  # header and heading: once
                continue
            if finding.line is None and number > 0:
                continue  # file-wide findings (encoding …) come with the first slice
            line = finding.line + offset if finding.line is not None else None
            findings.append(replace(finding, line=line))
        total += len(rows)
    if total > MAX_BOOKING_ROWS:
        message = f"The file holds {total} bookings, DATEV takes at most {MAX_BOOKING_ROWS}"
        findings.append(Finding(None, None, "", "too-many-rows", message))
    return findings
