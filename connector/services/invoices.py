"""Invoices asked of Billbee (``POST /orders/CreateInvoice/{id}``), stored and never lost.

Billbee answers CreateInvoice once per order every 5 minutes (billbee-api.md §2.2). Every
answer is stored on the order's ``InvoiceRequest``: the invoice number and date as soon as
Billbee gives them, the PDF when it arrives intact. An answer that cannot be used — a
``PDFData`` that is not valid base64, a throttle, a server error, a timeout — is stored with
its reason and asked for again after the 5-minute limit (``invoice_requests_retry``, run by
the schedule and by ``create_invoice --retry``). Errors a person must fix (order cancelled,
credentials) end the request as failed with the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from billbee.client import BillbeeClient
from billbee.errors import BillbeeError, BillbeeThrottled

from ..models import Connection, InvoiceRequest
from .connections import connection_client, explain

logger = logging.getLogger("connector.invoices")

# Billbee's limit for CreateInvoice: once per order (and API key) every 5 minutes.
BILLBEE_LIMIT = timedelta(minutes=5)
PENDING = InvoiceRequest.State.PENDING
DONE = InvoiceRequest.State.DONE
FAILED = InvoiceRequest.State.FAILED


def invoice_request(
    connection: Connection,
    billbee_order_id: int,
    *,
    client: BillbeeClient | None = None,
    now: datetime | None = None,
) -> InvoiceRequest:
    """Ask Billbee for the invoice of one order (with its PDF) unless it is received or its
    next attempt is not due yet; returns the stored request."""
    now = now or timezone.now()
    request, _ = InvoiceRequest.objects.get_or_create(
        connection=connection, billbee_order_id=billbee_order_id
    )
    if request.state == DONE or (request.next_attempt_at and request.next_attempt_at > now):
        return request
    return _ask(connection, request, client, now)


def invoice_requests_retry(
    connection: Connection, *, client: BillbeeClient | None = None, now: datetime | None = None
) -> list[InvoiceRequest]:
    """Ask again for every invoice whose next attempt is due."""
    now = now or timezone.now()
    due = list(
        InvoiceRequest.objects.filter(
            connection=connection, state=PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
    )
    if not due:
        return []
    own = client is None
    client = client or connection_client(connection)
    try:
        return [_ask(connection, request, client, now) for request in due]
    finally:
        if own:
            client.close()


def _ask(
    connection: Connection,
    request: InvoiceRequest,
    client: BillbeeClient | None,
    now: datetime,
) -> InvoiceRequest:
    own = client is None
    client = client or connection_client(connection)
    request.attempts += 1
    try:
        document = client.create_invoice(request.billbee_order_id, include_pdf=True)
    except BillbeeError as exc:
        _failed_attempt(connection, request, exc, now)
    else:
        request.invoice_number = (document.invoice_number or request.invoice_number)[:200]
        request.invoice_date = document.invoice_date or request.invoice_date
        request.pdf_download_url = (document.pdf_download_url or "")[:500]
        if document.pdf_error:
            _retry_later(
                request,
                now,
                f"Billbee's answer for order {request.billbee_order_id} carried a PDF that "
                f"cannot be read: {document.pdf_error}.",
            )
        else:
            request.pdf = document.pdf
            request.state, request.error, request.next_attempt_at = DONE, "", None
    finally:
        if own:
            client.close()
    request.save()
    return request


def _failed_attempt(
    connection: Connection, request: InvoiceRequest, exc: BillbeeError, now: datetime
) -> None:
    what = explain(exc, connection, "/orders/CreateInvoice")
    if isinstance(exc, BillbeeThrottled):
        wait = max(BILLBEE_LIMIT, timedelta(seconds=exc.retry_after))
        _retry_later(request, now, f"Billbee did not answer yet: {what}.", wait)
    elif exc.retryable:
        _retry_later(request, now, f"Billbee could not be asked: {what}.")
    else:
        request.state, request.next_attempt_at = FAILED, None
        request.error = f"Billbee refused the invoice of order {request.billbee_order_id}: {what}"
    logger.warning("invoice of order %s: %s", request.billbee_order_id, request.error)


def _retry_later(
    request: InvoiceRequest, now: datetime, why: str, wait: timedelta = BILLBEE_LIMIT
) -> None:
    request.state = PENDING
    request.next_attempt_at = now + wait
    local = timezone.localtime(request.next_attempt_at)
    request.error = (
        f"{why} The invoice is asked for again after Billbee's 5-minute limit, "
        f"from {local:%d.%m.%Y %H:%M}."
    )
