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
_LINE = re.compile(r"line (\d+)")

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
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{count} in the file, nothing was imported: " + "; ".join(problems))
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
        raise RateFileError([f"unknown kind {kind!r}: monthly or daily"])
    rows = _rows(_decode(data) if isinstance(data, bytes) else data)
    if not rows:
        raise RateFileError(["the file is empty"])
    problems: list[str] = []
    header = _long_header(rows[0][1])
    if header is not None:
        file_kind = MONTHLY if "month" in header else DAILY
        layout = "long"
        if kind is not None and kind != file_kind:
            column = "month" if file_kind == MONTHLY else "date"
            problems.append(
                f"line {rows[0][0]}: the file holds {file_kind} rates (a {column} column), "
                f"not {kind} ones"
            )
        rates = _parse_long(rows[1:], header, len(rows[0][1]), file_kind, year, problems)
    else:
        file_kind, layout = MONTHLY, "bmf"
        if kind == DAILY:
            problems.append("the BMF table holds monthly rates, not daily ones")
        rates = _parse_bmf(rows, year, problems)
    rates = _without_duplicates(rates, file_kind, problems)
    if not problems and not rates:
        problems.append("the file holds no rates")
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
        raise RateFileError(["the file is neither UTF-8 nor Windows-1252 text"]) from None


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
        raise RateFileError([f"line {reader.line_num + 1}: not CSV ({exc})"]) from None
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
            problems.append(f"line {line}: {len(cells)} columns, the header has {width}")
            continue
        if any(cells[width:]):
            problems.append(
                f"line {line}: more columns than the header (a decimal comma in a "
                "comma-separated file needs quotes)"
            )
            continue
        currency = _currency(cells[header["currency"]], f"line {line}", problems)
        if kind == MONTHLY:
            day = _month(cells[header["month"]], f"line {line}", problems)
        else:
            day = _day(cells[header["date"]], f"line {line}", problems)
        rate = _rate(cells[header["rate"]], f"line {line}", problems)
        if day is not None and year is not None and day.year != year:
            problems.append(f"line {line}: {_when(kind, day)} is not in {year} (the year given)")
            continue
        if currency is not None and day is not None and rate is not None:
            rates.append(ParsedRate(currency, day, rate, line))
    return rates


def _parse_bmf(
    rows: list[tuple[int, list[str]]], year: int | None, problems: list[str]
) -> list[ParsedRate]:
    start = next((i for i, (_, cells) in enumerate(rows) if _is_bmf_header(cells)), None)
    if start is None and year is None:
        problems.append(
            f"line {rows[0][0]}: expected a header currency;month;rate (monthly rates) or "
            "currency;date;rate (daily rates), or the BMF table (country, currency, January "
            "… December) with its year"
        )
        return []
    if year is None:
        problems.append("the BMF table does not name its year: give it (--year YYYY)")
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
        problems.append(f"line {line}: more cells than country, currency and twelve months")
        return []
    months = [
        (number, cell)
        for number, cell in enumerate(cells[2:14], start=1)
        if cell and not _NOT_PUBLISHED.fullmatch(cell)
    ]
    if not months:
        return []  # a title, a footnote or a currency without rates this year
    where = f"line {line} ({cells[0] or 'no country'})"
    codes: dict[str, str] = {}
    if _CURRENCY.fullmatch(cells[1]):
        codes[cells[1]] = "the currency column"
    elif len(cells[1]) == 3:
        problems.append(f"{where}: currency {cells[1]!r}: an ISO code of three capital letters")
        return []
    parsed: list[tuple[int, Decimal]] = []
    count = len(problems)
    for number, cell in months:
        match = _BMF_CELL.fullmatch(cell)
        assert match is not None
        code, month = match["code"], f"{number:02d}/{year}"
        if code is not None and not _CURRENCY.fullmatch(code):
            problems.append(f"{where}, {month}: currency {code!r}: three capital letters")
            continue
        if code is not None:
            codes.setdefault(code, month)
        rate = _rate(match["number"], f"{where}, {month}", problems)
        if rate is not None:
            parsed.append((number, rate))
    if len(codes) > 1:
        named = ", ".join(f"{code} in {place}" for code, place in codes.items())
        problems.append(f"{where}: more than one currency ({named})")
    elif not codes and len(problems) == count:
        problems.append(
            f"{where}: no currency code: write the ISO code (e.g. CHF) in the currency "
            "column or after the rates"
        )
    if len(problems) > count or len(codes) != 1:
        return []
    currency = _currency(next(iter(codes)), where, problems)
    if currency is None:
        return []
    return [ParsedRate(currency, date(year, number, 1), rate, line) for number, rate in parsed]


def _currency(text: str, where: str, problems: list[str]) -> str | None:
    if not _CURRENCY.fullmatch(text):
        problems.append(f"{where}: currency {text!r}: an ISO code of three capital letters")
        return None
    if text == "EUR":
        problems.append(f"{where}: EUR needs no exchange rate")
        return None
    return text


def _rate(text: str, where: str, problems: list[str]) -> Decimal | None:
    try:
        rate = parse_rate(text)
    except ValueError:
        problems.append(f"{where}: {text!r} is not a rate")
        return None
    if rate <= 0:
        problems.append(f"{where}: the rate must be greater than zero, not {text}")
        return None
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MAX_DECIMALS:
        problems.append(f"{where}: {text} has more than {MAX_DECIMALS} decimal places")
        return None
    if rate >= MAX_RATE:
        problems.append(f"{where}: {text} is too large for a rate")
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
        problems.append(f"{where}: {text!r} is not a month (YYYY-MM or MM/YYYY)")
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
    problems.append(f"{where}: {text!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
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
                f"line {rate.line}: {rate.currency} {_when(kind, rate.day)} is given again "
                f"with another rate ({rate.rate}; line {first.line}: {first.rate})"
            )
    return unique
