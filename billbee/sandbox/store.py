"""The sandbox's state: data, the filter index, server-side throttling, faults and statistics.

All methods are called with ``SandboxState.lock`` held by the HTTP layer, except rendering,
which only reads headers.
"""

from __future__ import annotations

import bisect
import random
import re
import threading
import time
from collections import Counter, OrderedDict, deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .. import jsonutil
from .catalog import CHANNELS, MANUAL, PRODUCTS
from .generator import KIND_CREDIT, PAY_ON_INVOICE, SUBCENT_TOTALS, Dataset, Header

EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
FAULT_KINDS = ("429", "500", "502", "503", "timeout", "malformed", "reset", "bad_pdf")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def to_ms(value: datetime) -> int:
    return (value - EPOCH) // timedelta(milliseconds=1)


def parse_latency(spec: str | float | list[Any] | tuple[Any, ...] | None) -> tuple[float, float]:
    """``40`` or ``20-80`` (milliseconds) → (lowest, highest) added latency."""
    if spec is None or spec == "":
        return (0.0, 0.0)
    if isinstance(spec, list | tuple):
        if len(spec) != 2:
            raise ValueError("latency: give the lowest and the highest milliseconds")
        low, high = float(spec[0]), float(spec[1])
    elif isinstance(spec, str) and "-" in spec.strip().lstrip("-"):
        low_text, _, high_text = spec.strip().partition("-")
        low, high = float(low_text), float(high_text)
    else:
        low = high = float(spec)
    if not 0 <= low <= high <= 60_000:
        raise ValueError(f"latency {spec!r}: give 0 ≤ lowest ≤ highest ≤ 60000 milliseconds")
    return (low, high)


def parse_faults(spec: str | dict[str, Any] | None) -> dict[str, float]:
    """``429=0.05,500=0.02,timeout=0.01,malformed=0.01`` → probabilities per request."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        items = spec.items()
    else:
        items = (part.split("=", 1) for part in spec.split(",") if part.strip())  # type: ignore[assignment]
    faults: dict[str, float] = {}
    for name, value in items:
        name = str(name).strip().lower()
        if name not in FAULT_KINDS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS)}")
        probability = float(value)
        if not 0 <= probability <= 1:
            raise ValueError(f"fault {name}: probability {probability} is not within 0..1")
        faults[name] = probability
    if sum(faults.values()) > 1:
        raise ValueError("fault probabilities add up to more than 1")
    return faults


@dataclass
class SandboxConfig:
    username: str = "sandbox@example.com"
    api_password: str = "sandbox-api-password"  # noqa: S105 - the sandbox's public default
    api_key: str = "sandbox-api-key"
    # Requests per second per endpoint per (API key, user); 0 = no throttling at all.
    rate_limit: float = 2.0
    user_rate_limit: float = 10.0
    # Multiplies the per-resource windows (invoice list 60 s, CreateInvoice 300 s, single
    # order 60 s); tests use small factors.
    throttle_scale: float = 1.0
    faults: dict[str, float] = field(default_factory=dict)
    # Faults for the next API requests, in order, before the random ones apply (tests).
    fail_next: list[str] = field(default_factory=list)
    fault_delay: float = 30.0
    # Retry-After sent with injected 429s; a negative value sends no Retry-After header.
    fault_retry_after: int = 1
    # Added network latency in milliseconds, uniformly random between the two values, before
    # a request arrives (and is counted by the throttle): a jittery network.
    latency_ms: tuple[float, float] = (0.0, 0.0)
    # Share of invoices whose number in the invoice register is printed zero-padded
    # ("RE-2026-000081") while the order's prefix + number + postfix read "RE-2026-81", as
    # after a change of the number format in Billbee.
    register_number_share: float = 0.0
    api_active: bool = True

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data["api_password"] = "***"  # noqa: S105 - a mask, not a password
        data["api_key"] = "***"
        return data


@dataclass(slots=True)
class RequestRecord:
    seq: int
    at: float  # wall clock, seconds
    mono: float
    method: str
    endpoint: str
    path: str
    status: int
    scope: str
    fault: str | None


class Throttle:
    """Server-side sliding windows over *accepted* arrivals (rejected ones do not count), as
    strict as a server can be: at most ``limit`` arrivals in any *closed* interval of
    ``seconds`` (two arrivals exactly one window apart share it).

    Arrival times are taken when a request comes in, before it waits for the state lock, so a
    request may be checked after a later one: logs are kept sorted by arrival, and an arrival
    is refused when it would overfill any window around it, also one that lies after it."""

    def __init__(self) -> None:
        self._arrivals: dict[str, list[float]] = {}

    @staticmethod
    def _excess(log: list[float], arrival: float, limit: int, seconds: float) -> float:
        """0 if ``arrival`` fits into ``log``; else how long after it the window that it would
        overfill ends (at least a millisecond)."""
        low = bisect.bisect_left(log, arrival - seconds)
        high = bisect.bisect_right(log, arrival + seconds)
        around = log[low:high]
        position = bisect.bisect_right(around, arrival)
        merged = [*around[:position], arrival, *around[position:]]
        excess = 0.0
        # Every run of limit + 1 consecutive arrivals that includes this one.
        for first in range(max(0, position - limit), position + 1):
            last = first + limit
            if last < len(merged) and merged[last] - merged[first] <= seconds:
                excess = max(excess, merged[first] + seconds - arrival, 0.001)
        return excess

    def check(self, windows: list[tuple[str, int, float]], arrival: float) -> float | None:
        """None if admitted (and recorded), else the seconds until it would be."""
        wait = 0.0
        for key, limit, seconds in windows:
            log = self._arrivals.get(key)
            if not log:
                continue
            # Arrivals two windows old can no longer share a window with this or a later one.
            del log[: bisect.bisect_left(log, arrival - 2 * seconds)]
            wait = max(wait, self._excess(log, arrival, limit, seconds))
        if wait > 0:
            return wait
        for key, _limit, _seconds in windows:
            bisect.insort(self._arrivals.setdefault(key, []), arrival)
        if len(self._arrivals) > 50_000:
            for key in [k for k, log in self._arrivals.items() if not log]:
                del self._arrivals[key]
        return None

    def reset(self) -> None:
        self._arrivals.clear()


class SandboxState:
    def __init__(
        self,
        *,
        orders: int,
        seed: int,
        days: int,
        end: datetime | None,
        tz: ZoneInfo,
        config: SandboxConfig,
        cache_mb: int = 256,
        subcent_totals: float = SUBCENT_TOTALS,
    ) -> None:
        self.lock = threading.RLock()
        self.subcent_totals = subcent_totals
        self.cache_bytes = cache_mb * 1024 * 1024
        self.orders, self.seed, self.days, self.end = orders, seed, days, end
        self.config = config
        self.tz = tz
        self.throttle = Throttle()
        self._build()

    def _build(self) -> None:
        end = self.end or datetime.now(self.tz)
        self.dataset = Dataset(
            orders=self.orders,
            seed=self.seed,
            end=end,
            days=self.days,
            tz=self.tz,
            subcent_totals=self.subcent_totals,
        )
        self.by_id = {h.order_id: h for h in self.dataset.headers}
        self.by_ref: dict[str, Header] = {}
        for h in self.dataset.headers:
            for ref in (h.number, h.external_id):
                if ref:
                    self.by_ref.setdefault(ref, h)
        rng = random.Random(self.seed * 17 + 3)
        self.stock = {product.sku: Decimal(rng.randint(0, 250)) for product in PRODUCTS}
        self.version = 0
        self._encoded: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._encoded_size = 0
        # Raw orders inserted with an id below existing ones break the headers' id order.
        self.out_of_order = False
        self._cache: OrderedDict[tuple[Any, ...], list[Header]] = OrderedDict()
        # (LastModifiedAt, index) in order: day-window queries read a slice instead of
        # scanning every order, as Billbee's own index would.
        self._by_modified = sorted((int(h.modified), h.index) for h in self.dataset.headers)
        self.mutation_rng = random.Random(self.seed * 101 + 7)
        self.fault_rng = random.Random(self.seed * 103 + 11)
        self.latency_rng = random.Random(self.seed * 107 + 13)
        # Invoice-register fields that differ from what the order implies, per order id
        # (control API ``POST /__sandbox__/orders/{id}/register``).
        self.register_overrides: dict[int, dict[str, Any]] = {}
        # Messages written through ``POST /orders/{id}/message``, per order id (control API
        # ``GET /__sandbox__/orders/{id}/messages``).
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.reset_stats()

    def reset(self) -> None:
        self._build()
        self.throttle.reset()

    def register_set(self, h: Header, fields: dict[str, Any]) -> None:
        """Register fields that differ from what the order implies (``InvoiceNumber``,
        ``VatFlags`` …). An order added as raw JSON enters the register with its invoice."""
        self.register_overrides[h.order_id] = dict(fields)
        if h.custom is not None and isinstance(h.custom.get("InvoiceNumber"), int):
            h.invoice_no = h.custom["InvoiceNumber"]
            h.invoice_ts = self._parse_local(h.custom.get("InvoiceDate")) or h.created
        self.version += 1

    def register_entry(self, h: Header, entry: dict[str, Any]) -> dict[str, Any]:
        """An invoice-register entry as served: the configured share printed in another
        number format, then the overrides set for the order."""
        share = self.config.register_number_share
        order_number = entry.get("InvoiceNumber") or ""
        if share > 0 and (h.order_id * 2654435761) % 1000 < share * 1000:
            match = re.fullmatch(r"(.*?)(\d+)(\D*)", order_number)
            if match:
                prefix, digits, postfix = match.groups()
                entry = {**entry, "InvoiceNumber": f"{prefix}{int(digits):06d}{postfix}"}
        override = self.register_overrides.get(h.order_id)
        if override:
            flags = {**(entry.get("VatFlags") or {}), **(override.get("VatFlags") or {})}
            entry = {**entry, **override, "VatFlags": flags}
        return entry

    def warm(self) -> None:
        """Encode every order once, so that serving them costs what a real API's stored
        data costs (benchmarks measure the client, not the data generator)."""
        for h in self.dataset.headers:
            self.order_json(h)

    # ------------------------------------------------------------------ statistics

    def reset_stats(self) -> None:
        self.records: deque[RequestRecord] = deque(maxlen=200_000)
        self.seq = 0
        self.counts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.fault_counts: Counter[str] = Counter()
        self.throttled = 0

    def record(
        self,
        *,
        arrival_wall: float,
        arrival_mono: float,
        method: str,
        endpoint: str,
        path: str,
        status: int,
        scope: str,
        fault: str | None,
    ) -> None:
        self.seq += 1
        self.records.append(
            RequestRecord(
                self.seq, arrival_wall, arrival_mono, method, endpoint, path, status, scope, fault
            )
        )
        self.counts[endpoint] += 1
        self.statuses[status] += 1
        if fault:
            self.fault_counts[fault] += 1
        elif status == 429:
            self.throttled += 1

    def stats(self, with_log: bool = False, since: int = 0) -> dict[str, Any]:
        data: dict[str, Any] = {
            "requests": sum(self.counts.values()),
            "by_endpoint": dict(self.counts),
            "by_status": {str(k): v for k, v in self.statuses.items()},
            "throttled": self.throttled,
            "faults": dict(self.fault_counts),
            "seq": self.seq,
            "max_per_second": self.max_per_window(1.0),
        }
        if with_log:
            data["log"] = [asdict(r) for r in self.records if r.seq > since]
        return data

    def max_per_window(self, seconds: float) -> dict[str, int]:
        """Per (scope, endpoint): the most *served* (non-429) requests that arrived within
        any interval of ``seconds``: what a limit of N per second is checked against."""
        arrivals: dict[str, list[float]] = {}
        for r in self.records:
            if r.status != 429 and not r.endpoint.startswith("control"):
                arrivals.setdefault(f"{r.scope} {r.endpoint}", []).append(r.mono)
        result = {}
        for key, times in arrivals.items():
            times.sort()
            best = start = 0
            for end, t in enumerate(times):
                # Closed intervals, as the throttle counts them.
                while times[start] < t - seconds:
                    start += 1
                best = max(best, end - start + 1)
            result[key] = best
        return result

    # ------------------------------------------------------------------ throttling and faults

    def admit(
        self, *, scope: str, endpoint: str, arrival: float, resource: tuple[str, int, float] | None
    ) -> float | None:
        config = self.config
        if config.rate_limit <= 0:
            return None
        windows: list[tuple[str, int, float]] = []
        limit = max(1, int(config.rate_limit))
        windows.append((f"{scope}|{endpoint}", limit, limit / config.rate_limit))
        if config.user_rate_limit > 0:
            user_limit = max(1, int(config.user_rate_limit))
            windows.append((f"{scope}|*", user_limit, user_limit / config.user_rate_limit))
        if resource is not None:
            key, count, seconds = resource
            windows.append((f"{scope}|{key}", count, seconds * config.throttle_scale))
        return self.throttle.check(windows, arrival)

    def latency(self) -> float:
        """Seconds of added network latency for one request (0 when none is configured)."""
        low, high = self.config.latency_ms
        if high <= 0:
            return 0.0
        return self.latency_rng.uniform(low, high) / 1000

    def roll_fault(self) -> str | None:
        if self.config.fail_next:
            return self.config.fail_next.pop(0)
        faults = self.config.faults
        if not faults:
            return None
        pick = self.fault_rng.random()
        for name in FAULT_KINDS:
            pick -= faults.get(name, 0.0)
            if pick < 0:
                return name
        return None

    # ------------------------------------------------------------------ encoded orders

    def order_json(self, h: Header) -> bytes:
        """An order's JSON, from a bounded cache (least recently used out first). The key
        holds the order's revision (and its original's, for credit notes), so a change is
        never served stale."""
        parent_rev = self.dataset.headers[h.parent].rev if h.parent >= 0 else 0
        key = (h.order_id, h.rev, parent_rev)
        data = self._encoded.get(key)
        if data is not None:
            self._encoded.move_to_end(key)
            return data
        data = jsonutil.dumps(self.dataset.render_order(h)).encode("utf-8")
        if h.custom is None and self.cache_bytes:
            self._encoded[key] = data
            self._encoded_size += len(data)
            while self._encoded_size > self.cache_bytes and self._encoded:
                _, old = self._encoded.popitem(last=False)
                self._encoded_size -= len(old)
        return data

    # ------------------------------------------------------------------ queries

    def _cached(self, key: tuple[Any, ...], compute: Any) -> list[Header]:
        full_key = (*key, self.version)
        hit = self._cache.get(full_key)
        if hit is None:
            hit = compute()
            self._cache[full_key] = hit
            while len(self._cache) > 16:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(full_key)
        return hit

    def query_orders(self, f: dict[str, Any]) -> list[Header]:
        """Matching orders in ascending BillBeeOrderId."""
        key = ("orders", tuple(sorted((k, _hashable(v)) for k, v in f.items())))

        def compute() -> list[Header]:
            if "modified_min" in f or "modified_max" in f:
                entries = self._by_modified
                lo = (
                    bisect.bisect_right(entries, (f["modified_min"], 1 << 62))
                    if "modified_min" in f
                    else 0
                )
                hi = (
                    bisect.bisect_right(entries, (f["modified_max"], 1 << 62))
                    if "modified_max" in f
                    else len(entries)
                )
                headers = self.dataset.headers
                found = [headers[i] for _, i in entries[lo:hi]]
                found = [h for h in found if _order_matches(h, f)]
                found.sort(key=lambda h: h.order_id)
                return found
            found = [h for h in self.dataset.headers if _order_matches(h, f)]
            if self.out_of_order:
                found.sort(key=lambda h: h.order_id)
            return found

        return self._cached(key, compute)

    def query_invoices(self, f: dict[str, Any]) -> list[Header]:
        key = ("invoices", tuple(sorted((k, _hashable(v)) for k, v in f.items())))

        def compute() -> list[Header]:
            found = [
                h
                for h in self.dataset.headers
                if h.invoice_no is not None and _invoice_matches(h, f)
            ]
            found.sort(key=lambda h: (h.invoice_ts, h.index))
            return found

        return self._cached(key, compute)

    def find_ref(self, ref: str) -> Header | None:
        return self.by_ref.get(ref)

    # ------------------------------------------------------------------ changes

    def _touch(self, h: Header, at: int | None = None) -> None:
        """Every change moves LastModifiedAt forward, wherever the served value comes from."""
        self._unindex(h)
        h.modified = max(at or now_ms(), int(h.modified) + 1)
        bisect.insort(self._by_modified, (int(h.modified), h.index))
        h.rev += 1
        stamp = self.dataset.fmt(h.modified)
        if h.custom is not None:
            h.custom["LastModifiedAt"] = stamp
        if h.patch and "LastModifiedAt" in h.patch:
            h.patch["LastModifiedAt"] = stamp
        self.version += 1

    def _unindex(self, h: Header) -> None:
        entry = (int(h.modified), h.index)
        position = bisect.bisect_left(self._by_modified, entry)
        if position < len(self._by_modified) and self._by_modified[position] == entry:
            del self._by_modified[position]

    def set_state(self, h: Header, state: int) -> None:
        at = now_ms()
        if state == 3 and h.paid is None:
            h.paid = at
        if state in (4, 7) and h.shipped is None:
            h.shipped = at
            if h.paid is None and h.payment not in PAY_ON_INVOICE:
                h.paid = at
        if state == 8 and h.cancelled is None:
            h.cancelled = at
        if state == 17 and h.returned is None:
            h.returned = at
        h.state = state
        if h.custom is not None:
            h.custom["State"] = state
        if h.patch and "State" in h.patch:
            h.patch["State"] = state
        self._touch(h, at)

    def create_invoice(self, h: Header) -> bool:
        """Assigns the next number unless the order has one; True if it was created now."""
        if h.invoice_no is not None:
            return False
        at = now_ms()
        h.invoice_no = self.dataset.take_number(h.kind)
        h.invoice_ts = at
        self._touch(h, at)
        return True

    def add_tags(self, h: Header, tags: list[str], replace: bool = False) -> None:
        current = [] if replace else list(h.tags)
        lowered = {t.lower() for t in current}
        for tag in tags:
            if tag.lower() not in lowered:
                current.append(tag)
                lowered.add(tag.lower())
        h.tags = tuple(current)
        if h.custom is not None:
            h.custom["Tags"] = list(current)
        self._touch(h)

    def add_message(self, h: Header, message: dict[str, Any]) -> None:
        self.messages.setdefault(h.order_id, []).append(message)
        self._touch(h)

    def patch(self, h: Header, fields: dict[str, Any]) -> None:
        """Overwrites top-level fields of one order (tests construct odd cases this way)."""
        h.patch = {**(h.patch or {}), **fields}
        if "State" in fields and isinstance(fields["State"], int):
            h.state = fields["State"]
        self._touch(h)
        h.patch["LastModifiedAt"] = self.dataset.fmt(h.modified)

    def insert_custom(self, raw: dict[str, Any]) -> Header:
        """Adds an order given as raw JSON, exactly as it should be served."""
        h = Header(len(self.dataset.headers))
        order_id = raw.get("BillBeeOrderId")
        if (
            isinstance(order_id, int)
            and not isinstance(order_id, bool)
            and (order_id not in self.by_id)
        ):
            h.order_id = order_id
            self.out_of_order = self.out_of_order or order_id < max(self.by_id, default=0)
        else:
            h.order_id = max(self.by_id) + 7 if self.by_id else h.order_id
            raw["BillBeeOrderId"] = h.order_id
        state = raw.get("State")
        h.state = state if isinstance(state, int) and not isinstance(state, bool) else 0
        seller = raw.get("Seller") if isinstance(raw.get("Seller"), dict) else {}
        shop_id = seller.get("BillbeeShopId") if seller else None
        h.channel = next(
            (i for i, s in enumerate(CHANNELS) if s.shop_id == shop_id), CHANNELS.index(MANUAL)
        )
        h.created = self._parse_local(raw.get("CreatedAt")) or now_ms()
        h.modified = self._parse_local(raw.get("LastModifiedAt")) or now_ms()
        if not isinstance(raw.get("LastModifiedAt"), str):
            raw["LastModifiedAt"] = self.dataset.fmt(h.modified)
        h.tags = tuple(t for t in raw.get("Tags") or () if isinstance(t, str))
        h.number = raw.get("OrderNumber") if isinstance(raw.get("OrderNumber"), str) else None
        h.custom = raw
        self.dataset.headers.append(h)
        bisect.insort(self._by_modified, (int(h.modified), h.index))
        self.by_id[h.order_id] = h
        if h.number:
            self.by_ref.setdefault(h.number, h)
        self.version += 1
        return h

    def _parse_local(self, value: Any) -> int | None:
        if not isinstance(value, str):
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return to_ms(parsed)

    def churn(
        self,
        *,
        new_orders: int = 0,
        state_changes: int = 0,
        invoices: int = 0,
        cancellations: int = 0,
    ) -> dict[str, list[int]]:
        """Business as usual, right now: new orders arrive, orders get paid and shipped,
        invoices get written, some invoiced orders are cancelled (without credit note: the
        case an operator must see)."""
        rng = self.mutation_rng
        created: list[int] = []
        changed: list[int] = []
        for _ in range(new_orders):
            h = self.dataset.new_header(now_ms(), rng, target=rng.choice((1, 3, 3)))
            bisect.insort(self._by_modified, (int(h.modified), h.index))
            self.by_id[h.order_id] = h
            for ref in (h.number, h.external_id):
                if ref:
                    self.by_ref.setdefault(ref, h)
            created.append(h.order_id)
        self.version += 1
        progress = {1: 3, 2: 3, 3: 4, 13: 4, 16: 4, 4: 7}
        movable = [
            h
            for h in self.dataset.headers
            if h.kind != KIND_CREDIT
            and h.custom is None
            and h.state in progress
            and h.order_id not in created
        ]
        for h in rng.sample(movable, min(state_changes, len(movable))):
            self.set_state(h, progress[h.state])
            changed.append(h.order_id)
        billable = [
            h
            for h in self.dataset.headers
            if h.invoice_no is None and h.custom is None and h.state in (3, 4, 7)
        ]
        for h in rng.sample(billable, min(invoices, len(billable))):
            self.create_invoice(h)
            changed.append(h.order_id)
        cancellable = [
            h
            for h in self.dataset.headers
            if h.invoice_no is not None
            and h.custom is None
            and h.kind != KIND_CREDIT
            and h.state in (3, 4)
        ]
        for h in rng.sample(cancellable, min(cancellations, len(cancellable))):
            self.set_state(h, 8)
            changed.append(h.order_id)
        return {"created": created, "changed": sorted(set(changed))}

    # ------------------------------------------------------------------ reference data

    def product_by(self, key: str, lookup_by: str) -> Any:
        for product in PRODUCTS:
            if (
                (lookup_by == "sku" and product.sku == key)
                or (lookup_by == "ean" and product.ean == key)
                or (lookup_by == "id" and str(product.billbee_id) == key)
            ):
                return product
        return None


def _hashable(value: Any) -> Any:
    return tuple(sorted(value)) if isinstance(value, set | frozenset | list) else value


def _order_matches(h: Header, f: dict[str, Any]) -> bool:
    if "modified_min" in f and not h.modified > f["modified_min"]:
        return False
    if "modified_max" in f and not h.modified <= f["modified_max"]:
        return False
    if "created_min" in f and h.created < f["created_min"]:
        return False
    if "created_max" in f and h.created > f["created_max"]:
        return False
    if "states" in f and h.state not in f["states"]:
        return False
    if "shops" in f and h.shop_id not in f["shops"]:
        return False
    if "min_id" in f and h.order_id < f["min_id"]:
        return False
    if "tags" in f:
        has = bool({t.lower() for t in h.tags} & f["tags"])
        if has == bool(f.get("exclude_tags")):
            return False
    return True


def _invoice_matches(h: Header, f: dict[str, Any]) -> bool:
    ts = h.invoice_ts or 0
    if "invoice_min" in f and ts < f["invoice_min"]:
        return False
    if "invoice_max" in f and ts > f["invoice_max"]:
        return False
    if "pay_min" in f and (h.paid is None or h.paid < f["pay_min"]):
        return False
    if "pay_max" in f and (h.paid is None or h.paid > f["pay_max"]):
        return False
    return _order_matches(
        h, {k: v for k, v in f.items() if k in ("states", "shops", "tags", "exclude_tags")}
    )
