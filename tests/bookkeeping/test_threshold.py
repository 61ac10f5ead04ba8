"""The EU-wide delivery threshold of § 3c (4) UStG, computed from the books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from bookkeeping.models import BookkeepingSettings
from bookkeeping.selectors import distance_sales_status
from bookkeeping.vat.threshold import DistanceSale, crossing_note, threshold_status
from tests.bookkeeping.helpers import AUSTRIA, booking, import_and_book, item
from tests.connector.test_import import insert

D = Decimal


def sale(day: int, number: str, net: str) -> DistanceSale:
    return DistanceSale(date(2026, 3, day), number, D(net))


def test_the_sale_that_exceeds_the_threshold_is_found_in_the_order_of_supply():
    sales = [sale(20, "RE-3", "300.00"), sale(1, "RE-1", "9600.00"), sale(10, "RE-2", "400.00")]

    status = threshold_status(2026, D("4000.00"), sales)

    assert (status.current_year, status.crossed_on, status.crossed_by) == (
        D("10300.00"),
        date(2026, 3, 20),
        "RE-3",
    )
    assert status.exceeded and not status.exceeded_last_year
    assert "exceeded on 20 Mar 2026 by RE-3" in status.text


def test_exactly_ten_thousand_is_not_above_the_threshold():
    status = threshold_status(2026, D("0"), [sale(1, "RE-1", "10000.00")])

    assert not status.exceeded
    assert status.text.endswith("below the threshold (0.00 EUR left this year)")


def test_a_credit_note_brings_the_total_back_and_a_later_sale_crosses_again():
    sales = [
        sale(1, "RE-1", "10000.00"),
        sale(2, "RE-2", "50.00"),  # crosses
        sale(3, "GS-1", "-50.00"),
    ]

    status = threshold_status(2026, D("0"), sales)

    assert (status.crossed_by, status.current_year) == ("RE-2", D("10000.00"))


def test_exceeded_in_the_previous_year_taxes_the_whole_year_at_destination():
    status = threshold_status(2026, D("10000.01"), [])

    assert status.exceeded_last_year and status.exceeded
    assert "exceeded in 2025, so every distance sale of 2026" in status.text


def test_the_status_speaks_the_readers_language_with_its_amounts_and_dates():
    sales = [sale(1, "RE-1", "9600.00"), sale(20, "RE-3", "1234.50")]
    status = threshold_status(2026, D("4000.00"), sales)

    with translation.override("de"):
        german = status.text
    with translation.override("en"):
        english = status.text

    assert german == (
        "Netto-EU-Fernverkäufe 2025: 4.000,00 EUR, 2026: 10.834,50 EUR (Lieferschwelle "
        "10.000,00 EUR, § 3c Abs. 4 UStG): am 20.03.2026 mit RE-3 überschritten; ab diesem "
        "Verkauf sind Fernverkäufe im Bestimmungsland steuerpflichtig (OSS)"
    )
    assert english.startswith(
        "net EU distance sales 2025: 4,000.00 EUR, 2026: 10,834.50 EUR (threshold "
        "10,000.00 EUR, § 3c (4) UStG): exceeded on 20 Mar 2026 by RE-3"
    )
    below = threshold_status(2026, D("0"), [sale(1, "RE-1", "2500.00")])
    with translation.override("de"):
        assert below.text.endswith("unter der Lieferschwelle (in diesem Jahr noch 7.500,00 EUR)")


@pytest.mark.parametrize(
    ("previous", "before", "after", "home_taxed", "expected"),
    [
        ("0", "9000", "9500", True, ""),
        ("0", "9900", "10100", True, "this sale crosses the EU-wide threshold"),
        ("0", "9900", "10100", False, "the OSS registration is required from now on"),
        ("0", "10100", "10200", True, "was exceeded earlier in 2026"),
        ("0", "10100", "10200", False, ""),
        ("12000", "0", "100", True, "was exceeded in 2025"),
    ],
)
def test_what_a_new_distance_sale_says(previous, before, after, home_taxed, expected):
    note = crossing_note(2026, D(previous), D(before), D(after), home_taxed)

    assert (expected in note) if expected else note == ""


def austrian_consumer_sale(account, gross: str) -> int:
    net = (D(gross) / D("1.19")).quantize(D("0.01"))
    return insert(
        account,
        OrderItems=[item(gross, 1, str(D(gross) - net))],
        ShippingCost=0,
        TotalCost=gross,
        TaxRate1="19.00",
        ShippingAddress=AUSTRIA,
        InvoiceAddress=AUSTRIA,
    )


@pytest.mark.django_db
def test_the_booking_that_crosses_the_threshold_is_flagged(account, shop):
    """Not registered for OSS, selling to Austrian consumers at German VAT: the sale that takes
    the year's net distance sales above 10,000 € says so, with what to do."""
    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    first = austrian_consumer_sale(account, "11662.00")  # 9,800.00 net
    second = austrian_consumer_sale(account, "357.00")  # 300.00 net: 10,100.00
    import_and_book(shop)

    assert booking(first).warnings == []
    [warning] = booking(second).warnings
    assert warning.startswith(
        "this sale crosses the EU-wide threshold of 10.000,00 € (§ 3c (4) UStG): net distance "
        "sales of 2026 rise from 9.800,00 € to 10.100,00 €; this sale is already taxed in the "
        "destination country"
    )
    status = distance_sales_status(shop, 2026)
    assert (status.current_year, status.crossed_by) == (
        D("10100.00"),
        booking(second).entry.number,
    )


@pytest.mark.django_db
def test_a_rebooked_sale_counts_once_towards_the_threshold(account, shop):
    """A changed document is reversed and booked anew: its old amount leaves the year's
    total, so the next sale is still the one that crosses (whichever document of the run
    read the total first)."""
    from tests.connector.test_import import patch

    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    small = austrian_consumer_sale(account, "119.00")  # 100.00 net, booked first
    first = austrian_consumer_sale(account, "11662.00")  # 9,800.00 net
    import_and_book(shop)
    patch(account, small, OrderItems=[item("238.00", 1, "38.00")], TotalCost="238.00")  # 200.00
    patch(
        account,
        first,
        OrderItems=[item("11543.00", 1, "1843.00")],  # 9,700.00 net
        TotalCost="11543.00",
    )
    second = austrian_consumer_sale(account, "416.50")  # 350.00 net: 10,250.00
    patch(account, second, SellerComment="read by the next run")
    import_and_book(shop)

    assert booking(first).entry.document_total == D("11543.00")
    [warning] = booking(second).warnings
    assert "rise from 9.900,00 € to 10.250,00 €" in warning
