"""``explain_order ORDER_NUMBER|BILLBEE_ID [--json]``: why a document was imported, skipped,
excluded, rejected or is waiting, with every check in order, the rule that decided, the
derived values (origin, dates, ship-from, totals and rounding) and the version history.

A document that is not in the upload log yet is fetched from Billbee and decided without
writing anything: "this is what an import would do now".
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from billbee import jsonutil
from billbee.errors import BillbeeError, BillbeeNotFound
from connector import classify
from connector.cli import OperatorCommand, input_error
from connector.errors import ConnectorError
from connector.models import Connection
from connector.selectors import (
    external_order_explanation,
    external_orders_find,
    order_explanation_live,
)
from connector.services.connections import (
    connection_client,
    connection_default,
    connection_get,
    explain,
)


class Command(OperatorCommand):
    help = "Explain what happened to a Billbee document and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="order number, invoice number or Billbee order id")
        parser.add_argument("--connection", help="limit to this connection")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--raw", action="store_true", help="include the raw JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection = connection_get(options["connection"]) if options["connection"] else None
        except ConnectorError as exc:
            raise input_error(str(exc)) from None
        documents = list(external_orders_find(options["key"], connection))
        if documents:
            explanations = [
                external_order_explanation(d, with_raw=options["raw"]) for d in documents
            ]
        else:
            explanations = [self._live(options["key"], connection)]
        if options["json"]:
            payload = explanations[0] if len(explanations) == 1 else explanations
            self.stdout.write(jsonutil.dumps(payload, indent=2))
            return
        for explanation in explanations:
            self._print(explanation)

    def _live(self, key: str, connection: Connection | None) -> dict[str, Any]:
        try:
            connection = connection or connection_default()
            client = connection_client(connection)
        except ConnectorError as exc:
            raise CommandError(f"{key!r} is not in the upload log. {exc}") from None
        try:
            order = None
            if key.isdigit():
                try:
                    order = client.get_order(int(key))
                except BillbeeNotFound:
                    order = None
            order = order or client.find_order_by_external_ref(key)
        except BillbeeError as exc:
            raise CommandError(
                f"{key!r} is not in the upload log, and Billbee could not be "
                f"asked: {explain(exc, connection)}"
            ) from None
        finally:
            client.close()
        if order is None:
            raise CommandError(
                f"{key!r} is neither in the upload log nor in Billbee ({connection.name})."
            )
        return order_explanation_live(order, connection)

    def _print(self, e: dict[str, Any]) -> None:
        out = self.stdout.write
        title = (
            f"{e['kind'].replace('_', ' ').capitalize()} "
            f"{e.get('invoice_number') or e.get('order_number') or e['billbee_order_id']}"
        )
        out(
            self.style.MIGRATE_HEADING(
                f"{title} — Billbee order {e['billbee_order_id']}, order number "
                f"{e.get('order_number') or '—'} ({e['connection']})"
            )
        )
        if e.get("not_in_log"):
            out(self.style.WARNING(f"  {e['not_in_log']}"))
        style = self.style.SUCCESS if e["status"] in classify.ACCEPTED else self.style.WARNING
        out(style(f"  {e['status'].upper()}: {e['reason']}"))
        if e.get("flag"):
            out(self.style.ERROR(f"  flag: {e['flag'].replace('_', ' ')}"))
        out(
            f"  Billbee state {e['billbee_state']}"
            + (
                f" · last modified {e['billbee_modified_at']}"
                if e.get("billbee_modified_at")
                else ""
            )
            + f" · {e.get('billbee_url') or ''}"
        )
        out(
            f"  origin {e['origin']}"
            + (
                f" · payment {e['payment_method']} {e['payment_method_name']} · {e['currency']}"
                if "payment_method" in e
                else ""
            )
        )
        if "totals" in e:
            t = e["totals"]
            out(
                f"  dates: order {e['order_date']}, invoice {e['invoice_date']}, service "
                f"{e['service_date']} · ship-from {e['ship_from_country']} → "
                f"{e['destination_country'] or '?'} · VatMode {e['vat_mode']}"
            )
            out(
                f"  totals: rounded lines {t['lines_rounded']} + shipping {t['shipping']} + "
                f"adjustment {t['adjustment']} vs TotalCost {t['total_cost']}: rounding "
                f"difference {t['rounding_difference']}"
            )
        out("  decision:")
        for number, step in enumerate(e["trace"], start=1):
            out(f"    {number}. {step}")
        if e.get("original"):
            o = e["original"]
            out(f"  original: {o.get('invoice_number') or o['billbee_order_id']} ({o['status']})")
        for credit in e.get("credit_notes") or []:
            out(
                f"  credit note: {credit['invoice_number'] or credit['order_number']} "
                f"({credit['status']})"
            )
        self._print_booking(e.get("booking"))
        for version in e.get("versions") or []:
            changed = ", ".join(version["changed_fields"]) or "first version"
            out(
                f"  version {version['number']}: seen {version['seen_at']} (run "
                f"{version['run']}), {version['status']} — {changed}"
            )
        if e.get("raw") is not None:
            out(json.dumps(e["raw"], default=str, ensure_ascii=False, indent=2))

    def _print_booking(self, booking: dict[str, Any] | None) -> None:
        out = self.stdout.write
        if not booking:
            out("  bookkeeping: not booked")
            return
        if booking.get("status"):
            out(
                f"  bookkeeping: {booking['status'].upper()}: {booking['reason']}"
                + (f" · {booking['case_label']}" if booking.get("case_label") else "")
                + (f" · debtor {booking['debtor']}" if booking.get("debtor") else "")
            )
            for number, step in enumerate(booking.get("trace") or [], start=1):
                out(f"    {number}. {step}")
            for warning in booking.get("warnings") or []:
                out(self.style.WARNING(f"    ! {warning}"))
        for entry in booking["entries"]:
            out(
                f"  journal entry #{entry['id']} {entry['kind']} {entry['number']} "
                f"{entry['document_date']} ({'exported' if entry['exported'] else 'not exported'})"
                + (f" — {entry['note']}" if entry["note"] else "")
            )
            for line in entry["lines"]:
                rate = f" {line['rate']} %" if line["rate"] is not None else ""
                out(
                    f"      {line['side']} {line['account']:>5} {line['amount']:>12}  "
                    f"{line['role']}{rate}"
                )
