"""Reads for the admin and the command line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from billbee import jsonutil
from billbee.enums import order_state_label

from .models import Connection, ExternalOrder

CENT = Decimal("0.01")


def external_orders_find(key: str, connection: Connection | None = None) -> QuerySet[ExternalOrder]:
    """Documents whose Billbee id, order number, shop id or invoice number is ``key``."""
    key = key.strip()
    query = Q(order_number=key) | Q(invoice_number=key) | Q(external_id=key)
    if key.isdigit():
        query |= Q(billbee_order_id=int(key))
    documents = ExternalOrder.objects.filter(query).select_related(
        "connection", "channel", "rule", "parent"
    )
    if connection is not None:
        documents = documents.filter(connection=connection)
    return documents.order_by("connection__name", "billbee_order_id")


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _amount(value: Any) -> str | None:
    """Money in cents when that is exact (4.9000 → 4.90), else every digit Billbee sent."""
    if value is None:
        return None
    cents = value.quantize(CENT)
    return format(cents if cents == value else value, "f")


def external_order_explanation(
    document: ExternalOrder, *, with_raw: bool = False
) -> dict[str, Any]:
    """Everything about one document and its decision, as plain data."""
    versions = list(document.versions.order_by("-number"))
    credit_notes = list(
        document.credit_notes.values_list("invoice_number", "order_number", "status")
    )
    data: dict[str, Any] = {
        "connection": document.connection.name,
        "billbee_order_id": document.billbee_order_id,
        "kind": document.kind,
        "order_number": document.order_number,
        "invoice_number": document.invoice_number,
        "status": document.status,
        "reason": document.reason,
        "reason_code": document.reason_code,
        "flag": document.flag or None,
        "rule": str(document.rule) if document.rule else None,
        "trace": document.trace,
        "billbee_state": document.billbee_state,
        "billbee_state_name": order_state_label(document.billbee_state),
        "billbee_url": document.billbee_url,
        "billbee_modified_at": _date(document.billbee_modified_at),
        "origin": document.origin,
        "channel": str(document.channel) if document.channel else None,
        "payment_method": document.payment_method,
        "payment_method_name": document.payment_method_name,
        "currency": document.currency,
        "order_date": _date(document.order_date),
        "invoice_date": _date(document.invoice_date),
        "document_date": _date(document.document_date),
        "service_date": _date(document.service_date),
        "ship_from_country": document.ship_from_country,
        "destination_country": document.destination_country,
        "vat_mode": document.vat_mode,
        "customer_vat_id": document.customer_vat_id or None,
        "totals": {
            "lines_rounded": _amount(document.lines_total),
            "shipping": _amount(document.shipping_cost),
            "adjustment": _amount(document.adjustment_cost),
            "total_cost": _amount(document.total_gross),
            "rounding_difference": _amount(document.rounding_difference),
        },
        "original": (
            {
                "billbee_order_id": document.parent.billbee_order_id,
                "invoice_number": document.parent.invoice_number,
                "status": document.parent.status,
            }
            if document.parent
            else (
                {"billbee_order_id": document.parent_billbee_id, "status": "not in the log"}
                if document.parent_billbee_id
                else None
            )
        ),
        "credit_notes": [
            {"invoice_number": i, "order_number": o, "status": s} for i, o, s in credit_notes
        ],
        "first_seen_at": _date(document.first_seen_at),
        "last_seen_at": _date(document.last_seen_at),
        "decided_at": _date(document.decided_at),
        "versions": [
            {
                "number": v.number,
                "seen_at": _date(v.seen_at),
                "billbee_modified_at": _date(v.billbee_modified_at),
                "status": v.status,
                "changed_fields": v.changed_fields,
                "run": v.run_id,
            }
            for v in versions
        ],
    }
    if with_raw and versions:
        data["raw"] = jsonutil.loads(versions[0].raw_text)
    return data
