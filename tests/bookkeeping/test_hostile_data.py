"""Hostile data in bookkeeping: every document accounted for, with a reason a person
understands (duplicate invoice numbers, implausible dates, quantities and currencies, and
documents that failed with an internal error)."""

from __future__ import annotations

from datetime import date

import pytest

from bookkeeping.errors import ExportIncomplete
from bookkeeping.models import ExportBatch, JournalEntry
from bookkeeping.reports.documents import held_documents
from bookkeeping.services import booking_steps
from bookkeeping.services.export import datev_export
from bookkeeping.worklist import work_queue
from connector.models import ExternalOrder
from tests.bookkeeping.helpers import booking, import_and_book
from tests.connector.test_import import insert

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

    with pytest.raises(ExportIncomplete) as refused:
        datev_export(shop, *NOVEMBER)
    assert "RE-2026-4714" in str(refused.value)
    assert "internal error" in str(refused.value)
    assert not ExportBatch.objects.exists()
    assert JournalEntry.objects.count() == 1
