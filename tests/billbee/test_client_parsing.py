"""Typed parsing of what Billbee sends: exact decimals, int64 ids, naive timestamps in the
connection's zone, null and unknown fields, unknown enum ids, and broken records."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billbee.dto import Order

BERLIN = ZoneInfo("Europe/Berlin")


def _raw_page_text(sandbox, query: str) -> str:
    import base64

    from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

    token = base64.b64encode(f"{SANDBOX_USER}:{SANDBOX_PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"{sandbox.api_url}/orders?{query}",
        headers={"Authorization": f"Basic {token}", "X-Billbee-Api-Key": SANDBOX_KEY},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _minimal_order(**fields):
    order = {
        "BillBeeOrderId": 300000999000001,
        "OrderNumber": "T-1",
        "State": 3,
        "CreatedAt": "2026-03-01T10:00:00",
        "LastModifiedAt": "2026-03-01T10:00:00",
        "Currency": "EUR",
        "TotalCost": 10,
        "OrderItems": [],
    }
    order.update(fields)
    return order


def test_decimals_arrive_digit_for_digit(make_sandbox):
    sandbox = make_sandbox(orders=400, seed=5)
    text = _raw_page_text(sandbox, "pageSize=250")
    client = sandbox.client()
    orders = next(client.iter_orders()).items

    # Every TaxAmount as written on the wire equals the parsed Decimal's text.
    wire = re.findall(r'"TaxAmount":(-?[0-9.]+)', text)
    parsed = [str(i.tax_amount) for o in orders for i in o.items]
    assert wire == parsed
    long_ones = [w for w in wire if len(w.replace(".", "").replace("-", "").lstrip("0")) >= 25]
    assert long_ones, "the sandbox should send 28-digit .NET decimals"
    # Trailing zeros are kept (.NET scale), e.g. 34.9000000 stays 34.9000000.
    totals = re.findall(r'"TotalCost":(-?[0-9.]+)', text)
    assert [str(o.total_cost) for o in orders] == totals
    assert any(t.endswith("00000") for t in totals)
    assert all(isinstance(o.total_cost, Decimal) for o in orders)


def test_int64_ids_are_exact(make_sandbox):
    sandbox = make_sandbox(orders=50)
    client = sandbox.client()
    order = next(client.iter_orders()).items[0]
    assert order.billbee_order_id == sandbox.state.dataset.headers[0].order_id
    assert order.billbee_order_id > 2**48
    assert (
        order.seller is None
        or order.seller.billbee_shop_id is None
        or (order.seller.billbee_shop_id > 10**14)
    )


def test_manual_orders_with_null_seller_fields_and_discount_lines_with_null_sku(
    make_sandbox,
):
    sandbox = make_sandbox(orders=1500, seed=2)
    orders = [o for page in sandbox.client().iter_orders() for o in page.items]
    manual = [o for o in orders if o.platform is None]
    assert manual
    assert all(o.shop_name is None and o.shop_id is None for o in manual)
    discount_lines = [
        i
        for o in orders
        if o.parent_order_id is None  # credit notes negate their original's lines
        for i in o.items
        if i.product and i.product.sku is None
    ]
    assert discount_lines
    assert all(i.total_price < 0 and i.sku is None for i in discount_lines)


def test_unknown_enum_ids_and_unknown_fields_are_kept(sandbox):
    raw = _minimal_order(
        PaymentMethod=999,
        State=42,
        VatMode=9,
        SomethingBillbeeAddsNextYear={"Nested": [1, 2]},
        Seller={"Platform": "NewMarketplace", "BillbeeShopName": "X", "BillbeeShopId": 1},
    )
    order_id = sandbox.control("POST", "orders", raw)["BillBeeOrderId"]
    order = sandbox.client().get_order(order_id)
    assert order.payment_method == 999
    assert order.payment_method_name == "unknown payment type 999"
    assert order.state == 42 and order.state_label == "unknown state 42"
    assert order.vat_mode == 9
    assert order.raw["SomethingBillbeeAddsNextYear"] == {"Nested": [1, 2]}
    assert order.platform == "NewMarketplace"


def test_missing_and_null_fields_are_tolerated(sandbox):
    raw = {
        "BillBeeOrderId": 300000999000002,
        "State": 1,
        "CreatedAt": "2026-03-01T10:00:00",
        "Seller": None,
        "InvoiceAddress": None,
        "OrderItems": [{"Product": None, "TotalPrice": 5, "Quantity": 1}],
        "ShippingIds": None,
        "Payments": None,
        "Tags": None,
    }
    order_id = sandbox.control("POST", "orders", raw)["BillBeeOrderId"]
    order = sandbox.client().get_order(order_id)
    assert order.seller is None and order.platform is None
    assert order.invoice_address is None and order.destination_country is None
    assert order.items[0].product is None and order.items[0].total_price == Decimal(5)
    assert order.items[0].tax_amount is None  # not sent: not the same as 0
    assert order.shipments == [] and order.payments == [] and order.tags == []
    assert order.full_invoice_number is None
    assert order.total_cost == Decimal(0)


def test_one_broken_order_does_not_spoil_its_page(sandbox):
    broken = _minimal_order(
        BillBeeOrderId=300000999000003,
        TotalCost="zwölf Euro",
        LastModifiedAt="2026-11-20T17:59:00",
    )
    sandbox.control("POST", "orders", broken)
    pages = list(sandbox.client().iter_orders())
    good = [o.billbee_order_id for p in pages for o in p.items]
    failures = [f for p in pages for f in p.failures]

    assert len(good) == 300
    assert len(failures) == 1
    assert failures[0].billbee_id == 300000999000003
    assert failures[0].error.field == "TotalCost"
    assert "zwölf Euro" in failures[0].error.message


def test_full_invoice_number_is_prefix_number_postfix(sandbox):
    raw = _minimal_order(
        BillBeeOrderId=300000999000004,
        InvoiceNumberPrefix="0",
        InvoiceNumber=23012,
        InvoiceNumberPostfix="-B",
        InvoiceDate="2026-03-02T00:00:00",
    )
    order_id = sandbox.control("POST", "orders", raw)["BillBeeOrderId"]
    assert sandbox.client().get_order(order_id).full_invoice_number == "023012-B"


@pytest.mark.parametrize(
    ("naive", "expected_utc"),
    [
        # The hour before summer time starts (Berlin: 02:00 → 03:00 on 29 March 2026).
        ("2026-03-29T01:59:59.999", datetime(2026, 3, 29, 0, 59, 59, 999000, tzinfo=UTC)),
        ("2026-03-29T03:00:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 02:30 happens twice on 25 October 2026; the first (summer time) is taken.
        ("2026-10-25T02:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25T03:30:00", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
        # Midnight and one-digit fractions.
        ("2026-01-01T00:00:00", datetime(2025, 12, 31, 23, 0, tzinfo=UTC)),
        ("2026-07-01T00:00:00.5", datetime(2026, 6, 30, 22, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_naive_timestamps_are_read_in_the_connection_zone_across_dst(sandbox, naive, expected_utc):
    raw = _minimal_order(BillBeeOrderId=300000999000010, ShippedAt=naive)
    order_id = sandbox.control("POST", "orders", raw)["BillBeeOrderId"]
    order = sandbox.client(timezone="Europe/Berlin").get_order(order_id)
    assert order.shipped_at == expected_utc
    assert order.shipped_at.utcoffset().total_seconds() == 0
    # The same wire value read for a connection in UTC is a different instant.
    utc_order = sandbox.client(timezone="UTC").get_order(order_id)
    assert utc_order.shipped_at.replace(tzinfo=None) == datetime.fromisoformat(naive)
    # Converted back to the connection zone, the wall-clock time is what Billbee sent.
    local = order.shipped_at.astimezone(BERLIN).replace(tzinfo=None)
    assert local == datetime.fromisoformat(naive)


def test_dotnet_default_datetime_means_not_set(sandbox):
    raw = _minimal_order(BillBeeOrderId=300000999000011, PayedAt="0001-01-01T00:00:00")
    order_id = sandbox.control("POST", "orders", raw)["BillBeeOrderId"]
    assert sandbox.client().get_order(order_id).paid_at is None


def test_generated_timestamps_round_trip_through_the_zone(make_sandbox):
    """The sandbox writes wall-clock Berlin time; the client must return the same instants
    the sandbox holds internally (milliseconds since the epoch)."""
    sandbox = make_sandbox(orders=200, seed=9)
    orders = {o.billbee_order_id: o for p in sandbox.client().iter_orders() for o in p.items}
    for header in sandbox.state.dataset.headers:
        order: Order = orders[header.order_id]
        assert int(order.last_modified_at.timestamp() * 1000) == header.modified
        assert int(order.created_at.timestamp() * 1000) == header.created


def test_invoice_list_items_and_positions(make_sandbox):
    sandbox = make_sandbox(orders=400, seed=4)
    items = [i for p in sandbox.client().iter_invoices(include_positions=True) for i in p.items]
    assert items
    credit_notes = [i for i in items if i.is_credit_note]
    invoices = [i for i in items if not i.is_credit_note]
    assert credit_notes and invoices
    assert all(i.total_gross < 0 for i in credit_notes if i.positions)
    assert all(isinstance(p.vat_rate, Decimal) for i in invoices for p in i.positions)
    assert all(i.invoice_date.tzinfo is not None for i in items)
    numbers = [i.invoice_number for i in items]
    assert len(numbers) == len(set(numbers))


def test_create_invoice_result_with_pdf(sandbox):
    order = next(
        h
        for h in sandbox.state.dataset.headers
        if h.invoice_no is None and h.kind == 0 and h.state not in (6, 8)
    )
    document = sandbox.client().create_invoice(order.order_id, include_pdf=True)
    assert document.pdf.startswith(b"%PDF-") and document.pdf.rstrip().endswith(b"%%EOF")
    assert document.invoice_number.startswith("RE-")
    assert isinstance(document.total_gross, Decimal)
    assert document.invoice_date.tzinfo is not None


def test_enum_endpoints_accept_bare_lists(sandbox):
    client = sandbox.client()
    states = client.order_states()
    assert [s.id for s in states] == list(range(1, 18))
    payment_types = {p.id: p.name for p in client.payment_types()}
    assert payment_types[26] == "Rechnung" and payment_types[59] == "Vorkasse"
    assert json.dumps([s.name for s in client.shipping_carriers()])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("TotalCost", "1E+30"),
        ("TotalCost", Decimal("1E+30")),
        ("ShippingCost", "-100000000000000"),
        ("TotalCost", "NaN"),
    ],
)
def test_amounts_beyond_what_a_document_can_hold_are_refused_when_parsed(field, value):
    from billbee.dto import parse_order
    from billbee.errors import BillbeeDataError

    with pytest.raises(BillbeeDataError) as refused:
        parse_order(_minimal_order(**{field: value}), BERLIN)

    assert refused.value.field == field
    assert field in refused.value.message


def test_the_largest_amount_a_document_holds_is_read_exactly():
    from billbee.dto import parse_order

    order = parse_order(
        _minimal_order(
            TotalCost=Decimal("99999999999999.9999"),
            OrderItems=[{"Quantity": "-3", "TotalPrice": "-99999999999999.9999"}],
        ),
        BERLIN,
    )

    assert order.total_cost == Decimal("99999999999999.9999")
    assert order.items[0].total_price == Decimal("-99999999999999.9999")


def test_a_line_amount_beyond_the_range_names_the_field():
    from billbee.dto import parse_order
    from billbee.errors import BillbeeDataError

    with pytest.raises(BillbeeDataError) as refused:
        parse_order(_minimal_order(OrderItems=[{"Quantity": 1, "TotalPrice": "1E+30"}]), BERLIN)

    assert refused.value.field == "TotalPrice"
    assert "1E+30" in refused.value.message and "beyond" in refused.value.message
