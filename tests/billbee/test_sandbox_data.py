"""Realism of the sandbox's generated data, as a client receives it (billbee-api.md §1.6, §3, §5;
docs/sandbox.md "The data").

One 3000-order sandbox per module (enough for rare cases such as states 10 and 12 or the payment
id the enum does not know); its orders and invoice list are fetched once. Where the format
matters (decimals, timestamps) the raw response text is checked, not the parsed values.
"""

from __future__ import annotations

import base64
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import pytest

from billbee import jsonutil
from billbee.sandbox import SandboxConfig, SandboxServer, make_server
from tests.conftest import SANDBOX_END, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

ORDERS = 3000
CENT = Decimal("0.01")
DOTNET = Context(prec=28)  # .NET decimal arithmetic: 28 significant digits
# A JSON string literal; removing them leaves only the numbers and true/false/null.
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
TIMESTAMP_FIELDS = (
    "CreatedAt",
    "LastModifiedAt",
    "PayedAt",
    "ShippedAt",
    "ConfirmedAt",
    "InvoiceDate",
    "PayDate",
    "Created",
)
TIMESTAMP_VALUE = re.compile('"(?:' + "|".join(TIMESTAMP_FIELDS) + ')":"([^"]*)"')
NAIVE_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,3}))?")


@dataclass(frozen=True)
class Corpus:
    """Everything the sandbox serves about its orders, raw and parsed."""

    order_pages: list[str]
    orders: list[dict[str, Any]]
    invoice_pages: list[str]
    invoices: list[dict[str, Any]]
    payment_types: list[dict[str, Any]]

    @property
    def order_text(self) -> str:
        return "".join(self.order_pages)

    @property
    def by_id(self) -> dict[int, dict[str, Any]]:
        return {o["BillBeeOrderId"]: o for o in self.orders}

    @property
    def credit_notes(self) -> list[dict[str, Any]]:
        return [o for o in self.orders if is_credit_note(o)]

    @property
    def sales(self) -> list[dict[str, Any]]:
        return [o for o in self.orders if not is_credit_note(o)]


def is_credit_note(order: dict[str, Any]) -> bool:
    """As Billbee marks them: ``-GS`` or a negative total (split or copied orders carry a
    BillBeeParentOrderId too)."""
    return (order["OrderNumber"] or "").endswith("-GS") or order["TotalCost"] < 0


def _fetch(base: str, path: str) -> bytes:
    token = base64.b64encode(f"{SANDBOX_USER}:{SANDBOX_PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        base + path,
        headers={"Authorization": f"Basic {token}", "X-Billbee-Api-Key": SANDBOX_KEY},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read()


def _pages(base: str, path: str) -> tuple[list[str], list[dict[str, Any]]]:
    texts: list[str] = []
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        raw = _fetch(base, f"{path}?page={page}&pageSize=250")
        texts.append(raw.decode("utf-8"))
        envelope = jsonutil.loads(raw)
        rows.extend(envelope["Data"])
        if page >= envelope["Paging"]["TotalPages"]:
            return texts, rows
        page += 1


def _server(orders: int, seed: int) -> SandboxServer:
    server = make_server(
        port=0,
        orders=orders,
        seed=seed,
        days=90,
        end=SANDBOX_END,
        config=SandboxConfig(
            username=SANDBOX_USER, api_password=SANDBOX_PASSWORD, api_key=SANDBOX_KEY, rate_limit=0
        ),
    )
    server.start_in_thread()
    return server


@pytest.fixture(scope="module")
def corpus() -> Iterator[Corpus]:
    server = _server(ORDERS, seed=1)
    try:
        order_pages, orders = _pages(server.api_url, "/orders")
        invoice_pages, invoices = _pages(server.api_url, "/orders/invoices")
        payment_types = jsonutil.loads(_fetch(server.api_url, "/enums/paymenttypes"))
    finally:
        server.stop()
    assert len(orders) == ORDERS
    yield Corpus(order_pages, orders, invoice_pages, invoices, payment_types)


def _country(order: dict[str, Any]) -> str:
    return order["ShippingAddress"]["CountryISO2"]


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------- determinism


def test_same_seed_serves_identical_bytes_and_another_seed_differs(make_sandbox):
    first, twin, other = (make_sandbox(orders=120, seed=seed, rate_limit=0) for seed in (7, 7, 8))
    path = "/orders?page=1&pageSize=250"

    pages = [_fetch(sb.api_url, path) for sb in (first, twin, other)]
    invoices = [_fetch(sb.api_url, "/orders/invoices?pageSize=250") for sb in (first, twin)]

    assert pages[0] == pages[1]
    assert invoices[0] == invoices[1]
    assert pages[0] != pages[2]
    ids = [o["BillBeeOrderId"] for o in jsonutil.loads(pages[0])["Data"]]
    other_orders = jsonutil.loads(pages[2])["Data"]
    assert ids == [o["BillBeeOrderId"] for o in other_orders]  # ids follow the index...
    assert jsonutil.loads(pages[0])["Data"] != other_orders  # ...the contents the seed


# ---------------------------------------------------------------- channels, states, payments


def test_every_channel_occurs_and_manual_orders_have_no_shop(corpus):
    platforms = Counter(o["Seller"]["Platform"] for o in corpus.orders)
    expected = {
        "Shopify",
        "Amazon",
        "eBay",
        "WooCommerce",
        "Kaufland",
        "Etsy",
        "Otto",
        "Magento",
        "Shopware",
    }
    assert expected <= set(platforms)
    manual = [o for o in corpus.orders if o["Seller"]["Platform"] is None]
    assert manual
    for order in manual:
        assert order["Seller"]["BillbeeShopName"] is None
        assert order["Seller"]["BillbeeShopId"] is None
        assert order["OrderNumber"] is None
    shop_orders = [o for o in corpus.orders if o["Seller"]["Platform"] is not None]
    assert all(o["Seller"]["BillbeeShopId"] and o["Seller"]["BillbeeShopName"] for o in shop_orders)


def test_shopify_and_amazon_order_numbers_have_their_formats(corpus):
    numbers = {
        platform: [
            o["OrderNumber"]
            for o in corpus.sales
            if o["Seller"]["Platform"] == platform and o["OrderNumber"]
        ]
        for platform in ("Shopify", "Amazon")
    }
    assert all(re.fullmatch(r"#\d+", n) for n in numbers["Shopify"])
    assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", n) for n in numbers["Amazon"])
    assert numbers["Shopify"] and numbers["Amazon"]


def test_all_order_states_occur(corpus):
    assert {o["State"] for o in corpus.orders} == set(range(1, 18))


def test_payment_methods_include_the_common_ids_and_one_the_enum_does_not_know(corpus):
    used = {o["PaymentMethod"] for o in corpus.orders}
    listed = {t["Id"] for t in corpus.payment_types}

    assert {1, 2, 3, 26, 59, 61, 63, 98} <= used
    assert used - listed, "no payment id outside GET /enums/paymenttypes"


# ---------------------------------------------------------------- invoices, shipping, origin


def test_orders_with_and_without_invoice(corpus):
    invoiced = [o for o in corpus.sales if o["InvoiceNumber"] is not None]
    uninvoiced = [o for o in corpus.sales if o["InvoiceNumber"] is None]

    assert invoiced and uninvoiced
    assert all(o["InvoiceDate"] and o["InvoiceNumberPrefix"] for o in invoiced)
    assert all(o["InvoiceDate"] is None and o["InvoiceNumberPrefix"] is None for o in uninvoiced)


def test_shipped_orders_carry_tracking_numbers_and_unshipped_none(corpus):
    shipped = [o for o in corpus.sales if o["ShippedAt"] is not None]
    unshipped = [o for o in corpus.sales if o["ShippedAt"] is None]

    assert shipped and unshipped
    for order in shipped:
        assert order["ShippingIds"], order["BillBeeOrderId"]
        parcel = order["ShippingIds"][0]
        assert parcel["ShipmentType"] == 0
        assert re.fullmatch(r"\d{14,20}", parcel["ShippingId"])
    assert all(o["ShippingIds"] == [] for o in unshipped)
    returns = [s for o in shipped for s in o["ShippingIds"] if s["ShipmentType"] == 1]
    assert returns


def test_some_orders_ship_from_polish_and_czech_warehouses(corpus):
    sources = Counter(o["DeliverySourceCountryCode"] for o in corpus.orders)
    assert sources["PL"] > 0 and sources["CZ"] > 0


def test_foreign_warehouses_sell_locally_to_businesses_abroad_and_home(corpus):
    """The shapes that are not German turnover: a local sale in PL (or CZ), an intra-community
    supply from the warehouse to a business abroad (VatMode 2), and sales into Germany."""
    from_abroad = [o for o in corpus.orders if o["DeliverySourceCountryCode"] in ("PL", "CZ")]
    local = [o for o in from_abroad if _country(o) == o["DeliverySourceCountryCode"]]
    b2b = [o for o in from_abroad if o["VatMode"] == 2]

    assert local and b2b
    assert {_country(o) for o in from_abroad} > {"DE"}


# ---------------------------------------------------------------- VAT cases

STANDARD_RATES = {
    "AT": Decimal(20),
    "BE": Decimal(21),
    "FR": Decimal(20),
    "IT": Decimal(22),
    "ES": Decimal(21),
    "NL": Decimal(21),
    "PL": Decimal(23),
    "SE": Decimal(25),
    "LU": Decimal(17),
    "DK": Decimal(25),
    "CZ": Decimal(21),
    "SK": Decimal(23),
    "DE": Decimal(19),
}


def _manual(order: dict[str, Any]) -> bool:
    return order["Seller"]["Platform"] is None


def test_eu_destinations_use_the_destination_standard_rate(corpus):
    domestic_rate = [o for o in corpus.orders if o["VatMode"] == 0]
    by_country = Counter(_country(o) for o in domestic_rate)

    assert {"FR", "AT", "NL", "PL"} <= {c for c, n in by_country.items() if c != "DE" and n}
    for order in domestic_rate:
        if _manual(order) and order["TaxRate1"] == Decimal("19.00"):
            continue  # typed with the German rate: see the next test
        assert order["TaxRate1"] == STANDARD_RATES[_country(order)], order["BillBeeOrderId"]


def test_some_manual_invoices_to_eu_consumers_carry_the_german_rate(corpus):
    """What the connector must hold: Billbee's VAT differs from the destination's under OSS."""
    german = [
        o
        for o in corpus.orders
        if _manual(o)
        and o["VatMode"] == 0
        and _country(o) in ("AT", "NL")
        and o["TaxRate1"] == Decimal("19.00")
    ]

    assert german


def test_third_country_orders_are_exports_without_tax(corpus):
    exports = [o for o in corpus.orders if _country(o) in ("CH", "GB", "US", "NO")]

    assert {_country(o) for o in exports} >= {"CH", "GB", "US"}
    assert all(o["VatMode"] == 3 for o in exports)
    assert all(i["TaxAmount"] == 0 for o in exports for i in o["OrderItems"])
    assert {o["Currency"] for o in exports} > {"EUR"}  # some in CHF/GBP/USD/NOK


def test_intra_eu_b2b_orders_carry_a_vat_id_and_no_tax(corpus):
    reverse_charge = [o for o in corpus.orders if o["VatMode"] == 2]

    assert reverse_charge
    for order in reverse_charge:
        assert order["CustomerVatId"], order["BillBeeOrderId"]
        assert re.fullmatch(r"[A-Z]{2}[0-9A-Z]+", order["CustomerVatId"])
        assert all(i["TaxAmount"] == 0 for i in order["OrderItems"])


def test_tax_amount_is_the_unrounded_28_digit_share_of_the_line_total(corpus):
    checked = 0
    for order in corpus.orders:
        if order["VatMode"] != 0:
            continue
        rates = {0: Decimal(0), 1: order["TaxRate1"], 2: order["TaxRate2"]}
        for item in order["OrderItems"]:
            if item["IsCoupon"]:
                continue  # the VAT it takes off the goods: see the coupon test
            rate, total = rates[item["TaxIndex"]], item["TotalPrice"]
            expected = (
                DOTNET.divide(DOTNET.multiply(total, rate), DOTNET.add(Decimal(100), rate))
                if rate and total
                else Decimal(0)
            )
            assert item["TaxAmount"] == expected, (order["BillBeeOrderId"], item["BillbeeId"])
            checked += 1
    assert checked > ORDERS


# ---------------------------------------------------------------- number format


def test_raw_decimals_keep_dotnet_precision_and_trailing_zeros(corpus):
    text = corpus.order_text
    tax_amounts = re.findall(r'"TaxAmount":(-?[0-9.]+)', text)
    significant = max(len(t.lstrip("-").replace(".", "").lstrip("0")) for t in tax_amounts)

    assert significant >= 25
    assert re.search(r'"(?:TotalCost|ShippingCost)":-?\d+\.\d\d00000[,}]', text)
    assert re.search(r'"Quantity":-?\d+\.000[,}]', text)


def test_no_number_anywhere_uses_exponent_notation(corpus):
    for text in (*corpus.order_pages, *corpus.invoice_pages):
        numbers_only = JSON_STRING.sub('""', text)
        assert not re.search(r"[0-9.][eE][+-]?[0-9]", numbers_only)
        assert "NaN" not in numbers_only and "Infinity" not in numbers_only


# ---------------------------------------------------------------- baskets and rounding


def test_mixed_baskets_discount_lines_and_item_discounts(corpus):
    sales = corpus.sales
    mixed = [o for o in sales if {1, 2} <= {i["TaxIndex"] for i in o["OrderItems"]}]
    discount_lines = [
        i
        for o in sales
        for i in o["OrderItems"]
        if i["Product"]["SKU"] is None and i["TotalPrice"] < 0
    ]
    discounted = [i for o in sales for i in o["OrderItems"] if i["Discount"] > 0]

    assert mixed
    assert discount_lines
    assert discounted
    for item in discounted:
        assert item["TotalPrice"] < item["UnrebatedTotalPrice"]
        expected = item["UnrebatedTotalPrice"] * (100 - item["Discount"]) / 100
        assert abs(item["TotalPrice"] - expected) < Decimal("0.0001")


def test_coupons_are_vouchers_discount_codes_and_single_purpose_vouchers(corpus):
    """The three kinds the connector books differently (§ 3 (13)–(15) UStG): a gift card
    without VAT, and discount codes and single-purpose vouchers that take VAT off the goods'
    in proportion to their rates."""
    coupons = [(o, i) for o in corpus.sales for i in o["OrderItems"] if i["IsCoupon"]]
    titles = {i["Product"]["Title"].split()[0] for _, i in coupons}

    assert {"Gutschein", "Rabattcode", "Einzweckgutschein"} <= titles
    for order, item in coupons:
        if item["Product"]["Title"].startswith("Gutschein"):
            assert item["TaxAmount"] == 0
            continue
        rates = {0: Decimal(0), 1: order["TaxRate1"], 2: order["TaxRate2"]}
        priced = [i for i in order["OrderItems"] if not i["IsCoupon"]]
        total = sum(i["TotalPrice"] for i in priced)
        expected = sum(
            item["TotalPrice"]
            * i["TotalPrice"]
            / total
            * rates[i["TaxIndex"]]
            / (100 + rates[i["TaxIndex"]])
            for i in priced
        )
        assert abs(item["TaxAmount"] - expected) < Decimal("0.01"), order["BillBeeOrderId"]


def test_some_totals_arrive_unrounded_with_seven_decimals(corpus):
    """Billbee computes totals from four-place lines and may send them unrounded."""
    unrounded = [
        o["TotalCost"]
        for o in corpus.sales
        if o["TotalCost"] != o["TotalCost"].quantize(Decimal("0.01"))
    ]

    assert unrounded
    assert all(-t.as_tuple().exponent == 7 for t in unrounded)


def test_some_rounded_line_sums_miss_the_total_by_a_cent(corpus):
    def rounded_sum(order: dict[str, Any]) -> Decimal:
        lines = sum(
            (i["TotalPrice"].quantize(CENT, ROUND_HALF_UP) for i in order["OrderItems"]),
            Decimal(0),
        )
        return lines + order["ShippingCost"] + order["AdjustmentCost"]

    # The total as printed: to cents (some arrive with seven decimals).
    differences = [
        rounded_sum(o) - o["TotalCost"].quantize(CENT, ROUND_HALF_UP) for o in corpus.sales
    ]

    off = [d for d in differences if d != 0]
    assert off
    assert all(abs(d) == CENT for d in off)
    assert len(off) < len(differences) / 10


# ---------------------------------------------------------------- credit notes


def test_credit_notes_point_to_their_parent_order(corpus):
    orders = corpus.by_id
    credit_notes = corpus.credit_notes

    assert credit_notes
    for note in credit_notes:
        parent = orders[note["BillBeeParentOrderId"]]  # an existing order
        assert not is_credit_note(parent)
        if parent["OrderNumber"]:
            assert note["OrderNumber"] == parent["OrderNumber"] + "-GS"
        else:
            assert note["OrderNumber"] is None
        assert note["InvoiceNumber"] is not None
        assert _local(note["CreatedAt"]) >= _local(parent["CreatedAt"])
    assert any(note["State"] == 8 for note in credit_notes)
    assert any(note["OrderItems"] == [] for note in credit_notes)
    with_number = [n for n in credit_notes if n["OrderNumber"]]
    assert with_number and all(n["OrderNumber"].endswith("-GS") for n in with_number)


def test_cancellation_documents_start_in_state_1_ordered(corpus):
    """Billbee creates a "Storno" ``<OrderNumber>-GS`` in state 1 "Bestellt" (its help
    pages); the connector must import it in that state."""
    in_state_1 = [n for n in corpus.credit_notes if n["State"] == 1]

    assert in_state_1
    assert all(n["InvoiceNumber"] is not None and n["TotalCost"] < 0 for n in in_state_1)
    assert any((n["OrderNumber"] or "").endswith("-GS") for n in in_state_1)


def test_split_or_copied_orders_are_positive_invoices_with_a_parent_id(corpus):
    """As in Billbee's official SDK fixture: a positive order carrying BillBeeParentOrderId."""
    orders = corpus.by_id
    split = [o for o in corpus.sales if o["BillBeeParentOrderId"] is not None]

    assert split
    assert any(o["InvoiceNumber"] is not None for o in split)
    for order in split:
        assert order["TotalCost"] > 0
        assert not (order["OrderNumber"] or "").endswith("-GS")
        assert not is_credit_note(orders[order["BillBeeParentOrderId"]])


def test_credit_note_product_lines_are_negated(corpus):
    """Quantities are negative on every line; article lines (with a SKU) are negative too."""
    lines = [i for note in corpus.credit_notes for i in note["OrderItems"]]

    assert lines
    assert all(i["Quantity"] < 0 for i in lines)
    articles = [i for i in lines if i["Product"]["SKU"] is not None]
    assert all(i["TotalPrice"] <= 0 and i["TaxAmount"] <= 0 for i in articles)
    assert all(i["Product"]["Title"].startswith("Storno ") for i in lines)


def test_every_credit_note_line_is_an_exact_negation_of_an_original_line(corpus):
    """A storno inverts every line it copies, discount lines included (which thereby turn
    positive): each credit-note line is a line of the original with the signs flipped."""
    checked = 0
    by_id = corpus.by_id
    for note in corpus.credit_notes:
        parent = by_id[note["BillBeeParentOrderId"]]
        originals = {
            (i["Product"]["SKU"], i["Quantity"], i["TotalPrice"], i["TaxAmount"])
            for i in parent["OrderItems"]
        }
        for line in note["OrderItems"]:
            flipped = (
                line["Product"]["SKU"],
                -line["Quantity"],
                -line["TotalPrice"],
                -line["TaxAmount"],
            )
            assert flipped in originals, (note["BillBeeOrderId"], line["BillbeeId"])
            checked += 1
    assert checked > 50


def test_every_credit_note_total_is_negative(corpus):
    totals = {n["BillBeeOrderId"]: n["TotalCost"] for n in corpus.credit_notes}

    assert {oid: total for oid, total in totals.items() if not total < 0} == {}


# ---------------------------------------------------------------- timestamps


def test_timestamps_are_naive_with_zero_to_three_fraction_digits(corpus):
    values = [v for text in corpus.order_pages for v in TIMESTAMP_VALUE.findall(text)]
    values += [v for text in corpus.invoice_pages for v in TIMESTAMP_VALUE.findall(text)]

    assert len(values) > 5 * ORDERS
    digits = Counter()
    for value in values:
        match = NAIVE_TIMESTAMP.fullmatch(value)
        assert match, value  # no Z, no offset, no more than three fraction digits
        fraction = match.group(1) or ""
        assert not fraction.endswith("0"), value  # trailing zeros dropped
        digits[len(fraction)] += 1
    assert set(digits) == {0, 1, 2, 3}


def test_some_order_dates_are_midnight(corpus):
    assert any(o["CreatedAt"].endswith("T00:00:00") for o in corpus.sales)


def test_generated_orders_are_never_modified_before_they_were_created(corpus):
    early = [
        o["BillBeeOrderId"]
        for o in corpus.orders
        if _local(o["LastModifiedAt"]) < _local(o["CreatedAt"])
    ]
    assert early == []


def test_last_modified_is_not_before_any_event_of_the_order(corpus):
    late = []
    for order in corpus.orders:
        modified = _local(order["LastModifiedAt"])
        events = [order[f] for f in ("PayedAt", "ShippedAt", "InvoiceDate") if order[f]]
        events += [p["PayDate"] for p in order["Payments"]]
        events += [h["Created"] for h in order["History"]]
        if any(_local(e) > modified for e in events):
            late.append(order["BillBeeOrderId"])

    assert late == []


# ---------------------------------------------------------------- payments


def test_paid_transfer_invoice_and_prepayment_orders_carry_reference_and_payment(corpus):
    paid = [
        o for o in corpus.sales if o["PaymentMethod"] in (1, 26, 59) and o["PayedAt"] is not None
    ]

    assert {o["PaymentMethod"] for o in paid} == {1, 26, 59}
    for order in paid:
        assert order["PaymentReference"], order["BillBeeOrderId"]
        assert len(order["Payments"]) == 1
        payment = order["Payments"][0]
        assert payment["PayValue"] == order["TotalCost"].quantize(CENT, ROUND_HALF_UP)
        assert payment["PaymentType"] == order["PaymentMethod"]
        assert payment["PayDate"] == order["PayedAt"]
    unpaid = [o for o in corpus.sales if o["PayedAt"] is None]
    assert unpaid and all(o["Payments"] == [] for o in unpaid)


# ---------------------------------------------------------------- invoice list


def test_invoice_list_matches_the_invoiced_orders_and_numbers_are_unique(corpus):
    invoiced = {o["BillBeeOrderId"]: o for o in corpus.orders if o["InvoiceNumber"] is not None}
    numbers = [d["InvoiceNumber"] for d in corpus.invoices]

    assert len(corpus.invoices) == len(invoiced)
    assert {d["BillbeeId"] for d in corpus.invoices} == set(invoiced)
    assert len(set(numbers)) == len(numbers)
    for document in corpus.invoices:
        order = invoiced[document["BillbeeId"]]
        assert document["InvoiceNumber"] == (
            f"{order['InvoiceNumberPrefix']}{order['InvoiceNumber']}"
        )
        assert document["TotalGross"] == order["TotalCost"]
        assert document["InvoiceDate"] == order["InvoiceDate"]
    assert all(re.fullmatch(r"(RE|GS)-20\d\d-\d+", n) for n in numbers)
