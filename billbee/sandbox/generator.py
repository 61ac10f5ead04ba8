"""Deterministic, realistic Billbee data for the sandbox.

Each order is described by a small ``Header`` (ids, channel, customer, state and the times of
its events) built in one pass at start-up. The full JSON of an order is rendered on demand
from its header and a per-order random generator, so the same ``--seed`` always gives the
same orders, 100k orders cost a few MB, and a state change (which edits the header) renders
consistently everywhere: ShippedAt, shipments, payments, invoice fields.

What the data contains (product.md, billbee-api.md): every channel of ``catalog.CHANNELS``
including manual orders with null Seller fields; all order states 1–17; real payment-method
ids plus a rare id the enum does not know; orders with and without invoice, shipped and
unshipped; foreign-warehouse orders (DeliverySourceCountryCode PL/CZ); destinations across
the EU (destination rates: the merchant is OSS-registered) and third countries (VatMode 3,
some in CHF/GBP/USD/NOK); intra-EU B2B with VAT ids (VatMode 2), a few malformed; rare margin
scheme (VatMode 4); mixed 19/7 baskets; item discounts, discount lines with null SKU and
voucher lines; shipping and COD fees; .NET decimals with trailing zeros and 28-digit
TaxAmount; naive timestamps with 0–3 fraction digits; credit notes ``<OrderNumber>-GS`` with
negated positions (a storno inverts every line, so a discount line turns positive; the total is
negative) and BillBeeParentOrderId (in state 1 "Bestellt" as Billbee creates them, or
completed; some cancelled, some without positions); split or copied orders: positive invoices
that carry BillBeeParentOrderId too; cent
differences between rounded lines and TotalCost; tracking numbers; payments with references.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from stdnum import luhn
from stdnum.eu import vat as eu_vat

from . import catalog
from .catalog import CHANNELS, EU_RATES, MANUAL, PRODUCTS, Shop

DAY = 86400.0
ORDER_ID_BASE = 300000180000000
CUSTOMER_ID_BASE = 200000040000000
CENT = Decimal("0.01")
Q4 = Decimal("0.0001")
ZERO = Decimal(0)
# Default share of the totals with a sub-cent rest that are sent with seven decimals.
SUBCENT_TOTALS = 0.25
# .NET decimal arithmetic keeps 28 significant digits (TaxAmount arrives unrounded).
DOTNET = Context(prec=28)

KIND_ORDER = 0
KIND_CREDIT = 1
FLAG_NO_POSITIONS = 1
FLAG_PARTIAL = 2

# State mix of orders old enough to have finished their life cycle.
STATE_WEIGHTS = (
    (7, 30),
    (4, 24),
    (3, 7),
    (1, 5),
    (2, 2),
    (13, 2),
    (16, 2),
    (8, 6),
    (6, 1),
    (17, 5),
    (5, 1),
    (9, 6),
    (11, 1.2),
    (12, 0.5),
    (15, 1.5),
    (14, 1),
    (10, 0.3),
)
PAY_ON_INVOICE = {26}
PREPAYMENT = {1, 59, 23}
COD = {2}
CASH = {4}
FX = {
    "CHF": Decimal("0.94"),
    "GBP": Decimal("0.86"),
    "USD": Decimal("1.08"),
    "NOK": Decimal("11.5"),
}
TAGS = ("Express", "Geschenk", "Stammkunde", "Prüfen", "Sperrgut")


@dataclass(slots=True)
class Customer:
    index: int
    customer_id: int
    number: str
    country: str
    language: str
    first_name: str
    last_name: str
    company: str | None
    vat_id: str | None
    street: str
    house_number: str
    zip: str
    city: str
    email: str
    phone: str

    @property
    def b2b(self) -> bool:
        return self.company is not None


class Header:
    """What the index needs to filter, and what rendering needs to be consistent."""

    __slots__ = (
        "cancelled",
        "channel",
        "created",
        "currency_seed",
        "custom",
        "customer",
        "external_id",
        "flags",
        "index",
        "invoice_no",
        "invoice_ts",
        "kind",
        "modified",
        "number",
        "order_id",
        "paid",
        "parent",
        "patch",
        "payment",
        "returned",
        "rev",
        "shipped",
        "state",
        "tags",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.order_id = ORDER_ID_BASE + index * 7
        self.kind = KIND_ORDER
        self.parent = -1
        self.channel = 0
        self.customer = 0
        self.payment = 1
        self.state = 1
        # Event times: epoch seconds while generating, epoch milliseconds (int) afterwards.
        self.created: float = 0.0
        self.paid: float | None = None
        self.shipped: float | None = None
        self.returned: float | None = None
        self.cancelled: float | None = None
        self.invoice_ts: float | None = None
        self.invoice_no: int | None = None
        self.modified: float = 0.0
        self.tags: tuple[str, ...] = ()
        self.flags = 0
        self.currency_seed = 0
        self.number: str | None = None
        self.external_id: str | None = None
        self.patch: dict[str, Any] | None = None
        self.custom: dict[str, Any] | None = None
        # Bumped by every change: the key of the sandbox's cache of encoded orders.
        self.rev = 0

    def to_ms(self) -> None:
        """Times are kept as integer epoch milliseconds: exactly what is rendered, so that
        filters compare the same values a client sees."""
        for name in (
            "created",
            "paid",
            "shipped",
            "returned",
            "cancelled",
            "invoice_ts",
            "modified",
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, int):
                setattr(self, name, int(value * 1000))

    @property
    def shop_id(self) -> int | None:
        shop = CHANNELS[self.channel]
        return shop.shop_id if shop is not MANUAL else None


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    total = sum(w for _, w in pairs)
    pick = rng.random() * total
    for value, weight in pairs:
        pick -= weight
        if pick < 0:
            return value
    return pairs[-1][0]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _fill(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _vat_id(rng: random.Random, country: str) -> str:
    """A VAT id that passes the official check-digit rules (python-stdnum)."""
    prefixes = {
        "AT": "ATU",
        "NL": "NL",
        "BE": "BE0",
        "FR": "FR",
        "IT": "IT",
        "ES": "ESB",
        "PL": "PL",
        "LU": "LU",
        "DE": "DE",
        "CZ": "CZ",
        "SK": "SK",
        "SE": "SE",
        "DK": "DK",
    }
    lengths = {
        "AT": 8,
        "NL": 9,
        "BE": 9,
        "FR": 11,
        "IT": 11,
        "ES": 8,
        "PL": 10,
        "LU": 8,
        "DE": 9,
        "CZ": 8,
        "SK": 10,
        "SE": 12,
        "DK": 8,
    }
    if country == "FR":
        # SIREN with a Luhn check digit, then the two-digit key (12 + 3 × SIREN mod 97) mod 97.
        base = _digits(rng, 8)
        siren = base + luhn.calc_check_digit(base)
        return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    prefix = prefixes[country]
    for _ in range(5000):
        candidate = prefix + _digits(rng, lengths[country]) + ("B01" if country == "NL" else "")
        if country == "SE":
            candidate = candidate[:-2] + "01"
        if eu_vat.is_valid(candidate):
            return candidate
    raise RuntimeError(f"no valid VAT id found for {country}")


class Dataset:
    """All sandbox data: headers, customers, number ranges; renders JSON on demand."""

    def __init__(
        self,
        *,
        orders: int,
        seed: int,
        end: datetime,
        days: int,
        tz: ZoneInfo,
        subcent_totals: float = SUBCENT_TOTALS,
    ) -> None:
        self.seed = seed
        # Of the orders whose four-place lines leave a sub-cent rest, the share whose
        # TotalCost is sent unrounded, with seven decimals.
        self.subcent_totals = subcent_totals
        self.tz = tz
        self.end = end.timestamp()
        self.end_ms = int(self.end * 1000)
        self.start = self.end - days * DAY
        self.headers: list[Header] = []
        self.customers: list[Customer] = []
        self._by_country: dict[str, list[int]] = {}
        self.next_invoice_no = 10001
        self.next_credit_no = 5001
        self.credit_notes_made = 0
        self._build_customers(max(60, orders // 3))
        self._build_headers(orders)
        self._assign_invoice_numbers()

    # ------------------------------------------------------------------ customers

    def _build_customers(self, count: int) -> None:
        rng = random.Random(self.seed * 7919 + 17)
        shares: dict[str, float] = {}
        for shop in CHANNELS:
            for country, share in shop.destinations:
                shares[country] = shares.get(country, 0.0) + share * shop.weight
        total = sum(shares.values())
        for country in sorted(shares):
            n = max(4, round(count * shares[country] / total))
            for _ in range(n):
                self._by_country.setdefault(country, []).append(len(self.customers))
                self.customers.append(self._make_customer(rng, len(self.customers), country))

    def _make_customer(self, rng: random.Random, index: int, country: str) -> Customer:
        language = catalog.LANGUAGE[country]
        first = rng.choice(catalog.FIRST_NAMES[language])
        last = rng.choice(catalog.LAST_NAMES[language])
        city, zip_pattern, street = rng.choice(catalog.PLACES[country])
        company = vat_id = None
        if rng.random() < 0.22:
            suffix = catalog.COMPANY_SUFFIX[country]
            company = f"{rng.choice(catalog.COMPANY_WORDS)} {last} {suffix}"
            if country in EU_RATES:
                vat_id = _vat_id(rng, country)
                if rng.random() < 0.08:
                    vat_id = vat_id[:-1]  # a malformed id as customers type them
        mail_name = "".join(
            ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == ".")
        )
        return Customer(
            index=index,
            customer_id=CUSTOMER_ID_BASE + index * 3,
            number=str(20000 + index),
            country=country,
            language=language,
            first_name=first,
            last_name=last,
            company=company,
            vat_id=vat_id,
            street=street,
            house_number=str(rng.randint(1, 180)) + rng.choice(("", "", "", "a", "b")),
            zip=_fill(rng, zip_pattern),
            city=city,
            email=f"{mail_name}{index}@example.{country.lower() if country != 'GB' else 'co.uk'}",
            phone="+" + _digits(rng, 11),
        )

    # ------------------------------------------------------------------ headers

    def _build_headers(self, count: int) -> None:
        pending: list[tuple[float, int, int]] = []  # (due time, parent index, flags)
        span = self.end - self.start
        for index in range(count):
            rng = random.Random(self.seed * 1_000_003 + index * 2)
            created = self.start + span * (index + rng.random()) / count
            if pending and pending[0][0] <= created:
                _due, parent, flags = heapq.heappop(pending)
                header = self._credit_header(index, rng, created, self.headers[parent], flags)
            else:
                header = self._order_header(index, rng, created)
                credit = self._credit_plan(rng, header)
                if credit is not None:
                    heapq.heappush(pending, (credit[0], index, credit[1]))
            header.to_ms()
            self.headers.append(header)

    def _order_header(self, index: int, rng: random.Random, created: float) -> Header:
        h = Header(index)
        h.channel = _weighted(rng, tuple((i, s.weight) for i, s in enumerate(CHANNELS)))
        shop = CHANNELS[h.channel]
        h.payment = _weighted(rng, shop.payments)
        if shop.platform == "Shopify" and rng.random() < 0.004:
            h.payment = catalog.UNLISTED_PAYMENT_TYPE
        country = _weighted(rng, shop.destinations)
        pool = self._by_country[country]
        wants_b2b = rng.random() < shop.b2b_share
        h.customer = rng.choice(pool)
        for _ in range(12):
            if self.customers[h.customer].b2b == wants_b2b:
                break
            h.customer = rng.choice(pool)
        if rng.random() < 0.1:
            # Some channels deliver only the order date: Billbee shows midnight.
            local = datetime.fromtimestamp(created, self.tz)
            created = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        h.created = created
        h.currency_seed = rng.randrange(1 << 30)
        h.number, h.external_id = _order_number(rng, shop, index)
        if rng.random() < 0.05:
            h.tags = (rng.choice(TAGS),)
        self._life_cycle(h, rng, _weighted(rng, STATE_WEIGHTS))
        return h

    def _life_cycle(self, h: Header, rng: random.Random, target: int) -> None:
        """Event times for a target state, then the state actually reached by ``end``."""
        created, end, payment = h.created, self.end, h.payment
        instant = payment not in PAY_ON_INVOICE | PREPAYMENT | COD | CASH
        paid = shipped = returned = cancelled = invoice = None
        if target in (8, 6):
            cancelled = created + rng.uniform(0.05, 4) * DAY
            if rng.random() < (0.45 if target == 8 else 0.1):
                invoice = created + rng.uniform(0.01, 0.5) * DAY
                if instant:
                    paid = created + rng.uniform(60, 900)
        elif target in (1, 2, 14):
            if payment in PAY_ON_INVOICE and rng.random() < 0.5:
                invoice = created + rng.uniform(0.01, 0.2) * DAY
        elif target in (11, 12, 15):
            shipped = created + rng.uniform(0.3, 2) * DAY
            invoice = shipped
        else:
            if payment in PAY_ON_INVOICE | COD:
                shipped = created + rng.uniform(0.3, 3) * DAY
                paid = shipped + rng.uniform(2, 25) * DAY
            else:
                paid = created + (rng.uniform(60, 900) if instant else rng.uniform(0.5, 4) * DAY)
            if target not in (3, 13, 16):
                shipped = shipped or paid + rng.uniform(0.2, 3) * DAY  # type: ignore[operator]
            if target == 17:
                returned = shipped + rng.uniform(5, 20) * DAY  # type: ignore[operator]
            if rng.random() < 0.93 or target == 10:
                base = shipped if payment in PAY_ON_INVOICE | COD else paid
                invoice = (base or created) + rng.uniform(30, 3600)
        if target == 9 and created > end - 30 * DAY:
            target = 7
        reached = self._reached(target, end, paid, shipped, returned, cancelled)
        h.state = reached
        h.paid = paid if paid is not None and paid <= end else None
        h.shipped = shipped if shipped is not None and shipped <= end else None
        h.returned = returned if returned is not None and returned <= end else None
        h.cancelled = cancelled if cancelled is not None and cancelled <= end else None
        h.invoice_ts = invoice if invoice is not None and invoice <= end else None
        events = [
            t
            for t in (created, h.paid, h.shipped, h.returned, h.cancelled, h.invoice_ts)
            if t is not None
        ]
        modified = max(events) + rng.uniform(1, 1800)
        if reached in (7, 9) and h.shipped is not None:
            # Completed some days after delivery, never before the last event.
            modified = max(modified, h.shipped + rng.uniform(7, 14) * DAY)
        h.modified = min(end, modified)

    @staticmethod
    def _reached(
        target: int,
        end: float,
        paid: float | None,
        shipped: float | None,
        returned: float | None,
        cancelled: float | None,
    ) -> int:
        if cancelled is not None:
            return target if cancelled <= end else 1
        if target == 17 and returned is not None and returned > end:
            target = 4
        if shipped is not None and shipped > end:
            return 3 if paid is not None and paid <= end else 1
        if paid is not None and paid > end and target not in (11, 12, 15):
            return 4 if shipped is not None else 1
        return target

    def _credit_plan(self, rng: random.Random, h: Header) -> tuple[float, int] | None:
        """Whether this order gets a credit note later, when, and what kind."""
        if h.invoice_ts is None:
            return None
        if h.state == 8 and h.cancelled is not None and rng.random() < 0.85:
            return h.cancelled + rng.uniform(0.01, 2) * DAY, 0
        if h.state == 17 and h.returned is not None and rng.random() < 0.9:
            return h.returned + rng.uniform(0.1, 3) * DAY, (
                FLAG_PARTIAL if rng.random() < 0.3 else 0
            )
        if h.state in (7, 9) and h.shipped is not None and rng.random() < 0.02:
            return h.shipped + rng.uniform(3, 20) * DAY, FLAG_PARTIAL
        return None

    def _credit_header(
        self, index: int, rng: random.Random, created: float, parent: Header, flags: int
    ) -> Header:
        h = Header(index)
        h.kind = KIND_CREDIT
        h.parent = parent.index
        h.channel, h.customer, h.payment = parent.channel, parent.customer, parent.payment
        h.currency_seed = parent.currency_seed
        h.number = f"{parent.number}-GS" if parent.number else None
        h.external_id = f"{parent.external_id}-GS" if parent.external_id else None
        h.created = created
        self.credit_notes_made += 1
        nth = self.credit_notes_made
        h.flags = flags
        if nth == 3 or rng.random() < 0.005:
            h.flags |= FLAG_NO_POSITIONS
        # Billbee creates a cancellation document ("Storno") in state 1 "Bestellt"; many stay
        # there, others are moved on to completed. One draw decides, as before, so the rest
        # of the data stays as it was.
        draw = rng.random()
        h.state = 8 if nth == 2 or draw < 0.02 else (1 if nth == 4 or draw >= 0.7 else 7)
        h.invoice_ts = created + rng.uniform(1, 600)
        if h.invoice_ts > self.end:
            h.invoice_ts = created
        h.modified = min(self.end, h.invoice_ts + rng.uniform(1, 600))
        if h.state == 8:
            h.cancelled = h.modified
        return h

    def _assign_invoice_numbers(self) -> None:
        invoiced = sorted(
            (h for h in self.headers if h.invoice_ts is not None),
            key=lambda h: h.invoice_ts or 0,
        )
        rng = random.Random(self.seed * 31 + 5)
        for h in invoiced:
            h.invoice_no = self.take_number(h.kind, rng)

    def take_number(self, kind: int, rng: random.Random | None = None) -> int:
        """Next number of the invoice or credit-note range; rarely skips one (a voided
        number), so that the completeness report has real gaps to find."""
        if kind == KIND_CREDIT:
            self.next_credit_no += 1
            return self.next_credit_no - 1
        if rng is not None and rng.random() < 0.002:
            self.next_invoice_no += 1
        self.next_invoice_no += 1
        return self.next_invoice_no - 1

    def new_header(self, created_ms: int, rng: random.Random, target: int = 1) -> Header:
        """A brand-new order (for the sandbox's changing data)."""
        h = self._order_header(len(self.headers), rng, created_ms / 1000)
        h.state, h.paid, h.shipped, h.returned, h.cancelled = target, None, None, None, None
        h.invoice_ts = h.invoice_no = None
        h.created = created_ms
        if target == 3:
            h.paid = created_ms
        h.modified = created_ms
        h.to_ms()
        self.headers.append(h)
        return h

    # ------------------------------------------------------------------ rendering

    def fmt(self, ms: float | None) -> str | None:
        """Naive wall-clock time in the sandbox zone, 0–3 fraction digits (trailing zeros
        dropped), as Billbee writes it. ``ms``: epoch milliseconds."""
        if ms is None:
            return None
        seconds, millis = divmod(int(ms), 1000)
        text = datetime.fromtimestamp(seconds, self.tz).strftime("%Y-%m-%dT%H:%M:%S")
        if millis:
            text += f".{millis:03d}".rstrip("0")
        return text

    def render_order(self, h: Header) -> dict[str, Any]:
        if h.custom is not None:
            return {**h.custom, **h.patch} if h.patch else h.custom
        if h.kind == KIND_CREDIT:
            order = self._render_credit(h)
        else:
            order = _OrderRenderer(self, h).render()
        if h.patch:
            order.update(h.patch)
        return order

    def _render_credit(self, h: Header) -> dict[str, Any]:
        parent_header = self.headers[h.parent]
        parent = _OrderRenderer(self, parent_header).render()
        rng = random.Random(self.seed * 1_000_003 + h.index * 2 + 1)
        items = []
        if not h.flags & FLAG_NO_POSITIONS:
            source = parent["OrderItems"]
            goods = [item for item in source if item["TotalPrice"] > 0]
            if h.flags & FLAG_PARTIAL and len(goods) > 1:
                # A partial return credits some of the goods, never just a discount line.
                source = rng.sample(goods, max(1, len(goods) // 2))
            for position, item in enumerate(source):
                negated = dict(item)
                negated["BillbeeId"] = h.order_id * 10 + position
                for key in ("Quantity", "TotalPrice", "TaxAmount", "UnrebatedTotalPrice"):
                    negated[key] = -item[key]
                product = dict(item["Product"])
                if product.get("Title"):
                    product["Title"] = "Storno " + product["Title"]
                negated["Product"] = product
                items.append(negated)
        full = not h.flags & FLAG_PARTIAL
        shipping = -parent["ShippingCost"] if full else ZERO
        adjustment = -parent["AdjustmentCost"] if full else ZERO
        if items:
            total = _round2(sum((i["TotalPrice"] for i in items), ZERO) + shipping + adjustment)
        else:
            total = -parent["TotalCost"]
        number = parent["OrderNumber"]
        year = self.fmt(h.invoice_ts)[:4] if h.invoice_ts else None  # type: ignore[index]
        credit = dict(parent)
        credit.update(
            {
                "BillBeeOrderId": h.order_id,
                "BillBeeParentOrderId": parent_header.order_id,
                "Id": f"{parent['Id']}-GS" if parent["Id"] else None,
                "OrderNumber": f"{number}-GS" if number else None,
                "IsCancelationFor": parent["Id"]
                if parent["Seller"]["Platform"] == "Shopify"
                else None,
                "State": h.state,
                "CreatedAt": self.fmt(h.created),
                "ConfirmedAt": None,
                "PayedAt": None,
                "ShippedAt": None,
                "UpdatedAt": None,
                "LastModifiedAt": self.fmt(h.modified),
                "InvoiceNumberPrefix": f"GS-{year}-" if h.invoice_no is not None else None,
                "InvoiceNumber": h.invoice_no,
                "InvoiceDate": self.fmt(h.invoice_ts) if h.invoice_no is not None else None,
                "OrderItems": items,
                "ShippingCost": shipping,
                "AdjustmentCost": adjustment,
                "TotalCost": total,
                "PaidAmount": ZERO,
                "Payments": [],
                "ShippingIds": [],
                "PaymentReference": None,
                "PaymentTransactionId": None,
                "Tags": list(h.tags),
                "History": [
                    {
                        "Created": self.fmt(h.created),
                        "EventTypeName": "Auftrag angelegt",
                        "Text": f"Stornobeleg zu Auftrag {number or parent_header.order_id}",
                        "EmployeeName": "Buchhaltung",
                        "TypeId": 86,
                    }
                ],
                "Comments": [],
                "WebUrl": f"https://app.billbee.io/app_v2/order/{h.order_id}",
            }
        )
        return credit

    def render_invoice(
        self, h: Header, order: dict[str, Any], include_positions: bool
    ) -> dict[str, Any]:
        return _invoice_item(self, h, order, include_positions)


# Every 40th order (from the 8th on) was split off or copied from the order before it: Billbee
# then sets BillBeeParentOrderId on an ordinary, positive order (its official SDK's fixture has
# one). Decided by the index, not by the order's random generator, so nothing else changes.
SPLIT_EVERY, SPLIT_OFFSET = 40, 7


def _split_from(dataset: Dataset, h: Header) -> int | None:
    if h.kind != KIND_ORDER or h.custom is not None or h.index % SPLIT_EVERY != SPLIT_OFFSET:
        return None
    origin = dataset.headers[h.index - 1]
    return origin.order_id if origin.kind == KIND_ORDER else None


def _round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _tax(total: Decimal, rate: Decimal) -> Decimal:
    if not rate or not total:
        return Decimal("0.0000")
    return DOTNET.divide(DOTNET.multiply(total, rate), DOTNET.add(Decimal(100), rate))


def _dotnet_style(value: Decimal, rng_bit: bool) -> Decimal:
    """.NET keeps the scale of its arithmetic: some values arrive as 34.9000000."""
    if rng_bit and value == value.quantize(CENT):
        return value.quantize(Decimal("0.0000000"))
    return value


class _OrderRenderer:
    """Builds one normal order's JSON from its header and its own random stream."""

    def __init__(self, dataset: Dataset, h: Header) -> None:
        self.ds = dataset
        self.h = h
        self.rng = random.Random(dataset.seed * 1_000_003 + h.index * 2 + 1)
        self.shop: Shop = CHANNELS[h.channel]
        self.customer = dataset.customers[h.customer]
        self.fmt = dataset.fmt

    def render(self) -> dict[str, Any]:
        rng, h, shop, c = self.rng, self.h, self.shop, self.customer
        source = self._ship_from()
        vat_mode, rates = self._vat_case(source)
        currency = self._currency()
        style = rng.random() < 0.3
        items, bulky = self._items(vat_mode, rates, currency, style)
        shipping = self._shipping(items, bulky, vat_mode, currency)
        adjustment = Decimal("2.00") if h.payment in COD else ZERO
        exact = sum((i["TotalPrice"] for i in items), ZERO) + shipping + adjustment
        total = _round2(exact)
        # Billbee computes the total from four-place lines and sometimes sends it unrounded,
        # with seven decimals ("589.2375000"): the connector books whole cents.
        served_total = (
            exact.quantize(Decimal("0.0000000"))
            if exact != total and rng.random() < self.ds.subcent_totals
            else _dotnet_style(total, style)
        )
        order_number, external_id = h.number, h.external_id
        invoiced = h.invoice_no is not None
        year = self.fmt(h.invoice_ts)[:4] if invoiced else None  # type: ignore[index]
        paid_amount = total if h.paid is not None else ZERO
        if h.state == 15 and h.paid is None and rng.random() < 0.5:
            paid_amount = _round2(total / 2)
        address = self._address()
        seller = self._seller()
        return {
            "RebateDifference": ZERO,
            "ShippingIds": self._shipments(),
            "AcceptLossOfReturnRight": False,
            "Id": external_id,
            "OrderNumber": order_number,
            "State": h.state,
            "VatMode": vat_mode,
            "CreatedAt": self.fmt(h.created),
            "ShippedAt": self.fmt(h.shipped),
            "ConfirmedAt": self.fmt(h.created + 300_000) if h.state not in (1, 14) else None,
            "PayedAt": self.fmt(h.paid),
            "SellerComment": "Kunde wünscht Lieferung nachmittags" if rng.random() < 0.02 else None,
            "Comments": [],
            "InvoiceNumberPrefix": f"RE-{year}-" if invoiced else None,
            "InvoiceNumberPostfix": None,
            "InvoiceNumber": h.invoice_no,
            "InvoiceDate": self.fmt(h.invoice_ts) if invoiced else None,
            "InvoiceAddress": address,
            "ShippingAddress": dict(address, BillbeeId=address["BillbeeId"] + 1)
            if rng.random() < 0.1
            else address,
            "PaymentMethod": h.payment,
            "ShippingCost": _dotnet_style(shipping, style),
            "TotalCost": served_total,
            "AdjustmentCost": adjustment,
            "AdjustmentReason": "Nachnahmegebühr" if adjustment else None,
            "OrderItems": items,
            "Currency": currency,
            "Seller": seller,
            "Buyer": None,
            "UpdatedAt": None,
            "TaxRate1": rates[0],
            "TaxRate2": rates[1],
            "BillBeeOrderId": h.order_id,
            "BillBeeParentOrderId": _split_from(self.ds, h),
            "VatId": c.vat_id if c.vat_id and rng.random() < 0.3 else None,
            "Tags": list(h.tags),
            "ShipWeightKg": Decimal(
                sum(PRODUCT_WEIGHT.get(i["Product"]["SKU"], 0) * int(i["Quantity"]) for i in items)
            )
            / 1000,
            "LanguageCode": c.language,
            "PaidAmount": paid_amount,
            "ShippingProfileId": None,
            "ShippingProviderId": None,
            "ShippingProviderProductId": None,
            "ShippingProviderName": None,
            "ShippingProviderProductName": None,
            "ShippingProfileName": "Sperrgut" if bulky else "Standard",
            "PaymentInstruction": None,
            "IsCancelationFor": None,
            "PaymentTransactionId": self._transaction_id(),
            "DistributionCenter": f"AMAZON_{source}"
            if source and shop.platform == "Amazon"
            else None,
            "DeliverySourceCountryCode": source,
            "CustomInvoiceNote": None,
            "CustomerNumber": c.number,
            "PaymentReference": self._payment_reference(order_number),
            "ShippingServices": None,
            "Customer": self._customer(),
            "History": self._history(),
            "Payments": self._payments(total, order_number),
            "LastModifiedAt": self.fmt(h.modified),
            "ArchivedAt": self.fmt(h.modified) if h.state == 9 else None,
            "RestoredAt": None,
            "ApiAccountId": shop.shop_id - 10**14 if shop is not MANUAL else None,
            "ApiAccountName": shop.name,
            "MerchantVatId": catalog.MERCHANT_VAT_ID,
            "CustomerVatId": c.vat_id if vat_mode == 2 else None,
            "IsFromBillbeeApi": False,
            "WebUrl": f"https://app.billbee.io/app_v2/order/{h.order_id}",
        }

    # --- parts ---

    def _ship_from(self) -> str | None:
        if self.shop.platform != "Amazon":
            return None
        roll = self.rng.random()
        local = self.customer.country
        if local in ("PL", "CZ") and roll < 0.8:
            return local  # PAN-EU: customers there are served from the local FBA stock
        if roll < self.shop.fba_share:
            return self.rng.choice(("PL", "CZ"))
        return "DE" if roll < 0.7 else None

    def _vat_case(self, source: str | None) -> tuple[int, tuple[Decimal, Decimal]]:
        dest = self.customer.country
        if dest not in EU_RATES:
            return 3, (Decimal("19.00"), Decimal("7.00"))
        if (
            self.customer.b2b
            and self.customer.vat_id
            and dest != (source or "DE")
            and self.shop.b2b_share > 0
        ):
            return 2, (Decimal("19.00"), Decimal("7.00"))
        if self.shop.platform == "eBay" and self.rng.random() < 0.004:
            return 4, (Decimal("19.00"), Decimal("7.00"))
        if self.shop is MANUAL and dest != (source or "DE") and self.rng.random() < 0.35:
            # A manual invoice typed with the German default rates although the merchant is
            # registered for OSS: Billbee's VAT differs from the destination's (the connector
            # holds such a document with the reason).
            return 0, (Decimal("19.00"), Decimal("7.00"))
        standard, reduced = EU_RATES[dest]
        return 0, (standard.quantize(CENT), reduced.quantize(CENT))

    def _currency(self) -> str:
        foreign = catalog.THIRD_COUNTRY_CURRENCY.get(self.customer.country)
        if foreign and (self.h.currency_seed % 100) < 35:
            return foreign
        return "EUR"

    def _unit_price(
        self, product: catalog.Product, vat_mode: int, rates: tuple[Decimal, Decimal], currency: str
    ) -> Decimal:
        de_rate = (
            EU_RATES["DE"][0]
            if product.vat_index == 1
            else (EU_RATES["DE"][1] if product.vat_index == 2 else ZERO)
        )
        net = (product.gross_price * 100 / (100 + de_rate)).quantize(Q4)
        if currency != "EUR":
            return (net * FX[currency]).quantize(CENT)
        if vat_mode in (2, 3):
            return net
        if self.customer.b2b and self.shop.b2b_share > 0.5:
            # B2B portals list net prices; the gross price keeps four places.
            rate = rates[0] if product.vat_index == 1 else rates[1]
            return (net.quantize(CENT) * (100 + rate) / 100).quantize(Q4)
        if self.customer.country == "DE" or self.h.currency_seed % 2 or product.vat_index == 0:
            return product.gross_price
        rate = rates[0] if product.vat_index == 1 else rates[1]
        return (net * (100 + rate) / 100).quantize(Q4)

    def _items(
        self, vat_mode: int, rates: tuple[Decimal, Decimal], currency: str, style: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        rng = self.rng
        count = _weighted(rng, ((1, 55), (2, 25), (3, 12), (4, 5), (5, 2), (6, 1)))
        picks = [p for p in PRODUCTS if p.vat_index != 0 or rng.random() < 0.05]
        items: list[dict[str, Any]] = []
        bulky = False
        taxed = vat_mode in (0, 4)
        for position in range(count):
            product = rng.choice(picks)
            bulky = bulky or product.bulky
            qty = 1 if product.bulky or rng.random() < 0.75 else rng.randint(2, 4)
            if self.customer.b2b and not product.bulky and rng.random() < 0.5:
                qty = rng.randint(5, 30)
            unit = self._unit_price(product, vat_mode, rates, currency)
            unrebated = (unit * qty).quantize(Q4)
            discount = ZERO
            if rng.random() < 0.06:
                discount = Decimal(rng.choice((5, 10, 15, 20)))
            total = (unrebated * (100 - discount) / 100).quantize(Q4)
            rate = (rates[0] if product.vat_index == 1 else rates[1]) if product.vat_index else ZERO
            items.append(
                self._item(
                    position,
                    product,
                    Decimal(qty).quantize(Decimal("0.000")) if style else Decimal(qty),
                    total,
                    unrebated,
                    discount,
                    _tax(total, rate) if taxed and vat_mode == 0 else ZERO,
                    product.vat_index,
                )
            )
        goods = sum((i["TotalPrice"] for i in items), ZERO)
        if rng.random() < 0.05 and goods > 20:
            value = -(goods * Decimal("0.10")).quantize(CENT)
            items.append(self._discount_line(len(items), value, rates, taxed and vat_mode == 0))
        if rng.random() < 0.01 and goods > 40:
            items.append(self._voucher_line(len(items)))
        coupon = rng.random()
        if coupon < 0.02 and goods > 30 and vat_mode == 0:
            # A discount code redeemed as a coupon: Billbee takes its VAT off the goods'.
            code = rng.choice(("WILLKOMMEN15", "HERBST15", "TREUE15"))
            value = -(goods * Decimal("0.15")).quantize(CENT)
            items.append(self._coupon_line(len(items), value, f"Rabattcode {code}", items, rates))
        elif coupon < 0.025 and goods > 40 and vat_mode == 0:
            # A single-purpose voucher: its VAT was due when it was sold, so the invoice shows
            # the goods' VAT less the voucher's.
            title = f"Einzweckgutschein EZ-{_digits(rng, 5)}"
            items.append(self._coupon_line(len(items), Decimal("-20.00"), title, items, rates))
        return items, bulky

    def _item(
        self,
        position: int,
        product: catalog.Product,
        qty: Decimal,
        total: Decimal,
        unrebated: Decimal,
        discount: Decimal,
        tax: Decimal,
        tax_index: int,
    ) -> dict[str, Any]:
        h = self.h
        return {
            "BillbeeId": h.order_id * 10 + position,
            "TransactionId": None,
            "Product": {
                "OldId": None,
                "Id": str(product.billbee_id - 10**14 + 5_000_000),
                "Title": product.title,
                "Weight": product.weight_g,
                "SKU": product.sku,
                "SkuOrId": product.sku,
                "IsDigital": False,
                "Images": [],
                "EAN": product.ean,
                "PlatformData": None,
                "TARICCode": None,
                "CountryOfOrigin": "DE",
                "BillbeeId": product.billbee_id,
                "Type": 1,
            },
            "Quantity": qty,
            "TotalPrice": total,
            "TaxAmount": tax,
            "TaxIndex": tax_index,
            "Discount": discount,
            "Attributes": [],
            "GetPriceFromArticleIfAny": False,
            "IsCoupon": False,
            "ShippingProfileId": None,
            "DontAdjustStock": False,
            "UnrebatedTotalPrice": unrebated,
            "SerialNumber": None,
            "InvoiceSKU": product.sku,
        }

    def _discount_line(
        self, position: int, value: Decimal, rates: tuple[Decimal, Decimal], taxed: bool
    ) -> dict[str, Any]:
        code = self.rng.choice(("SOMMER10", "WILLKOMMEN10", "NEWSLETTER"))
        return {
            "BillbeeId": self.h.order_id * 10 + position,
            "TransactionId": None,
            "Product": {
                "OldId": None,
                "Id": None,
                "Title": f"Rabatt {code}",
                "Weight": None,
                "SKU": None,
                "SkuOrId": None,
                "IsDigital": False,
                "Images": [],
                "EAN": None,
                "PlatformData": None,
                "TARICCode": None,
                "CountryOfOrigin": None,
                "BillbeeId": None,
                "Type": None,
            },
            "Quantity": Decimal(1),
            "TotalPrice": value,
            "TaxAmount": _tax(value, rates[0]) if taxed else ZERO,
            "TaxIndex": 1,
            "Discount": ZERO,
            "Attributes": [],
            "GetPriceFromArticleIfAny": False,
            "IsCoupon": False,
            "ShippingProfileId": None,
            "DontAdjustStock": True,
            "UnrebatedTotalPrice": value,
            "SerialNumber": None,
            "InvoiceSKU": None,
        }

    def _coupon_line(
        self,
        position: int,
        value: Decimal,
        title: str,
        items: list[dict[str, Any]],
        rates: tuple[Decimal, Decimal],
    ) -> dict[str, Any]:
        """A coupon line carrying the VAT it takes off, in proportion to the goods' rates (the
        goods and discount lines; another coupon is a payment and does not count)."""
        by_rate: dict[Decimal, Decimal] = {}
        for item in items:
            if item["IsCoupon"]:
                continue
            rate = (
                rates[0] if item["TaxIndex"] == 1 else rates[1] if item["TaxIndex"] == 2 else ZERO
            )
            by_rate[rate] = by_rate.get(rate, ZERO) + item["TotalPrice"]
        goods = sum(by_rate.values(), ZERO)
        tax = sum(
            (_tax(value * part / goods, rate) for rate, part in by_rate.items() if goods),
            ZERO,
        )
        line = self._discount_line(position, value, (ZERO, ZERO), False)
        line["Product"]["Title"] = title
        line["IsCoupon"] = True
        line["TaxIndex"] = 0
        line["TaxAmount"] = DOTNET.plus(tax) if tax else Decimal("0.0000")
        return line

    def _voucher_line(self, position: int) -> dict[str, Any]:
        line = self._discount_line(position, Decimal("-25.00"), (ZERO, ZERO), False)
        line["Product"]["Title"] = f"Gutschein GS-{_digits(self.rng, 6)}"
        line["IsCoupon"] = True
        line["TaxIndex"] = 0
        return line

    def _shipping(
        self, items: list[dict[str, Any]], bulky: bool, vat_mode: int, currency: str
    ) -> Decimal:
        country = self.customer.country
        goods = sum((i["TotalPrice"] for i in items), ZERO)
        if self.shop.platform in ("Amazon", "Otto", "Kaufland") and self.rng.random() < 0.6:
            return Decimal("0.00")
        if country == "DE":
            cost = (
                Decimal("49.00") if bulky else (Decimal("0.00") if goods >= 50 else Decimal("4.90"))
            )
        elif country in EU_RATES:
            cost = Decimal("89.00") if bulky else Decimal("9.90")
        else:
            cost = Decimal("149.00") if bulky else Decimal("19.90")
        if vat_mode in (2, 3):
            cost = (cost * 100 / 119).quantize(CENT)
        if currency != "EUR":
            cost = (cost * FX[currency]).quantize(CENT)
        return cost

    def _address(self) -> dict[str, Any]:
        c = self.customer
        return {
            "BillbeeId": c.customer_id + 1,
            "FirstName": c.first_name,
            "LastName": c.last_name,
            "Company": c.company,
            "NameAddition": None,
            "Street": c.street,
            "HouseNumber": c.house_number,
            "Zip": c.zip,
            "City": c.city,
            "CountryISO2": c.country,
            "Country": c.country
            if self.rng.random() < 0.3
            else catalog.COUNTRY_NAMES.get(c.country, c.country),
            "Email": c.email,
            "Phone": c.phone,
            "Line2": None,
            "State": None,
        }

    def _seller(self) -> dict[str, Any]:
        shop = self.shop
        if shop is MANUAL:
            return {
                "Platform": None,
                "BillbeeShopName": None,
                "BillbeeShopId": None,
                "Id": None,
                "Nick": None,
                "FirstName": None,
                "LastName": None,
                "FullName": None,
                "Email": None,
            }
        return {
            "Platform": shop.platform,
            "BillbeeShopName": shop.name,
            "BillbeeShopId": shop.shop_id,
            "Id": None,
            "Nick": None,
            "FirstName": None,
            "LastName": None,
            "FullName": None,
            "Email": None,
        }

    def _customer(self) -> dict[str, Any]:
        c = self.customer
        name = f"{c.first_name} {c.last_name}"
        return {
            "Id": c.customer_id,
            "Name": c.company or name,
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
        }

    def _transaction_id(self) -> str | None:
        payment = self.h.payment
        if payment == 3:
            return "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXY") for _ in range(17))
        if payment == 63:
            return "pi_" + "".join(
                self.rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789") for _ in range(24)
            )
        return None

    def _payment_reference(self, order_number: str | None) -> str | None:
        h = self.h
        if h.payment in PREPAYMENT | PAY_ON_INVOICE:
            if h.invoice_no is not None and h.payment in PAY_ON_INVOICE:
                year = self.fmt(h.invoice_ts)[:4]  # type: ignore[index]
                return f"RE-{year}-{h.invoice_no}"
            return order_number or f"BB{h.order_id}"
        if h.payment == 61:
            return order_number
        return None

    def _payments(self, total: Decimal, order_number: str | None) -> list[dict[str, Any]]:
        h, rng = self.h, self.rng
        if h.paid is None:
            return []
        sources = {
            3: ("PayPal", "PayPal-Konto shop@holzkunst.example"),
            63: ("Stripe", "Stripe"),
            61: ("Amazon", "Amazon Payments"),
            98: ("Klarna", "Klarna"),
            104: ("eBay", "eBay Managed Payments"),
            136: ("Kaufland", "Kaufland Payments"),
            97: ("Etsy", "Etsy Payments"),
            119: ("Otto", "OTTO Payments"),
        }
        technology, text = sources.get(h.payment, ("Bankimport", "Sparkasse Girokonto"))
        reference = self._payment_reference(order_number) or order_number
        purpose = reference
        if technology == "Bankimport" and reference and rng.random() < 0.3:
            purpose = f"Rechnung {reference} vielen Dank"
        return [
            {
                "BillbeeId": h.order_id * 10 + 9,
                "TransactionId": self._transaction_id() or _digits(rng, 12),
                "PayDate": self.fmt(h.paid),
                "PaymentType": h.payment,
                "SourceTechnology": technology,
                "SourceText": text,
                "PayValue": total,
                "Purpose": purpose,
                "Name": self.customer.company
                or f"{self.customer.first_name} {self.customer.last_name}",
            }
        ]

    def _shipments(self) -> list[dict[str, Any]]:
        h, rng = self.h, self.rng
        if h.shipped is None:
            return []
        carrier = (
            catalog.FREIGHT
            if self.shop.platform == "Otto" and rng.random() < 0.1
            else _weighted(rng, tuple((c, c[6]) for c in catalog.CARRIERS))
        )
        name, carrier_id, provider, product, _product_name, url, _ = carrier
        tracking = _digits(rng, 20) if name == "DHL" else _digits(rng, 14)
        shipments = [
            {
                "BillbeeId": h.order_id + 5,
                "ShippingId": tracking,
                "Shipper": name,
                "Created": self.fmt(h.shipped),
                "TrackingUrl": url + tracking if url != "-" else "-",
                "ShippingProviderId": provider,
                "ShippingProviderProductId": product,
                "ShippingCarrier": carrier_id,
                "ShipmentType": 0,
            }
        ]
        if h.returned is not None:
            shipments.append(
                dict(
                    shipments[0],
                    BillbeeId=h.order_id + 6,
                    ShippingId=_digits(rng, 20),
                    Created=self.fmt(h.returned),
                    ShipmentType=1,
                )
            )
        return shipments

    def _history(self) -> list[dict[str, Any]]:
        h = self.h
        events = [(h.created, "Auftrag eingelesen", 0)]
        if h.paid is not None:
            events.append((h.paid, "Zahlung erhalten", 27))
        if h.invoice_ts is not None and h.invoice_no is not None:
            events.append((h.invoice_ts, "Rechnung erstellt", 5))
        if h.shipped is not None:
            events.append((h.shipped, "Versendet", 9))
        if h.cancelled is not None:
            events.append((h.cancelled, "Storniert", 12))
        return [
            {
                "Created": self.fmt(ts),
                "EventTypeName": name,
                "Text": "",
                "EmployeeName": None,
                "TypeId": type_id,
            }
            for ts, name, type_id in events
        ]


PRODUCT_WEIGHT = {p.sku: p.weight_g for p in PRODUCTS}


def _order_number(rng: random.Random, shop: Shop, n: int) -> tuple[str | None, str | None]:
    """(OrderNumber, Id) in each platform's format; manual orders have neither."""
    platform = shop.platform
    if platform is None:
        return None, None
    if platform == "Shopify":
        return f"#{1001 + n}", _digits(rng, 13)
    if platform == "Amazon":
        number = f"{rng.choice(('302', '303', '304', '028'))}-{_digits(rng, 7)}-{_digits(rng, 7)}"
    elif platform == "eBay":
        number = f"{_digits(rng, 2)}-{_digits(rng, 5)}-{_digits(rng, 5)}"
    elif platform == "WooCommerce":
        number = str(4711 + n)
    elif platform == "Kaufland":
        number = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
    elif platform == "Etsy":
        number = _digits(rng, 10)
    elif platform == "Otto":
        number = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(8))
    elif platform == "Magento":
        number = f"{100000000 + n:09d}"
    else:
        number = f"SW{10000 + n}"
    return number, number


def _exact(value: Any) -> Decimal:
    """A JSON amount as Decimal (orders added as raw JSON hold plain numbers)."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _invoice_item(
    ds: Dataset, h: Header, order: dict[str, Any], include_positions: bool
) -> dict[str, Any]:
    """An entry of ``GET /orders/invoices`` (billbee-api.md §3.6) for an invoiced order."""
    items = order.get("OrderItems") or []
    vat_mode = order.get("VatMode") or 0
    rate1 = _exact(order.get("TaxRate1"))
    rate2 = _exact(order.get("TaxRate2"))
    positions = []
    net_total = ZERO
    for rank, item in enumerate(items, start=1):
        index = item.get("TaxIndex") or 0
        rate = (rate1 if index == 1 else rate2 if index == 2 else ZERO) if vat_mode == 0 else ZERO
        gross = _exact(item.get("TotalPrice"))
        tax = _exact(item.get("TaxAmount")) if vat_mode == 0 else ZERO
        net = (gross - tax).quantize(Q4)
        net_total += net
        qty = _exact(item.get("Quantity")) or Decimal(1)
        product = item.get("Product") or {}
        article = product.get("BillbeeId")
        positions.append(
            {
                "BillbeeId": item["BillbeeId"],
                "Position": rank,
                "Amount": qty,
                "NetValue": (net / qty).quantize(Q4) if qty else net,
                "TotalNetValue": net,
                "GrossValue": (gross / qty).quantize(Q4) if qty else gross,
                "TotalGrossValue": gross,
                "VatRate": rate,
                "TotalVatAmount": tax.quantize(Q4) if tax else ZERO,
                "RebatePercent": item.get("Discount") or ZERO,
                "ArticleBillbeeId": article - 10**14 if article else None,
                "Sku": product.get("SKU"),
                "Title": product.get("Title"),
            }
        )
    shipping = _exact(order.get("ShippingCost"))
    ship_rate = ZERO
    if vat_mode == 0 and shipping:
        ship_rate = rate1 if any(i.get("TaxIndex") == 1 for i in items) or not items else rate2
    ship_tax = _tax(shipping, ship_rate).quantize(Q4) if ship_rate else ZERO
    net_total += shipping - ship_tax
    address = order.get("InvoiceAddress") or {}
    customer = ds.customers[h.customer] if h.custom is None else None
    country = address.get("CountryISO2")
    source = order.get("DeliverySourceCountryCode")
    return {
        "BillbeeId": order["BillBeeOrderId"],
        "InvoiceNumber": f"{order.get('InvoiceNumberPrefix') or ''}{order.get('InvoiceNumber')}"
        f"{order.get('InvoiceNumberPostfix') or ''}",
        "Type": "creditnote" if h.kind == KIND_CREDIT else "invoice",
        "OrderNumber": order.get("OrderNumber"),
        "InvoiceDate": order.get("InvoiceDate"),
        "PayDate": order.get("PayedAt"),
        "TotalNet": _round2(net_total),
        "TotalGross": order.get("TotalCost"),
        "Currency": order.get("Currency"),
        "PaymentTypeId": order.get("PaymentMethod"),
        "TransactionId": order.get("PaymentTransactionId"),
        "VatMode": vat_mode,
        "VatFlags": {
            "ThirdPartyCountry": vat_mode == 3,
            "SrcCountryIsEqualToDstCountry": (source or "DE") == country,
            "CustomerHasVatId": bool(order.get("CustomerVatId") or order.get("VatId")),
            "EuDeliveryThresholdExceeded": True,
            "OssEnabled": True,
            "SellerIsRegisteredInDstCountry": country in ("DE", source),
            "OrderDistributionCountryIsEmpty": source is None,
            "UserProfileCountryIsEmpty": False,
            "SetIglWhenVatIdIsAvailableEnabled": True,
            "IsDistanceSale": vat_mode == 0 and country not in ("DE", source),
            "RatesFrom": "destination_country",
            "VatIdFrom": "order",
        },
        "ShippingCountry": country,
        "MerchantVatId": order.get("MerchantVatId"),
        "CustomerVatId": order.get("CustomerVatId"),
        "CustomerNumber": int(customer.number) if customer else 0,
        "DebtorNumber": int(customer.number) if customer else 0,
        "Title": None,
        "Salutation": None,
        "FirstName": address.get("FirstName"),
        "LastName": address.get("LastName"),
        "Company": address.get("Company"),
        "Email": address.get("Email"),
        "ShopName": (order.get("Seller") or {}).get("BillbeeShopName"),
        "AdditionalFees": [
            {
                "Type": "ShipCost",
                "Gross": shipping,
                "Net": shipping - ship_tax,
                "VatAmount": ship_tax,
                "VatRate": ship_rate,
            }
        ]
        if shipping
        else [],
        "Positions": positions if include_positions else None,
    }
