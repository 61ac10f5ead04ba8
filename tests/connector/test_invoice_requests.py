"""Invoices asked of Billbee: an answer whose PDF is not valid base64 is stored with its
reason and asked for again after Billbee's 5-minute limit, never lost."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connector.models import InvoiceRequest
from connector.services.invoices import invoice_request, invoice_requests_retry

from .test_import import make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def invoiced_order(sandbox) -> int:
    header = next(
        h
        for h in sandbox.state.dataset.headers
        if h.invoice_no is not None and h.custom is None and h.state in (3, 4, 7)
    )
    return header.order_id


def create_invoice_calls(sandbox) -> int:
    return sandbox.stats()["by_endpoint"].get("POST /orders/CreateInvoice/{id}", 0)


def test_the_sandbox_can_answer_createinvoice_with_a_pdf_that_is_not_base64(sandbox):
    order_id = invoiced_order(sandbox)
    sandbox.configure(fail_next=["bad_pdf"])
    document = sandbox.client().request(
        "POST", f"/orders/CreateInvoice/{order_id}", params={"includeInvoicePdf": "true"}
    )
    with pytest.raises(binascii.Error):
        base64.b64decode(document.data["PDFData"], validate=True)
    assert document.data["InvoiceNumber"]


def test_a_pdf_that_is_not_base64_is_stored_with_its_reason_and_asked_for_again(sandbox):
    connection = make_connection(sandbox)
    order_id = invoiced_order(sandbox)
    sandbox.configure(fail_next=["bad_pdf"])
    first = timezone.now()

    request = invoice_request(connection, order_id, now=first)

    assert request.state == "pending" and request.pdf is None
    assert request.invoice_number.startswith("RE-")
    assert "carried a PDF that cannot be read: PDFData is not valid base64" in request.error
    assert "asked for again after Billbee's 5-minute limit" in request.error
    assert request.next_attempt_at == first + timedelta(minutes=5)

    # Within Billbee's limit nothing is asked, neither for the order nor by the retry.
    assert invoice_request(connection, order_id, now=first + timedelta(minutes=4)).attempts == 1
    assert invoice_requests_retry(connection, now=first + timedelta(minutes=4)) == []
    assert create_invoice_calls(sandbox) == 1

    [again] = invoice_requests_retry(connection, now=first + timedelta(minutes=5))

    assert (again.state, again.error, again.attempts) == ("done", "", 2)
    assert bytes(again.pdf).startswith(b"%PDF-")
    assert InvoiceRequest.objects.get().invoice_number == request.invoice_number
    assert create_invoice_calls(sandbox) == 2


def test_create_invoice_reports_a_request_that_waits_and_exits_1(sandbox, tmp_path, capsys):
    make_connection(sandbox)
    order_id = invoiced_order(sandbox)
    sandbox.configure(fail_next=["bad_pdf"])

    with pytest.raises(SystemExit) as exit_info:
        call_command("create_invoice", "shop", str(order_id), "--pdf", str(tmp_path))

    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert f"order {order_id}: to be asked again, invoice RE-" in out
    assert "not valid base64" in out
    assert not list(tmp_path.iterdir())


def test_the_schedule_asks_again_once_billbee_s_limit_has_passed(
    sandbox, eager, django_capture_on_commit_callbacks
):
    from connector.services.scheduling import schedule_tick

    connection = make_connection(sandbox, schedule_enabled=False)
    order_id = invoiced_order(sandbox)
    sandbox.configure(fail_next=["bad_pdf"])
    first = timezone.now()
    invoice_request(connection, order_id, now=first)

    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick(now=first + timedelta(minutes=1))
    assert InvoiceRequest.objects.get().state == "pending"

    InvoiceRequest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick(now=timezone.now())

    request = InvoiceRequest.objects.get()
    assert (request.state, request.attempts) == ("done", 2)
    assert bytes(request.pdf).startswith(b"%PDF-")
