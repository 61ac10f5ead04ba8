"""Order fields the upload log keeps: payment data for matching, the seller VAT ID, the
customer type, and IsCancelationFor as the link of a cancellation to its order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from connector.selectors import external_order_explanation
from tests.conftest import BERLIN

from .test_import import doc, insert, make_connection, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def account(make_sandbox):
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


PAYMENT = {
    "BillbeeId": 771,
    "TransactionId": "3TX81234AB567890C",
    "PayDate": "2026-11-10T10:05:00",
    "PaymentType": 3,
    "SourceTechnology": "PayPal",
    "SourceText": "PayPal Checkout",
    "PayValue": "25.0000",
    "Purpose": "SW-4711",
    "Name": "Erika Muster",
}


def test_payment_reference_transaction_id_and_payments_are_kept(account):
    connection = make_connection(account)
    billbee_id = insert(
        account,
        PaymentReference="RE-2026-4711 Erika Muster",
        PaymentTransactionId="3TX81234AB567890C",
        Payments=[PAYMENT],
        MerchantVatId="DE136695976",
        Customer={"Id": 12, "Type": 1, "VatId": None},
    )

    run(connection)

    document = doc(billbee_id)
    assert document.payment_reference == "RE-2026-4711 Erika Muster"
    assert document.payment_transaction_id == "3TX81234AB567890C"
    [payment] = document.payments
    assert payment["transaction_id"] == "3TX81234AB567890C"
    assert Decimal(payment["pay_value"]) == Decimal("25.00")
    assert payment["payment_type"] == 3 and payment["purpose"] == "SW-4711"
    assert payment["pay_date"].startswith("2026-11-10T09:05:00")  # 10:05 Berlin in UTC
    detail = external_order_explanation(document)
    assert (detail["merchant_vat_id"], detail["customer_type"]) == ("DE136695976", 1)
    assert detail["payments"] == document.payments


def test_is_cancelation_for_links_a_cancellation_to_its_order(account):
    connection = make_connection(account)
    original = insert(account, Id="gid://shopify/Order/5501", OrderNumber="#5501")
    cancellation = insert(
        account,
        Id="gid://shopify/Order/5502",
        OrderNumber="#5502",
        IsCancelationFor="gid://shopify/Order/5501",
        InvoiceNumberPrefix="GS-2026-",
        ShippingCost=-5,
        TotalCost=-25,
        OrderItems=[{"BillbeeId": 99501, "Quantity": -1, "TotalPrice": -20, "TaxIndex": 1}],
    )

    run(connection)

    credit = doc(cancellation)
    assert credit.kind == "credit_note" and credit.status == "imported"
    assert external_order_explanation(credit)["cancelation_for"] == "gid://shopify/Order/5501"
    assert credit.parent_id == doc(original).pk
    assert credit.parent_billbee_id == original
