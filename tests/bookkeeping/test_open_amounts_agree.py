"""What is open of an invoice is asked in three places: the payments' open items (matching a
statement line), the refunds' open amount (is a payment an overpayment?) and the period
report's open-item list (OPOS, the debtor's balance in the journal). They must tell the same,
also after the invoice was booked again because Billbee changed it: its credit notes were
posted against the entry that the change reversed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookkeeping.reports.period import open_items_at
from payments.selectors import open_items
from payments.services.refunds import open_amount, refund_credit_note
from tests.bookkeeping.helpers import booking, import_and_book, item
from tests.connector.test_import import doc, insert, insert_credit, patch

pytestmark = pytest.mark.django_db


def _open_everywhere(shop, billbee_id: int) -> tuple[Decimal, Decimal, Decimal]:
    document = doc(billbee_id)
    [payments_item] = open_items(shop, documents=[document.pk])
    ledger = {row.document_id: row.open for row in open_items_at(shop, date(2030, 12, 31))}
    return payments_item.amount, ledger[document.pk], open_amount(booking(billbee_id).entry)


@pytest.fixture
def invoice_with_credit_note(account, shop) -> tuple[int, int]:
    """An invoice of 25.00 and a credit note of 10.00 for it, both booked."""
    invoice_id = insert(account)
    note_id = insert_credit(
        account,
        invoice_id,
        ShippingCost=0,
        TotalCost="-10.00",
        OrderItems=[item("-10.00", 1, "-1.60")],
    )
    import_and_book(shop)
    assert (booking(invoice_id).status, booking(note_id).status) == ("booked", "booked")
    return invoice_id, note_id


def test_the_three_open_amounts_agree_for_an_invoice_with_a_credit_note(
    shop, invoice_with_credit_note
):
    invoice_id, _ = invoice_with_credit_note

    assert _open_everywhere(shop, invoice_id) == (Decimal("15.00"),) * 3


def test_a_credit_note_still_reduces_its_invoice_after_the_invoice_is_booked_again(
    account, shop, invoice_with_credit_note
):
    invoice_id, note_id = invoice_with_credit_note
    first = booking(invoice_id).entry

    patch(account, invoice_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)
    import_and_book(shop)

    replacement = booking(invoice_id).entry
    assert replacement != first and booking(note_id).entry.credit_for == first  # posted before
    # 35.00 now, less the credit note's 10.00: what a customer still owes.
    assert _open_everywhere(shop, invoice_id) == (Decimal("25.00"),) * 3


def test_a_refund_pays_the_credit_note_of_an_invoice_booked_again(
    account, shop, invoice_with_credit_note
):
    invoice_id, note_id = invoice_with_credit_note
    patch(account, invoice_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)
    import_and_book(shop)

    assert refund_credit_note(booking(invoice_id).entry, Decimal("10.00")) == (
        booking(note_id).entry
    )
