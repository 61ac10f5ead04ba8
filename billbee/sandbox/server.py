"""The sandbox HTTP server: Billbee's REST API v1 as a client sees it.

Same paths (case-insensitive, under ``/api/v1``), envelope, HTTP Basic + ``X-Billbee-Api-Key``
authentication (401 on anything wrong), throttling (429 + ``Retry-After`` past the per-endpoint
and per-user limits, and the invoice-list, CreateInvoice and single-order limits), paging rules
(1-based pages, pageSize 1–250, 400 with ``ModelState`` otherwise) and filter semantics
(``modifiedAtMin`` exclusive, ``modifiedAtMax`` inclusive, states, shops, tags).

Control endpoints under ``/__sandbox__/`` (no authentication, not throttled, not counted) let
tests and demos read request statistics, change the configuration (faults, limits,
credentials) and change data (churn, patch, insert raw orders). See ``docs/sandbox.md``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .. import jsonutil
from ..enums import ORDER_STATES, PAYMENT_TYPES, SHIPMENT_TYPES, SHIPPING_CARRIERS
from .catalog import NEWER_PAYMENT_TYPES, PRODUCTS, SHOPS
from .generator import KIND_CREDIT, Header
from .hostile import hostile_orders_add
from .pdf import invoice_pdf
from .statements import camt053, paypal_csv, statements_truth
from .store import FAULT_KINDS, SandboxState, parse_faults, parse_latency, to_ms

logger = logging.getLogger("billbee.sandbox")

MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 50


class Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ApiError(Exception):
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.headers = headers or {}


def envelope(
    data: Any,
    paging: dict[str, int] | None = None,
    code: int = 0,
    message: str | None = None,
    description: str = "NoError",
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if paging is not None:
        body["Paging"] = paging
    body.update(
        {"ErrorMessage": message, "ErrorCode": code, "ErrorDescription": description, "Data": data}
    )
    return body


def business_error(code: int, name: str, message: str, status: int = 200) -> ApiError:
    return ApiError(status, envelope(None, code=code, message=message, description=name))


class Query:
    """ASP.NET model binding as far as clients rely on it: case-insensitive names, arrays as
    repeated keys or ``name[0]=``/``name[]=``, lenient dates."""

    def __init__(self, raw: str, state: SandboxState) -> None:
        self.values: dict[str, list[str]] = {}
        for key, values in parse_qs(raw, keep_blank_values=True).items():
            name = re.sub(r"\[\d*\]$", "", key).lower()
            self.values.setdefault(name, []).extend(values)
        self.state = state

    def first(self, name: str) -> str | None:
        values = self.values.get(name.lower())
        return values[0] if values and values[0] != "" else None

    def integer(
        self, name: str, default: int | None = None, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        text = self.first(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise Invalid(name, f"The value '{text}' is not valid for {name}.") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise Invalid(name, f"The field {name} must be between {lo} and {hi}.")
        return value

    def integers(self, name: str) -> set[int] | None:
        values = [v for v in self.values.get(name.lower(), []) if v != ""]
        if not values:
            return None
        try:
            return {int(v) for v in values}
        except ValueError:
            raise Invalid(name, f"The value '{values}' is not valid for {name}.") from None

    def strings(self, name: str) -> set[str] | None:
        values = [v.lower() for v in self.values.get(name.lower(), []) if v != ""]
        return set(values) or None

    def bool(self, name: str) -> bool:
        return (self.first(name) or "false").lower() in ("true", "1")

    def date(self, name: str) -> int | None:
        text = self.first(name)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
        except ValueError:
            raise Invalid(name, f"The value '{text}' is not valid for {name}.") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.state.tz)
        return to_ms(parsed)


class PreEncoded:
    """An answer that is already JSON (pages of cached orders)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def paged_encoded(rows: list[Any], query: Query, encode: Callable[[Any], bytes]) -> PreEncoded:
    """Like ``paged``, with each record already encoded: the page is joined, not re-encoded."""
    page = query.integer("page", 1, lo=1) or 1
    size = query.integer("pageSize", DEFAULT_PAGE_SIZE, lo=1, hi=MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    total = len(rows)
    head = jsonutil.dumps(
        {
            "Paging": {
                "Page": page,
                "TotalPages": math.ceil(total / size),
                "TotalRows": total,
                "PageSize": size,
            },
            "ErrorMessage": None,
            "ErrorCode": 0,
            "ErrorDescription": "NoError",
        }
    ).encode("utf-8")
    records = b",".join(encode(r) for r in rows[(page - 1) * size : page * size])
    return PreEncoded(head[:-1] + b',"Data":[' + records + b"]}")


def paged(rows: list[Any], query: Query, render: Callable[[Any], Any]) -> dict[str, Any]:
    page = query.integer("page", 1, lo=1) or 1
    size = query.integer("pageSize", DEFAULT_PAGE_SIZE, lo=1, hi=MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    total = len(rows)
    chunk = rows[(page - 1) * size : page * size]
    return envelope(
        [render(r) for r in chunk],
        paging={
            "Page": page,
            "TotalPages": math.ceil(total / size),
            "TotalRows": total,
            "PageSize": size,
        },
    )


class Api:
    """One method per Billbee endpoint. Methods run with the state lock held."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @property
    def ds(self) -> Any:
        return self.state.dataset

    def _order(self, order_id: str) -> Header:
        h = self.state.by_id.get(int(order_id))
        if h is None:
            raise ApiError(
                404, envelope(None, code=2, message="Order not found", description="OrderNotFound")
            )
        return h

    def _order_filters(self, q: Query) -> dict[str, Any]:
        f: dict[str, Any] = {}
        for name, key in (
            ("modifiedAtMin", "modified_min"),
            ("modifiedAtMax", "modified_max"),
            ("minOrderDate", "created_min"),
            ("maxOrderDate", "created_max"),
        ):
            value = q.date(name)
            if value is not None:
                f[key] = value
        states = q.integers("orderStateId")
        if states:
            f["states"] = frozenset(states)
        shops = q.integers("shopId")
        if shops:
            f["shops"] = frozenset(shops)
        minimum = q.integer("minimumBillBeeOrderId")
        if minimum is not None:
            f["min_id"] = minimum
        tags = q.strings("tag")
        if tags:
            f["tags"] = frozenset(tags)
            f["exclude_tags"] = q.bool("excludeTags")
        q.integer("articleTitleSource", 0, lo=0, hi=3)
        return f

    def orders_list(self, q: Query, m: dict[str, str], body: Any) -> Any:
        rows = self.state.query_orders(self._order_filters(q))
        return paged_encoded(rows, q, self.state.order_json)

    def order_get(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return envelope(self.ds.render_order(self._order(m["id"])))

    def order_find_extref(self, q: Query, m: dict[str, str], body: Any) -> Any:
        h = self.state.find_ref(unquote(m["ref"]))
        if h is None:
            raise ApiError(
                404, envelope(None, code=2, message="Order not found", description="OrderNotFound")
            )
        return envelope(self.ds.render_order(h))

    def order_state(self, q: Query, m: dict[str, str], body: Any) -> Any:
        h = self._order(m["id"])
        new_state = body.get("NewStateId") if isinstance(body, dict) else None
        if (
            isinstance(new_state, bool)
            or not isinstance(new_state, int)
            or new_state not in ORDER_STATES
        ):
            raise Invalid(
                "model.NewStateId", f"The value '{new_state}' is not valid for NewStateId."
            )
        self.state.set_state(h, new_state)
        return envelope(None)

    def order_tags_add(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return self._tags(m, body, replace=False)

    def order_tags_set(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return self._tags(m, body, replace=True)

    def order_message(self, q: Query, m: dict[str, str], body: Any) -> Any:
        """``POST /orders/{id}/message``: a message on the order (``IsInternal`` ones are
        notes for the merchant's team, not sent to the customer)."""
        h = self._order(m["id"])
        text = body.get("Text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise Invalid("model.Text", "The Text field is required.")
        self.state.add_message(
            h,
            {
                "IsInternal": bool(body.get("IsInternal", False)),
                "SenderName": str(body.get("SenderName") or ""),
                "Text": text,
            },
        )
        return envelope(None)

    def _tags(self, m: dict[str, str], body: Any, replace: bool) -> Any:
        h = self._order(m["id"])
        tags = body.get("Tags") if isinstance(body, dict) else None
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise Invalid("model.Tags", "Tags must be a list of strings.")
        self.state.add_tags(h, tags, replace=replace)
        return envelope(None)

    def invoices_list(self, q: Query, m: dict[str, str], body: Any) -> Any:
        f = self._order_filters(q)
        for name, key in (
            ("minInvoiceDate", "invoice_min"),
            ("maxInvoiceDate", "invoice_max"),
            ("minPayDate", "pay_min"),
            ("maxPayDate", "pay_max"),
        ):
            value = q.date(name)
            if value is not None:
                f[key] = value
        positions = q.bool("includePositions")
        rows = self.state.query_invoices(f)
        return paged(
            rows,
            q,
            lambda h: self.state.register_entry(
                h, self.ds.render_invoice(h, self.ds.render_order(h), positions)
            ),
        )

    def create_invoice(self, q: Query, m: dict[str, str], body: Any) -> Any:
        h = self._order(m["id"])
        if h.state == 8 and h.kind != KIND_CREDIT:
            raise business_error(5, "OrderCanceled", "The order is cancelled")
        if h.state == 6:
            raise business_error(6, "OrderDeleted", "The order is deleted")
        if h.custom is None:
            self.state.create_invoice(h)
        elif not isinstance(h.custom.get("InvoiceNumber"), int):
            # An order inserted through the control API is answered with the invoice it was
            # inserted with (and its PDF); the sandbox does not number such orders itself.
            raise business_error(4, "CantCreateInvoice", "The invoice cannot be created")
        order = self.ds.render_order(h)
        number = (
            f"{order['InvoiceNumberPrefix'] or ''}{order['InvoiceNumber']}"
            f"{order['InvoiceNumberPostfix'] or ''}"
        )
        include_pdf = q.bool("includeInvoicePdf")
        pdf = invoice_pdf(order, number, order["InvoiceDate"]) if include_pdf else None
        invoice = self.ds.render_invoice(h, order, False)
        return envelope(
            {
                "OrderNumber": order["OrderNumber"],
                "InvoiceNumber": number,
                "PDFData": base64.b64encode(pdf).decode("ascii") if pdf else None,
                "InvoiceDate": order["InvoiceDate"],
                "TotalGross": order["TotalCost"],
                "TotalNet": invoice["TotalNet"],
                "PdfDownloadUrl": None
                if pdf
                else f"https://objectstore.billbee.io/sandbox/invoices/{h.order_id}.pdf",
            }
        )

    def enum_order_states(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return [{"Id": k, "Name": v} for k, v in ORDER_STATES.items()]

    def enum_payment_types(self, q: Query, m: dict[str, str], body: Any) -> Any:
        listed = {**PAYMENT_TYPES, **NEWER_PAYMENT_TYPES}
        return [{"Id": k, "Name": v} for k, v in sorted(listed.items())]

    def enum_shipping_carriers(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return [{"Id": k, "Name": v} for k, v in SHIPPING_CARRIERS.items()]

    def enum_shipment_types(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return [{"Id": k, "Name": v} for k, v in SHIPMENT_TYPES.items()]

    def shop_accounts(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return paged(
            list(SHOPS),
            q,
            lambda s: {
                "Id": s.shop_id,
                "AccountType": s.account_type,
                "Name": s.name,
                "LastSyncDate": self.ds.fmt(self.ds.end_ms),
                "LastSyncState": 0,
            },
        )

    def _product_json(self, product: Any) -> dict[str, Any]:
        rate = Decimal(19) if product.vat_index == 1 else Decimal(7)
        return {
            "Id": product.billbee_id,
            "Title": [{"Text": product.title, "LanguageCode": "DE"}],
            "SKU": product.sku,
            "EAN": product.ean,
            "Price": product.gross_price,
            "CostPrice": (product.gross_price / (1 + rate / 100) / 2).quantize(Decimal("0.01")),
            "VatIndex": product.vat_index,
            "StockCurrent": self.state.stock[product.sku],
            "StockDesired": Decimal(20),
            "Weight": product.weight_g,
            "Type": 1,
            "IsDigital": False,
            "Manufacturer": "Holzkunst Manufaktur",
        }

    def products_list(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return paged(list(PRODUCTS), q, self._product_json)

    def product_get(self, q: Query, m: dict[str, str], body: Any) -> Any:
        lookup = (q.first("lookupBy") or "id").lower()
        product = self.state.product_by(unquote(m["id"]), lookup)
        if product is None:
            raise ApiError(
                404, envelope(None, code=11, message="Product not found", description="InvalidData")
            )
        return envelope(self._product_json(product))

    def update_stock(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return envelope(self._stock_change(body))

    def update_stock_multiple(self, q: Query, m: dict[str, str], body: Any) -> Any:
        if not isinstance(body, list):
            raise Invalid("models", "A list of stock changes is required.")
        return envelope([self._stock_change(entry) for entry in body])

    def _stock_change(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Invalid("model", "A stock change object is required.")
        sku, billbee_id = body.get("Sku"), body.get("BillbeeId")
        product = None
        if sku:
            product = self.state.product_by(str(sku), "sku")
        elif billbee_id is not None:
            product = self.state.product_by(str(billbee_id), "id")
        else:
            raise Invalid("model.Sku", "Parameter SKU is empty")
        try:
            quantity = Decimal(str(body.get("NewQuantity")))
        except InvalidOperation:
            quantity = Decimal("NaN")
        if not quantity.is_finite():
            raise Invalid("model.NewQuantity", "NewQuantity must be a number.")
        if product is None:
            raise business_error(11, "InvalidData", f"Product {sku or billbee_id} not found")
        old = self.state.stock[product.sku]
        self.state.stock[product.sku] = quantity
        return {
            "SKU": product.sku,
            "OldStock": old,
            "CurrentStock": quantity,
            "UnfulfilledAmount": Decimal(0),
            "Message": "Stock updated",
        }

    def _customer_json(self, c: Any) -> dict[str, Any]:
        return {
            "Id": c.customer_id,
            "Name": c.company or f"{c.first_name} {c.last_name}",
            "Email": c.email,
            "Tel1": c.phone,
            "Tel2": None,
            "Number": int(c.number),
            "PriceGroupId": None,
            "LanguageId": None,
            "VatId": c.vat_id,
            "Type": 1 if c.b2b else 0,
            "MetaData": [],
            "ArchivedAt": None,
            "RestoredAt": None,
            "DefaultMailAddress": {"Id": c.customer_id + 2, "TypeId": 1, "Value": c.email},
        }

    def customers_list(self, q: Query, m: dict[str, str], body: Any) -> Any:
        return paged(self.ds.customers, q, self._customer_json)

    def customer_get(self, q: Query, m: dict[str, str], body: Any) -> Any:
        wanted = int(m["id"])
        for c in self.ds.customers:
            if c.customer_id == wanted:
                return envelope(self._customer_json(c))
        raise ApiError(
            404, envelope(None, code=11, message="Customer not found", description="InvalidData")
        )

    def customer_orders(self, q: Query, m: dict[str, str], body: Any) -> Any:
        """``GET /customers/{id}/orders``: the customer's orders, paged, in order-id order."""
        wanted = int(m["id"])
        index = next((i for i, c in enumerate(self.ds.customers) if c.customer_id == wanted), None)
        if index is None:
            raise ApiError(
                404,
                envelope(None, code=11, message="Customer not found", description="InvalidData"),
            )

        def of_customer(h: Any) -> bool:
            if h.custom is not None:  # an order inserted whole: its own Customer object
                customer = h.custom.get("Customer") or {}
                return isinstance(customer, dict) and customer.get("Id") == wanted
            return bool(h.customer == index)

        rows = [h for h in self.state.query_orders({}) if of_customer(h)]
        return paged_encoded(rows, q, self.state.order_json)


# (method, path regex, endpoint name, Api method, per-resource throttle)
# The per-resource throttle maps the path match and query to (key, count, seconds).
ResourceKey = Callable[[dict[str, str], Query], tuple[str, int, float] | None]
ROUTES: list[tuple[str, str, str, str, ResourceKey | None]] = [
    ("GET", r"/orders", "GET /orders", "orders_list", None),
    (
        "GET",
        r"/orders/invoices",
        "GET /orders/invoices",
        "invoices_list",
        lambda m, q: (f"inv|{q.first('page') or '1'}|{q.first('minInvoiceDate')}", 1, 60.0),
    ),
    (
        "GET",
        r"/orders/findbyextref/(?P<ref>[^/]+)",
        "GET /orders/findbyextref/{extRef}",
        "order_find_extref",
        None,
    ),
    (
        "GET",
        r"/orders/(?P<id>\d+)",
        "GET /orders/{id}",
        "order_get",
        lambda m, q: (f"order|{m['id']}", 6, 60.0),
    ),
    ("PUT", r"/orders/(?P<id>\d+)/orderstate", "PUT /orders/{id}/orderstate", "order_state", None),
    ("POST", r"/orders/(?P<id>\d+)/tags", "POST /orders/{id}/tags", "order_tags_add", None),
    ("PUT", r"/orders/(?P<id>\d+)/tags", "PUT /orders/{id}/tags", "order_tags_set", None),
    ("POST", r"/orders/(?P<id>\d+)/message", "POST /orders/{id}/message", "order_message", None),
    (
        "POST",
        r"/orders/createinvoice/(?P<id>\d+)",
        "POST /orders/CreateInvoice/{id}",
        "create_invoice",
        lambda m, q: (f"ci|{m['id']}", 1, 300.0),
    ),
    ("GET", r"/enums/orderstates", "GET /enums/orderstates", "enum_order_states", None),
    ("GET", r"/enums/paymenttypes", "GET /enums/paymenttypes", "enum_payment_types", None),
    (
        "GET",
        r"/enums/shippingcarriers",
        "GET /enums/shippingcarriers",
        "enum_shipping_carriers",
        None,
    ),
    ("GET", r"/enums/shipmenttypes", "GET /enums/shipmenttypes", "enum_shipment_types", None),
    ("GET", r"/shopaccounts", "GET /shopaccounts", "shop_accounts", None),
    ("GET", r"/products", "GET /products", "products_list", None),
    ("POST", r"/products/updatestock", "POST /products/updatestock", "update_stock", None),
    (
        "POST",
        r"/products/updatestockmultiple",
        "POST /products/updatestockmultiple",
        "update_stock_multiple",
        None,
    ),
    ("GET", r"/products/(?P<id>[^/]+)", "GET /products/{id}", "product_get", None),
    ("GET", r"/customers", "GET /customers", "customers_list", None),
    ("GET", r"/customers/(?P<id>\d+)", "GET /customers/{id}", "customer_get", None),
    (
        "GET",
        r"/customers/(?P<id>\d+)/orders",
        "GET /customers/{id}/orders",
        "customer_orders",
        None,
    ),
]
COMPILED: list[tuple[str, re.Pattern[str], str, str, ResourceKey | None]] = [
    (method, re.compile(r"/api/v1" + pattern + r"/?", re.IGNORECASE), endpoint, name, resource)
    for method, pattern, endpoint, name, resource in ROUTES
]


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], state: SandboxState, verbose: bool = False
    ) -> None:
        self.state = state
        self.api = Api(state)
        self.verbose = verbose
        super().__init__(address, SandboxHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1"

    def start_in_thread(self) -> threading.Thread:
        # A short poll interval lets tests stop their servers without waiting half a second.
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="billbee-sandbox",
            daemon=True,
        )
        thread.start()
        return thread

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold small answers back for ~40 ms.
    disable_nagle_algorithm = True
    server: SandboxServer

    def version_string(self) -> str:
        return "Microsoft-IIS/10.0"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            logger.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # ------------------------------------------------------------------ plumbing

    def _send(
        self,
        status: int,
        payload: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        body = (
            raw
            if raw is not None
            else (
                b""
                if payload is None and status == 204
                else jsonutil.dumps(payload).encode("utf-8")
            )
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        data = self.rfile.read(length)
        try:
            return jsonutil.loads(data)
        except ValueError:
            raise Invalid("model", "The request body is not valid JSON.") from None

    def _scope(self) -> tuple[str, bool]:
        """(scope, authenticated). The scope names (API key, user) without secrets."""
        config = self.server.state.config
        key = self.headers.get("X-Billbee-Api-Key") or ""
        auth = self.headers.get("Authorization") or ""
        user = password = ""
        if auth.lower().startswith("basic "):
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        ok = (
            hmac.compare_digest(key, config.api_key)
            and hmac.compare_digest(user, config.username)
            and hmac.compare_digest(password, config.api_password)
        )
        return (f"{user or 'anonymous'}", ok)

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path
        if path.startswith("/__sandbox__"):
            self._control(method, path, split.query)
            return
        state = self.server.state
        with state.lock:
            latency = state.latency()
        if latency:
            time.sleep(latency)  # on its way over a slow network: it arrives later
        arrival_wall, arrival_mono = time.time(), time.monotonic()
        route = None
        allowed = False
        for r_method, pattern, endpoint, name, resource in COMPILED:
            match = pattern.fullmatch(path)
            if match:
                allowed = True
                if r_method == method:
                    route = (endpoint, name, resource, match.groupdict())
                    break
        scope, authenticated = self._scope()

        def finish(status: int, endpoint: str, fault: str | None = None) -> None:
            with state.lock:
                state.record(
                    arrival_wall=arrival_wall,
                    arrival_mono=arrival_mono,
                    method=method,
                    endpoint=endpoint,
                    path=self.path,
                    status=status,
                    scope=scope,
                    fault=fault,
                )

        if route is None:
            status = 405 if allowed else 404
            message = (
                f"The requested resource does not support http method '{method}'."
                if allowed
                else f"No HTTP resource was found that matches the request URI "
                f"'http://{self.headers.get('Host')}{self.path}'."
            )
            finish(status, f"{method} (unknown)")
            self._send(status, {"Message": message})
            return
        endpoint, name, resource, groups = route
        if not authenticated:
            finish(401, endpoint)
            self._send(
                401,
                {"Message": "Authorization has been denied for this request."},
                headers={"WWW-Authenticate": 'Basic realm="Billbee API"'},
            )
            return
        if not state.config.api_active:
            finish(403, endpoint)
            self._send(
                403,
                envelope(None, code=1, message="Api not activated", description="ApiNotActivated"),
            )
            return
        with state.lock:
            fault = state.roll_fault()
        if fault == "reset":
            finish(0, endpoint, fault)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("429", "500", "502", "503"):
            status = int(fault)
            headers = (
                {"Retry-After": str(state.config.fault_retry_after)}
                if status == 429 and state.config.fault_retry_after >= 0
                else None
            )
            payload = (
                {"Message": "An error has occurred."}
                if status != 429
                else {"Message": "Too many requests"}
            )
            finish(status, endpoint, fault)
            self._send(status, payload, headers=headers)
            return
        if fault == "timeout":
            time.sleep(state.config.fault_delay)
        status, body, headers = self._dispatch(
            method, split.query, endpoint, name, resource, groups, scope, arrival_mono
        )
        if fault == "malformed" and status == 200:
            body = body[: max(1, len(body) // 2)]
        if fault == "bad_pdf" and status == 200:
            # A CreateInvoice answer whose PDFData is cut off and carries stray characters:
            # not valid base64. Other answers carry no PDF and are left as they are.
            body = re.sub(rb'("PDFData":")([A-Za-z0-9+/]{8})[^"]*"', rb'\1\2%%"', body)
        # Recorded before answering: whoever reads the statistics after the answer sees it.
        finish(status, endpoint, fault)
        self._send(status, headers=headers, raw=body)

    def _dispatch(
        self,
        method: str,
        raw_query: str,
        endpoint: str,
        name: str,
        resource: ResourceKey | None,
        groups: dict[str, str],
        scope: str,
        arrival: float,
    ) -> tuple[int, bytes, dict[str, str] | None]:
        """Runs the endpoint and encodes its answer; anything unexpected becomes a 500."""
        status, payload, headers = self._call_api(
            method, raw_query, endpoint, name, resource, groups, scope, arrival
        )
        if isinstance(payload, PreEncoded):
            return status, payload.data, headers
        try:
            return status, jsonutil.dumps(payload).encode("utf-8"), headers
        except (TypeError, ValueError):
            logger.exception("sandbox could not encode the answer to %s", self.path)
            return 500, b'{"Message":"An error has occurred."}', None

    def _call_api(
        self,
        method: str,
        raw_query: str,
        endpoint: str,
        name: str,
        resource: ResourceKey | None,
        groups: dict[str, str],
        scope: str,
        arrival: float,
    ) -> tuple[int, Any, dict[str, str] | None]:
        state = self.server.state
        try:
            body = self._body()
            with state.lock:
                query = Query(raw_query, state)
                limited = state.admit(
                    scope=scope,
                    endpoint=endpoint,
                    arrival=arrival,
                    resource=resource(groups, query) if resource else None,
                )
                if limited is not None:
                    retry_after = max(1, math.ceil(limited))
                    return 429, {"Message": "Too many requests"}, {"Retry-After": str(retry_after)}
                result = getattr(self.server.api, name)(query, groups, body)
            return 200, result, None
        except Invalid as exc:
            return (
                400,
                {"Message": "The request is invalid.", "ModelState": {exc.field: [exc.message]}},
                None,
            )
        except ApiError as exc:
            return exc.status, exc.payload, exc.headers
        except Exception:  # a sandbox bug must look like Billbee's 500, and be visible
            logger.exception("sandbox error on %s", self.path)
            return 500, {"Message": "An error has occurred."}, None

    # ------------------------------------------------------------------ control API

    def _control(self, method: str, path: str, raw_query: str) -> None:
        state = self.server.state
        query = parse_qs(raw_query)
        try:
            body = self._body() or {}
            with state.lock:
                result = self._control_action(method, path.rstrip("/"), query, body)
        except (Invalid, ValueError, KeyError, TypeError) as exc:
            self._send(400, {"error": str(exc)})
            return
        if result is None:
            self._send(404, {"error": f"no control endpoint {method} {path}"})
        else:
            self._send(200, result)

    def _control_action(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> Any:
        state = self.server.state
        parts = path.split("/")[2:]
        if method == "GET" and parts == ["health"]:
            return {"ok": True, "orders": len(state.dataset.headers), "version": state.version}
        if method == "GET" and parts == ["stats"]:
            since = int((query.get("since") or ["0"])[0])
            return state.stats(with_log=bool(query.get("log")), since=since)
        if method == "POST" and parts == ["stats", "reset"]:
            state.reset_stats()
            return {"ok": True}
        if parts == ["config"]:
            if method == "POST":
                self._configure(body)
            return state.config.public()
        if method == "POST" and parts == ["reset"]:
            state.reset()
            return {"ok": True, "orders": len(state.dataset.headers)}
        if method == "POST" and parts == ["churn"]:
            return state.churn(**{k: int(v) for k, v in body.items()})
        if method == "POST" and parts == ["orders"]:
            h = state.insert_custom(body)
            return {"BillBeeOrderId": h.order_id}
        if method == "GET" and parts == ["orders"]:
            # Every order's id, ascending as the API lists them: what a reconciliation reads.
            return {"ids": sorted(h.order_id for h in state.dataset.headers)}
        if method == "GET" and len(parts) == 2 and parts[0] == "statements":
            return _statement(state, parts[1], query)
        if method == "POST" and parts == ["hostile"]:
            return {"orders": hostile_orders_add(state)}
        if len(parts) >= 2 and parts[0] == "orders":
            found = state.by_id.get(int(parts[1]))
            if found is None:
                raise KeyError(f"order {parts[1]} does not exist")
            h = found
            if method == "GET" and len(parts) == 2:
                return state.dataset.render_order(h)
            if method == "POST" and parts[2:] == ["patch"]:
                state.patch(h, body)
                return state.dataset.render_order(h)
            if method == "POST" and parts[2:] == ["state"]:
                state.set_state(h, int(body["State"]))
                return state.dataset.render_order(h)
            if method == "POST" and parts[2:] == ["register"]:
                state.register_set(h, body)
                return state.register_entry(
                    h, state.dataset.render_invoice(h, state.dataset.render_order(h), False)
                )
            if method == "GET" and parts[2:] == ["messages"]:
                return {"messages": state.messages.get(h.order_id, [])}
            if method == "POST" and parts[2:] == ["invoice"]:
                state.create_invoice(h)
                return state.dataset.render_order(h)
        if method == "GET" and parts == ["summary"]:
            return summary(state)
        if method == "GET" and parts == ["modified_per_day"]:
            return modified_per_day(state)
        return None

    def _configure(self, body: dict[str, Any]) -> None:
        config = self.server.state.config
        for key, value in body.items():
            if key == "faults":
                config.faults = parse_faults(value)
            elif key == "fail_next":
                unknown = [v for v in value if v not in FAULT_KINDS]
                if unknown:
                    raise ValueError(f"unknown faults {unknown}")
                config.fail_next = list(value)
            elif key in (
                "rate_limit",
                "user_rate_limit",
                "throttle_scale",
                "fault_delay",
                "register_number_share",
            ):
                setattr(config, key, float(value))
            elif key == "fault_retry_after":
                config.fault_retry_after = int(value)
            elif key == "latency_ms":
                config.latency_ms = parse_latency(value)
            elif key == "api_active":
                config.api_active = bool(value)
            elif key in ("username", "api_password", "api_key"):
                setattr(config, key, str(value))
            else:
                raise ValueError(f"unknown setting {key!r}")
        self.server.state.throttle.reset()


def modified_per_day(state: SandboxState) -> dict[str, int]:
    """Orders by the local calendar day of their LastModifiedAt: what a day-by-day import must
    read (benchmarks compute the minimum number of requests from it)."""
    from collections import Counter

    days: Counter[str] = Counter()
    tz = state.tz
    for h in state.dataset.headers:
        days[datetime.fromtimestamp(int(h.modified) // 1000, tz).date().isoformat()] += 1
    return dict(sorted(days.items()))


def summary(state: SandboxState) -> dict[str, Any]:
    """What the data set contains, for demos and for checking realism."""
    from collections import Counter

    headers = state.dataset.headers
    states = Counter(h.state for h in headers)
    channels = Counter((h.shop_id or 0) for h in headers)
    return {
        "orders": len(headers),
        "credit_notes": sum(1 for h in headers if h.kind == KIND_CREDIT),
        "invoiced": sum(1 for h in headers if h.invoice_no is not None),
        "states": {str(k): v for k, v in sorted(states.items())},
        "shops": {str(k): v for k, v in channels.items()},
    }


def _statement(state: SandboxState, kind: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """``GET /__sandbox__/statements/{camt053|paypal|truth}?days=14&seed=1``: a statement
    paying the sandbox's unpaid orders, as text (see ``statements.py``)."""
    days = int((query.get("days") or ["14"])[0])
    seed = int((query.get("seed") or ["1"])[0])
    if kind == "camt053":
        content = camt053(state, days=days, seed=seed).decode("utf-8")
        return {"filename": f"camt053_sandbox_{seed}.xml", "content": content}
    if kind == "paypal":
        content = paypal_csv(state, days=days, seed=seed).decode("utf-8")
        return {"filename": f"paypal_sandbox_{seed}.csv", "content": content}
    if kind == "truth":
        return dict(jsonutil.loads(statements_truth(state, days=days, seed=seed)))
    raise KeyError(f"no statement kind {kind!r}: camt053, paypal or truth")
