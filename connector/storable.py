"""Whether the upload log can hold a document's values: pure functions over a parsed order.

Billbee's fields have no length limits that the upload log could rely on, and a string may
carry NUL characters, which PostgreSQL refuses in any text and SQLite keeps. A value that no
column can hold would make PostgreSQL fail the write and SQLite store it (or cut it), so the
two databases would disagree; instead such a document is refused on both with a sentence
that names the field and says what to do.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from billbee.dto import Order
from billbee.errors import BillbeeDataError
from billbee.parsing import parse_datetime

from .texts import Text

# Reason codes of documents the import could not read or store: they are in no booking, so
# the work queue lists them and they keep their month from being exported as complete.
FAILURE_CODES = ("internal_error", "unparseable", "unstorable_value")

# (what a person calls the field, its value, the longest the upload log holds)
_ORIGIN_ROOM = 320  # ExternalOrder.origin: "<label>-<platform>-<shop>"


def _fields(order: Order, label: str) -> list[tuple[Text, str | None, int | None]]:
    """The values the upload log stores as text, with their columns' length (None: any)."""
    vat_id = order.buyer_vat_id
    return [
        (Text("order number"), order.order_number, 200),
        (Text("order id (Id)"), order.external_id, 200),
        (Text("invoice number"), order.full_invoice_number, 200),
        (Text("platform"), order.platform, 100),
        (Text("shop name"), order.shop_name, 200),
        (Text("Billbee link (WebUrl)"), order.web_url, 300),
        (Text("currency"), order.currency, None),
        (Text("customer VAT ID"), vat_id, None),
        (Text("delivery country"), order.destination_country, None),
        (Text("ship-from country"), order.delivery_source_country_code, None),
        (
            Text("sales channel (connection, platform and shop)"),
            f"{label}-{order.platform or ''}-{order.shop_name or ''}",
            _ORIGIN_ROOM,
        ),
    ]


INT32 = 2**31  # IntegerField
INT64 = 2**63  # BigIntegerField


def usable_id(value: Any) -> TypeGuard[int]:
    """Whether ``value`` can be a document's Billbee id (a 64-bit integer, as Billbee's)."""
    return isinstance(value, int) and not isinstance(value, bool) and -INT64 <= value < INT64


def _numbers(order: Order) -> list[tuple[Text, int | None, int]]:
    return [
        (Text("order state"), order.state, INT32),
        (Text("VAT mode"), order.vat_mode, INT32),
        (Text("payment method"), order.payment_method, INT32),
        (Text("original order's Billbee id"), order.parent_order_id, INT64),
    ]


def storage_problem(order: Order, label: str) -> Text | None:
    """Why the upload log cannot hold ``order`` (a sentence), or None."""
    for name, number, limit in _numbers(order):
        if number is not None and not -limit <= number < limit:
            return Text(
                "The {name} is {number}, beyond any value the upload log can hold. Correct it "
                "in Billbee; the next import reads the order again.",
                name=name,
                number=number,
            )
    for name, value, room in _fields(order, label):
        if not value:
            continue
        if "\x00" in value:
            return Text(
                "The {name} contains a NUL character (\\x00), which no database field can "
                "hold. Correct it in Billbee; the next import reads the order again.",
                name=name,
            )
        if room is not None and len(value) > room:
            return Text(
                "The {name} is {length} characters long; the upload log holds at most "
                "{room}. Correct it in Billbee; the next import reads the order again.",
                name=name,
                length=len(value),
                room=room,
            )
    return None


def printable(value: str | None, room: int) -> str:
    """``value`` as far as a column of ``room`` characters holds it, without NUL characters:
    to show which document was refused."""
    return (value or "").replace("\x00", "")[:room]


def failed_document_date(raw: Any, tz: ZoneInfo) -> date | None:
    """The local day a document that could not be read or stored is dated, as far as its
    invoice date (else its order date) can be read: the month it keeps open."""
    if not isinstance(raw, dict):
        return None
    for key in ("InvoiceDate", "CreatedAt"):
        try:
            value = parse_datetime(raw.get(key), tz, key)
        except (BillbeeDataError, ValueError, TypeError):
            continue
        if value is not None:
            return value.astimezone(tz).date()
    return None
