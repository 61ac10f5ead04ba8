"""Billbee's invoice register on the upload log: the number printed on the invoice is the
document's number (GoBD), and its VAT flags are kept for bookkeeping's cross-check."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import BERLIN

from .test_import import doc, insert, make_connection, patch, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def account(make_sandbox):
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


def printed(sandbox, billbee_id: int, number: str, **fields) -> dict:
    """Billbee's register prints ``number`` on the invoice of ``billbee_id``."""
    return sandbox.control(
        "POST", f"orders/{billbee_id}/register", {"InvoiceNumber": number, **fields}
    )


def test_the_register_s_number_is_the_document_s_number(account):
    connection = make_connection(account)
    billbee_id = insert(account)
    order = account.control("GET", f"orders/{billbee_id}")
    ours = f"RE-2026-{order['InvoiceNumber']}"
    theirs = f"RE-2026-{order['InvoiceNumber']:07d}"
    printed(account, billbee_id, theirs)

    run(connection)

    document = doc(billbee_id)
    assert (document.invoice_number, document.register_invoice_number) == (theirs, theirs)
    assert document.register_read_at is not None
    assert document.register_vat_flags["SrcCountryIsEqualToDstCountry"] is True
    assert any(
        f"invoice number {theirs} as Billbee's invoice register prints it" in line and ours in line
        for line in document.trace
    )


def test_a_change_of_the_order_keeps_the_register_s_number(account):
    connection = make_connection(account)
    billbee_id = insert(account)
    theirs = "RE-2026/000042"
    printed(account, billbee_id, theirs)
    run(connection)

    patch(account, billbee_id, ShippedAt="2026-11-13T09:00:00")
    run(connection)

    assert doc(billbee_id).invoice_number == theirs
    assert doc(billbee_id).version_count == 2


def test_an_order_the_register_does_not_list_keeps_its_own_number(account):
    connection = make_connection(account)
    billbee_id = insert(account)

    run(connection)

    document = doc(billbee_id)
    assert document.invoice_number.startswith("RE-2026-")
    assert document.register_invoice_number == ""


def test_the_sandbox_prints_a_share_of_register_numbers_in_another_format(make_sandbox):
    sandbox = make_sandbox(orders=200, register_number_share=1.0)
    register = sandbox.raw_get("/orders/invoices?pageSize=250")["Data"]
    assert register
    for entry in register:
        order = sandbox.control("GET", f"orders/{entry['BillbeeId']}")
        number = order["InvoiceNumber"]
        prefix, postfix = order["InvoiceNumberPrefix"] or "", order["InvoiceNumberPostfix"] or ""
        assert entry["InvoiceNumber"] == f"{prefix}{number:06d}{postfix}"

    sandbox.configure(register_number_share=0)
    again = sandbox.raw_get("/orders/invoices?pageSize=250")["Data"]
    order = sandbox.control("GET", f"orders/{again[0]['BillbeeId']}")
    assert again[0]["InvoiceNumber"] == f"{order['InvoiceNumberPrefix']}{order['InvoiceNumber']}"


def test_the_register_s_form_leaves_the_order_as_it_is(account):
    billbee_id = insert(account)
    before = account.control("GET", f"orders/{billbee_id}")
    printed(account, billbee_id, "X-1")
    assert account.control("GET", f"orders/{billbee_id}") == before
