"""What bookkeeping reads from a Billbee order: plain functions over the parsed order.

The document's lines for the VAT treatment (goods, discount lines, vouchers, shipping and
surcharges), its dates by the connection's setting, and its booking text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from billbee.dto import Order, OrderItem
from connector.classify import local_date

from .vat import Line, VatInput

ZERO = Decimal(0)


@dataclass(frozen=True)
class VatContext:
    """Everything besides the lines that the VAT treatment depends on. A credit note is
    treated with its original's context, so that it mirrors the original's treatment."""

    vat_mode: int | None
    ship_from: str
    destination: str | None
    destination_zip: str | None
    customer_vat_id: str | None
    service_date: date


@dataclass(frozen=True)
class VatSettings:
    home_country: str
    sender_country: str
    oss_since: date | None
    small_business: bool
    origin_vat_ids: Mapping[str, str]


def service_date(order: Order, tz: ZoneInfo) -> date | None:
    """Leistungsdatum: ShippedAt, else InvoiceDate (bookkeeping.md §5)."""
    return local_date(order.shipped_at or order.invoice_date, tz)


def vat_context(order: Order, tz: ZoneInfo, sender_country: str) -> VatContext | None:
    """None when the document has no date of supply (neither shipped nor invoiced)."""
    day = service_date(order, tz) or local_date(order.created_at, tz)
    if day is None:
        return None
    address = order.shipping_address or order.invoice_address
    return VatContext(
        vat_mode=order.vat_mode,
        ship_from=(order.delivery_source_country_code or sender_country).upper()[:2],
        destination=order.destination_country,
        destination_zip=(address.zip if address else None),
        customer_vat_id=order.buyer_vat_id,
        service_date=day,
    )


def _line_kind(item: OrderItem) -> str:
    if item.is_coupon:
        return "coupon"
    product = item.product
    if product is None or (not product.sku and not product.billbee_id and not product.id):
        # Discount lines carry no article (billbee-api.md §3.2: null SKU on discount lines).
        return "discount"
    return "goods"


def _billbee_rate(order: Order, tax_index: int | None) -> Decimal | None:
    if tax_index == 1:
        return order.tax_rate1
    if tax_index == 2:
        return order.tax_rate2
    if tax_index == 0:
        return ZERO
    return None


def vat_lines(order: Order) -> tuple[Line, ...]:
    lines = [
        Line(
            kind=_line_kind(item),
            gross=item.total_price,
            tax_index=0 if item.is_coupon else item.tax_index,
            billbee_rate=_billbee_rate(order, item.tax_index),
            billbee_tax=item.tax_amount,
        )
        for item in order.items
    ]
    if order.shipping_cost:
        lines.append(Line("shipping", order.shipping_cost, None))
    if order.adjustment_cost:
        lines.append(Line("adjustment", order.adjustment_cost, None))
    return tuple(lines)


def vat_input(order: Order, context: VatContext, settings: VatSettings) -> VatInput:
    return VatInput(
        vat_mode=context.vat_mode,
        home_country=settings.home_country,
        ship_from=context.ship_from,
        destination=context.destination,
        destination_zip=context.destination_zip,
        customer_vat_id=context.customer_vat_id,
        service_date=context.service_date,
        oss_since=settings.oss_since,
        small_business=settings.small_business,
        lines=vat_lines(order),
        origin_vat_ids=settings.origin_vat_ids,
    )


def document_date(order: Order, basis: str, tz: ZoneInfo) -> tuple[date | None, str]:
    """The booking date by the connection's setting, or None and what is missing (sevDesk's
    "This order has no payment date")."""
    if basis == "payment":
        paid = order.paid_at or max(
            (p.pay_date for p in order.payments if p.pay_date), default=None
        )
        return local_date(paid, tz), "this order has no payment date"
    if basis == "order":
        return local_date(order.created_at, tz), "this order has no order date"
    return local_date(order.invoice_date, tz), "this order has no invoice date"


def booking_text(kind_word: str, order: Order) -> str:
    """Buchungstext (≤ 60): what and where, e.g. "Rechnung 10045 Shopify Möbel Verkauf 24"."""
    parts = [kind_word, order.order_number or str(order.billbee_order_id)]
    channel = " ".join(p for p in (order.platform, order.shop_name) if p) or "manuell"
    return " ".join([*parts, channel])[:60]
