"""The Billbee tools: orders, products, customers, invoices, order states, stock.

Every call goes through the connection's ``BillbeeClient`` (its shared rate limiter, its
retries, its error family). Lists return one page and say how to get the next; an order is a
compact summary unless ``full`` asks for the order as Billbee sent it. The two writes (order
state, stock) describe what they would change until they are called with ``confirm``, and
are refused on a read-only server.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from billbee.client import BillbeeClient
from billbee.dto import InvoiceListItem, Order, Page
from billbee.enums import order_state_label
from billbee.errors import BillbeeError, BillbeeNotFound

from .toolbox import AssistantError, Toolbox, logger

# A 250-order page of summaries stays below this many characters of JSON (docs/mcp.md):
# about 500 per order, so that a full page fits an assistant's context.
SUMMARY_PAGE_LIMIT = 128_000


def state(state_id: int | None) -> dict[str, Any]:
    return {"id": state_id, "name": order_state_label(state_id)}


def local_time(value: datetime | None, zone: ZoneInfo) -> str | None:
    """A moment in the merchant's zone to the second: what the console shows, and short."""
    if value is None:
        return None
    return value.astimezone(zone).replace(microsecond=0).isoformat()


def order_summary(order: Order, zone: ZoneInfo) -> dict[str, Any]:
    address = order.invoice_address or order.shipping_address
    shipping = order.shipping_address or order.invoice_address
    customer = order.customer
    seller = order.seller
    return {
        "billbee_id": order.billbee_order_id,
        "number": order.order_number,
        "state": state(order.state),
        "ordered_at": local_time(order.created_at, zone),
        "paid_at": local_time(order.paid_at, zone),
        "shipped_at": local_time(order.shipped_at, zone),
        "shop": {
            "id": seller.billbee_shop_id if seller else None,
            "name": (seller.billbee_shop_name if seller else None) or order.api_account_name,
        },
        "customer": {
            "id": customer.id if customer else None,
            "name": (customer.name if customer else None)
            or (address.display_name if address else None),
            "email": customer.email if customer else None,
        },
        "country": shipping.country_code if shipping else None,
        "total": order.total_cost,
        "currency": order.currency,
        "invoice_number": order.full_invoice_number,
        "items": len(order.items),
        **({"tags": order.tags} if order.tags else {}),
    }


def _page_info(page: Page | None, number: int, shown: int) -> dict[str, Any]:
    total_pages = page.total_pages if page else 0
    return {
        "page": number,
        "total_pages": total_pages,
        "total_rows": page.total_rows if page else 0,
        "returned": shown,
        "next_page": number + 1 if total_pages and number < total_pages else None,
    }


def _one_page(pages: Any) -> Page | None:
    return next(iter(pages), None)


def _within(
    moment: datetime | None,
    low: datetime | None,
    high: datetime | None,
    zone: ZoneInfo,
    *,
    after: bool = False,
) -> bool:
    """Whether ``moment`` lies between the bounds (a bound without a zone is read in the
    merchant's); ``after``: the lower bound is exclusive, as Billbee's modification filter."""
    if low is None and high is None:
        return True
    if moment is None:
        return False

    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=zone)

    moment = aware(moment)
    if low is not None and (moment <= aware(low) if after else moment < aware(low)):
        return False
    return high is None or moment <= aware(high)


def list_orders(
    box: Toolbox,
    *,
    min_order_date: datetime | None = None,
    max_order_date: datetime | None = None,
    modified_since: datetime | None = None,
    modified_until: datetime | None = None,
    state_ids: list[int] | None = None,
    shop_ids: list[int] | None = None,
    tags: list[str] | None = None,
    customer_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
    full: bool = False,
) -> dict[str, Any]:
    with box.billbee() as client:
        if customer_id is not None:
            # Billbee lists a customer's orders on their own (GET /customers/{id}/orders);
            # the other filters are applied to that page.
            result = _one_page(
                client.iter_customer_orders(customer_id, page_size=page_size, start_page=page)
            )
        else:
            result = _one_page(
                client.iter_orders(
                    min_order_date=min_order_date,
                    max_order_date=max_order_date,
                    modified_at_min=modified_since,
                    modified_at_max=modified_until,
                    states=state_ids or None,
                    shop_ids=shop_ids or None,
                    tags=tags or None,
                    page_size=page_size,
                    start_page=page,
                )
            )
    orders: list[Order] = list(result.items) if result else []
    if customer_id is not None:
        zone = box.zone
        orders = [
            o
            for o in orders
            if _within(o.created_at, min_order_date, max_order_date, zone)
            and _within(o.last_modified_at, modified_since, modified_until, zone, after=True)
            and (not state_ids or o.state in state_ids)
            and (not shop_ids or (o.seller is not None and o.seller.billbee_shop_id in shop_ids))
            and (not tags or bool({t.casefold() for t in o.tags} & {t.casefold() for t in tags}))
        ]
    return {
        **_page_info(result, page, len(orders)),
        "unreadable": [str(f.error) for f in result.failures] if result else [],
        "orders": [o.raw if full else order_summary(o, box.zone) for o in orders],
    }


def _find_order(client: BillbeeClient, key: str) -> Order | None:
    key = key.strip()
    if key.isdigit():
        try:
            return client.get_order(int(key))
        except BillbeeNotFound:
            pass
    return client.find_order_by_external_ref(key)


def get_order(box: Toolbox, id_or_number: str, *, full: bool = False) -> dict[str, Any]:
    with box.billbee() as client:
        order = _find_order(client, id_or_number)
    if order is None:
        raise AssistantError(
            f"Billbee has no order with the id or order number {id_or_number!r} "
            f"(connection {box.connection.name})."
        )
    return order.raw if full else order_summary(order, box.zone)


def get_order_states(box: Toolbox) -> dict[str, Any]:
    with box.billbee() as client:
        items = client.order_states()
    return {
        "states": [
            {"id": i.id, "billbee_name": i.name, "name": order_state_label(i.id)} for i in items
        ]
    }


def update_order_state(
    box: Toolbox, order_id: int, new_state_id: int, *, confirm: bool = False
) -> dict[str, Any]:
    box.require_writes("update_order_state")
    with box.billbee() as client:
        before = client.get_order(order_id)
        old, new = state(before.state), state(new_state_id)
        change = {
            "billbee_id": order_id,
            "number": before.order_number,
            "before": old,
            "after": new,
        }
        if before.state == new_state_id:
            return {**change, "changed": False, "message": "the order is already in this state"}
        if not confirm:
            return {
                **change,
                "changed": False,
                "message": f"Would change order {before.order_number or order_id} from "
                f"{old['name']} to {new['name']}. Nothing was changed: "
                "call again with confirm=true to apply it.",
            }
        client.update_order_state(order_id, new_state_id)
        try:
            now: int | None = client.get_order(order_id).state
        except BillbeeError:
            now = None  # written: the read-back is a check, its failure must not hide that
    logger.info(
        "assistant write on %s: order %s state %s -> %s (now %s)",
        box.connection.name,
        order_id,
        before.state,
        new_state_id,
        "not read back" if now is None else now,
    )
    return {**change, "after": state(new_state_id if now is None else now), "changed": True}


def update_stock(
    box: Toolbox,
    new_quantity: str,
    *,
    sku: str | None = None,
    billbee_id: int | None = None,
    stock_id: int | None = None,
    reason: str | None = None,
    confirm: bool = False,
) -> dict[str, Any]:
    box.require_writes("update_stock")
    if not sku and billbee_id is None:
        raise AssistantError("update_stock needs the product's sku or its billbee_id.")
    try:
        quantity = Decimal(str(new_quantity))
    except InvalidOperation:
        quantity = Decimal("NaN")
    if not quantity.is_finite():
        raise AssistantError(f"new_quantity {new_quantity!r} is not a number.")
    product = f"SKU {sku}" if sku else f"Billbee id {billbee_id}"
    with box.billbee() as client:
        try:
            current = _product_summary(
                client.get_product(sku, "sku") if sku else client.get_product(billbee_id or 0)
            )
        except BillbeeNotFound:
            raise AssistantError(f"Billbee has no product with the {product}.") from None
        if not confirm:
            return {
                "product": product,
                "title": current["title"],
                "changed": False,
                "before": current["stock"],
                "after": quantity,
                "message": f"Would set the stock of {product} ({current['title'] or 'no title'})"
                f" from {current['stock']} to {quantity} (absolute, not added)"
                + (f" in stock {stock_id}" if stock_id else "")
                + ". Nothing was changed: call again with confirm=true to apply it.",
            }
        result = client.update_stock(
            new_quantity=quantity,
            sku=sku,
            billbee_id=billbee_id,
            stock_id=stock_id,
            reason=reason or "set by an assistant",
        )
    logger.info(
        "assistant write on %s: stock of %s %s -> %s",
        box.connection.name,
        product,
        result.old_stock,
        result.current_stock,
    )
    return {
        "product": result.sku or product,
        "changed": True,
        "before": result.old_stock,
        "after": result.current_stock,
        "message": result.message,
    }


def _record_page(result: Page | None, page: int, name: str, rows: list[Any]) -> dict[str, Any]:
    return {**_page_info(result, page, len(rows)), name: rows}


def list_products(
    box: Toolbox,
    *,
    min_created_at: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
    full: bool = False,
) -> dict[str, Any]:
    with box.billbee() as client:
        result = _one_page(
            client.iter_products(
                min_created_at=min_created_at, page_size=page_size, start_page=page
            )
        )
    rows = [p if full else _product_summary(p) for p in (result.items if result else [])]
    return _record_page(result, page, "products", rows)


def _product_summary(raw: dict[str, Any]) -> dict[str, Any]:
    titles = raw.get("Title") or []
    title = next((t.get("Text") for t in titles if isinstance(t, dict)), None)
    return {
        "billbee_id": raw.get("Id"),
        "sku": raw.get("SKU"),
        "ean": raw.get("EAN"),
        "title": title,
        "price": raw.get("Price"),
        "stock": raw.get("StockCurrent"),
        "vat_index": raw.get("VatIndex"),
    }


def list_customers(
    box: Toolbox, *, search: str | None = None, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    with box.billbee() as client:
        result = _one_page(client.iter_customers(page_size=page_size, start_page=page))
    rows = [_customer_summary(c) for c in (result.items if result else [])]
    if search:
        needle = search.casefold()
        rows = [
            r
            for r in rows
            if any(needle in str(r[k] or "").casefold() for k in ("name", "email", "number"))
        ]
    return _record_page(result, page, "customers", rows)


def _customer_summary(raw: dict[str, Any]) -> dict[str, Any]:
    mail = raw.get("DefaultMailAddress") or {}
    return {
        "id": raw.get("Id"),
        "number": raw.get("Number"),
        "name": raw.get("Name"),
        "email": raw.get("Email") or (mail.get("Value") if isinstance(mail, dict) else None),
        "type": raw.get("Type"),
        "vat_id": raw.get("VatId"),
    }


def list_invoices(
    box: Toolbox,
    *,
    min_invoice_date: datetime | None = None,
    max_invoice_date: datetime | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    with box.billbee() as client:
        result = _one_page(
            client.iter_invoices(
                min_invoice_date=min_invoice_date,
                max_invoice_date=max_invoice_date,
                include_positions=False,
                page_size=page_size,
                start_page=page,
            )
        )
    rows = [_invoice_summary(i, box.zone) for i in (result.items if result else [])]
    return _record_page(result, page, "invoices", rows)


def _invoice_summary(item: InvoiceListItem, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "billbee_id": item.billbee_id,
        "invoice_number": item.invoice_number,
        "type": item.type,
        "order_number": item.order_number,
        "invoice_date": local_time(item.invoice_date, zone),
        "paid_at": local_time(item.pay_date, zone),
        "net": item.total_net,
        "gross": item.total_gross,
        "currency": item.currency,
        "country": item.shipping_country,
        "customer": item.company
        or " ".join(p for p in (item.first_name, item.last_name) if p)
        or None,
        "shop": item.shop_name,
    }
