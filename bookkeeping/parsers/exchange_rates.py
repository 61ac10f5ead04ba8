"""Files of exchange rates (1 EUR = x units of the currency), parsed into plain data.

Two layouts, as CSV:
- **long**: a header row, then one rate per row: ``currency;month;rate`` for monthly rates
  (the month as YYYY-MM, MM/YYYY or MM.YYYY) or ``currency;date;rate`` for daily rates
  (YYYY-MM-DD or DD.MM.YYYY); German headers (Währung, Monat, Datum, Kurs) work as well;
- **the BMF's table** of the Umsatzsteuer-Umrechnungskurse (§ 16 (6) UStG), as the BMF
  publishes it for the running year (updated monthly) and for past years (Gesamtübersicht /
  Jahresübersicht), saved as CSV: a row per country with the country, the currency (the BMF
  writes "1 Euro" there; an ISO code works too), then the rates of January … December, each
  cell like "0,9368 CHF" (the ISO code after the number is optional when the currency column
  holds it). Titles, footnotes and months without a rate (empty, "-" or "**") are skipped.
  The rows do not name their year: it must be given.

Separators ``;``, ``,`` or tab, detected from the file; decimal comma or point ("1.234,56",
"1,234.56"; a single separator is the decimal separator, so "1.234" is 1.234); UTF-8 (with
or without BOM) or Windows-1252. Every bad line is reported with its number, and nothing is
returned when there is one: the caller imports all of a file or none of it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..errors import BookkeepingError

MONTHLY = "monthly"
DAILY = "daily"
KINDS = (MONTHLY, DAILY)
MAX_DECIMALS = 6  # ExchangeRate.rate: 14 digits, 6 of them decimals
MAX_RATE = Decimal(10) ** 8

_CURRENCY = re.compile(r"[A-Z]{3}")
_PLAIN = re.compile(r"-?\d+(?:[.,]\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(?P<group>[., ])\d{3}(?:(?P=group)\d{3})*(?:(?P<dec>[.,])\d+)?")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[/.](\d{4})")
_BMF_CELL = re.compile(r"(?P<number>.*?)(?:\s+(?P<code>[A-Za-z]{3}))?")
_NOT_PUBLISHED = re.compile(r"[-–—*]+")
# "line 5: …" (or "Zeile 5: …"): problems are listed in the order of their lines.
_LINE = re.compile(r"\w+ (\d+)")

_HEADERS = {
    **dict.fromkeys(("currency", "währung", "waehrung"), "currency"),
    **dict.fromkeys(("month", "monat"), "month"),
    **dict.fromkeys(("date", "datum"), "date"),
    **dict.fromkeys(("rate", "kurs"), "rate"),
}
# How the BMF's tables (and English copies) head their month columns: "Januar", "Febr.", …
_MONTH_HEADERS = re.compile(r"(jan|feb|m(?:ä|a|ae)r|apr|ma[iy]|jun|jul|aug|sep|o[kc]t|nov|de[zc])")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_GERMAN = {"mär": "mar", "mae": "mar", "mai": "may", "okt": "oct", "dez": "dec"}


class RateFileError(BookkeepingError):
    """The file cannot be imported; ``problems`` names every bad line."""

    def __init__(self, problems: list[str]) -> None:
        count = ngettext(
            "%(count)s problem in the file, nothing was imported: %(problems)s",
            "%(count)s problems in the file, nothing was imported: %(problems)s",
            len(problems),
        )
        super().__init__(count % {"count": len(problems), "problems": "; ".join(problems)})
        self.problems = problems


@dataclass(frozen=True)
class ParsedRate:
    currency: str
    day: date  # monthly rates: the 1st of the month
    rate: Decimal
    line: int


@dataclass(frozen=True)
class RateFile:
    kind: str  # MONTHLY or DAILY
    layout: str  # "long" or "bmf"
    rates: tuple[ParsedRate, ...]


def exchange_rates_parse(
    data: bytes | str, *, kind: str | None = None, year: int | None = None
) -> RateFile:
    """The rates of a long-format file or a BMF table. ``kind`` (optional) must match what the
    file holds; ``year`` is required for the BMF table and, for the long format, checked."""
    if kind is not None and kind not in KINDS:
        raise RateFileError([_("unknown kind %(kind)r: monthly or daily") % {"kind": kind}])
    rows = _rows(_decode(data) if isinstance(data, bytes) else data)
    if not rows:
        raise RateFileError([_("the file is empty")])
    problems: list[str] = []
    header = _long_header(rows[0][1])
    if header is not None:
        file_kind = MONTHLY if "month" in header else DAILY
        layout = "long"
        if kind is not None and kind != file_kind:
            wrong = (
                _("line %(line)s: the file holds monthly rates (a month column), not daily ones")
                if file_kind == MONTHLY
                else _(
                    "line %(line)s: the file holds daily rates (a date column), not monthly ones"
                )
            )
            problems.append(wrong % {"line": rows[0][0]})
        rates = _parse_long(rows[1:], header, len(rows[0][1]), file_kind, year, problems)
    else:
        file_kind, layout = MONTHLY, "bmf"
        if kind == DAILY:
            problems.append(_("the BMF table holds monthly rates, not daily ones"))
        rates = _parse_bmf(rows, year, problems)
    rates = _without_duplicates(rates, file_kind, problems)
    if not problems and not rates:
        problems.append(_("the file holds no rates"))
    if problems:
        raise RateFileError(sorted(problems, key=_line_of))
    return RateFile(file_kind, layout, tuple(rates))


def parse_rate(text: str) -> Decimal:
    """A number as files write it ("0,9368", "1.0800", "12.457,30", "1,234.5", "12 457,30")
    → Decimal; ValueError on anything else (a sign is kept, for the caller to reject)."""
    value = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if _PLAIN.fullmatch(value):
        return Decimal(value.replace(",", "."))
    match = _GROUPED.fullmatch(value)
    if match and match["dec"] != match["group"]:
        digits = value.replace(match["group"], "")
        return Decimal(digits.replace(",", ".") if match["dec"] == "," else digits)
    raise ValueError(f"{text.strip()!r} is not a number")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise RateFileError([_("the file is neither UTF-8 nor Windows-1252 text")]) from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-empty rows with their line numbers, split at the file's separator: ``;`` or tab
    when a line has one (a ``,`` is then a decimal comma), else ``,``."""
    text = text.removeprefix("\ufeff")
    delimiter = ";" if ";" in text else "\t" if "\t" in text else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            stripped = [c.strip() for c in cells]
            if any(stripped):
                rows.append((reader.line_num, stripped))
    except csv.Error as exc:
        raise RateFileError(
            [_("line %(line)s: not CSV (%(why)s)") % {"line": reader.line_num + 1, "why": exc}]
        ) from None
    return rows


def _long_header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is a long-format header (currency, month or date, rate)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _HEADERS.get(cell.lower())
        if name is not None and name not in columns:
            columns[name] = index
    if "currency" in columns and "rate" in columns and ("month" in columns) != ("date" in columns):
        return columns
    return None


def _parse_long(
    rows: list[tuple[int, list[str]]],
    header: dict[str, int],
    width: int,
    kind: str,
    year: int | None,
    problems: list[str],
) -> list[ParsedRate]:
    needed = max(header.values()) + 1
    rates = []
    for line, cells in rows:
        if len(cells) < needed:
            problems.append(
                _("line %(line)s: %(cells)s columns, the header has %(width)s")
                % {"line": line, "cells": len(cells), "width": width}
            )
            continue
        if any(cells[width:]):
            problems.append(
                _(
                    "line %(line)s: more columns than the header (a decimal comma in a "
                    "comma-separated file needs quotes)"
                )
                % {"line": line}
            )
            continue
        where = _("line %(line)s") % {"line": line}
        currency = _currency(cells[header["currency"]], where, problems)
        if kind == MONTHLY:
            day = _month(cells[header["month"]], where, problems)
        else:
            day = _day(cells[header["date"]], where, problems)
        rate = _rate(cells[header["rate"]], where, problems)
        if day is not None and year is not None and day.year != year:
            problems.append(
                _("line %(line)s: %(when)s is not in %(year)s (the year given)")
                % {"line": line, "when": _when(kind, day), "year": year}
            )
            continue
        if currency is not None and day is not None and rate is not None:
            rates.append(ParsedRate(currency, day, rate, line))
    return rates


def _parse_bmf(
    rows: list[tuple[int, list[str]]], year: int | None, problems: list[str]
) -> list[ParsedRate]:
    start = next((i for i, (_line, cells) in enumerate(rows) if _is_bmf_header(cells)), None)
    if start is None and year is None:
        problems.append(
            _(
                "line %(line)s: expected a header currency;month;rate (monthly rates) or "
                "currency;date;rate (daily rates), or the BMF table (country, currency, January "
                "… December) with its year"
            )
            % {"line": rows[0][0]}
        )
        return []
    if year is None:
        problems.append(_("the BMF table does not name its year: give it (--year YYYY)"))
        return []
    data = rows[start + 1 :] if start is not None else rows
    rates = []
    for line, cells in data:
        rates.extend(_bmf_row(line, cells, year, problems))
    return rates


def _is_bmf_header(cells: list[str]) -> bool:
    """Country, currency, then January … December (the BMF table's header)."""
    months = []
    for cell in cells[2:14]:
        match = _MONTH_HEADERS.match(cell.lower())
        name = match[1] if match else ""
        months.append(_GERMAN.get(name, name))
    return tuple(months) == _MONTHS


def _bmf_row(line: int, cells: list[str], year: int, problems: list[str]) -> list[ParsedRate]:
    cells = cells + [""] * (14 - len(cells))
    if any(cells[14:]):
        problems.append(
            _("line %(line)s: more cells than country, currency and twelve months") % {"line": line}
        )
        return []
    months = [
        (number, cell)
        for number, cell in enumerate(cells[2:14], start=1)
        if cell and not _NOT_PUBLISHED.fullmatch(cell)
    ]
    if not months:
        return []  # a title, a footnote or a currency without rates this year
    where = _("line %(line)s (%(country)s)") % {
        "line": line,
        "country": cells[0] or _("no country"),
    }
    codes: dict[str, str] = {}
    if _CURRENCY.fullmatch(cells[1]):
        codes[cells[1]] = _("the currency column")
    elif len(cells[1]) == 3:
        problems.append(
            _("%(where)s: currency %(text)r: an ISO code of three capital letters")
            % {"where": where, "text": cells[1]}
        )
        return []
    parsed: list[tuple[int, Decimal]] = []
    count = len(problems)
    for number, cell in months:
        match = _BMF_CELL.fullmatch(cell)
        assert match is not None
        code, month = match["code"], f"{number:02d}/{year}"
        if code is not None and not _CURRENCY.fullmatch(code):
            problems.append(
                _("%(where)s, %(month)s: currency %(code)r: three capital letters")
                % {"where": where, "month": month, "code": code}
            )
            continue
        if code is not None:
            codes.setdefault(code, month)
        rate = _rate(match["number"], f"{where}, {month}", problems)
        if rate is not None:
            parsed.append((number, rate))
    if len(codes) > 1:
        named = ", ".join(
            _("%(code)s in %(place)s") % {"code": code, "place": place}
            for code, place in codes.items()
        )
        problems.append(
            _("%(where)s: more than one currency (%(named)s)") % {"where": where, "named": named}
        )
    elif not codes and len(problems) == count:
        problems.append(
            _(
                "%(where)s: no currency code: write the ISO code (e.g. CHF) in the currency "
                "column or after the rates"
            )
            % {"where": where}
        )
    if len(problems) > count or len(codes) != 1:
        return []
    currency = _currency(next(iter(codes)), where, problems)
    if currency is None:
        return []
    return [ParsedRate(currency, date(year, number, 1), rate, line) for number, rate in parsed]


def _currency(text: str, where: str, problems: list[str]) -> str | None:
    if not _CURRENCY.fullmatch(text):
        problems.append(
            _("%(where)s: currency %(text)r: an ISO code of three capital letters")
            % {"where": where, "text": text}
        )
        return None
    if text == "EUR":
        problems.append(_("%(where)s: EUR needs no exchange rate") % {"where": where})
        return None
    return text


def _rate(text: str, where: str, problems: list[str]) -> Decimal | None:
    try:
        rate = parse_rate(text)
    except ValueError:
        problems.append(_("%(where)s: %(text)r is not a rate") % {"where": where, "text": text})
        return None
    if rate <= 0:
        problems.append(
            _("%(where)s: the rate must be greater than zero, not %(text)s")
            % {"where": where, "text": text}
        )
        return None
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MAX_DECIMALS:
        problems.append(
            _("%(where)s: %(text)s has more than %(places)s decimal places")
            % {"where": where, "text": text, "places": MAX_DECIMALS}
        )
        return None
    if rate >= MAX_RATE:
        problems.append(
            _("%(where)s: %(text)s is too large for a rate") % {"where": where, "text": text}
        )
        return None
    return rate


def _month(text: str, where: str, problems: list[str]) -> date | None:
    if match := _ISO_MONTH.fullmatch(text):
        year, month = int(match[1]), int(match[2])
    elif match := _MONTH_YEAR.fullmatch(text):
        month, year = int(match[1]), int(match[2])
    else:
        month = 0
    if not 1 <= month <= 12:
        problems.append(
            _("%(where)s: %(text)r is not a month (YYYY-MM or MM/YYYY)")
            % {"where": where, "text": text}
        )
        return None
    return date(year, month, 1)


def _day(text: str, where: str, problems: list[str]) -> date | None:
    try:
        if match := _ISO_DAY.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _GERMAN_DAY.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    problems.append(
        _("%(where)s: %(text)r is not a date (YYYY-MM-DD or DD.MM.YYYY)")
        % {"where": where, "text": text}
    )
    return None


def _line_of(problem: str) -> int:
    match = _LINE.match(problem)
    return int(match[1]) if match else 0


def _when(kind: str, day: date) -> str:
    return f"{day:%m/%Y}" if kind == MONTHLY else f"{day:%d.%m.%Y}"


def _without_duplicates(
    rates: list[ParsedRate], kind: str, problems: list[str]
) -> list[ParsedRate]:
    """A rate given twice is kept once; given twice with different values, it is an error."""
    seen: dict[tuple[str, date], ParsedRate] = {}
    unique = []
    for rate in rates:
        first = seen.setdefault((rate.currency, rate.day), rate)
        if first is rate:
            unique.append(rate)
        elif first.rate != rate.rate:
            problems.append(
                _(
                    "line %(line)s: %(currency)s %(when)s is given again with another rate "
                    "(%(rate)s; line %(first_line)s: %(first_rate)s)"
                )
                % {
                    "line": rate.line,
                    "currency": rate.currency,
                    "when": _when(kind, rate.day),
                    "rate": rate.rate,
                    "first_line": first.line,
                    "first_rate": first.rate,
                }
            )
    return unique
