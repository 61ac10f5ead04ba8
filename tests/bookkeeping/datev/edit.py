"""Hand-editing of EXTF bytes for negative lint cases: change one field, drop one field.

Deliberately naive (split on ``;``): the golden files hold no ``;`` inside quoted text, and the
point is to build a file the writer would never produce.
"""

from __future__ import annotations

from .samples import BOOKINGS_GOLDEN, DEBTORS_GOLDEN


def golden_bookings() -> bytes:
    return BOOKINGS_GOLDEN.read_bytes()


def golden_debtors() -> bytes:
    return DEBTORS_GOLDEN.read_bytes()


def lines_of(data: bytes) -> list[str]:
    text = data.decode("cp1252")
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


def joined(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def fields_of(data: bytes, line: int) -> list[str]:
    """Raw fields (quotes kept) of a 1-based line."""
    return lines_of(data)[line - 1].split(";")


def set_field(data: bytes, line: int, column: int, raw: str) -> bytes:
    """Replace field ``column`` (1-based) of ``line`` with ``raw`` as written (quotes included)."""
    lines = lines_of(data)
    fields = lines[line - 1].split(";")
    fields[column - 1] = raw
    lines[line - 1] = ";".join(fields)
    return joined(lines)


def drop_field(data: bytes, line: int, column: int) -> bytes:
    lines = lines_of(data)
    fields = lines[line - 1].split(";")
    del fields[column - 1]
    lines[line - 1] = ";".join(fields)
    return joined(lines)
