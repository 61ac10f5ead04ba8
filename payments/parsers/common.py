"""Helpers the CSV and MT940 parsers share: decoding, one strict amount parser, CSV rows,
time zones."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.texts import Text

from .errors import StatementFormatError

# The zone the merchant keeps books in: a PSP timestamp becomes the booking date it has there.
BOOKING_ZONE = ZoneInfo("Europe/Berlin")

_PLAIN = {
    ",": re.compile(r"[+-]?\d+(?:,\d+)?"),
    ".": re.compile(r"[+-]?\d+(?:\.\d+)?"),
}
_GROUPED = {
    ",": re.compile(r"[+-]?\d{1,3}(?:[. ]\d{3})+(?:,\d+)?"),
    ".": re.compile(r"[+-]?\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?"),
}


def parse_amount(text: str, decimal: str) -> Decimal:
    """An amount as a file writes it, with the file's decimal mark (``","``: ``1.234,56``,
    ``-0,5``; ``"."``: ``1,234.56``) → Decimal. Raises ValueError on anything else, so that
    ``1,234`` in a file with decimal commas is 1.234 and never silently 1234."""
    value = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if decimal not in _PLAIN:
        raise ValueError(f"unknown decimal mark {decimal!r}")
    if _PLAIN[decimal].fullmatch(value):
        digits = value
    elif _GROUPED[decimal].fullmatch(value):
        group = "." if decimal == "," else ","
        digits = value.replace(group, "").replace(" ", "")
    else:
        raise ValueError(Text("{text} is not an amount", text=repr(text.strip())))
    try:
        return Decimal(digits.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the patterns admit only digits
        raise ValueError(Text("{text} is not an amount", text=repr(text.strip()))) from None


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a CSV text with the line each starts on, split at the separator
    the header line uses most (``;``, tab or ``,``)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((";", "\t", ","), key=header.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise StatementFormatError(
            Text(
                "Line {number} of the file is not valid CSV ({problem}).",
                number=reader.line_num,
                problem=str(exc),
            )
        ) from None
    return rows


def normalise_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


# Abbreviations PayPal writes in its time zone column, with their offsets from UTC.
_ZONE_ABBREVIATIONS = {
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "MEZ": 1,
    "CEST": 2,
    "MESZ": 2,
    "EET": 2,
    "EEST": 3,
    "HST": -10,
    "AKST": -9,
    "AKDT": -8,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "AEST": 10,
    "AEDT": 11,
}
_OFFSET = re.compile(r"(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?")


def zone_of(text: str) -> tzinfo:
    """A time zone as a PSP export names it: an abbreviation (CEST, PDT), an offset
    (``GMT+02:00``, ``+0100``) or an IANA name (``Europe/Berlin``). ValueError otherwise."""
    name = text.strip()
    if name.upper() in _ZONE_ABBREVIATIONS:
        return timezone(timedelta(hours=_ZONE_ABBREVIATIONS[name.upper()]))
    match = _OFFSET.fullmatch(name)
    if match:
        sign = -1 if match[1] == "-" else 1
        minutes = int(match[2]) * 60 + int(match[3] or 0)
        return timezone(sign * timedelta(minutes=minutes))
    if "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(Text("the time zone {name} is unknown", name=repr(name)))


def booking_day(moment: datetime) -> datetime:
    """An aware moment seen from the merchant's booking zone."""
    return moment.astimezone(BOOKING_ZONE)


def shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
