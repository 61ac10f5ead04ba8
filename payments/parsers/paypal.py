"""PayPal activity CSV ("Aktivitäten" / "Activity" download), German or English headers.

Columns are found by their header (``_HEADERS``); unknown columns are kept in ``raw``.
German headers mean decimal commas and ``dd.mm.yyyy`` dates; English headers mean decimal
points and ``mm/dd/yyyy`` dates, unless a date of the file can only be read day first
(``31/01/2025``), which then decides for the whole file.

Statuses kept (``_KEPT_STATUSES``): completed ("Abgeschlossen") and the refunded/reversed
states of a completed payment (its refund or chargeback is a row of its own) as
``status="booked"``; pending ("Ausstehend", "Offen") as ``status="pending"``. Rows that never
moved money are left out: denied, cancelled, expired, voided, failed, removed, and completed
rows whose "Auswirkung auf Guthaben" / "Balance Impact" is "Memo".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from connector.texts import Joined, Text

from .base import LineError, LineKind, ParsedStatement, StatementLine
from .common import booking_day, csv_rows, decode, normalise_header, parse_amount, shorten, zone_of
from .errors import StatementFormatError, reason_of

FORMAT = "paypal"

_HEADERS: dict[str, str] = {
    **dict.fromkeys(("datum", "date"), "date"),
    **dict.fromkeys(("uhrzeit", "time"), "time"),
    **dict.fromkeys(("zeitzone", "timezone", "time zone"), "zone"),
    "name": "name",
    **dict.fromkeys(("typ", "type"), "type"),
    "status": "status",
    **dict.fromkeys(("währung", "waehrung", "currency"), "currency"),
    **dict.fromkeys(("brutto", "gross"), "gross"),
    **dict.fromkeys(("gebühr", "gebuehr", "fee"), "fee"),
    **dict.fromkeys(("netto", "net"), "net"),
    **dict.fromkeys(("absender e-mail-adresse", "from email address"), "from_email"),
    **dict.fromkeys(("empfänger e-mail-adresse", "to email address"), "to_email"),
    **dict.fromkeys(("transaktionscode", "transaction id"), "transaction_id"),
    **dict.fromkeys(("zugehöriger transaktionscode", "reference txn id"), "reference_id"),
    **dict.fromkeys(("rechnungsnummer", "invoice number", "invoice id"), "invoice"),
    **dict.fromkeys(("betreff", "subject"), "subject"),
    **dict.fromkeys(("hinweis", "note"), "note"),
    **dict.fromkeys(("artikelbezeichnung", "item title"), "item_title"),
    **dict.fromkeys(("guthaben", "balance"), "balance"),
    **dict.fromkeys(("auswirkung auf guthaben", "balance impact"), "balance_impact"),
}
_GERMAN_MARKERS = {"datum", "brutto", "netto", "transaktionscode", "währung", "typ"}
_REQUIRED = ("date", "type", "status", "currency", "gross", "transaction_id")

_KEPT_STATUSES = {
    "abgeschlossen": "booked",
    "completed": "booked",
    "erstattet": "booked",
    "refunded": "booked",
    "teilweise erstattet": "booked",
    "partially refunded": "booked",
    "rückgängig gemacht": "booked",
    "reversed": "booked",
    "ausstehend": "pending",
    "offen": "pending",
    "pending": "pending",
}
# Types in the order they are tried (a hold's "Rückbuchung allgemeiner Einbehaltung" is a
# hold, not a chargeback).
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (LineKind.CONVERSION, ("währungsumrechnung", "currency conversion")),
    (LineKind.OTHER, ("einbehaltung", "hold", "autorisierung", "authorization", "reserve")),
    (
        LineKind.PAYOUT,
        (
            "bankgutschrift auf paypal-konto",
            "bank deposit to pp account",
            "abbuchung",
            "auszahlung",
            "withdraw",
            "transfer to bank",
            "übertragung auf bankkonto",
            "standard transfer",
            "user initiated",
        ),
    ),
    (
        LineKind.CHARGEBACK,
        ("rückbuchung", "chargeback", "dispute", "konflikt", "käuferschutz", "reversal"),
    ),
    (LineKind.REFUND, ("rückzahlung", "erstattung", "refund")),
    (LineKind.FEE, ("gebühr", "fee")),
    (
        LineKind.PAYMENT,
        (
            "zahlung",
            "payment",
            "einkauf",
            "purchase",
            "checkout",
            "spende",
            "donation",
            "geld senden",
            "send money",
            "money sent",
            "money received",
        ),
    ),
)


@dataclass(frozen=True)
class _Layout:
    columns: dict[str, int]
    header: list[str]
    decimal: str
    day_first: bool


def parse_paypal(data: bytes) -> ParsedStatement:
    """A PayPal activity CSV → ParsedStatement (format "paypal"); amounts are the net (what
    moved the PayPal balance), with gross and fee beside it. Raises StatementFormatError when
    the file is not such an export."""
    rows = csv_rows(decode(data))
    if not rows:
        raise StatementFormatError(Text("The file is empty."))
    layout = _layout(rows[0][1], rows[1:])
    result = ParsedStatement(format=FORMAT)
    currencies = set()
    for position, cells in rows[1:]:
        try:
            line = _line(cells, layout)
        except ValueError as exc:
            result.errors.append(LineError(position, reason_of(exc), shorten(",".join(cells))))
            continue
        if line is not None:
            result.lines.append(line)
            currencies.add(line.currency)
    if len(currencies) == 1:
        result.account_currency = currencies.pop()
    if result.lines:
        result.period_from = min(line.booking_date for line in result.lines)
        result.period_to = max(line.booking_date for line in result.lines)
    return result


def _layout(header: list[str], rows: list[tuple[int, list[str]]]) -> _Layout:
    names = [normalise_header(cell) for cell in header]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        key = _HEADERS.get(name)
        if key and key not in columns:
            columns[key] = index
    missing = [key for key in _REQUIRED if key not in columns]
    if missing:
        raise StatementFormatError(
            Text(
                "The file is not a PayPal activity export: the columns {missing} are missing "
                "(expected e.g. Datum/Date, Typ/Type, Brutto/Gross, Transaktionscode/Transaction "
                "ID).",
                missing=Joined(tuple(missing)),
            )
        )
    german = bool(_GERMAN_MARKERS & set(names))
    return _Layout(columns, header, "," if german else ".", _day_first(german, columns, rows))


def _day_first(german: bool, columns: dict[str, int], rows: list[tuple[int, list[str]]]) -> bool:
    """German exports write ``dd.mm.yyyy``; English ones ``mm/dd/yyyy`` unless a day over 12
    stands first somewhere in the file."""
    if german:
        return True
    for _, cells in rows:
        value = _cell(cells, columns, "date")
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}", value)
        if match and int(match[1]) > 12:
            return True
        if match and int(match[2]) > 12:
            return False
    return False


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _line(cells: list[str], layout: _Layout) -> StatementLine | None:
    def cell(key: str) -> str:
        return _cell(cells, layout.columns, key)

    status_text = cell("status")
    status = _KEPT_STATUSES.get(status_text.lower())
    if status is None or (status == "booked" and cell("balance_impact").lower() == "memo"):
        return None
    gross, fee, net = _amounts(cell("gross"), cell("fee"), cell("net"), layout.decimal)
    currency = cell("currency").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(
            Text("The currency {currency} is not a three-letter ISO code.", currency=repr(currency))
        )
    transaction_id = cell("transaction_id")
    if not transaction_id:
        raise ValueError(Text("The row has no transaction id (Transaktionscode / Transaction ID)."))
    moment = _moment(cell("date"), cell("time"), cell("zone"), layout.day_first)
    reference = cell("reference_id")
    remittance = " ".join(
        part for part in (cell("subject"), cell("note"), cell("item_title")) if part
    )
    return StatementLine(
        booking_date=moment.date() if isinstance(moment, datetime) else moment,
        amount=net,
        currency=currency,
        kind=_kind(cell("type")),
        counterparty_name=cell("name"),
        remittance=" ".join(remittance.split()),
        end_to_end_id=cell("invoice"),
        bank_reference=transaction_id,
        related_reference="" if reference == transaction_id else reference,
        gross=gross,
        fee=fee,
        status=status,
        transaction_code=cell("type"),
        raw=_raw(cells, layout, moment, status_text),
    )


def _amounts(gross_text: str, fee_text: str, net_text: str, decimal: str) -> tuple[Decimal, ...]:
    """Gross, fee (negative: money out) and net. PayPal writes the fee negative; some
    exports and hand-made files write it positive: either way net = gross + fee must hold."""
    try:
        gross = parse_amount(gross_text, decimal)
        fee_column = parse_amount(fee_text, decimal) if fee_text else None
        net = parse_amount(net_text, decimal) if net_text else None
    except ValueError as exc:
        raise ValueError(
            Text("An amount of the row cannot be read: {reason}.", reason=reason_of(exc))
        ) from None
    if net is None:
        fee = -abs(fee_column) if fee_column else Decimal(0)
        return gross, fee, gross + fee
    fee = net - gross
    if fee_column is not None and abs(fee_column) != abs(fee):
        raise ValueError(
            Text(
                "Gross {gross}, fee {fee} and net {net} do not add up: net must be gross minus "
                "the fee.",
                gross=gross_text,
                fee=fee_text,
                net=net_text,
            )
        )
    return gross, fee, net


def _moment(day_text: str, time_text: str, zone_text: str, day_first: bool) -> datetime | date:
    """The row's time in the booking zone; the plain date when the row gives no time."""
    match = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", day_text)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", day_text)
    try:
        if iso:
            day = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif match:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            dotted = "." in day_text
            day = date(year, second, first) if (day_first or dotted) else date(year, first, second)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            Text("The date {date} is not a date PayPal writes.", date=repr(day_text))
        ) from None
    if not time_text:
        return day
    try:
        clock = time.fromisoformat(time_text)
    except ValueError:
        raise ValueError(Text("The time {time} cannot be read.", time=repr(time_text))) from None
    if not zone_text:
        return day
    try:
        zone = zone_of(zone_text)
    except ValueError as exc:
        raise ValueError(
            Text("The row's time cannot be placed: {reason}.", reason=reason_of(exc))
        ) from None
    return booking_day(datetime.combine(day, clock, tzinfo=zone))


def _kind(type_text: str) -> str:
    lowered = type_text.lower()
    for kind, words in _KINDS:
        if any(word in lowered for word in words):
            return kind
    return LineKind.OTHER


def _raw(cells: list[str], layout: _Layout, moment: datetime | date, status: str) -> dict[str, Any]:
    raw: dict[str, Any] = {
        name: (cells[index] if index < len(cells) else "")
        for index, name in enumerate(layout.header)
        if name
    }
    raw["_timestamp"] = moment.isoformat()
    raw["_status"] = status
    return raw
