"""Whether a document is plausible enough to book: pure functions over a parsed order.

A document that fails a check waits with a reason that says what is wrong and what to do;
it is decided again on every run, and booked once Billbee sends it corrected.

- Invoice date: from 1 January 2000 (before Billbee and every retention period) to one year
  after the booking run. Billbee's ``0001-01-01`` (.NET's empty date) on an invoice with a
  number, a year 2099 or 9999: the date is not the invoice's.
- Lines: an invoice of an amount has lines (without them its VAT rates are unknown), and
  every line sells a positive quantity. Zero or negative
  quantities belong on a credit note (discounts are lines of quantity 1 and a negative
  price).
- Currency: an ISO 4217 code. Billbee's ``eur`` (any case, with spaces) is read as ``EUR``
  with a note in the trace; no currency at all, or a word, is not guessed.
- Invoice numbers (GoBD: every number once): see ``duplicate_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from billbee.dto import Order
from connector.texts import Joined, Text

EARLIEST_INVOICE_DATE = date(2000, 1, 1)
LATEST_AHEAD = timedelta(days=366)
DOTNET_EMPTY_DATE = "0001-01-01"


@dataclass(frozen=True)
class Problem:
    code: str
    reason: str


def invoice_date_problem(order: Order, tz: ZoneInfo, today: date) -> Problem | None:
    raw = order.raw.get("InvoiceDate")
    if order.invoice_date is None:
        if isinstance(raw, str) and raw.startswith(DOTNET_EMPTY_DATE):
            return Problem(
                "implausible_invoice_date",
                Text(
                    "Billbee sent the invoice date {sent} (an empty date) for an invoice with a "
                    "number: the invoice date is unknown; correct it in Billbee",
                    sent=DOTNET_EMPTY_DATE,
                ),
            )
        return None
    day = order.invoice_date.astimezone(tz).date()
    latest = today + LATEST_AHEAD
    if EARLIEST_INVOICE_DATE <= day <= latest:
        return None
    return Problem(
        "implausible_invoice_date",
        Text(
            "the invoice date {day} is not plausible (an invoice is dated from {earliest} to "
            "{latest}, a year after today): correct it in Billbee",
            day=day,
            earliest=EARLIEST_INVOICE_DATE,
            latest=latest,
        ),
    )


def quantity_problem(order: Order) -> Problem | None:
    """An invoice of an amount has lines, and they sell positive quantities."""
    if not order.items and order.total_cost:
        return Problem(
            "no_order_items",
            Text(
                "the invoice of {total} has no lines: Billbee sent no OrderItems, so neither the "
                "goods nor their VAT rates are known; correct the order in Billbee or book it by "
                "hand",
                total=amount(order.total_cost),
            ),
        )
    for position, item in enumerate(order.items, start=1):
        if item.quantity > 0:
            continue
        if item.title:
            reason = Text(
                "line {position} ({title}) of the invoice has the quantity {quantity}: an "
                "invoice sells positive quantities (returns belong on a credit note); correct "
                "the order in Billbee or book it by hand",
                position=position,
                title=item.title,
                quantity=f"{item.quantity:f}",
            )
        else:
            reason = Text(
                "line {position} of the invoice has the quantity {quantity}: an invoice sells "
                "positive quantities (returns belong on a credit note); correct the order in "
                "Billbee or book it by hand",
                position=position,
                quantity=f"{item.quantity:f}",
            )
        return Problem("implausible_quantity", reason)
    return None


def currency_of(order: Order) -> tuple[str | None, str, Problem | None]:
    """(the ISO code, a note when it was normalised, or the problem)."""
    sent = order.currency
    if sent is None or not sent.strip():
        return (
            None,
            "",
            Problem(
                "no_currency",
                Text(
                    "Billbee sent no currency for this invoice: the amounts cannot be booked "
                    "without one; enter the currency of the order in Billbee"
                ),
            ),
        )
    code = sent.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        return (
            None,
            "",
            Problem(
                "unknown_currency",
                Text(
                    "Billbee sent the currency {sent}, which is not an ISO 4217 code (such as "
                    "EUR): correct the currency of the order in Billbee",
                    sent=repr(sent),
                ),
            ),
        )
    note = (
        Text("currency {sent} read as {code}", sent=repr(sent), code=code) if code != sent else ""
    )
    return code, note, None


@dataclass(frozen=True)
class Holder:
    """Another upload-log document with the same invoice number."""

    pk: int
    billbee_order_id: int
    order_number: str
    booked: bool

    def describe(self) -> Text:
        return Text(
            "order {number} (Billbee id {id})",
            number=self.order_number or "?",
            id=self.billbee_order_id,
        )


def amount(value: Decimal) -> Decimal | str:
    """An amount for a stored sentence: the ``Decimal`` (said in each language's format),
    unless Python would write it in exponent form, which the English text never showed."""
    plain = f"{value:f}"
    return value if str(value) == plain else plain


def duplicate_reason(number: str, own_pk: int, own_booked: bool, holders: list[Holder]) -> str:
    """Why a document whose invoice number other documents carry too is not booked, or ""
    when it is the one that keeps the number.

    GoBD (and § 14 (4) Nr. 4 UStG) require every invoice number once. Which of the documents
    is the invoice cannot be told from the data, so the connector does not choose: one
    already booked keeps the number (posted entries are never changed); otherwise none is
    booked until the number is corrected in Billbee."""
    others = [h for h in holders if h.pk != own_pk]
    if not others or own_booked:
        return ""
    booked = [h for h in others if h.booked]
    names = Joined(tuple(h.describe() for h in (booked or others)))
    if booked:
        return Text(
            "duplicate invoice number {number}: {names} carries it too and is already "
            "booked; GoBD requires every invoice number once, so this document is not booked: "
            "give it its own number in Billbee (or cancel it there)",
            number=number,
            names=names,
        )
    if len(others) == 1:
        return Text(
            "duplicate invoice number {number}: {names} carries it too; GoBD requires every "
            "invoice number once, so none of them is booked until the number is corrected in "
            "Billbee",
            number=number,
            names=names,
        )
    return Text(
        "duplicate invoice number {number}: {names} carry it too; GoBD requires every "
        "invoice number once, so none of them is booked until the number is corrected in "
        "Billbee",
        number=number,
        names=names,
    )
