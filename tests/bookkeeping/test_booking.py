"""Booking the upload log into the journal, end to end: orders made in the sandbox, imported
over real HTTP, booked, and the entries checked line by line with amounts worked out here."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.errors import BookingAlreadyRunning
from bookkeeping.models import (
    BookkeepingSettings,
    CouponRule,
    CustomerDebtor,
    DebtorMapping,
    DocumentBooking,
    ExchangeRate,
    JournalEntry,
)
from bookkeeping.services import booking_steps
from bookkeeping.services.export import datev_export
from connector.models import ChannelRule, ExternalOrder
from connector.services.reevaluate import external_orders_reevaluate
from tests.bookkeeping.helpers import (
    AUSTRIA,
    MANUAL,
    ORIGIN,
    book,
    booked_lines,
    booking,
    generated_books,
    import_and_book,
    insert_austrian_sale,
    item,
    lines_of,
    vat_of,
)
from tests.connector.test_import import credit_json, doc, insert, patch

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
# ---------------------------------------------------------------- the entry of an invoice


def test_a_domestic_invoice_is_debtor_against_revenue_and_vat(account, shop):
    billbee_id = insert(account)  # 20.00 goods + 5.00 shipping at 19 %, total 25.00
    result = import_and_book(shop)

    vat = vat_of(Decimal(25), 19)  # 3.99
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("25.00")),
        ("revenue", 8400, "H", Decimal(25) - vat),
        ("vat", 1776, "H", vat),
    ]
    entry = booking(billbee_id).entry
    assert (entry.kind, entry.number, entry.document_date, entry.service_date) == (
        "invoice",
        doc(billbee_id).invoice_number,
        date(2026, 11, 10),
        date(2026, 11, 12),
    )
    assert entry.case == "domestic"
    assert (result.booked, result.internal_errors) == (1, 0)


def test_a_second_run_books_nothing_again(account, shop):
    insert(account)
    insert(account)
    import_and_book(shop)
    entries = JournalEntry.objects.count()

    again = import_and_book(shop)

    assert JournalEntry.objects.count() == entries == 2
    assert (again.booked, again.rebooked, again.reversed) == (0, 0, 0)


def test_mixed_basket_shipping_follows_the_goods_proportionally(account, shop):
    billbee_id = insert(
        account,
        OrderItems=[item("100.00", 1, "15.97"), item("50.00", 2, "3.27")],
        ShippingCost="4.90",
        TotalCost="154.90",
    )
    import_and_book(shop)

    # Shipping 4.90 is split like the goods (100 : 50): 3.27 at 19 %, 1.63 at 7 %.
    gross19, gross7 = Decimal("103.27"), Decimal("51.63")
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("154.90")),
        ("revenue", 8400, "H", gross19 - vat_of(gross19, 19)),
        ("vat", 1776, "H", vat_of(gross19, 19)),
        ("revenue", 8300, "H", gross7 - vat_of(gross7, 7)),
        ("vat", 1771, "H", vat_of(gross7, 7)),
    ]


def test_a_voucher_is_a_payment_and_a_discount_line_reduces_revenue(account, shop):
    discount = {
        "Quantity": 1,
        "TotalPrice": "-10.00",
        "TaxIndex": 1,
        "TaxAmount": "-1.60",
        "Product": {"Title": "Rabatt SOMMER10", "SKU": None},
    }
    voucher = {
        "Quantity": 1,
        "TotalPrice": "-25.00",
        "TaxIndex": 0,
        "IsCoupon": True,
        "Product": {"Title": "Gutschein GS-1", "SKU": None},
    }
    billbee_id = insert(
        account,
        OrderItems=[item("100.00", 1, "15.97"), discount, voucher],
        ShippingCost=0,
        TotalCost="65.00",
    )
    import_and_book(shop)

    goods = Decimal("90.00")  # 100 − 10 discount; the voucher pays 25 of it
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("65.00")),
        ("revenue", 8400, "H", goods - vat_of(goods, 19)),
        ("vat", 1776, "H", vat_of(goods, 19)),
        ("coupon", 1796, "S", Decimal("25.00")),
    ]


def coupon(total: str, title: str, tax: str | None = None, tax_index: int = 0) -> dict:
    line = {
        "Quantity": 1,
        "TotalPrice": total,
        "TaxIndex": tax_index,
        "IsCoupon": True,
        "Product": {"Title": title, "SKU": None},
    }
    if tax is not None:
        line["TaxAmount"] = tax
    return line


def insert_mixed_basket(account, *coupons: dict, total: str) -> int:
    """Goods 119.00 at 19 % and 53.50 at 7 % (172.50), no shipping, and ``coupons``."""
    return insert(
        account,
        OrderItems=[item("119.00", 1, "19.00"), item("53.50", 2, "3.50"), *coupons],
        ShippingCost=0,
        TotalCost=total,
        TaxRate1="19",
        TaxRate2="7",
    )


def test_a_discount_code_reduces_revenue_and_vat_at_the_goods_rates(account, shop):
    """A coupon on which Billbee charged VAT is a price reduction (§ 17 UStG), split over the
    goods' rates in proportion (119.00 : 53.50), not a payment."""
    code = coupon("-17.25", "Rabattcode WILLKOMMEN10", tax="-2.25")
    billbee_id = insert_mixed_basket(account, code, total="155.25")
    import_and_book(shop)

    # -17.25 split 119 : 53.5 → -11.90 at 19 %, -5.35 at 7 %
    at19, at7 = Decimal("119.00") - Decimal("11.90"), Decimal("53.50") - Decimal("5.35")
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("155.25")),
        ("revenue", 8400, "H", at19 - vat_of(at19, 19)),
        ("vat", 1776, "H", vat_of(at19, 19)),
        ("revenue", 8300, "H", at7 - vat_of(at7, 7)),
        ("vat", 1771, "H", vat_of(at7, 7)),
    ]
    trace = booking(billbee_id).trace
    assert any("discount code (Billbee charged VAT on it: a price reduction)" in t for t in trace)
    assert booking(billbee_id).warnings == []  # Billbee's VAT agrees: 19.00 + 3.50 − 2.25


def test_a_single_purpose_voucher_takes_the_vat_paid_at_its_sale_off_the_entry(account, shop):
    """Einzweckgutschein (§ 3 (14) UStG): taxed when sold, so its redemption carries no VAT
    again; a coupon rule tells it apart, and it stands on an account of its own."""
    CouponRule.objects.create(connection=shop, text="EZ-Gutschein", kind="single_purpose")
    voucher = coupon("-23.80", "EZ-Gutschein 4711")
    billbee_id = insert(
        account,
        OrderItems=[item("119.00", 1, "19.00"), voucher],
        ShippingCost=0,
        TotalCost="95.20",
    )
    import_and_book(shop)

    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("95.20")),
        ("revenue", 8400, "H", Decimal("100.00")),
        ("voucher", 8720, "S", Decimal("20.00")),
        ("vat", 1776, "H", Decimal("15.20")),
    ]
    assert any(
        "single-purpose voucher (coupon rule 'EZ-Gutschein')" in t
        for t in booking(billbee_id).trace
    )


def test_a_multi_purpose_voucher_is_a_payment_on_its_own_account(account, shop):
    """Mehrzweckgutschein (§ 3 (15) UStG): a means of payment, no VAT, on its own account
    (not the rounding account); the connection may declare every coupon one."""
    BookkeepingSettings.objects.filter(pk=shop.pk).update(coupon_kind="multi_purpose")
    gift_card = coupon("-50.00", "Geschenkkarte", tax="-7.98", tax_index=1)
    billbee_id = insert(
        account,
        OrderItems=[item("119.00", 1, "19.00"), gift_card],
        ShippingCost=0,
        TotalCost="69.00",
    )
    import_and_book(shop)

    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("69.00")),
        ("revenue", 8400, "H", Decimal("100.00")),
        ("vat", 1776, "H", Decimal("19.00")),
        ("coupon", 1796, "S", Decimal("50.00")),
    ]
    # Billbee took VAT off for it: the invoice's VAT differs, and the document says so.
    assert any("Billbee treated it as a discount" in w for w in booking(billbee_id).warnings)


def test_discounts_on_eu_consumer_sales_taxed_at_home_have_their_own_accounts(account, shop):
    """Erlösschmälerungen aus im Inland steuerpflichtigen EU-Lieferungen (SKR03 8726/8725)."""
    BookkeepingSettings.objects.filter(pk=shop.pk).update(
        separate_lines=True, oss_registered_since=None
    )
    code = coupon("-11.90", "Rabattcode", tax="-1.90", tax_index=1)
    billbee_id = insert(
        account,
        OrderItems=[item("119.00", 1, "19.00"), code],
        ShippingCost=0,
        TotalCost="107.10",
        ShippingAddress={"CountryISO2": "AT"},
        InvoiceAddress={"CountryISO2": "AT"},
    )
    import_and_book(shop)

    assert booking(billbee_id).entry.case == "eu_b2c_home_taxed"
    assert ("discount", 8726, "S", Decimal("10.00")) in booked_lines(billbee_id)


def test_separate_lines_put_shipping_and_discounts_on_their_own_accounts(account, shop):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(separate_lines=True)
    discount = {
        "Quantity": 1,
        "TotalPrice": "-10.00",
        "TaxIndex": 1,
        "Product": {"Title": "Rabatt", "SKU": None},
    }
    billbee_id = insert(
        account, OrderItems=[item("100.00"), discount], ShippingCost="5.95", TotalCost="95.95"
    )
    import_and_book(shop)

    lines = booked_lines(billbee_id)
    roles = {(role, account): (side, amount) for role, account, side, amount in lines}
    vat = vat_of(Decimal("95.95"), 19)  # one VAT line for the rate
    assert roles[("vat", 1776)] == ("H", vat)
    assert roles[("discount", 8720)][0] == "S"  # a discount reduces revenue: debit
    assert ("shipping", 8400) in roles and ("revenue", 8400) in roles
    net = {key: amount if side == "H" else -amount for key, (side, amount) in roles.items()}
    assert net[("revenue", 8400)] + net[("shipping", 8400)] + net[("discount", 8720)] == (
        Decimal("95.95") - vat
    )


# ---------------------------------------------------------------- VAT treatments


def test_an_eu_consumer_sale_is_oss_at_the_destination_rate(account, shop):
    billbee_id = insert_austrian_sale(account)
    import_and_book(shop)

    entry = booking(billbee_id).entry
    assert entry.case == "oss" and entry.eu_destination == "AT"
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("120.00")),
        ("revenue", 8320, "H", Decimal("100.00")),
        ("vat", 1767, "H", Decimal("20.00")),
    ]
    assert {ln.bu_key for ln in entry.lines.filter(role="revenue")} == {"0240"}
    # Rates read as people write them, never in exponent notation ("2E+1 %").
    trace = "\n".join(booking(billbee_id).trace)
    assert "revenue 20 %: net 100.00 → 8320" in trace and "E+" not in trace


def test_below_the_oss_threshold_an_eu_consumer_pays_home_vat(account, shop):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    billbee_id = insert(
        account,
        OrderItems=[item("119.00", 1, "19.00")],
        ShippingCost=0,
        TotalCost="119.00",
        ShippingAddress=AUSTRIA,
        InvoiceAddress=AUSTRIA,
    )
    import_and_book(shop)

    assert booking(billbee_id).case == "eu_b2c_home_taxed"
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("119.00")),
        ("revenue", 8315, "H", Decimal("100.00")),
        ("vat", 1778, "H", Decimal("19.00")),
    ]


FRANCE = {"CountryISO2": "FR", "Zip": "75001"}


def insert_french_sale(account, **fields) -> int:
    """120.00 gross to a consumer in Paris, Billbee charging France's 20 %."""
    values = {
        "OrderItems": [item("120.00", 1, "20.00")],
        "ShippingCost": 0,
        "TotalCost": "120.00",
        "TaxRate1": "20.00",
        "ShippingAddress": FRANCE,
        "InvoiceAddress": FRANCE,
    }
    values.update(fields)
    return insert(account, **values)


def test_french_vat_charged_without_an_oss_registration_waits_for_the_merchants_answer(
    account, shop
):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    billbee_id = insert_french_sale(account)
    import_and_book(shop)

    held = booking(billbee_id)
    assert (held.status, held.reason_code) == ("waiting", "vat_differs_from_invoice")
    assert held.reason.startswith("Billbee charged FR 20 % (French VAT)")
    assert "Registered for OSS since …?" in held.reason
    assert held.entry is None

    # The answer: registered since 2021. The next run decides every waiting document again.
    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=date(2021, 7, 1))
    result = book(shop)

    assert result.booked == 1
    assert booking(billbee_id).case == "oss"
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("120.00")),
        ("revenue", 8320, "H", Decimal("100.00")),
        ("vat", 1767, "H", Decimal("20.00")),
    ]


def test_german_vat_charged_under_an_oss_registration_waits_too(account, shop):
    billbee_id = insert(
        account,
        OrderItems=[item("119.00", 1, "19.00")],
        ShippingCost=0,
        TotalCost="119.00",
        TaxRate1="19.00",
        ShippingAddress=AUSTRIA,
        InvoiceAddress=AUSTRIA,
    )
    result = import_and_book(shop)

    held = booking(billbee_id)
    assert (held.status, held.reason_code) == ("waiting", "vat_differs_from_invoice")
    assert "registered for OSS since 01.07.2021, so Austrian VAT 20 % is due" in held.reason
    assert result.waiting == {"VAT differs from Billbee's invoice": 1}

    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=date(2027, 1, 1))
    book(shop)

    assert (booking(billbee_id).status, booking(billbee_id).case) == (
        "booked",
        "eu_b2c_home_taxed",
    )


def test_a_cancelled_invoice_and_its_credit_note_cancel_out_whatever_billbee_charged(account, shop):
    """An invoice cancelled in Billbee after invoicing stays in the books, and its credit note
    is booked against it: the pair cancels out, even when Billbee's VAT differs (it would
    otherwise wait for a correction that the credit note already is)."""
    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    original = insert_french_sale(account, State=8)
    original_json = account.control("GET", f"orders/{original}")
    note = account.control(
        "POST",
        "orders",
        credit_json(
            original_json,
            TotalCost="-120.00",
            ShippingCost=0,
            OrderItems=[item("-120.00", 1, "-20.00")],
        ),
    )["BillBeeOrderId"]
    import_and_book(shop)

    invoice, credit = booking(original), booking(note)
    assert (invoice.status, credit.status) == ("booked", "booked")
    assert credit.entry.credit_for == invoice.entry
    assert lines_of(credit.entry) == [
        (role, account, {"S": "H", "H": "S"}[side], amount)
        for role, account, side, amount in lines_of(invoice.entry)
    ]
    assert any("its credit note reverses it" in t for t in invoice.trace)


def test_an_intra_community_supply_is_tax_free_with_the_buyers_vat_id(account, shop):
    billbee_id = insert(
        account,
        VatMode=2,
        CustomerVatId="ATU13585627",
        OrderItems=[item("100.00", 1, "0")],
        ShippingCost=0,
        TotalCost="100.00",
        ShippingAddress=AUSTRIA,
        InvoiceAddress=AUSTRIA,
    )
    import_and_book(shop)

    entry = booking(billbee_id).entry
    assert (entry.case, entry.eu_destination) == ("ic_supply", "ATU13585627")
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("100.00")),
        ("revenue", 8125, "H", Decimal("100.00")),
    ]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"VatMode": 4}, "margin_scheme"),
        ({"VatMode": 2, "CustomerVatId": "ATU1234"}, None),  # malformed VAT ID
        ({"VatMode": 1}, "small_business_mode"),
    ],
)
def test_documents_the_ledger_cannot_book_are_rejected_with_the_reason(account, shop, fields, code):
    billbee_id = insert(account, ShippingAddress=AUSTRIA, InvoiceAddress=AUSTRIA, **fields)
    result = import_and_book(shop)

    found = booking(billbee_id)
    assert found.status == "rejected" and found.entry is None
    if code:
        assert found.reason_code == code
    else:
        assert "ATU1234" in found.reason
    assert sum(result.rejected.values()) == 1
    assert not JournalEntry.objects.exists()


def test_a_vat_difference_against_billbee_is_flagged_on_the_document(account, shop):
    billbee_id = insert(account, OrderItems=[item("20.00", 1, "3.14")])  # right: 3.19
    result = import_and_book(shop)

    found = booking(billbee_id)
    assert found.status == "booked"
    assert found.vat_difference == Decimal("0.05")
    assert any("3.14" in w for w in found.warnings)
    assert result.vat_differences == 1


def test_a_one_cent_vat_difference_is_not_flagged(account, shop):
    billbee_id = insert(account, OrderItems=[item("20.00", 1, "3.18")])
    import_and_book(shop)

    assert booking(billbee_id).vat_difference == Decimal("0.01")
    assert not any("Billbee" in w for w in booking(billbee_id).warnings)


# ---------------------------------------------------------------- debtors


def test_a_document_without_debtor_waits_and_is_booked_once_one_is_assigned(account, shop):
    manual = MANUAL
    billbee_id = insert(account, Seller=manual, PaymentMethod=3)
    first = import_and_book(shop)

    waiting = booking(billbee_id)
    assert waiting.status == "waiting"
    assert waiting.reason == (
        "assign a debtor account to origin [Billbee]-- / payment method PayPal "
        "(Bookkeeping → Debtor mapping)"
    )
    assert first.waiting == {"no debtor account assigned": 1}
    mapping = DebtorMapping.objects.get(connection=shop, origin="[Billbee]--", payment_method=3)
    assert mapping.account is None  # registered for the operator to fill in

    mapping.account = 10500
    mapping.save()
    book(shop)

    assert booking(billbee_id).status == "booked"
    assert booked_lines(billbee_id)[0] == ("debtor", 10500, "S", Decimal("25.00"))


def test_a_mapping_for_one_payment_method_wins_over_any_payment_method(account, shop):
    DebtorMapping.objects.create(connection=shop, origin=ORIGIN, payment_method=3, account=10003)
    paypal = insert(account, PaymentMethod=3)
    transfer = insert(account, PaymentMethod=1)
    import_and_book(shop)

    assert booked_lines(paypal)[0][1] == 10003
    assert booked_lines(transfer)[0][1] == 10001  # the origin's "any payment method" row


def test_one_debtor_per_customer_numbers_customers_from_the_range(account, shop):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(debtor_per_customer=True)
    anna = {"Id": 501, "Name": "Anna Becker"}
    address = {
        "CountryISO2": "DE",
        "FirstName": "Anna",
        "LastName": "Becker",
        "Zip": "10115",
        "City": "Berlin",
        "Street": "Torstraße",
        "HouseNumber": "1",
    }
    first = insert(account, Customer=anna, InvoiceAddress=address)
    second = insert(account, Customer={"Id": 502, "Name": "Ben"})
    again = insert(account, Customer=anna, InvoiceAddress=address)
    import_and_book(shop)

    assert [booked_lines(i)[0][1] for i in (first, second, again)] == [20000, 20001, 20000]
    debtor = CustomerDebtor.objects.get(account=20000)
    assert (debtor.last_name, debtor.city, debtor.street) == ("Becker", "Berlin", "Torstraße 1")


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("total", "status", "rounding"),
    [
        ("9.99", "booked", None),
        ("10.02", "booked", ("H", "0.03")),
        ("9.95", "booked", ("S", "0.04")),
        ("10.05", "waiting", None),
    ],
)
def test_rounding_differences_up_to_the_tolerance_go_to_the_rounding_account(
    account, shop, total, status, rounding
):
    lines = [item("3.3333", 1, "0.5322") for _ in range(3)]  # each line rounds to 3.33
    billbee_id = insert(account, OrderItems=lines, ShippingCost=0, TotalCost=total)
    import_and_book(shop)

    found = booking(billbee_id)
    assert found.status == status
    if status == "waiting":
        assert found.reason_code == "rounding_above_tolerance"
        assert "0.06" in found.reason and "0.05" in found.reason
        return
    rows = [ln for ln in booked_lines(billbee_id) if ln[0] == "rounding"]
    if rounding is None:
        assert rows == []
    else:
        assert rows == [("rounding", 1590, rounding[0], Decimal(rounding[1]))]
    entry = found.entry
    debit = sum(ln.amount for ln in entry.lines.all() if ln.side == "S")
    credit = sum(ln.amount for ln in entry.lines.all() if ln.side == "H")
    assert debit == credit
    assert entry.lines.get(role="debtor").amount == Decimal(total)


@pytest.mark.parametrize(
    ("lines", "total", "debtor", "rounding"),
    [
        # Billbee's total is the sum of its four-place lines: 3 × 137.3383 = 412.0149.
        (["137.3383"] * 3, "412.0149000", "412.01", ("S", "0.01")),
        # A total above the rounded positions: the difference is on the other side; exactly
        # half a cent rounds up.
        (["137.3383"] * 3, "412.0250000", "412.03", ("H", "0.01")),
        (["294.6188", "294.6187"], "589.2375000", "589.24", None),
        (["100.005", "100.005"], "200.0100000", "200.01", ("S", "0.01")),
    ],
)
def test_totals_with_more_than_two_decimals_book_whole_cents(
    account, shop, lines, total, debtor, rounding
):
    """Every amount in the journal is whole cents, rounded once: each position to cents, the
    debtor is Billbee's total to cents, the difference between them is the rounding
    difference. The stored values and the DATEV rows agree to the cent on both databases."""
    from django.db import connection as db

    billbee_id = insert(
        account, OrderItems=[item(price) for price in lines], ShippingCost=0, TotalCost=total
    )
    import_and_book(shop)

    found = booking(billbee_id)
    assert found.status == "booked", found.reason
    entry = found.entry
    assert entry.lines.get(role="debtor").amount == Decimal(debtor)
    rows = [ln for ln in booked_lines(billbee_id) if ln[0] == "rounding"]
    assert rows == ([("rounding", 1590, rounding[0], Decimal(rounding[1]))] if rounding else [])
    # Stored exactly: numeric on PostgreSQL, integer cents on SQLite (never a float).
    kind = "CAST({} AS TEXT)" if db.vendor == "postgresql" else "typeof({})"
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {kind.format('amount')}, {kind.format('tax')} "  # noqa: S608
            "FROM bookkeeping_journalline WHERE entry_id = %s",
            [entry.pk],
        )
        stored = [value for row in cursor.fetchall() for value in row]
    if db.vendor == "sqlite":
        assert set(stored) == {"integer"}, stored
    else:
        assert all(Decimal(v) == Decimal(v).quantize(Decimal("0.01")) for v in stored), stored
    debit = sum(ln.amount for ln in entry.lines.all() if ln.side == "S")
    credit = sum(ln.amount for ln in entry.lines.all() if ln.side == "H")
    assert debit == credit
    # What DATEV books on the debtor is the journal's debtor line, to the cent.
    from tests.bookkeeping.test_export import field, rows_of

    [batch] = datev_export(shop, date(2026, 11, 1), date(2026, 11, 30)).batches
    on_debtor = sum(
        Decimal(field(row, 1).replace(",", ".")) * (1 if field(row, 2) == "S" else -1)
        for row in rows_of(batch)
    )
    assert on_debtor == Decimal(debtor)


def test_raising_the_tolerance_books_the_waiting_document(account, shop):
    lines = [item("3.3333", 1, "0.5322") for _ in range(3)]
    billbee_id = insert(account, OrderItems=lines, ShippingCost=0, TotalCost="10.05")
    import_and_book(shop)
    assert booking(billbee_id).status == "waiting"

    BookkeepingSettings.objects.filter(pk=shop.pk).update(rounding_tolerance=Decimal("0.10"))
    book(shop)

    assert ("rounding", 1590, "H", Decimal("0.06")) in booked_lines(billbee_id)


# ---------------------------------------------------------------- credit notes


def test_a_credit_note_mirrors_its_original_and_references_it(account, shop):
    original_id = insert_austrian_sale(account)
    original = account.control("GET", f"orders/{original_id}")
    credit_id = account.control(
        "POST",
        "orders",
        credit_json(
            original, OrderItems=[item("-120.00", 1, "-20.00")], ShippingCost=0, TotalCost="-120.00"
        ),
    )["BillBeeOrderId"]
    import_and_book(shop)

    invoice, credit = booking(original_id).entry, booking(credit_id).entry
    assert credit.kind == "credit_note"
    assert credit.credit_for == invoice and credit.reference == invoice.number
    assert credit.case == invoice.case == "oss"
    turned = {"S": "H", "H": "S"}
    assert lines_of(credit) == [(r, a, turned[s], m) for r, a, s, m in lines_of(invoice)]


def test_a_credit_note_waits_until_its_original_is_booked(account, shop):
    manual = MANUAL
    original_id = insert(account, Seller=manual)
    original = account.control("GET", f"orders/{original_id}")
    credit_id = account.control("POST", "orders", credit_json(original, Seller=manual))[
        "BillBeeOrderId"
    ]
    import_and_book(shop)

    waiting = booking(credit_id)
    assert (waiting.status, waiting.reason_code) == ("waiting", "original_not_booked")
    assert original["InvoiceNumberPrefix"] in waiting.reason

    DebtorMapping.objects.filter(connection=shop, origin="[Billbee]--").update(account=10500)
    book(shop)

    assert booking(original_id).status == "booked"
    assert booking(credit_id).status == "booked"
    assert booking(credit_id).entry.credit_for == booking(original_id).entry


# ---------------------------------------------------------------- changes after posting


def test_a_document_changed_after_posting_gets_a_reversal_and_a_new_entry(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)
    first = booking(billbee_id).entry

    patch(account, billbee_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)
    result = import_and_book(shop)

    entries = list(JournalEntry.objects.filter(document=doc(billbee_id)).order_by("pk"))
    assert [e.kind for e in entries] == ["invoice", "reversal", "invoice"]
    original, reversal, replacement = entries
    assert original == first and reversal.reverses == original
    turned = {"S": "H", "H": "S"}
    assert lines_of(reversal) == [(r, a, turned[s], m) for r, a, s, m in lines_of(original)]
    assert lines_of(replacement)[0] == ("debtor", 10001, "S", Decimal("35.00"))
    assert booking(billbee_id).entry == replacement
    assert (result.rebooked, result.late_changes) == (1, 0)
    assert not replacement.late_change


def test_a_change_within_the_same_month_of_the_ship_date_books_nothing_new(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)

    patch(account, billbee_id, ShippedAt="2026-11-20T09:00:00")  # still November
    result = import_and_book(shop)

    assert JournalEntry.objects.filter(document=doc(billbee_id)).count() == 1
    assert result.unchanged == 1


def test_a_change_after_the_period_was_exported_is_a_flagged_late_change(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)
    datev_export(shop, date(2026, 11, 1), date(2026, 11, 30))

    patch(account, billbee_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)
    result = import_and_book(shop)

    reversal = JournalEntry.objects.get(document=doc(billbee_id), kind="reversal")
    replacement = booking(billbee_id).entry
    assert reversal.late_change and replacement.late_change
    assert "late change" in reversal.note and "late change" in replacement.note
    assert result.late_changes == 2


def test_a_change_whose_new_entry_fails_to_be_written_is_no_late_change(account, shop, monkeypatch):
    billbee_id = insert(account)
    import_and_book(shop)
    datev_export(shop, date(2026, 11, 1), date(2026, 11, 30))
    patch(account, billbee_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)

    def broken_write(*args, **kwargs):
        raise RuntimeError("disk full")

    # SQLite writes through entry_post, PostgreSQL through one statement of its own.
    monkeypatch.setattr("bookkeeping.services.booking_steps.entry_post", broken_write)
    monkeypatch.setattr("bookkeeping.services.booking_steps.entry_and_booking_insert", broken_write)
    result = import_and_book(shop)

    assert (result.internal_errors, result.late_changes, result.rebooked) == (1, 0, 0)
    assert (result.booked, result.reversed) == (0, 0)
    # The whole document rolled back: its old entry stands, not reversed.
    assert JournalEntry.objects.filter(document=doc(billbee_id)).count() == 1
    stored = booking(billbee_id)
    assert stored.reason_code == "internal_error"
    assert stored.reason.startswith("could not be booked because of an internal error")
    assert "internal error: RuntimeError: disk full" in stored.trace


def test_a_new_document_that_fails_to_be_written_is_not_counted_as_booked(
    account, shop, monkeypatch
):
    good, bad = insert(account), insert(account)
    real_post, real_insert = booking_steps.entry_post, booking_steps.entry_and_booking_insert

    def post(connection_id, document_id, *args, **kwargs):
        if document_id == doc(bad).pk:
            raise RuntimeError("disk full")
        return real_post(connection_id, document_id, *args, **kwargs)

    def insert_entry(fields, lines, row):
        if fields["document_id"] == doc(bad).pk:
            raise RuntimeError("disk full")
        return real_insert(fields, lines, row)

    monkeypatch.setattr("bookkeeping.services.booking_steps.entry_post", post)
    monkeypatch.setattr("bookkeeping.services.booking_steps.entry_and_booking_insert", insert_entry)
    result = import_and_book(shop)

    assert (result.booked, result.internal_errors) == (1, 1)
    assert booking(good).status == "booked"
    assert booking(bad).status == "rejected"


def test_a_booked_document_that_leaves_the_books_is_reversed(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)

    ChannelRule.objects.create(connection=shop, action="exclude", platform="Shopware")
    external_orders_reevaluate(shop, ExternalOrder.objects.all())
    result = book(shop)

    found = booking(billbee_id)
    assert found.status == "reversed" and found.entry is None
    kinds = list(
        JournalEntry.objects.filter(document=doc(billbee_id)).order_by("pk").values_list("kind")
    )
    assert kinds == [("invoice",), ("reversal",)]
    assert result.reversed == 1


# ---------------------------------------------------------------- dates and currencies


def test_booking_on_the_payment_date_waits_for_a_payment(account, shop):
    BookkeepingSettings.objects.filter(pk=shop.pk).update(document_date="payment")
    unpaid = insert(account, PayedAt=None, Payments=[])
    paid = insert(account, PayedAt="2026-11-11T08:00:00")
    import_and_book(shop)

    assert booking(unpaid).status == "waiting"
    assert booking(unpaid).reason == "this order has no payment date"
    assert booking(paid).entry.document_date == date(2026, 11, 11)


def test_a_foreign_currency_export_waits_for_a_rate_then_is_booked_in_euro(account, shop):
    swiss = {"CountryISO2": "CH", "Zip": "8001"}
    billbee_id = insert(
        account,
        VatMode=3,
        Currency="CHF",
        OrderItems=[item("93.70", 1, "0")],
        ShippingCost=0,
        TotalCost="93.70",
        ShippingAddress=swiss,
        InvoiceAddress=swiss,
    )
    import_and_book(shop)
    assert booking(billbee_id).reason_code == "no_exchange_rate"

    # The BMF's monthly VAT conversion rate of the month of supply (§ 16 (6) UStG).
    ExchangeRate.objects.create(
        currency="CHF", day=date(2026, 11, 1), kind="monthly", rate=Decimal("0.9370")
    )
    book(shop)

    entry = booking(billbee_id).entry
    assert (entry.case, entry.currency, entry.exchange_rate) == ("export", "CHF", Decimal("0.937"))
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("100.00")),
        ("revenue", 8120, "H", Decimal("100.00")),
    ]


# ---------------------------------------------------------------- runs


def test_the_generated_data_books_in_balanced_entries(make_sandbox):
    connection, result = generated_books(make_sandbox(orders=400))

    assert result.internal_errors == 0
    assert result.booked == JournalEntry.objects.filter(connection=connection).count()
    entries = JournalEntry.objects.filter(connection=connection).prefetch_related("lines")
    assert len(entries) > 100
    for entry in entries:
        debit = sum(ln.amount for ln in entry.lines.all() if ln.side == "S")
        credit = sum(ln.amount for ln in entry.lines.all() if ln.side == "H")
        assert debit == credit, entry
        assert all(ln.amount > 0 for ln in entry.lines.all())
    statuses = set(
        DocumentBooking.objects.filter(connection=connection).values_list("status", flat=True)
    )
    assert "booked" in statuses
    # Every accepted document has a booking decision with a reason.
    accepted = ExternalOrder.objects.filter(
        connection=connection, status__in=("imported", "updated", "unchanged")
    )
    assert DocumentBooking.objects.filter(document__in=accepted).count() == accepted.count()
    assert not DocumentBooking.objects.filter(document__in=accepted, reason="").exists()


def test_one_booking_run_per_connection_at_a_time(account, shop):
    settings = shop.bookkeeping
    documents_lease = BookkeepingSettings.objects.filter(pk=settings.pk)
    documents_lease.update(
        booking_lease_until=timezone.now() + timedelta(minutes=5), booking_worker="x"
    )
    with pytest.raises(BookingAlreadyRunning):
        book(shop)

    documents_lease.update(booking_lease_until=timezone.now() - timedelta(seconds=1))
    book(shop)  # an expired lease (its worker died) does not block
    assert BookkeepingSettings.objects.get(pk=settings.pk).booking_worker == ""


def test_a_waiting_document_the_import_then_excludes_waits_no_longer(account, shop):
    billbee_id = insert(account, Seller=MANUAL)
    import_and_book(shop)
    assert booking(billbee_id).status == "waiting"

    ChannelRule.objects.create(
        connection=shop,
        action="exclude",
        shop_name="",
        platform="",
        channel=doc(billbee_id).channel,
    )
    external_orders_reevaluate(shop, ExternalOrder.objects.all())
    result = book(shop)

    found = booking(billbee_id)
    assert (found.status, found.reason_code) == ("nothing", "not_accepted")
    assert "excluded" in found.reason
    assert result.nothing == 1 and not JournalEntry.objects.exists()


@pytest.mark.parametrize(("state", "name"), [(9, "archived"), (11, "dunning 1"), (15, "reminder")])
def test_an_archived_or_dunning_invoice_is_booked(account, shop, state, name):
    """The review found 350 of 2,500 invoices left out of the books by their Billbee state:
    under accrual VAT the tax arises with the supply, whatever the payment or dunning state."""
    billbee_id = insert(account, State=state)
    import_and_book(shop)

    assert doc(billbee_id).status == "imported"
    assert booking(billbee_id).status == "booked"
    assert booked_lines(billbee_id)[0] == ("debtor", 10001, "S", Decimal("25.00"))


def test_booking_reads_each_document_s_fields_with_its_chunk(make_sandbox, monkeypatch):
    """Booking reads the fields it decides with together with the chunk of documents: none is
    fetched again per document (once the register's VAT flags were, a query per document)."""
    from connector.models import ExternalOrder

    refreshed: list[int] = []
    original = ExternalOrder.refresh_from_db

    def counting(self, *args, **kwargs):
        refreshed.append(self.pk)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ExternalOrder, "refresh_from_db", counting)

    _, result = generated_books(make_sandbox(orders=120))

    assert result.booked > 50
    assert refreshed == []
