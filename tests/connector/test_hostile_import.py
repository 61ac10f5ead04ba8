"""Hostile orders at the import: values no document can hold are refused with a sentence a
person understands, the same on SQLite and PostgreSQL, and no upload-log page breaks."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from connector.models import ExternalOrder
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, make_connection, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Admin pages are rendered."""


@pytest.fixture
def account(make_sandbox):
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


@pytest.fixture
def shop(account):
    return make_connection(account, import_start_date=NOVEMBER)


def _assert_sentence(reason: str) -> None:
    assert reason and reason[0].isalpha(), reason
    assert "Error(" not in reason and "DataError" not in reason, reason
    assert "\x00" not in reason and len(reason) < 1000, reason


def _admin_pages_answer(client, pks: list[int]) -> None:
    listing = client.get(reverse("admin:connector_externalorder_changelist"))
    assert listing.status_code == 200
    for pk in pks:
        page = client.get(reverse("admin:connector_externalorder_change", args=[pk]))
        assert page.status_code == 200, pk


def test_a_total_of_1e30_is_refused_with_a_reason_and_no_page_breaks(account, shop, admin_client):
    as_text = insert(account, TotalCost="1E+30")
    as_number = insert(account, TotalCost=1e30)  # a JSON number: read as Decimal
    in_a_line = insert(account, OrderItems=[{"BillbeeId": 1, "Quantity": 1, "TotalPrice": "1E+30"}])
    fine = insert(account)

    result = run(shop)

    assert result.state == "succeeded"
    for billbee_id, field in (
        (as_text, "TotalCost"),
        (as_number, "TotalCost"),
        (in_a_line, "TotalPrice"),
    ):
        document = doc(billbee_id)
        assert (document.status, document.reason_code) == ("rejected", "unparseable")
        assert f"cannot be read: {field} is 1" in document.reason
        assert "beyond any amount a document can hold" in document.reason
        assert document.total_gross is None
        _assert_sentence(document.reason)
    assert doc(fine).status == "imported"
    _admin_pages_answer(admin_client, list(ExternalOrder.objects.values_list("pk", flat=True)))


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"OrderNumber": "A" * 100_000}, "The order number is 100000 characters long"),
        (
            {"Seller": {"Platform": "Shopware", "BillbeeShopName": "S" * 5000, "BillbeeShopId": 7}},
            "The shop name is 5000 characters long",
        ),
        ({"OrderNumber": "SW-\x00-1"}, "The order number contains a NUL character"),
        (
            {"Seller": {"Platform": "Shop\x00ware", "BillbeeShopName": "X", "BillbeeShopId": 8}},
            "The platform contains a NUL character",
        ),
        ({"InvoiceNumberPrefix": "RE-" + "9" * 300}, "The invoice number is 308 characters long"),
    ],
)
def test_strings_no_column_can_hold_are_refused_with_a_sentence(
    account, shop, admin_client, fields, words
):
    billbee_id = insert(account, **fields)
    fine = insert(account)

    result = run(shop)

    document = doc(billbee_id)
    assert (document.status, document.reason_code) == ("rejected", "unstorable_value")
    assert document.reason.startswith(words)
    assert "Billbee" in document.reason  # what to do: correct it there
    _assert_sentence(document.reason)
    assert result.as_dict()["internal_errors"] == 0
    assert doc(fine).status == "imported"
    assert len(document.order_number) <= 200 and "\x00" not in document.order_number
    _admin_pages_answer(admin_client, [document.pk])


def test_an_internal_error_of_the_import_is_stored_as_a_sentence(account, shop, monkeypatch):
    from django.db.utils import DataError

    from connector.services import documents

    broken = insert(account)
    store = documents.store_decision

    def failing(ctx, order, *args, **kwargs):
        if order.billbee_order_id == broken:
            raise DataError("value too long for type character varying(200)")
        return store(ctx, order, *args, **kwargs)

    monkeypatch.setattr(documents, "store_decision", failing)
    run(shop)

    document = doc(broken)
    assert (document.status, document.reason_code) == ("rejected", "internal_error")
    _assert_sentence(document.reason)
    assert "internal error" in document.reason
    assert (
        document.trace[0]
        == "internal error: DataError: value too long for type character varying(200)"
    )


def test_a_row_stored_before_with_an_amount_out_of_range_breaks_no_page(
    account, shop, admin_client
):
    """Rows written before amounts were range-checked may hold 1E+30 (SQLite kept it)."""
    from django.db import connection as db

    bad = insert(account)
    insert(account)
    run(shop)
    table = db.ops.quote_name(ExternalOrder._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET total_gross = %s, lines_total = %s WHERE billbee_order_id = %s",  # noqa: S608
            [
                # SQLite keeps four-place amounts as integers of 1/10,000: 1E+34 reads 1E+30.
                "1E+34" if db.vendor == "sqlite" else "99999999999999.9999",
                "1E+32" if db.vendor == "sqlite" else "0",
                bad,
            ],
        )

    pks = list(ExternalOrder.objects.order_by("pk").values_list("pk", flat=True))
    _admin_pages_answer(admin_client, pks)
    page = admin_client.get(reverse("admin:connector_externalorder_change", args=[pks[0]]))
    if db.vendor == "sqlite":
        assert "1000000000000000000000000000000" in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"VatMode": 2**40}, "The VAT mode is 1099511627776"),
        ({"State": -(2**40)}, "The order state is -1099511627776"),
        ({"PaymentMethod": 2**31}, "The payment method is 2147483648"),
        (
            {"BillBeeParentOrderId": 2**70},
            "The original order's Billbee id is 1180591620717411303424",
        ),
    ],
)
def test_numbers_no_column_can_hold_are_refused_with_a_sentence(account, shop, fields, words):
    billbee_id = insert(account, **fields)
    fine = insert(account)

    result = run(shop)

    document = doc(billbee_id)
    assert (document.status, document.reason_code) == ("rejected", "unstorable_value")
    assert document.reason.startswith(words)
    _assert_sentence(document.reason)
    assert result.as_dict()["internal_errors"] == 0
    assert doc(fine).status == "imported"


def test_a_billbee_id_beyond_64_bits_is_counted_and_the_run_goes_on(account, shop):
    fine = insert(account)  # first: the sandbox numbers new orders after the highest id
    insert(account, BillBeeOrderId=2**70)

    result = run(shop)

    assert result.as_dict()["rejected"]["record without a usable BillBeeOrderId"] >= 1
    assert result.as_dict()["internal_errors"] == 0
    assert doc(fine).status == "imported"
