"""The sandbox's crafted bad orders (``POST /__sandbox__/hostile``), imported and booked over
real HTTP: every one is accounted for (imported with a reason, or held with a reason), none
is lost or booked twice, and no page of the console breaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billbee.sandbox.hostile import SHAPES
from bookkeeping.models import DocumentBooking, JournalEntry
from connector.models import ExternalOrder
from tests.bookkeeping.helpers import book, generated_books
from tests.connector.test_import import run

pytestmark = pytest.mark.django_db

UNREADABLE = ("unparseable", None)
UNSTORABLE = ("unstorable_value", None)
# shape → (the import's reason code when it rejects the order, else None;
#          bookkeeping's status and reason code when the import accepts it)
EXPECTED = {
    "invoice_date_0001": (None, ("waiting", "implausible_invoice_date")),
    "invoice_date_2099": (None, ("waiting", "implausible_invoice_date")),
    "invoice_date_9999": (None, ("waiting", "implausible_invoice_date")),
    "quantity_zero": (None, ("waiting", "implausible_quantity")),
    "quantity_negative": (None, ("waiting", "implausible_quantity")),
    "currency_null": (None, ("waiting", "no_currency")),
    "currency_lowercase": (None, ("booked", "booked")),
    "currency_word": (None, ("waiting", "unknown_currency")),
    "total_1e30_text": UNREADABLE,
    "line_total_1e30_number": UNREADABLE,
    "amount_not_a_number": UNREADABLE,
    "invoice_number_not_a_number": UNREADABLE,
    "order_items_missing": (None, ("waiting", "no_order_items")),
    "order_items_not_a_list": UNREADABLE,
    "vat_mode_unknown": (None, ("rejected", "unknown_vat_mode")),
    "vat_mode_beyond_32_bits": UNSTORABLE,
    "order_number_100000_chars": UNSTORABLE,
    "shop_name_5000_chars": UNSTORABLE,
    "nul_in_order_number": UNSTORABLE,
    "nul_in_platform": UNSTORABLE,
    "duplicate_invoice_number_a": (None, ("waiting", "duplicate_invoice_number")),
    "duplicate_invoice_number_b": (None, ("waiting", "duplicate_invoice_number")),
    "reused_invoice_number": (None, ("waiting", "duplicate_invoice_number")),
}


def _sentence(reason: str) -> bool:
    return bool(reason) and len(reason) < 1000 and "Error(" not in reason and "\x00" not in reason


def test_every_crafted_bad_order_is_accounted_for_with_a_reason(
    make_sandbox, admin_client, static_root
):
    sandbox = make_sandbox(orders=150)
    connection, _ = generated_books(sandbox)
    entries_before = JournalEntry.objects.count()

    added = sandbox.control("POST", "hostile")["orders"]
    run(connection)
    result = book(connection)

    shapes = {a["shape"]: a["BillBeeOrderId"] for a in added}
    assert set(shapes) == set(EXPECTED) and set(SHAPES) < set(EXPECTED)
    documents = {
        d.billbee_order_id: d
        for d in ExternalOrder.objects.filter(
            connection=connection, billbee_order_id__in=shapes.values()
        )
    }
    assert len(documents) == len(shapes)  # nothing lost
    outcome = {}
    for shape, billbee_id in shapes.items():
        document = documents[billbee_id]
        assert _sentence(document.reason), (shape, document.reason)
        if document.status == "rejected":
            outcome[shape] = (document.reason_code, None)
            continue
        found = DocumentBooking.objects.get(document=document)
        assert _sentence(found.reason), (shape, found.reason)
        outcome[shape] = (None, (found.status, found.reason_code))
    assert outcome == EXPECTED
    assert result.internal_errors == 0
    # Only the lowercase currency was booked; nothing was booked twice.
    assert JournalEntry.objects.count() == entries_before + 1
    numbers = list(
        JournalEntry.objects.filter(reverses__isnull=True, reversed_by__isnull=True).values_list(
            "number", flat=True
        )
    )
    assert len(numbers) == len(set(numbers))

    assert admin_client.get(reverse("admin:connector_externalorder_changelist")).status_code == 200
    for document in documents.values():
        page = admin_client.get(reverse("admin:connector_externalorder_change", args=[document.pk]))
        assert page.status_code == 200, document.billbee_order_id
    queue = admin_client.get(reverse("bookkeeping_work_queue"), {"connection": connection.pk})
    assert queue.status_code == 200
