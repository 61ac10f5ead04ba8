"""Helpers of the bookkeeping tests."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.services.booking import BookingResult, documents_book
from connector.models import Connection
from tests.connector.test_import import doc, run

CENT = Decimal("0.01")
ORIGIN = "[Billbee]-Shopware-Shopware Fachhandel"
AUSTRIA = {"CountryISO2": "AT", "Zip": "1010"}
MANUAL = {"Platform": None, "BillbeeShopName": None, "BillbeeShopId": None}


def book(connection: Connection) -> BookingResult:
    connection.refresh_from_db()
    return documents_book(connection)


def import_and_book(connection: Connection) -> BookingResult:
    run(connection)
    return book(connection)


def booking(billbee_id: int) -> DocumentBooking:
    return DocumentBooking.objects.get(document=doc(billbee_id))


def lines_of(entry: JournalEntry) -> list[tuple[str, int, str, Decimal]]:
    return [(ln.role, ln.account, ln.side, ln.amount) for ln in entry.lines.all()]


def booked_lines(billbee_id: int) -> list[tuple[str, int, str, Decimal]]:
    return lines_of(booking(billbee_id).entry)


def vat_of(gross: Decimal, rate: int | Decimal) -> Decimal:
    return (gross * Decimal(rate) / (100 + Decimal(rate))).quantize(CENT, ROUND_HALF_UP)


def insert_austrian_sale(sandbox, **fields) -> int:
    """An OSS sale: 120.00 gross at Austria's 20 % to a consumer in Vienna (100.00 + 20.00)."""
    from tests.connector.test_import import insert

    values = {
        "OrderItems": [item("120.00", 1, "20.00")],
        "ShippingCost": 0,
        "TotalCost": "120.00",
        "TaxRate1": "20.00",
        "ShippingAddress": AUSTRIA,
        "InvoiceAddress": AUSTRIA,
    }
    values.update(fields)
    return insert(sandbox, **values)


def item(total: str, tax_index: int = 1, tax: str | None = None, **fields) -> dict:
    """An order line with an article (SKU), gross ``total``, Billbee's TaxAmount ``tax``."""
    line = {
        "Quantity": 1,
        "TotalPrice": total,
        "TaxIndex": tax_index,
        "Product": {"Title": "Hocker", "SKU": "HO-1"},
    }
    if tax is not None:
        line["TaxAmount"] = tax
    line.update(fields)
    return line


FX = {"CHF": "0.9400", "GBP": "0.8500", "USD": "1.0800", "NOK": "11.6000"}


def generated_books(sandbox) -> tuple[Connection, BookingResult]:
    """A connection that imports and books every generated order of ``sandbox``: no channel
    exclusions, OSS registered, every debtor assigned, the BMF's monthly VAT conversion rates
    of every month (the default source)."""
    from datetime import date

    from bookkeeping.models import DebtorMapping, ExchangeRate
    from bookkeeping.services.debtors import debtor_mappings_sync
    from connector.models import ChannelRule
    from tests.connector.test_import import make_connection

    connection = make_connection(sandbox)
    ChannelRule.objects.filter(connection=connection).delete()
    settings = connection.bookkeeping
    settings.oss_registered_since = date(2021, 7, 1)
    settings.save()
    run(connection)
    debtor_mappings_sync(connection)
    for number, mapping in enumerate(DebtorMapping.objects.filter(connection=connection)):
        mapping.account = 10000 + number
        mapping.save()
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=c, day=date(2026, month, 1), kind="monthly", rate=Decimal(r))
        for month in range(8, 13)
        for c, r in FX.items()
    )
    return connection, book(connection)
