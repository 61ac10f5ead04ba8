"""DATEV-Format (EXTF) export: Buchungsstapel and Debitoren/Kreditoren files, a reader and a
linter. Pure Python over plain data (no Django); the format is described in bookkeeping.md §1.

Typical use::

    findings = lint_bookings(header, bookings)            # before writing, traced by ``ref``
    count = write_bookings(header, bookings, out)         # streams cp1252 + CRLF
    findings += lint_file(out_bytes, [b.ref for b in bookings])

For large files, ``lint_booking`` lints each booking as it is streamed to the writer and
``lint_stream`` lints the written file slice by slice, in constant memory.
"""

from __future__ import annotations

from .debtors import write_debtors
from .lint import RULES, lint_bookings, lint_file
from .lint_structures import lint_booking, lint_header
from .reader import ExtfFile, ExtfHeader, ExtfRow, read_extf
from .records import DatevBooking, DatevDebtor, DatevHeader
from .rules import Finding
from .stream import lint_stream
from .writer import write_bookings

__all__ = [
    "RULES",
    "DatevBooking",
    "DatevDebtor",
    "DatevHeader",
    "ExtfFile",
    "ExtfHeader",
    "ExtfRow",
    "Finding",
    "lint_booking",
    "lint_bookings",
    "lint_file",
    "lint_header",
    "lint_stream",
    "read_extf",
    "write_bookings",
    "write_debtors",
]
