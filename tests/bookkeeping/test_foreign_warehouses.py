"""Sales from a foreign warehouse (Amazon FBA in PL/CZ) that take place in that country:
not German turnover, booked to the registration's accounts, declared there."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookkeeping.datev import lint_file
from bookkeeping.models import ForeignRegistration, JournalLine
from bookkeeping.reports import period_report, render_html
from bookkeeping.services.export import datev_export
from tests.bookkeeping.helpers import booked_lines, booking, import_and_book, item
from tests.bookkeeping.test_export import NOVEMBER, field, rows_of
from tests.connector.test_import import insert

pytestmark = pytest.mark.django_db

DE_BUYER_VAT_ID = "DE136695976"
GERMAN_HOME_ACCOUNTS = {8125, 8120, 8320, 1767, 8400, 1776, 8300, 1771}


def address(country: str, zip_code: str) -> dict:
    return {"CountryISO2": country, "Zip": zip_code, "Company": "Möbelhaus GmbH"}


def test_a_supply_from_the_czech_warehouse_to_a_german_business_is_czech(account, shop):
    """CZ → DE with the buyer's German VAT ID: an intra-community supply that takes place in
    CZ (§ 3 (6) UStG), declared in the Czech return and ZM; never 8125, never the German ZM
    (no DATEV field 40)."""
    berlin = address("DE", "10115")
    billbee_id = insert(
        account,
        VatMode=2,
        DeliverySourceCountryCode="CZ",
        CustomerVatId=DE_BUYER_VAT_ID,
        OrderItems=[item("100.00", 1, "0")],
        ShippingCost=0,
        TotalCost="100.00",
        ShippingAddress=berlin,
        InvoiceAddress=berlin,
    )
    import_and_book(shop)

    assert booking(billbee_id).case == "fw_ic_supply"
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("100.00")),
        ("revenue", 8339, "H", Decimal("100.00")),
    ]
    registration = ForeignRegistration.objects.get(connection=shop, country="CZ")
    assert (registration.ic_supply_account, registration.vat_account) == (8339, 1754)
    [batch] = datev_export(shop, *NOVEMBER).batches
    [row] = rows_of(batch)
    assert (field(row, 8), field(row, 9), field(row, 40)) == ("8339", "", "")
    assert lint_file(batch.data) == []


def test_a_local_sale_in_poland_keeps_its_polish_vat_for_the_polish_return(account, shop):
    warsaw = {"CountryISO2": "PL", "Zip": "00-001"}
    ForeignRegistration.objects.create(
        connection=shop,
        country="PL",
        vat_id="PL5260001246",
        local_account=8338,
        ic_supply_account=8339,
        export_account=8339,
        vat_account=1769,
    )
    billbee_id = insert(
        account,
        DeliverySourceCountryCode="PL",
        OrderItems=[item("123.00", 1, "23.00")],
        ShippingCost=0,
        TotalCost="123.00",
        TaxRate1="23.00",
        ShippingAddress=warsaw,
        InvoiceAddress=warsaw,
    )
    import_and_book(shop)

    assert booking(billbee_id).case == "fw_local"
    assert booked_lines(billbee_id) == [
        ("debtor", 10001, "S", Decimal("123.00")),
        ("revenue", 8338, "H", Decimal("100.00")),
        ("vat", 1769, "H", Decimal("23.00")),
    ]
    assert booking(billbee_id).entry.eu_origin == "PL5260001246"
    report = period_report(shop, 2026, 11)
    [row] = report.foreign
    assert (row.country, row.vat_id, row.rate, row.net, row.vat) == (
        "PL",
        "PL5260001246",
        Decimal("23.00"),
        Decimal("100.00"),
        Decimal("23.00"),
    )
    assert report.oss == ()
    assert "Foreign warehouses: sales not taxable in Germany" in render_html(report)


def test_an_export_from_the_polish_warehouse_is_not_a_german_export(account, shop):
    zurich = {"CountryISO2": "CH", "Zip": "8001"}
    billbee_id = insert(
        account,
        VatMode=3,
        DeliverySourceCountryCode="PL",
        OrderItems=[item("80.00", 1, "0")],
        ShippingCost=0,
        TotalCost="80.00",
        ShippingAddress=zurich,
        InvoiceAddress=zurich,
    )
    import_and_book(shop)

    assert booking(billbee_id).case == "fw_export"
    lines = booked_lines(billbee_id)
    assert ("revenue", 8339, "H", Decimal("80.00")) in lines
    assert not {account for _, account, _, _ in lines} & GERMAN_HOME_ACCOUNTS
    assert not JournalLine.objects.filter(account__in=(8120, 8125)).exists()
