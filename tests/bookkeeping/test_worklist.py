"""The work queue: what a person must do so that the books are complete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from bookkeeping.worklist import work_queue
from tests.bookkeeping.helpers import MANUAL, booking, import_and_book, item
from tests.connector.test_import import credit_json, insert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """The console page is rendered."""


def test_an_invoice_cancelled_after_invoicing_waits_in_the_queue_until_its_credit_note_is_booked(
    account, shop
):
    """Without a credit note the cancelled invoice stays booked and is listed; its credit note,
    once booked against it, cancels it out and takes it off the queue."""
    cancelled = insert(account, State=8)
    import_and_book(shop)

    assert booking(cancelled).status == "booked"
    [item_] = work_queue(shop).cancellations
    number = booking(cancelled).document.invoice_number
    assert (item_.number, item_.amount) == (number, Decimal("25.00"))
    assert item_.reason == "cancelled after invoicing: needs a credit note"

    original = account.control("GET", f"orders/{cancelled}")
    # Stamped now: the next import reads it.
    note = account.control("POST", "orders", credit_json(original, LastModifiedAt=None))[
        "BillBeeOrderId"
    ]
    import_and_book(shop)

    assert booking(note).entry.credit_for == booking(cancelled).entry
    assert work_queue(shop).cancellations == []


def test_a_partial_credit_note_leaves_the_rest_in_the_queue(account, shop):
    cancelled = insert(account, State=8)
    original = account.control("GET", f"orders/{cancelled}")
    account.control(
        "POST",
        "orders",
        credit_json(original, TotalCost=-20, ShippingCost=0, OrderItems=[item("-20.00")]),
    )
    import_and_book(shop)

    [item_] = work_queue(shop).cancellations
    assert item_.amount == Decimal("5.00")
    assert "booked credit notes cover 20.00 of 25.00" in item_.reason


def test_waiting_and_rejected_documents_are_grouped_by_what_to_do(account, shop):
    insert(account, Seller=MANUAL, InvoiceNumber=4800)
    margin = insert(account, InvoiceNumber=4801, VatMode=4)  # margin scheme: book by hand
    import_and_book(shop)

    queue = work_queue(shop)

    [waiting] = queue.waiting
    assert (waiting.code, waiting.title, waiting.count) == (
        "no_debtor",
        "no debtor account assigned",
        1,
    )
    [rejected] = queue.rejected
    assert (rejected.code, rejected.count) == ("margin_scheme", 1)
    assert rejected.documents[0].number == booking(margin).document.invoice_number
    assert queue.total == 2


def test_the_work_queue_page_lists_every_item_and_needs_the_view_permission(
    admin_client, client, django_user_model, account, shop
):
    cancelled = insert(account, State=8)
    insert(account, Seller=MANUAL, InvoiceNumber=4800)
    import_and_book(shop)
    url = reverse("bookkeeping_work_queue")

    page = admin_client.get(url, {"connection": shop.pk}).content.decode()

    assert 'id="cancellations"' in page
    assert booking(cancelled).document.invoice_number in page
    document = booking(cancelled).document_id
    assert reverse("admin:connector_externalorder_change", args=[document]) in page
    assert "no debtor account assigned (1)" in page
    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
