"""Parsers of bank and payment-provider statements. Each turns one file into a
``ParsedStatement`` of ``StatementLine``s (plain data, no database); a line that cannot be read
becomes a ``LineError`` with its reason and the others go on.

``detect_format`` tells the format from the file's content; ``parse_statement`` reads a file
with the parser of its (given or detected) format."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from connector.texts import Joined, Text

from .base import LineError, ParsedStatement, StatementLine
from .common import csv_rows, decode, normalise_header
from .errors import StatementFormatError

__all__ = [
    "FORMATS",
    "LineError",
    "ParsedStatement",
    "StatementFormatError",
    "StatementLine",
    "detect_format",
    "parse_statement",
]

# Format name → (module, function); modules are imported when a file of theirs is read.
_PARSERS: dict[str, tuple[str, str]] = {
    "camt": ("camt", "parse_camt"),
    "mt940": ("mt940", "parse_mt940"),
    "paypal": ("paypal", "parse_paypal"),
    "stripe": ("stripe", "parse_stripe"),
}
FORMATS = tuple(_PARSERS)
_CAMT_ROOTS = {
    "BkToCstmrAcctRpt": "camt.052",
    "BkToCstmrStmt": "camt.053",
    "BkToCstmrDbtCdtNtfctn": "camt.054",
}
_MT940_TAG = re.compile(r"^:\n?(20|25|28C?|60[FM]|61|62[FM]|86):", re.MULTILINE)


def detect_format(data: bytes, filename: str = "") -> str:
    """ "camt.052", "camt.053", "camt.054", "mt940", "paypal" or "stripe", from the content.
    Raises StatementFormatError with what was found when it is none of them."""
    head = data[:65536]
    text = decode(head)
    named = f" ({filename})" if filename else ""
    if head.startswith(b"PK\x03\x04"):
        raise StatementFormatError(
            Text(
                "The file{named} is a ZIP archive: unpack it and import the statements inside.",
                named=named,
            )
        )
    if text.lstrip().startswith("<"):
        for root, name in _CAMT_ROOTS.items():
            if f"<{root}" in text or f":{root}" in text:
                return name
        match = re.search(r"camt\.05([234])", text)
        if match:
            return f"camt.05{match[1]}"
        raise StatementFormatError(
            Text("The XML file{named} is not a CAMT.052/053/054 statement.", named=named)
        )
    if len({m[1] for m in _MT940_TAG.finditer(text)}) >= 2:
        return "mt940"
    try:
        rows = csv_rows(text.split("\n", 1)[0])
    except StatementFormatError:
        rows = []
    header = {normalise_header(cell) for cell in rows[0][1]} if rows else set()
    if header & {"transaktionscode", "transaction id"} and header & {"brutto", "gross"}:
        return "paypal"
    if "reporting_category" in header or "balance_transaction_id" in header:
        return "stripe"
    if {"id", "available on (utc)"} <= header or {"id", "created (utc)", "type"} <= header:
        return "stripe"
    raise StatementFormatError(
        Text(
            "The file{named} is none of the statement formats read here (CAMT.052/053/054, "
            "MT940, PayPal activity CSV, Stripe balance CSV). Choose the format by hand, or set "
            "up a column mapping for a bank CSV.",
            named=named,
        )
    )


def parse_statement(data: bytes, format: str | None = None, filename: str = "") -> ParsedStatement:
    """Read a statement file with the parser of ``format`` (detected when not given:
    ``"camt"`` or ``"camt.05x"``, ``"mt940"``, ``"paypal"``, ``"stripe"``)."""
    name = format or detect_format(data, filename)
    family = "camt" if name.startswith("camt") else name
    if family not in _PARSERS:
        raise StatementFormatError(
            Text(
                "The format {name} is unknown; known are: {known}.",
                name=repr(name),
                known=Joined(tuple(FORMATS)),
            )
        )
    return _parser(family)(data)


def _parser(family: str) -> Callable[[bytes], ParsedStatement]:
    module_name, function = _PARSERS[family]
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{module_name}":
            raise
        raise StatementFormatError(
            Text(
                "Reading {family} statements is not available in this installation.",
                family=family.upper(),
            )
        ) from None
    parser: Callable[[bytes], ParsedStatement] = getattr(module, function)
    return parser
