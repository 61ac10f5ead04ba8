"""What bookkeeping reads from a Billbee order: plain functions over the parsed order.

The document's lines for the VAT treatment (goods, discount lines, coupons, shipping and
surcharges), its dates by the connection's setting, and its booking text.

A Billbee coupon line (``IsCoupon``) is one of three things, and each is booked differently
(§ 3 (13)–(15) UStG): a discount code reduces the price (revenue and VAT at the goods' rates),
a multi-purpose voucher is a means of payment (no VAT), a single-purpose voucher was taxed
when it was sold, so its redemption carries no VAT again. The connection's coupon rules say
which a line is (a text in its title or SKU); without a matching rule a coupon on which
Billbee charged VAT is a discount code, one without VAT a multi-purpose voucher.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from billbee.dto import Order, OrderItem
from connector.classify import local_date
from connector.texts import Text

from .vat import Line, VatInput
from .vat.model import COUPON, DISCOUNT_CODE, VOUCHER

ZERO = Decimal(0)
# Coupon kinds as the settings name them → line kinds of the VAT treatment.
COUPON_LINE_KINDS = {
    "discount_code": DISCOUNT_CODE,
    "single_purpose": VOUCHER,
    "multi_purpose": COUPON,
}
AUTO = "auto"


@dataclass(frozen=True)
class CouponRule:
    """A coupon line whose title or SKU contains ``text`` (any case) is of ``kind``."""

    text: str
    kind: str  # discount_code | single_purpose | multi_purpose

    def matches(self, item: OrderItem) -> bool:
        product = item.product
        wanted = self.text.casefold()
        haystack = (
            (product.title or "") if product else "",
            (product.sku or "") if product else "",
            item.invoice_sku or "",
        )
        return bool(wanted) and any(wanted in value.casefold() for value in haystack)


@dataclass(frozen=True)
class CouponPolicy:
    """How the connection tells its coupon kinds apart (bookkeeping settings)."""

    default: str = AUTO  # auto | discount_code | single_purpose | multi_purpose
    rules: tuple[CouponRule, ...] = ()

    def kind_of(self, item: OrderItem) -> tuple[str, str]:
        """(line kind, why) of a coupon line."""
        for rule in self.rules:
            if rule.matches(item):
                return COUPON_LINE_KINDS[rule.kind], Text("coupon rule '{text}'", text=rule.text)
        if self.default != AUTO:
            return COUPON_LINE_KINDS[self.default], Text("the connection's coupon setting")
        if item.tax_amount or item.tax_index in (1, 2):
            return DISCOUNT_CODE, Text("Billbee charged VAT on it: a price reduction")
        return COUPON, Text("no VAT on it: a means of payment")


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
    coupons: CouponPolicy = CouponPolicy()


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


def _line_kind(item: OrderItem, coupons: CouponPolicy) -> str:
    if item.is_coupon:
        return coupons.kind_of(item)[0]
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


def vat_lines(order: Order, coupons: CouponPolicy | None = None) -> tuple[Line, ...]:
    coupons = coupons or CouponPolicy()
    lines = []
    for item in order.items:
        kind = _line_kind(item, coupons)
        follows = kind in (DISCOUNT_CODE, VOUCHER)  # taxed at the goods' rates
        lines.append(
            Line(
                kind=kind,
                gross=item.total_price,
                tax_index=None if follows else 0 if item.is_coupon else item.tax_index,
                billbee_rate=None if follows else _billbee_rate(order, item.tax_index),
                billbee_tax=item.tax_amount,
            )
        )
    if order.shipping_cost:
        lines.append(Line("shipping", order.shipping_cost, None))
    if order.adjustment_cost:
        lines.append(Line("adjustment", order.adjustment_cost, None))
    return tuple(lines)


def vat_input(
    order: Order, context: VatContext, settings: VatSettings, *, hold_differences: bool = True
) -> VatInput:
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
        lines=vat_lines(order, settings.coupons),
        origin_vat_ids=settings.origin_vat_ids,
        hold_differences=hold_differences,
    )


def document_date(order: Order, basis: str, tz: ZoneInfo) -> tuple[date | None, str]:
    """The booking date by the connection's setting, or None and what is missing (sevDesk's
    "This order has no payment date")."""
    if basis == "payment":
        paid = order.paid_at or max(
            (p.pay_date for p in order.payments if p.pay_date), default=None
        )
        return local_date(paid, tz), Text("this order has no payment date")
    if basis == "order":
        return local_date(order.created_at, tz), Text("this order has no order date")
    return local_date(order.invoice_date, tz), Text("this order has no invoice date")


def coupon_notes(order: Order, coupons: CouponPolicy) -> list[str]:
    """Why each coupon line of ``order`` is the kind it is (for the booking's trace)."""
    notes: list[str] = []
    for item in order.items:
        if item.is_coupon:
            kind, why = coupons.kind_of(item)
            title = item.product.title if item.product and item.product.title else Text("coupon")
            price = item.total_price
            if kind == DISCOUNT_CODE:
                note = Text(
                    "{title} {price}: discount code ({why})", title=title, price=price, why=why
                )
            elif kind == VOUCHER:
                note = Text(
                    "{title} {price}: single-purpose voucher ({why})",
                    title=title,
                    price=price,
                    why=why,
                )
            else:
                note = Text(
                    "{title} {price}: multi-purpose voucher ({why})",
                    title=title,
                    price=price,
                    why=why,
                )
            notes.append(note)
    return notes


def booking_text(kind_word: str, order: Order) -> str:
    """Buchungstext (≤ 60): what and where, e.g. "Rechnung 10045 Shopify Möbel Verkauf 24"."""
    parts = [kind_word, order.order_number or str(order.billbee_order_id)]
    channel = " ".join(p for p in (order.platform, order.shop_name) if p) or "manuell"
    return " ".join([*parts, channel])[:60]
