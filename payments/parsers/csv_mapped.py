"""Any bank's CSV export, read through a column mapping remembered per source.

German banks export ``;``-separated files in Windows-1252 with a decimal comma, dates as
``dd.mm.yyyy`` and often several lines about the account before the table (Sparkasse, DKB);
some give one signed amount column, others separate debit (Soll) and credit (Haben) columns.
The mapping says where everything is::

    {
      "delimiter": ";", "encoding": "cp1252", "header_row": 5, "date_format": "%d.%m.%Y",
      "decimal_comma": true,
      "columns": {"date": "Buchungstag", "value_date": "Valuta", "amount": "Betrag",
                  "debit": "Soll", "credit": "Haben", "currency": "Währung",
                  "name": "Name", "iban": "IBAN", "bic": "BIC",
                  "text": ["Verwendungszweck", "Buchungstext"], "reference": "Kundenreferenz",
                  "end_to_end_id": "EndToEndId"},
      "currency": "EUR"
    }

A column is named by its header or by its position (0 = the first column). ``header_row`` is
the 1-based line of the table's header (0: the table has no header, columns by position).
``date`` and either ``amount`` or ``debit``/``credit`` are required. Debit amounts are money
out whatever their sign in the file. A line that cannot be read becomes a ``LineError`` with a
sentence; the rest go on.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.texts import Joined, Text

from .base import LineError, ParsedStatement, StatementLine
from .errors import reason_of

COLUMN_KEYS = (
    "date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "currency",
    "name",
    "iban",
    "bic",
    "text",
    "reference",
    "end_to_end_id",
)
DEFAULTS: dict[str, Any] = {
    "delimiter": ";",
    "encoding": "cp1252",
    "header_row": 1,
    "date_format": "%d.%m.%Y",
    "decimal_comma": True,
    "currency": "EUR",
}
_AMOUNT = re.compile(r"^[+-]?\d{1,3}(?:[.,' ]?\d{3})*(?:[.,]\d+)?[+-]?$|^[+-]?\d+(?:[.,]\d+)?$")


class MappingError(ValueError):
    """The mapping does not fit the file (a named column is missing, an encoding is wrong)."""


def mapping_problems(mapping: object) -> list[str]:
    """What is wrong with a mapping, as sentences (empty: usable)."""
    if not isinstance(mapping, dict):
        return ["The CSV mapping must be an object of settings and columns."]
    problems = []
    columns = mapping.get("columns")
    if not isinstance(columns, dict):
        return ['The CSV mapping needs "columns": where date, amount, name, text … are.']
    unknown = sorted(set(columns) - set(COLUMN_KEYS))
    if unknown:
        problems.append(f"Unknown columns in the CSV mapping: {', '.join(unknown)}.")
    if "date" not in columns:
        problems.append('The CSV mapping needs the column of the booking date ("date").')
    if "amount" not in columns and not ("debit" in columns or "credit" in columns):
        problems.append(
            'The CSV mapping needs the amount column ("amount"), or the debit and credit '
            'columns ("debit", "credit").'
        )
    for key, spec in columns.items():
        specs = spec if isinstance(spec, list) and key == "text" else [spec]
        if not all((isinstance(s, str) and s) or (isinstance(s, int) and s >= 0) for s in specs):
            problems.append(f'Column "{key}": give a header name or a position from 0.')
    delimiter = mapping.get("delimiter", DEFAULTS["delimiter"])
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        problems.append("The delimiter must be one character, e.g. ; or ,.")
    header_row = mapping.get("header_row", DEFAULTS["header_row"])
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 0:
        problems.append("header_row is the line number of the table's header (0: none).")
    return problems


def parse_csv(data: bytes, mapping: dict[str, Any]) -> ParsedStatement:
    problems = mapping_problems(mapping)
    if problems:
        raise MappingError(" ".join(problems))
    settings = {**DEFAULTS, **mapping}
    text = _decode(data, settings["encoding"])
    rows = list(csv.reader(io.StringIO(text), delimiter=settings["delimiter"]))
    header_row: int = settings["header_row"]
    if header_row > len(rows):
        raise MappingError(
            Text("The file has fewer than {rows} lines: no header there.", rows=header_row)
        )
    header = [cell.strip() for cell in rows[header_row - 1]] if header_row else []
    positions = {key: _positions(key, spec, header) for key, spec in mapping["columns"].items()}
    statement = ParsedStatement(format="csv", account_currency=settings["currency"])
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        if not any(cell.strip() for cell in row):
            continue
        try:
            statement.lines.append(_line(row, positions, settings))
        except ValueError as exc:
            raw = settings["delimiter"].join(row)
            reason = Text("Line {number}: {reason}", number=number, reason=reason_of(exc))
            statement.errors.append(LineError(number, reason, raw[:300]))
    days = [line.booking_date for line in statement.lines]
    if days:
        statement.period_from, statement.period_to = min(days), max(days)
    return statement


def _decode(data: bytes, encoding: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode(encoding)
    except LookupError:
        raise MappingError(
            Text(
                "{encoding} is not a known encoding (e.g. cp1252, utf-8).", encoding=repr(encoding)
            )
        ) from None
    except UnicodeDecodeError as exc:
        raise MappingError(
            Text(
                "The file is not {encoding} (byte {byte}): set the mapping's encoding.",
                encoding=encoding,
                byte=exc.start + 1,
            )
        ) from None


def _positions(key: str, spec: Any, header: list[str]) -> list[int]:
    specs = spec if isinstance(spec, list) else [spec]
    found = []
    for one in specs:
        if isinstance(one, int):
            found.append(one)
            continue
        wanted = one.strip().casefold()
        matches = [i for i, name in enumerate(header) if name.casefold() == wanted]
        if not matches:
            if not header:
                raise MappingError(
                    Text(
                        'The file has no column "{column}" (for {key}); its columns are: none '
                        "(no header row).",
                        column=one,
                        key=key,
                    )
                )
            raise MappingError(
                Text(
                    'The file has no column "{column}" (for {key}); its columns are: {columns}.',
                    column=one,
                    key=key,
                    columns=Joined(tuple(header)),
                )
            )
        found.append(matches[0])
    return found


def _cells(row: list[str], positions: dict[str, list[int]], key: str) -> list[str]:
    return [row[i].strip() if i < len(row) else "" for i in positions.get(key, [])]


def _cell(row: list[str], positions: dict[str, list[int]], key: str) -> str:
    cells = _cells(row, positions, key)
    return cells[0] if cells else ""


def _line(
    row: list[str], positions: dict[str, list[int]], settings: dict[str, Any]
) -> StatementLine:
    needed = max(max(p) for p in positions.values() if p) + 1
    if len(row) < needed:
        raise ValueError(
            Text(
                "it has {columns} columns, the mapping needs {needed} (a cut-off line, or a "
                "delimiter inside a text without quotes).",
                columns=len(row),
                needed=needed,
            )
        )
    booked = _date(_cell(row, positions, "date"), settings["date_format"], Text("booking date"))
    value_text = _cell(row, positions, "value_date")
    valued = _date(value_text, settings["date_format"], Text("value date")) if value_text else None
    comma = bool(settings["decimal_comma"])
    if "amount" in positions:
        amount = _amount(_cell(row, positions, "amount"), comma, Text("amount"))
    else:
        debit_text, credit_text = _cell(row, positions, "debit"), _cell(row, positions, "credit")
        if not debit_text and not credit_text:
            raise ValueError(Text("neither the debit nor the credit column has an amount."))
        debit = abs(_amount(debit_text, comma, Text("debit"))) if debit_text else Decimal(0)
        credit = abs(_amount(credit_text, comma, Text("credit"))) if credit_text else Decimal(0)
        amount = credit - debit
    currency = (_cell(row, positions, "currency") or settings["currency"]).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(
            Text("{currency} is not a currency code (EUR, USD …).", currency=repr(currency))
        )
    texts = [t for t in _cells(row, positions, "text") if t]
    return StatementLine(
        booking_date=booked,
        value_date=valued,
        amount=amount,
        currency=currency,
        counterparty_name=" ".join(_cell(row, positions, "name").split()),
        counterparty_iban=_cell(row, positions, "iban").replace(" ", "").upper(),
        counterparty_bic=_cell(row, positions, "bic").replace(" ", "").upper(),
        remittance=" ".join(" ".join(texts).split()),
        bank_reference=_cell(row, positions, "reference"),
        end_to_end_id=_cell(row, positions, "end_to_end_id"),
        status="booked",
        raw={str(i): cell for i, cell in enumerate(row)},
    )


def _date(text: str, fmt: str, what: Text) -> date:
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        example = date(2026, 11, 30).strftime(fmt)
        raise ValueError(
            Text(
                "{text} is not a {what} in the form {example}.",
                text=repr(text),
                what=what,
                example=example,
            )
        ) from None


def _amount(text: str, decimal_comma: bool, what: Text) -> Decimal:
    """``1.234,56`` / ``-0,5`` / ``1.234,56-`` (decimal comma) or ``1,234.56`` (point)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("€", "").replace("EUR", "")
    if not cleaned or not _AMOUNT.match(cleaned):
        raise ValueError(Text("{text} is not an amount ({what}).", text=repr(text), what=what))
    sign = -1 if cleaned.startswith("-") or cleaned.endswith("-") else 1
    digits = cleaned.strip("+-")
    thousands, point = (".", ",") if decimal_comma else (",", ".")
    if (
        point not in digits
        and digits.count(thousands) == 1
        and len(digits.split(thousands)[1]) != 3
    ):
        raise ValueError(
            Text(
                "{text} is not an amount ({what}): the mapping says the decimal separator is "
                "{point}.",
                text=repr(text),
                what=what,
                point=repr(point),
            )
        )
    digits = digits.replace(thousands, "").replace("'", "").replace(point, ".")
    try:
        return sign * Decimal(digits)
    except InvalidOperation:
        raise ValueError(
            Text("{text} is not an amount ({what}).", text=repr(text), what=what)
        ) from None
