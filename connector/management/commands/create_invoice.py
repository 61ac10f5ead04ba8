"""``create_invoice NAME ORDER_ID… [--retry] [--pdf DIR]``: have Billbee write invoices, keep them.

Asks Billbee for the invoice (with its PDF) of each order through connection NAME and stores
the answer (admin → Invoice requests). An answer that cannot be used — a PDF that is not
valid base64, a throttle, a server error — is stored with its reason and asked for again
after Billbee's 5-minute limit (by the schedule, or ``--retry``). ``--retry`` asks again for
every due request of the connection. ``--pdf DIR`` writes each received PDF to
``DIR/<order id>.pdf``. Exit code 1 when any request did not end with its PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from connector.cli import OperatorCommand
from connector.errors import ConnectorError
from connector.models import InvoiceRequest
from connector.services.connections import connection_get
from connector.services.invoices import invoice_request, invoice_requests_retry


class Command(OperatorCommand):
    help = "Have Billbee create invoices (POST /orders/CreateInvoice) and store them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the connection")
        parser.add_argument("order_ids", nargs="*", type=int, metavar="ORDER_ID")
        parser.add_argument("--retry", action="store_true", help="ask again where due")
        parser.add_argument("--pdf", type=Path, help="directory to write the PDFs to")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["order_ids"] and not options["retry"]:
            raise CommandError("name at least one Billbee order id, or use --retry")
        try:
            connection = connection_get(options["name"])
            requests = [invoice_request(connection, i) for i in options["order_ids"]]
            if options["retry"]:
                requests += invoice_requests_retry(connection)
        except ConnectorError as exc:
            raise CommandError(str(exc)) from None
        incomplete = 0
        for request in requests:
            self.stdout.write(self._line(request, options["pdf"]))
            incomplete += request.state != InvoiceRequest.State.DONE
        if incomplete:
            raise SystemExit(1)

    def _line(self, request: InvoiceRequest, directory: Path | None) -> str:
        head = f"order {request.billbee_order_id}: {request.get_state_display()}"
        if request.invoice_number:
            head += f", invoice {request.invoice_number}"
        if request.state == InvoiceRequest.State.DONE and request.pdf and directory:
            directory.mkdir(parents=True, exist_ok=True)
            target = directory / f"{request.billbee_order_id}.pdf"
            target.write_bytes(bytes(request.pdf))
            head += f", PDF {target}"
        return f"{head}. {request.error}".rstrip() if request.error else head
