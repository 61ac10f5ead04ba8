"""The plausibility checks as plain functions: the date window's edges, currencies, lines and
which of several documents with one invoice number keeps it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billbee.dto import parse_order
from bookkeeping.plausibility import (
    Holder,
    currency_of,
    duplicate_reason,
    invoice_date_problem,
    quantity_problem,
)

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 12, 2)


def order(**fields):
    raw = {
        "BillBeeOrderId": 1,
        "OrderNumber": "SW-1",
        "State": 4,
        "Currency": "EUR",
        "TotalCost": "25",
        "OrderItems": [{"Quantity": 1, "TotalPrice": "25", "Product": {"Title": "Hocker"}}],
    }
    raw.update(fields)
    return parse_order(raw, BERLIN)


@pytest.mark.parametrize(
    ("invoice_date", "plausible"),
    [
        ("2000-01-01T00:00:00", True),
        ("1999-12-31T23:59:59", False),
        ("2027-12-03T12:00:00", True),  # today + 366 days
        ("2027-12-04T00:00:00", False),
        ("9999-12-31T23:59:59", False),
        (None, True),  # no invoice date: other rules decide
    ],
)
def test_the_invoice_date_window(invoice_date, plausible):
    problem = invoice_date_problem(order(InvoiceDate=invoice_date), BERLIN, TODAY)
    assert (problem is None) == plausible


def test_the_dotnet_empty_date_on_an_invoice_is_named():
    problem = invoice_date_problem(order(InvoiceDate="0001-01-01T00:00:00"), BERLIN, TODAY)
    assert problem is not None and "0001-01-01" in problem.reason


@pytest.mark.parametrize(
    ("currency", "code", "note", "problem"),
    [
        ("EUR", "EUR", "", None),
        ("eur", "EUR", "currency 'eur' read as EUR", None),
        (" chf ", "CHF", "currency ' chf ' read as CHF", None),
        (None, None, "", "no_currency"),
        ("", None, "", "no_currency"),
        ("Euro", None, "", "unknown_currency"),
        ("€", None, "", "unknown_currency"),
    ],
)
def test_currencies(currency, code, note, problem):
    found, written, held = currency_of(order(Currency=currency))
    assert (found, written, held.code if held else None) == (code, note, problem)


def test_lines_of_an_invoice():
    assert quantity_problem(order()) is None
    assert quantity_problem(order(OrderItems=[], TotalCost="0")) is None
    assert quantity_problem(order(OrderItems=[])).code == "no_order_items"
    zero = quantity_problem(order(OrderItems=[{"Quantity": "0.0", "TotalPrice": "25"}]))
    assert zero.code == "implausible_quantity" and "quantity 0.0" in zero.reason
    assert order().items[0].quantity == Decimal(1)


A = Holder(1, 101, "SW-1", booked=False)
B = Holder(2, 102, "SW-2", booked=False)
BOOKED = Holder(3, 103, "SW-3", booked=True)


def test_the_booked_document_keeps_its_number_and_the_others_wait():
    assert duplicate_reason("RE-1", BOOKED.pk, True, [A, BOOKED]) == ""
    reason = duplicate_reason("RE-1", A.pk, False, [A, BOOKED])
    assert "order SW-3 (Billbee id 103) carries it too and is already booked" in reason


def test_without_a_booked_document_none_is_booked_and_each_names_the_others():
    reason = duplicate_reason("RE-1", A.pk, False, [A, B])
    assert reason.startswith("duplicate invoice number RE-1: order SW-2 (Billbee id 102) carries")
    assert "none of them is booked" in reason
    three = duplicate_reason("RE-1", A.pk, False, [A, B, Holder(4, 104, "SW-4", False)])
    assert "SW-2 (Billbee id 102), order SW-4 (Billbee id 104) carry it too" in three
