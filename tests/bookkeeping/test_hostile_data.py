"""Hostile data in bookkeeping: every document accounted for, with a reason a person
understands (duplicate invoice numbers, implausible dates, quantities and currencies, and
documents that failed with an internal error)."""

from __future__ import annotations

from datetime import date

import pytest

from bookkeeping.errors import ExportIncomplete
from bookkeeping.models import ExportBatch, JournalEntry
from bookkeeping.reports import period_report, render_html
from bookkeeping.reports.documents import held_documents, not_accepted_groups
from bookkeeping.services import booking_steps
from bookkeeping.services.export import datev_export
from bookkeeping.worklist import work_queue
from connector.models import ExternalOrder
from tests.bookkeeping.helpers import booking, import_and_book
from tests.connector.test_import import doc, insert, patch

pytestmark = pytest.mark.django_db

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def test_a_document_that_fails_with_an_internal_error_is_visible_and_stops_the_export(
    account, shop, monkeypatch
):
    fine = insert(account)
    broken = insert(account, InvoiceNumber=4714)
    decide = booking_steps.booking_decide

    def failing(ctx, document, order, source_hash, original):
        if document.billbee_order_id == broken:
            raise ZeroDivisionError("division by zero")
        return decide(ctx, document, order, source_hash, original)

    monkeypatch.setattr(booking_steps, "booking_decide", failing)
    result = import_and_book(shop)

    assert result.internal_errors == 1
    assert booking(fine).status == "booked"
    held = booking(broken)
    assert (held.status, held.reason_code) == ("rejected", "internal_error")
    assert "division" not in held.reason and "internal error" in held.reason
    assert held.trace[0] == "internal error: ZeroDivisionError: division by zero"

    [group] = [g for g in work_queue(shop).rejected if g.code == "internal_error"]
    assert group.count == 1 and group.documents[0].number == "RE-2026-4714"
    assert work_queue(shop).rejected[0].code == "internal_error"

    month = ExternalOrder.objects.filter(connection=shop, document_date__range=NOVEMBER)
    groups, listed, count = held_documents(month)
    assert count == 1 and listed[0].billbee_id == broken
    assert "internal error" in listed[0].reason
    assert groups[0].reason_code == "internal_error"
    html = render_html(period_report(shop, 2026, 11))
    assert "could not be booked because of an internal error" in html
    assert "RE-2026-4714" in html

    with pytest.raises(ExportIncomplete) as refused:
        datev_export(shop, *NOVEMBER)
    assert "RE-2026-4714" in str(refused.value)
    assert "internal error" in str(refused.value)
    assert not ExportBatch.objects.exists()
    assert JournalEntry.objects.count() == 1


# ---------------------------------------------------------------- duplicate invoice numbers


def test_two_orders_with_one_invoice_number_are_both_held_naming_each_other(account, shop):
    first = insert(account, InvoiceNumber=4800)
    second = insert(account, InvoiceNumber=4800)
    fine = insert(account, InvoiceNumber=4801)

    import_and_book(shop)

    assert booking(fine).status == "booked"
    for held, other in ((first, second), (second, first)):
        found = booking(held)
        assert (found.status, found.reason_code) == ("waiting", "duplicate_invoice_number")
        assert found.reason.startswith("duplicate invoice number RE-2026-4800:")
        assert doc(other).order_number in found.reason and str(other) in found.reason
        assert "GoBD" in found.reason
    assert JournalEntry.objects.filter(number="RE-2026-4800").count() == 0
    [group] = [g for g in work_queue(shop).waiting if g.code == "duplicate_invoice_number"]
    assert group.count == 2


def test_an_order_reusing_a_booked_invoice_number_is_held_and_the_booked_one_stays(account, shop):
    original = insert(account, InvoiceNumber=4900)
    import_and_book(shop)
    entry = booking(original).entry
    reuse = insert(account, InvoiceNumber=4900, TotalCost=30, ShippingCost=10)
    patch(account, reuse, SellerComment="read by the next run")

    import_and_book(shop)
    patch(account, original, ShippedAt="2026-11-13T09:00:00")
    import_and_book(shop)  # the booked one changes: it is still the one booked

    held = booking(reuse)
    assert (held.status, held.reason_code) == ("waiting", "duplicate_invoice_number")
    assert f"order {doc(original).order_number} (Billbee id {original}) carries it too" in (
        held.reason
    )
    assert "already booked" in held.reason
    assert booking(original).status == "booked"
    assert JournalEntry.objects.filter(number="RE-2026-4900", reversed_by__isnull=True).count() == 1
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_a_duplicate_corrected_in_billbee_is_booked_by_the_next_run(account, shop):
    first = insert(account, InvoiceNumber=5000)
    second = insert(account, InvoiceNumber=5000)
    import_and_book(shop)
    patch(account, second, InvoiceNumber=5001)

    import_and_book(shop)

    assert booking(first).status == "booked"
    assert booking(second).status == "booked"
    assert booking(second).entry.number == "RE-2026-5001"


def test_invoice_numbers_are_compared_in_their_printed_form(account, shop):
    plain = insert(account, InvoiceNumber=5100)
    other_series = insert(account, InvoiceNumber=5100, InvoiceNumberPrefix="AR-2026-")
    with_postfix = insert(account, InvoiceNumber=5100, InvoiceNumberPostfix="-B")

    import_and_book(shop)

    assert {booking(b).status for b in (plain, other_series, with_postfix)} == {"booked"}


# ---------------------------------------------------------------- implausible values


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        (
            {"InvoiceDate": "0001-01-01T00:00:00"},
            "implausible_invoice_date",
            "Billbee sent the invoice date 0001-01-01",
        ),
        ({"InvoiceDate": "2099-11-10T11:00:00"}, "implausible_invoice_date", "10.11.2099"),
        ({"InvoiceDate": "9999-12-31T00:00:00"}, "implausible_invoice_date", "31.12.9999"),
        (
            {"OrderItems": [{"BillbeeId": 1, "Quantity": 0, "TotalPrice": 20, "TaxIndex": 1}]},
            "implausible_quantity",
            "the quantity 0",
        ),
        (
            {
                "OrderItems": [
                    {"BillbeeId": 1, "Quantity": 2, "TotalPrice": 30, "TaxIndex": 1},
                    {"BillbeeId": 2, "Quantity": -1, "TotalPrice": -10, "TaxIndex": 1},
                ]
            },
            "implausible_quantity",
            "the quantity -1",
        ),
        ({"Currency": None}, "no_currency", "Billbee sent no currency"),
        ({"OrderItems": []}, "no_order_items", "the invoice of 25 has no lines"),
        ({"Currency": "Euro"}, "unknown_currency", "'Euro'"),
    ],
)
def test_implausible_documents_are_held_with_a_reason(account, shop, fields, code, words):
    held = insert(account, **fields)
    fine = insert(account)

    import_and_book(shop)

    found = booking(held)
    assert (found.status, found.reason_code) == ("waiting", code)
    assert words in found.reason
    assert "Billbee" in found.reason
    assert booking(fine).status == "booked"
    assert not JournalEntry.objects.filter(billbee_order_id=held).exists()


def test_a_lowercase_currency_is_read_as_the_code_with_a_note(account, shop):
    lowercase = insert(account, Currency=" eur")

    import_and_book(shop)

    found = booking(lowercase)
    assert found.status == "booked"
    assert found.entry.currency == "EUR"
    assert "currency ' eur' read as EUR" in found.trace


# ---------------------------------------------------------------- failures of the import


def test_a_document_the_import_could_not_store_is_in_the_queue_and_stops_its_months_export(
    account, shop, monkeypatch
):
    from connector.services import documents

    insert(account)
    broken = insert(account, InvoiceNumber=5200)
    unreadable = insert(account, InvoiceNumber=5201, TotalCost="zwölf")
    store = documents.store_decision

    def failing(ctx, order, *args, **kwargs):
        if order.billbee_order_id == broken:
            raise RuntimeError("bug")
        return store(ctx, order, *args, **kwargs)

    monkeypatch.setattr(documents, "store_decision", failing)
    import_and_book(shop)

    assert doc(broken).document_date == date(2026, 11, 10)  # read from the order as sent
    assert doc(unreadable).document_date == date(2026, 11, 10)
    queue = work_queue(shop)
    assert [g.code for g in queue.unread] == ["internal_error", "unparseable"]
    assert queue.unread[0].documents[0].billbee_order_id == broken
    assert queue.total == 2

    month = ExternalOrder.objects.filter(connection=shop, document_date__range=NOVEMBER)
    assert {g.reason_code for g in not_accepted_groups(month)} == {"internal_error", "unparseable"}

    with pytest.raises(ExportIncomplete) as refused:
        datev_export(shop, *NOVEMBER)
    [open_month] = refused.value.months
    assert open_month.total == 2
    assert "could not be processed because of an internal error" in str(refused.value)
    assert "TotalCost" in str(refused.value)
    html = render_html(period_report(shop, 2026, 11))
    # The report names the group, not one document's reason.
    assert "could not be processed (internal error)" in html


def test_the_work_queue_page_shows_internal_errors_and_unread_documents(
    account, shop, monkeypatch, admin_client, static_root
):
    from django.urls import reverse

    insert(account, InvoiceNumber=5300, TotalCost="zwölf")
    duplicate = [insert(account, InvoiceNumber=5301) for _ in range(2)]
    import_and_book(shop)

    page = admin_client.get(reverse("bookkeeping_work_queue"), {"connection": shop.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-code="unparseable"' in html and "zwölf" in html
    assert 'data-code="duplicate_invoice_number"' in html
    assert "duplicate invoice number (2)" in html
    assert all(str(d) in html for d in duplicate)
