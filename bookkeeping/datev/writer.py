"""Streaming writer for the DATEV-Format (EXTF) Buchungsstapel, Formatversion 13.

File rules implemented here (bookkeeping.md §1.1): cp1252, CRLF after every line, ``;`` between
fields, text in double quotes with inner quotes doubled and no control characters, numbers with a
decimal comma and no thousands separator, empty numbers as ``;;`` and empty texts as ``""``.

The writer writes what it is given; checking is the linter's job (``lint.py``). It refuses only
what cannot be expressed at all: an amount that is not positive (DATEV carries the sign in S/H,
§1.4 and §4.2) and more Beleginfo pairs than there are columns. It streams: lines are encoded and
written in chunks, so memory stays flat for 100k+ bookings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import BinaryIO

from .columns import (
    APP_INFO_MAX,
    B_ACCOUNT,
    B_AMOUNT,
    B_BASE_AMOUNT,
    B_BASE_CURRENCY,
    B_BU_KEY,
    B_CONTRA,
    B_CURRENCY,
    B_DOC1,
    B_DOC2,
    B_DOC_DATE,
    B_DOC_INFO_FIRST,
    B_EU_DESTINATION,
    B_EU_ORIGIN,
    B_EU_RATE,
    B_LOCKED,
    B_ORDER_NUMBER,
    B_ORIGIN_RATE,
    B_RATE,
    B_REVERSAL,
    B_SERVICE_DATE,
    B_SIDE,
    B_TAX_PERIOD_DATE,
    B_TEXT,
    BOOKING_COLUMNS,
    BOOKINGS_CATEGORY,
    DOC_INFO_ART_MAX,
    DOC_INFO_CONTENT_MAX,
    DOC_INFO_PAIRS,
    EXPORTED_BY_MAX,
    FORMATS,
    HEADER_KIND,
    HEADER_VERSION,
    LABEL_MAX,
    TEXT_MAX,
    Column,
)
from .records import DatevBooking, DatevHeader

ENCODING = "cp1252"
LINE_END = "\r\n"
_CHUNK_LINES = 1000
_CENT = Decimal("0.01")
_RATE_STEP = Decimal("0.000001")  # Kurs has at most 6 decimals (§1.4)

# Control characters (Cc) and Unicode line/paragraph separators would break a line or a field.
_CONTROL_TO_SPACE = {c: " " for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}
# Letters that have no Unicode decomposition, so NFKD alone cannot find their base letter.
_NO_DECOMPOSITION = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i", "ŧ": "t", "Ŧ": "T",
    "ĸ": "k", "ŋ": "n", "Ŋ": "N", "ẞ": "SS",
}  # fmt: skip


@lru_cache(maxsize=4096)
def _fallback(char: str) -> str:
    """An ASCII stand-in for a character cp1252 cannot hold: "ő" → "o", "ł" → "l", else "?"."""
    try:
        char.encode(ENCODING)
        return char
    except UnicodeEncodeError:
        pass
    base = _NO_DECOMPOSITION.get(char)
    if base is None:
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base and base.isascii() else "?"


def clean_text(value: str, limit: int | None = None) -> str:
    """Text as DATEV can take it: no control characters, cp1252 only, at most ``limit`` chars."""
    if not (value.isascii() and value.isprintable()):
        value = value.translate(_CONTROL_TO_SPACE)
        try:
            value.encode(ENCODING)
        except UnicodeEncodeError:
            value = "".join(map(_fallback, value))
    # Truncate after the mapping: a fallback may be longer than its original ("ẞ" → "SS").
    return value if limit is None else value[:limit]


def text_field(value: str, limit: int | None = None) -> str:
    """A quoted text field; an empty text is still written as ``""`` (§1.1)."""
    if not value:
        return '""'
    value = clean_text(value, limit)
    if '"' in value:
        value = value.replace('"', '""')
    return f'"{value}"'


def decimal_field(value: Decimal, step: Decimal = _CENT) -> str:
    """A number with decimal comma, quantized at this boundary with an explicit rounding mode."""
    return f"{value.quantize(step, rounding=ROUND_HALF_UP):f}".replace(".", ",")


def percent_field(value: Decimal) -> str:
    """EU-Steuersatz (41/124) as DATEV documents it: two digits, comma, two decimals."""
    whole, _, fraction = decimal_field(value).partition(",")
    return f"{whole.zfill(2)},{fraction}"


def rate_field(value: Decimal) -> str:
    """Kurs ``1234,123456``: up to 6 decimals, trailing zeros dropped, at least 2 kept."""
    whole, _, fraction = decimal_field(value, _RATE_STEP).partition(",")
    return f"{whole},{fraction.rstrip('0').ljust(2, '0')}"


def amount_field(value: Decimal) -> str:
    """Umsatz: positive, 2 decimals. A sign would be silently dropped by DATEV (§1.4)."""
    if not value.is_finite() or value.quantize(_CENT, rounding=ROUND_HALF_UP) <= 0:
        raise ValueError(f"DATEV amounts must be positive (the sign goes into S/H): {value}")
    return decimal_field(value)


def ymd(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def ddmmyyyy(value: date) -> str:
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"


def timestamp(value: datetime) -> str:
    """Erzeugt am: YYYYMMDDHHMMSSFFF (17 digits, milliseconds; §1.2 #6)."""
    return f"{value:%Y%m%d%H%M%S}{value.microsecond // 1000:03d}"


def header_line(header: DatevHeader, category: int) -> str:
    """The 31 header fields, laid out as in DATEV's samples (bookkeeping.md §1.2 and §1.5)."""
    name, version, _ = FORMATS[category]
    # Datum vom/bis, Bezeichnung, Buchungstyp, Festschreibung and WKZ belong to transaction
    # data only; the Debitoren/Kreditoren sample leaves them empty (§1.5).
    bookings = category == BOOKINGS_CATEGORY
    fields = [
        text_field(HEADER_KIND), str(HEADER_VERSION), str(category), text_field(name),
        str(version), timestamp(header.created_at), "", text_field(header.origin),
        text_field(header.exported_by, EXPORTED_BY_MAX), '""',
        str(header.consultant_number), str(header.client_number),
        ymd(header.fiscal_year_start), str(header.account_length),
        ymd(header.period_from) if bookings else "", ymd(header.period_to) if bookings else "",
        text_field(header.label, LABEL_MAX) if bookings else '""', text_field(header.initials),
        "1" if bookings else "",  # Buchungstyp 1 = Finanzbuchführung
        "0" if bookings else "",  # Rechnungslegungszweck 0 = independent of the purpose
        ("1" if header.locked else "0") if bookings else "",
        text_field(header.currency if bookings else ""), "", '""', "", "",
        text_field(header.chart), "", "", '""', text_field(header.app_info, APP_INFO_MAX),
    ]  # fmt: skip
    return ";".join(fields)


def heading_line(columns: tuple[Column, ...]) -> str:
    return ";".join(column.name for column in columns)


def empty_row(columns: tuple[Column, ...]) -> list[str]:
    """The row every line starts from: ``""`` for text columns, nothing for the others."""
    return ['""' if column.is_text else "" for column in columns]


def write_lines(out: BinaryIO, lines: Iterable[str]) -> None:
    """Encode and write in chunks: few write calls, and never the whole file in memory."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= _CHUNK_LINES:
            out.write((LINE_END.join(chunk) + LINE_END).encode(ENCODING))
            chunk.clear()
    if chunk:
        out.write((LINE_END.join(chunk) + LINE_END).encode(ENCODING))


class _BookingLines:
    """Formats bookings into lines; the fixed parts are computed once per file."""

    def __init__(self, header: DatevHeader) -> None:
        self.template = empty_row(BOOKING_COLUMNS)
        self.account_length = header.account_length
        self.locked = "1" if header.locked else "0"

    def line(self, booking: DatevBooking) -> str:
        fields = self.template.copy()  # index = DATEV column number - 1
        self._core(fields, booking)
        if booking.doc_info or booking.order_number:
            self._info(fields, booking)
        self._tax(fields, booking)
        return ";".join(fields)

    def _core(self, f: list[str], b: DatevBooking) -> None:
        f[B_AMOUNT - 1] = amount_field(b.amount)
        f[B_SIDE - 1] = text_field(b.side)
        if b.currency:
            f[B_CURRENCY - 1] = text_field(b.currency)
        if b.exchange_rate is not None:
            f[B_RATE - 1] = rate_field(b.exchange_rate)
        if b.base_amount is not None:
            f[B_BASE_AMOUNT - 1] = decimal_field(b.base_amount)
        if b.base_currency:
            f[B_BASE_CURRENCY - 1] = text_field(b.base_currency)
        # Leading zeros pad short G/L numbers to the Sachkontenlänge (SKR03 "0400" → 400).
        f[B_ACCOUNT - 1] = str(b.account).zfill(self.account_length)
        f[B_CONTRA - 1] = str(b.contra_account).zfill(self.account_length)
        if b.bu_key:
            f[B_BU_KEY - 1] = text_field(b.bu_key)
        d = b.document_date
        f[B_DOC_DATE - 1] = (
            f"{d.day:02d}{d.month:02d}"  # TTMM: the year comes from the header (§1.4)
        )
        # Belegfeld 1/2 are keys, not prose: never truncated, the linter reports bad ones.
        f[B_DOC1 - 1] = text_field(b.document_field1)
        if b.document_field2:
            f[B_DOC2 - 1] = text_field(b.document_field2)
        if b.text:
            f[B_TEXT - 1] = text_field(b.text, TEXT_MAX)

    def _info(self, f: list[str], b: DatevBooking) -> None:
        if len(b.doc_info) > DOC_INFO_PAIRS:
            raise ValueError(f"at most {DOC_INFO_PAIRS} Beleginfo pairs fit, got {b.doc_info!r}")
        for index, (art, content) in enumerate(b.doc_info):
            f[B_DOC_INFO_FIRST - 1 + 2 * index] = text_field(art, DOC_INFO_ART_MAX)
            f[B_DOC_INFO_FIRST + 2 * index] = text_field(content, DOC_INFO_CONTENT_MAX)
        if b.order_number:
            f[B_ORDER_NUMBER - 1] = text_field(b.order_number)

    def _tax(self, f: list[str], b: DatevBooking) -> None:
        if b.eu_destination:
            f[B_EU_DESTINATION - 1] = text_field(b.eu_destination)
        if b.eu_rate is not None:
            f[B_EU_RATE - 1] = percent_field(b.eu_rate)
        # Empty Festschreibung counts as locked since 2016/2017: always write 0 or 1 (§1.4).
        f[B_LOCKED - 1] = self.locked if b.locked is None else ("1" if b.locked else "0")
        if b.service_date is not None:
            f[B_SERVICE_DATE - 1] = ddmmyyyy(b.service_date)
        # DATEV's validator wants 116 whenever 115 is set (§1.4); default it to the 115 date.
        tax_period = b.tax_period_date or b.service_date
        if tax_period is not None:
            f[B_TAX_PERIOD_DATE - 1] = ddmmyyyy(tax_period)
        f[B_REVERSAL - 1] = '"1"' if b.reversal else '"0"'
        if b.eu_origin:
            f[B_EU_ORIGIN - 1] = text_field(b.eu_origin)
        if b.origin_rate is not None:
            f[B_ORIGIN_RATE - 1] = percent_field(b.origin_rate)


def write_bookings(header: DatevHeader, bookings: Iterable[DatevBooking], out: BinaryIO) -> int:
    """Write an EXTF Buchungsstapel (category 21, format 13) to ``out``; return the row count."""
    formatter = _BookingLines(header)
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        yield header_line(header, BOOKINGS_CATEGORY)
        yield heading_line(BOOKING_COLUMNS)
        for booking in bookings:
            yield formatter.line(booking)
            count += 1

    write_lines(out, lines())
    return count
