"""Crafted bad orders, as real Billbee accounts accumulate them: what the connector must
account for one by one (imported with a reason, or held with a reason; nothing lost).

Served by ``billbee_sandbox --hostile`` and ``POST /__sandbox__/hostile`` (docs/sandbox.md).
Each order is a paid, shipped and invoiced domestic Shopware sale of 25.00 EUR dated the day
before the data's end, with one thing wrong (its ``shape``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .catalog import CHANNELS
from .generator import KIND_CREDIT

if TYPE_CHECKING:
    from .store import SandboxState

SHOPWARE = next(s for s in CHANNELS if s.platform == "Shopware")
# Invoice numbers of the crafted orders: a series of their own, far from the generated ones.
PREFIX = "RE-X-"
FIRST_NUMBER = 900001


def _base(day: str, number: int) -> dict[str, Any]:
    at = f"{day}T10:00:00"
    return {
        "OrderNumber": f"X-{number}",
        "Id": f"X-{number}",
        "State": 4,
        "VatMode": 0,
        "CreatedAt": at,
        "PayedAt": f"{day}T10:05:00",
        "ShippedAt": f"{day}T16:00:00",
        "InvoiceNumberPrefix": PREFIX,
        "InvoiceNumber": number,
        "InvoiceNumberPostfix": None,
        "InvoiceDate": f"{day}T11:00:00",
        "Currency": "EUR",
        "PaymentMethod": 1,
        "ShippingCost": Decimal("5.00"),
        "AdjustmentCost": Decimal("0.0"),
        "TotalCost": Decimal("25.00"),
        "OrderItems": [
            {
                "BillbeeId": 9_100_000_000 + number,
                "Quantity": Decimal("1.0"),
                "TotalPrice": Decimal("20.0000"),
                "TaxAmount": Decimal("3.1933"),
                "TaxIndex": 1,
                "Product": {"Title": "Hocker Eiche", "SKU": "HO-EI-1"},
            }
        ],
        "Seller": {
            "Platform": SHOPWARE.platform,
            "BillbeeShopName": SHOPWARE.name,
            "BillbeeShopId": SHOPWARE.shop_id,
        },
        "ShippingAddress": {"CountryISO2": "DE", "City": "Köln"},
        "InvoiceAddress": {"CountryISO2": "DE", "City": "Köln"},
        "DeliverySourceCountryCode": None,
        "BillBeeParentOrderId": None,
        "Tags": [],
    }


def _item(order: dict[str, Any], **fields: Any) -> None:
    order["OrderItems"][0].update(fields)


def _seller(order: dict[str, Any], **fields: Any) -> None:
    order["Seller"].update(fields)


def _without_items(order: dict[str, Any]) -> None:
    del order["OrderItems"]


def _negative_line(order: dict[str, Any]) -> None:
    order["OrderItems"] = [
        {**order["OrderItems"][0], "Quantity": Decimal("2.0"), "TotalPrice": Decimal("30.00")},
        {
            "BillbeeId": order["OrderItems"][0]["BillbeeId"] + 1,
            "Quantity": Decimal("-1.0"),
            "TotalPrice": Decimal("-10.00"),
            "TaxIndex": 1,
            "Product": {"Title": "Hocker Eiche", "SKU": "HO-EI-1"},
        },
    ]


# shape → what is wrong with it (top-level fields, or a function changing the order)
SHAPES: dict[str, dict[str, Any] | Callable[[dict[str, Any]], None]] = {
    "invoice_date_0001": {"InvoiceDate": "0001-01-01T00:00:00"},
    "invoice_date_2099": {"InvoiceDate": "2099-06-30T11:00:00"},
    "invoice_date_9999": {"InvoiceDate": "9999-12-31T23:59:59"},
    "quantity_zero": lambda o: _item(o, Quantity=Decimal("0.0")),
    "quantity_negative": _negative_line,
    "currency_null": {"Currency": None},
    "currency_lowercase": {"Currency": "eur"},
    "currency_word": {"Currency": "Euro"},
    "total_1e30_text": {"TotalCost": "1E+30"},
    "line_total_1e30_number": lambda o: _item(o, TotalPrice=Decimal("1E+30")),
    "amount_not_a_number": {"TotalCost": "zwölf Euro"},
    "invoice_number_not_a_number": {"InvoiceNumber": "RE-12"},
    "order_items_missing": _without_items,
    "order_items_not_a_list": {"OrderItems": "none"},
    "vat_mode_unknown": {"VatMode": 9},
    "vat_mode_beyond_32_bits": {"VatMode": 2**40},
    "order_number_100000_chars": {"OrderNumber": "X" * 100_000},
    "shop_name_5000_chars": lambda o: _seller(o, BillbeeShopName="S" * 5000),
    "nul_in_order_number": {"OrderNumber": "X-\x00-1"},
    "nul_in_platform": lambda o: _seller(o, Platform="Shop\x00ware"),
}


def hostile_orders(state: SandboxState) -> list[tuple[str, dict[str, Any]]]:
    """(shape, order JSON) of every crafted order: the shapes above, two orders sharing one
    invoice number, and (when the data has one) an order reusing the invoice number of the
    newest generated invoice."""
    end = datetime.fromtimestamp(state.dataset.end, state.tz) - timedelta(days=1)
    day = end.date().isoformat()
    number = FIRST_NUMBER + 100 * state.version  # new numbers each time they are added
    orders: list[tuple[str, dict[str, Any]]] = []
    for shape, change in SHAPES.items():
        order = _base(day, number)
        number += 1
        if callable(change):
            change(order)
        else:
            order.update(copy.deepcopy(change))
        orders.append((shape, order))
    for shape in ("duplicate_invoice_number_a", "duplicate_invoice_number_b"):
        order = _base(day, number)
        order["OrderNumber"] = order["Id"] = f"X-{number}-{shape[-1]}"
        orders.append((shape, order))
    number += 1
    invoiced = [
        h
        for h in state.dataset.headers
        if h.invoice_no is not None and h.kind != KIND_CREDIT and h.custom is None
    ]
    if invoiced:
        original = state.dataset.render_order(max(invoiced, key=lambda h: h.order_id))
        order = _base(day, number)
        for key in ("InvoiceNumberPrefix", "InvoiceNumber", "InvoiceNumberPostfix"):
            order[key] = original.get(key)
        orders.append(("reused_invoice_number", order))
    return orders


def hostile_orders_add(state: SandboxState) -> list[dict[str, Any]]:
    """Adds every crafted order; returns ``{"shape", "BillBeeOrderId"}`` of each."""
    added = []
    for shape, order in hostile_orders(state):
        h = state.insert_custom(order)
        added.append({"shape": shape, "BillBeeOrderId": h.order_id})
    return added
