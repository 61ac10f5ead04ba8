"""``billbee orders|order|states|payment-types|invoices|products|customers|set-state|…``

The Billbee API from the shell, for operators and scripts. Output is JSON on stdout: lists are
written as one JSON array streamed page by page (constant memory), or as one object per line
with ``--jsonl``. Orders, invoices, products and customers are printed exactly as Billbee sent
them (decimals digit for digit). Errors go to stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser

from billbee import jsonutil
from billbee.client import BillbeeClient
from billbee.errors import BillbeeError, BillbeeNotFound
from connector.cli import OperatorCommand, int_between
from connector.errors import ConnectorError
from connector.services.connections import (
    connection_client,
    connection_default,
    connection_get,
    explain,
)


def _page_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 1 <= size <= 250:
        raise argparse.ArgumentTypeError("must be 1..250 (Billbee pages hold at most 250 records)")
    return size


def _datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date/time") from None


class Command(OperatorCommand):
    help = "Call the Billbee API of a connection and print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="connection name (default: the only one)")
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)

        orders = sub.add_parser("orders", help="list orders (GET /orders)")
        orders.add_argument("--modified-since", type=_datetime, help="modifiedAtMin (exclusive)")
        orders.add_argument("--modified-until", type=_datetime, help="modifiedAtMax (inclusive)")
        orders.add_argument("--min-order-date", type=_datetime)
        orders.add_argument("--max-order-date", type=_datetime)
        orders.add_argument("--state", type=int, action="append", help="repeatable")
        orders.add_argument("--shop-id", type=int, action="append", help="repeatable")
        orders.add_argument("--tag", action="append")
        orders.add_argument("--min-id", type=int_between(1), help="minimumBillBeeOrderId")
        self._list_options(orders)

        order = sub.add_parser("order", help="one order by Billbee id or shop order number")
        order.add_argument("id_or_number")

        sub.add_parser("states", help="order states (GET /enums/orderstates)")
        sub.add_parser("payment-types", help="payment types (GET /enums/paymenttypes)")
        sub.add_parser("carriers", help="shipping carriers (GET /enums/shippingcarriers)")
        sub.add_parser("shops", help="shop accounts (GET /shopaccounts)")

        invoices = sub.add_parser("invoices", help="invoice register incl. credit notes")
        invoices.add_argument("--from", dest="min_date", type=_datetime)
        invoices.add_argument("--to", dest="max_date", type=_datetime)
        invoices.add_argument("--no-positions", action="store_true")
        self._list_options(invoices)

        for name in ("products", "customers"):
            self._list_options(sub.add_parser(name, help=f"list {name}"))

        set_state = sub.add_parser("set-state", help="change an order's state")
        set_state.add_argument("order_id", type=int)
        set_state.add_argument("state", type=int)
        set_state.add_argument(
            "--if-state",
            type=int,
            action="append",
            help="only if the order is currently in this state "
            "(repeatable); otherwise nothing is changed",
        )

        stock = sub.add_parser("update-stock", help="set the absolute stock of a product")
        stock.add_argument("--sku")
        stock.add_argument("--billbee-id", type=int)
        stock.add_argument("--quantity", required=True)
        stock.add_argument("--stock-id", type=int)
        stock.add_argument("--reason")

        tags = sub.add_parser("add-tags", help="add tags to an order")
        tags.add_argument("order_id", type=int)
        tags.add_argument("tags", nargs="+")

        invoice = sub.add_parser("create-invoice", help="create (or fetch) an order's invoice")
        invoice.add_argument("order_id", type=int)
        invoice.add_argument("--pdf", help="write the PDF to this path")

    @staticmethod
    def _list_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--limit", type=int_between(1), help="stop after this many records")
        parser.add_argument("--page-size", type=_page_size, default=250)
        parser.add_argument("--jsonl", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = (
                connection_get(options["connection"])
                if options["connection"]
                else connection_default()
            )
            client = connection_client(connection)
        except ConnectorError as exc:
            raise CommandError(str(exc)) from None
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(client, options)
        except BillbeeError as exc:
            raise CommandError(explain(exc, connection)) from None
        finally:
            client.close()

    # ------------------------------------------------------------------ output

    def _emit(self, value: Any) -> None:
        self.stdout.write(jsonutil.dumps(value, indent=2))

    def _emit_stream(self, records: Iterator[Any], options: dict[str, Any]) -> None:
        out = self.stdout
        if options.get("jsonl"):
            for record in records:
                out.write(jsonutil.dumps(record))
            return
        out.write("[", ending="")
        first = True
        for record in records:
            out.write(("\n  " if first else ",\n  ") + jsonutil.dumps(record), ending="")
            first = False
        out.write("\n]" if not first else "]")

    @staticmethod
    def _raw_records(pages: Iterator[Any]) -> Iterator[Any]:
        for page in pages:
            for item in page.items:
                yield getattr(item, "raw", item)
            for failure in page.failures:
                sys.stderr.write(f"unparseable record kept as sent: {failure.error}\n")
                yield failure.raw

    # ------------------------------------------------------------------ actions

    def do_orders(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        pages = client.iter_orders(
            modified_at_min=o["modified_since"],
            modified_at_max=o["modified_until"],
            min_order_date=o["min_order_date"],
            max_order_date=o["max_order_date"],
            states=o["state"],
            shop_ids=o["shop_id"],
            tags=o["tag"],
            minimum_billbee_order_id=o["min_id"],
            page_size=o["page_size"],
            limit=o["limit"],
        )
        self._emit_stream(self._raw_records(pages), o)

    def do_order(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        key = o["id_or_number"]
        order = None
        if key.isdigit():
            try:
                order = client.get_order(int(key))
            except BillbeeNotFound:
                order = None
        if order is None:
            order = client.find_order_by_external_ref(key)
        if order is None:
            raise CommandError(f"No order with the number {key!r} in Billbee.")
        self._emit(order.raw)

    def do_states(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        self._emit([{"Id": i.id, "Name": i.name} for i in client.order_states()])

    def do_payment_types(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        self._emit([{"Id": i.id, "Name": i.name} for i in client.payment_types()])

    def do_carriers(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        self._emit([{"Id": i.id, "Name": i.name} for i in client.shipping_carriers()])

    def do_shops(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        self._emit(
            [
                {
                    "Id": s.id,
                    "AccountType": s.account_type,
                    "Name": s.name,
                    "LastSyncDate": s.last_sync_date,
                    "LastSyncState": s.last_sync_state,
                }
                for page in client.iter_shop_accounts()
                for s in page.items
            ]
        )

    def do_invoices(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        pages = client.iter_invoices(
            min_invoice_date=o["min_date"],
            max_invoice_date=o["max_date"],
            include_positions=not o["no_positions"],
            page_size=o["page_size"],
            limit=o["limit"],
        )
        self._emit_stream(self._raw_records(pages), o)

    def do_products(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        pages = client.iter_products(page_size=o["page_size"], limit=o["limit"])
        self._emit_stream(self._raw_records(pages), o)

    def do_customers(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        pages = client.iter_customers(page_size=o["page_size"], limit=o["limit"])
        self._emit_stream(self._raw_records(pages), o)

    def do_set_state(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        order_id, new_state = o["order_id"], o["state"]
        before = None
        if o["if_state"]:
            before = client.get_order(order_id).state
            if before not in o["if_state"]:
                self._emit(
                    {
                        "BillBeeOrderId": order_id,
                        "changed": False,
                        "State": before,
                        "reason": f"order is in state {before}, not in {o['if_state']}",
                    }
                )
                return
        client.update_order_state(order_id, new_state)
        self._emit(
            {
                "BillBeeOrderId": order_id,
                "changed": True,
                "PreviousState": before,
                "State": new_state,
            }
        )

    def do_update_stock(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        if not o["sku"] and o["billbee_id"] is None:
            raise CommandError("update-stock needs --sku or --billbee-id")
        from decimal import Decimal, InvalidOperation

        try:
            quantity = Decimal(o["quantity"])
        except InvalidOperation:
            quantity = Decimal("NaN")
        if not quantity.is_finite():
            raise CommandError(f"--quantity {o['quantity']!r} is not a number")
        result = client.update_stock(
            new_quantity=quantity,
            sku=o["sku"],
            billbee_id=o["billbee_id"],
            stock_id=o["stock_id"],
            reason=o["reason"],
        )
        self._emit(
            {
                "SKU": result.sku,
                "OldStock": result.old_stock,
                "CurrentStock": result.current_stock,
                "Message": result.message,
            }
        )

    def do_add_tags(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        client.add_order_tags(o["order_id"], o["tags"])
        self._emit({"BillBeeOrderId": o["order_id"], "added": o["tags"]})

    def do_create_invoice(self, client: BillbeeClient, o: dict[str, Any]) -> None:
        document = client.create_invoice(o["order_id"], include_pdf=bool(o["pdf"]))
        if o["pdf"] and document.pdf:
            with open(o["pdf"], "wb") as handle:
                handle.write(document.pdf)
        self._emit(
            {
                "OrderNumber": document.order_number,
                "InvoiceNumber": document.invoice_number,
                "InvoiceDate": document.invoice_date,
                "TotalGross": document.total_gross,
                "TotalNet": document.total_net,
                "PdfWritten": o["pdf"] if o["pdf"] and document.pdf else None,
                "PdfDownloadUrl": document.pdf_download_url,
                "PdfError": document.pdf_error,
            }
        )
