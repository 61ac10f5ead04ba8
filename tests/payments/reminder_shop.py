"""An invoice shop in the sandbox for the reminder tests: unpaid invoice orders with an
e-mail address, a language and a tracking number, and a group with reminders on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bookkeeping.models import DebtorMapping
from connector.models import Connection
from payments.models import PaymentGroup
from tests.bookkeeping.helpers import ORIGIN
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, insert, make_connection

# The sandbox's orders are invoiced on 10.11.2026: level 1 (14 days) is due on 24.11.
LEVEL_1 = date(2026, 11, 24)
LEVEL_2 = date(2026, 12, 8)
TRACKING = "00340434161094042557"


def make_shop(make_sandbox: Any) -> tuple[Any, Connection]:
    sandbox = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(sandbox, import_start_date=NOVEMBER)
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    return sandbox, connection


def unpaid_invoice(sandbox, email="katrin@example.com", language="de", **fields) -> int:
    """An invoice order (payment on invoice, 26) of 25.00 EUR, confirmed and not paid."""
    address = {
        "CountryISO2": "DE",
        "FirstName": "Katrin",
        "LastName": "Krüger",
        "Street": "Lindenstraße",
        "HouseNumber": "5",
        "Zip": "10115",
        "City": "Berlin",
        "Email": email,
    }
    values = {
        "PaymentMethod": 26,
        "State": 2,
        "PayedAt": None,
        "InvoiceAddress": address,
        "LanguageCode": language,
        "ShippingIds": [{"ShippingId": TRACKING, "Shipper": "DHL", "ShipmentType": 0}],
    }
    values.update(fields)
    return insert(sandbox, **values)


def reminders_on(connection, **fields) -> PaymentGroup:
    values = {
        "connection": connection,
        "kind": PaymentGroup.Kind.INVOICE,
        "payment_methods": [26],
        "open_states": [1, 2, 15, 11, 12],
        "reminders_enabled": True,
        "reminder_days": [14, 28, 42],
        "reminder_signature": "Holzwerk Sandbox GmbH",
    }
    values.update(fields)
    return PaymentGroup.objects.create(**values)
