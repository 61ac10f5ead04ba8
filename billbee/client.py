"""HTTP client for the Billbee REST API v1 (billbee-api.md; Swagger: app.billbee.io/swagger).

One ``BillbeeClient`` per connection and thread. Every request:
1. reserves a slot with the rate limiter (2 req/s per endpoint per API key + user and the other
   Billbee limits, see ``billbee.throttle``) and sleeps until then: we pace *before* sending;
2. sends HTTP Basic auth (account user + API password) and ``X-Billbee-Api-Key``;
3. unwraps the envelope ``{Data, Paging, ErrorCode, ErrorMessage, ErrorDescription}`` and
   turns every failure into a ``billbee.errors`` exception;
4. retries: 429 after ``Retry-After`` (else exponential backoff with jitter over the consecutive
   throttles of that request) for any call, since a throttled request was not processed;
   5xx, timeouts, resets and garbled bodies only for idempotent calls; refused connections
   (nothing was sent) for any call;
5. logs method, path, status, duration and pacing wait; never credentials.

This module does not import Django: benchmarks and scripts use it directly.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests

from sentences import Text

from . import jsonutil
from .dto import (
    EnumItem,
    InvoiceDocument,
    Order,
    Page,
    ParseFailure,
    StockUpdateResult,
    parse_enum_items,
    parse_invoice_document,
    parse_invoice_list_item,
    parse_order,
    parse_shop_account,
    parse_stock_update,
)
from .enums import ERROR_CODES
from .errors import (
    AUTH_CHECKLIST,
    BillbeeApiNotActivated,
    BillbeeAuthError,
    BillbeeBusinessError,
    BillbeeConnectionError,
    BillbeeDataError,
    BillbeeError,
    BillbeeMalformedResponse,
    BillbeeNotFound,
    BillbeeServerError,
    BillbeeThrottled,
    BillbeeTimeout,
    BillbeeValidationError,
)
from .parsing import format_datetime_param
from .throttle import (
    Bucket,
    LocalRateLimiter,
    NoLimiter,
    RateLimiter,
    ThrottlePolicy,
    WaitTooLong,
    key_scope_for,
    scope_for,
)

logger = logging.getLogger("billbee.client")

DEFAULT_API_URL = "https://api.billbee.io/api/v1"
MAX_PAGE_SIZE = 250
USER_AGENT = "billbee-connector/0.1 (+self-hosted bookkeeping connector)"


@dataclass(slots=True)
class Paging:
    page: int
    total_pages: int
    total_rows: int
    page_size: int


@dataclass(slots=True)
class Envelope:
    status: int
    data: Any
    paging: Paging | None
    # For lists: each record's JSON text exactly as sent (see jsonutil.loads_with_record_texts).
    record_texts: list[str] | None = None


@dataclass(slots=True)
class RawRecord:
    """One record of a page, unparsed: the decoded JSON and its exact text as sent."""

    raw: Any
    text: str | None


@dataclass
class ClientStats:
    """Counters an import run copies into its record."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    waited_s: float = 0.0
    errors: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "throttled": self.throttled,
            "retries": self.retries,
            "waited_s": round(self.waited_s, 3),
            "errors": self.errors,
            "by_endpoint": dict(self.by_endpoint),
        }


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    endpoint: str
    params: dict[str, Any] | None
    body: Any
    idempotent: bool
    extra_buckets: tuple[Bucket, ...] = ()


class BillbeeClient:
    def __init__(
        self,
        *,
        username: str,
        api_password: str,
        api_key: str,
        base_url: str = DEFAULT_API_URL,
        timezone: str | ZoneInfo = "Europe/Berlin",
        timeout: float = 30.0,
        policy: ThrottlePolicy | None = None,
        limiter: RateLimiter | None = None,
        max_retries: int = 4,
        max_throttle_retries: int = 8,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)
        self.timeout = timeout
        self.policy = policy if policy is not None else ThrottlePolicy.billbee()
        if limiter is None:
            limiter = LocalRateLimiter() if self.policy.enabled else NoLimiter()
        self.limiter = limiter
        self.max_retries = max_retries
        self.max_throttle_retries = max_throttle_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stats = ClientStats()
        self._sleep = sleep
        self._scope = scope_for(api_key, username)
        self._key_scope = key_scope_for(api_key)
        self._session = session or requests.Session()
        self._session.auth = (username, api_password)
        self._session.headers.update(
            {
                "X-Billbee-Api-Key": api_key,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
        )
        self._host = urlsplit(self.base_url).netloc.rpartition("@")[2]

    def __repr__(self) -> str:
        return f"<BillbeeClient {self.base_url}>"

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ request machinery

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        endpoint: str | None = None,
        idempotent: bool | None = None,
        extra_buckets: Sequence[Bucket] = (),
    ) -> Envelope:
        """Send one API call (with pacing and retries) and return its unwrapped envelope.

        ``path`` is relative to the base URL (``/orders``). ``endpoint`` names the rate-limit
        bucket (``GET /orders/{id}``); by default numeric path segments become ``{id}``.
        """
        method = method.upper()
        call = _Call(
            method=method,
            path=path if path.startswith("/") else f"/{path}",
            endpoint=endpoint or _endpoint_name(method, path),
            params=_clean_params(params),
            body=body,
            idempotent=method in ("GET", "PUT", "DELETE") if idempotent is None else idempotent,
            extra_buckets=tuple(extra_buckets),
        )
        return self._send_with_retries(call)

    def _buckets(self, call: _Call) -> list[Bucket]:
        policy = self.policy
        buckets: list[Bucket] = []
        if policy.per_endpoint:
            buckets.append((f"{self._scope}:ep:{call.endpoint}", policy.per_endpoint))
        if policy.per_user:
            buckets.append((f"{self._scope}:all", policy.per_user))
        if policy.per_key:
            buckets.append((f"{self._key_scope}:all", policy.per_key))
        buckets.extend(call.extra_buckets)
        return buckets

    def _pace(self, call: _Call) -> float:
        buckets = self._buckets(call)
        if not buckets:
            return 0.0
        try:
            wait = self.limiter.reserve(
                buckets, margin=self.policy.margin, max_wait=self.policy.max_wait
            )
        except WaitTooLong as exc:
            raise BillbeeThrottled(
                f"Billbee allows this call again in {exc.wait:.0f} s (per-resource limit); "
                "not waiting that long here",
                retry_after=exc.wait,
                method=call.method,
                path=call.path,
            ) from None
        if wait > 0:
            self._sleep(wait)
            self.stats.waited_s += wait
        return wait

    def _send_with_retries(self, call: _Call) -> Envelope:
        attempt = 0
        throttled_attempts = 0
        while True:
            attempt += 1
            waited = self._pace(call)
            try:
                return self._send_once(call, waited)
            except BillbeeThrottled as exc:
                throttled_attempts += 1
                if throttled_attempts > self.max_throttle_retries:
                    raise
                if not exc.retry_after_sent:
                    # 429 without Retry-After (Billbee's PHP SDK issue #82): back off by the
                    # consecutive throttles of this request, never by the client's lifetime
                    # count, so one more throttle late in a long import waits the first step.
                    exc.retry_after = self._backoff(throttled_attempts)
                if exc.retry_after > self.policy.max_wait:
                    raise
                self._block_after_429(call, exc.retry_after)
                self.stats.retries += 1
            except BillbeeError as exc:
                if not self._may_retry(call, exc, attempt):
                    self.stats.errors += 1
                    raise
                delay = self._backoff(attempt)
                logger.warning(
                    "%s %s failed (%s); retry %d in %.1f s",
                    call.method,
                    call.path,
                    exc.message,
                    attempt,
                    delay,
                )
                self.stats.retries += 1
                self._sleep(delay)

    def _may_retry(self, call: _Call, exc: BillbeeError, attempt: int) -> bool:
        if attempt >= self.max_retries or not exc.retryable:
            return False
        if call.idempotent:
            return True
        # A request that never left this machine may be sent again even when repeating it
        # could have side effects.
        return isinstance(exc, BillbeeConnectionError) and exc.kind in (
            "refused",
            "dns",
            "connect-timeout",
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _block_after_429(self, call: _Call, retry_after: float) -> None:
        keys = [f"{self._scope}:ep:{call.endpoint}"]
        keys += [key for key, _ in call.extra_buckets]
        if self.policy.enabled:
            self.limiter.block(keys, retry_after)
        else:
            self._sleep(retry_after)

    def _send_once(self, call: _Call, waited: float) -> Envelope:
        url = self.base_url + call.path
        data = None
        headers = None
        if call.body is not None:
            data = jsonutil.dumps(call.body).encode("utf-8")
            headers = {"Content-Type": "application/json"}
        self.stats.requests += 1
        self.stats.by_endpoint[call.endpoint] += 1
        started = time.perf_counter()
        shown = call.path + ("?" + urlencode(call.params, doseq=True) if call.params else "")
        try:
            response = self._session.request(
                call.method,
                url,
                params=call.params,
                data=data,
                headers=headers,
                timeout=(min(10.0, self.timeout), self.timeout),
            )
        except requests.RequestException as exc:
            error = self._connection_error(exc, call)
            logger.warning(
                "%s %s -> %s after %.0f ms",
                call.method,
                shown,
                error.kind,
                (time.perf_counter() - started) * 1000,
            )
            raise error from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        level = logging.INFO if response.status_code < 400 else logging.WARNING
        logger.log(
            level,
            "%s %s -> %s in %.0f ms%s",
            call.method,
            shown,
            response.status_code,
            elapsed_ms,
            f" (paced {waited:.2f} s)" if waited > 0.0005 else "",
        )
        return self._unwrap(response, call)

    def _connection_error(
        self, exc: requests.RequestException, call: _Call
    ) -> BillbeeConnectionError:
        where: dict[str, Any] = {"method": call.method, "path": call.path}
        text = str(exc)
        if isinstance(exc, requests.ConnectTimeout):
            error: BillbeeConnectionError = BillbeeTimeout(
                f"no connection to {self._host} within {self.timeout:.0f} s", **where
            )
            error.kind = "connect-timeout"
            return error
        if isinstance(exc, requests.Timeout):
            return BillbeeTimeout(
                f"{self._host} did not answer within {self.timeout:.0f} s", **where
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return BillbeeConnectionError(
                f"TLS handshake with {self._host} failed (certificate or protocol problem)",
                kind="tls",
                **where,
            )
        if (
            "NameResolution" in text
            or "Name or service not known" in text
            or "nodename nor servname" in text
            or "getaddrinfo" in text
        ):
            return BillbeeConnectionError(
                f"the host name {self._host} cannot be resolved", kind="dns", **where
            )
        if "Connection refused" in text or "ConnectionRefused" in text:
            return BillbeeConnectionError(
                f"{self._host} refused the connection", kind="refused", **where
            )
        return BillbeeConnectionError(
            f"the connection to {self._host} broke off ({text[:120]})", kind="reset", **where
        )

    def _unwrap(self, response: requests.Response, call: _Call) -> Envelope:
        status = response.status_code
        where: dict[str, Any] = {"method": call.method, "path": call.path, "status": status}
        content = response.content
        if status == 429:
            self.stats.throttled += 1
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise BillbeeThrottled(
                "Billbee answered 429 Too Many Requests",
                # Without the header, _send_with_retries sets the back-off of this request.
                retry_after=retry_after if retry_after is not None else self._backoff(1),
                retry_after_sent=retry_after is not None,
                **where,
            )
        payload: Any = None
        texts: list[str] | None = None
        parse_error: Exception | None = None
        if content.strip():
            try:
                payload, texts = jsonutil.loads_with_record_texts(content.decode("utf-8-sig"))
            except ValueError as exc:  # includes UnicodeDecodeError
                parse_error = exc
        if status >= 500:
            raise BillbeeServerError(
                Text(
                    "Billbee server error {status}: {answer}",
                    status=status,
                    answer=_message_of(payload) or _head(content),
                ),
                **where,
            )
        if status in (401, 403):
            raise _auth_error(payload, **where)
        if status == 404:
            raise BillbeeNotFound(_message_of(payload) or "not found", **where)
        if status == 400 and isinstance(payload, dict) and payload.get("ModelState"):
            model_state = {
                str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                for k, v in payload["ModelState"].items()
            }
            error = BillbeeValidationError(
                f"{payload.get('Message') or 'request refused'}", model_state=model_state, **where
            )
            error.message = "; ".join([error.message, *error.messages])
            raise error
        if parse_error is not None or (
            status < 300 and not content.strip() and call.method == "GET"
        ):
            raise BillbeeMalformedResponse(
                Text(
                    "HTTP {status} with a body that is not Billbee JSON: {head}",
                    status=status,
                    head=repr(_head(content)),
                ),
                head=content[:200],
                retryable=call.idempotent,
                **where,
            )
        if status >= 400:
            raise BillbeeError(f"HTTP {status}: {_message_of(payload) or _head(content)}", **where)
        envelope = self._envelope(payload, status, where)
        envelope.record_texts = texts
        return envelope

    @staticmethod
    def _envelope(payload: Any, status: int, where: dict[str, Any]) -> Envelope:
        if not isinstance(payload, dict) or ("Data" not in payload and "ErrorCode" not in payload):
            # Some endpoints (enums) answer with a bare list; empty bodies mean "done".
            return Envelope(status=status, data=payload, paging=None)
        code = payload.get("ErrorCode") or 0
        if code:
            name = payload.get("ErrorDescription") or ERROR_CODES.get(code, f"Error{code}")
            message = payload.get("ErrorMessage") or name
            if code == 1:
                raise BillbeeApiNotActivated(
                    Text(
                        "the Billbee API is not activated for this account ({answer}). {checklist}",
                        answer=message,
                        checklist=AUTH_CHECKLIST,
                    ),
                    **where,
                )
            raise BillbeeBusinessError(
                f"{name} ({code}): {message}", error_code=int(code), error_name=str(name), **where
            )
        paging = None
        raw_paging = payload.get("Paging")
        if isinstance(raw_paging, dict):
            paging = Paging(
                page=int(raw_paging.get("Page") or 1),
                total_pages=int(raw_paging.get("TotalPages") or 0),
                total_rows=int(raw_paging.get("TotalRows") or 0),
                page_size=int(raw_paging.get("PageSize") or 0),
            )
        return Envelope(status=status, data=payload.get("Data"), paging=paging)

    # ------------------------------------------------------------------ paging

    def iter_raw_pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        start_page: int = 1,
        extra_buckets: Callable[[int], Sequence[Bucket]] | None = None,
    ) -> Iterator[tuple[int, Paging | None, list[RawRecord]]]:
        """Yield ``(page number, paging, records)`` one page at a time (1-based pages).

        Only one page is held in memory. It stops after ``TotalPages`` or at the first empty
        page; when a response carries no paging it stops at the first short page.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        page = start_page
        while True:
            query = dict(params or {})
            query.update(page=page, pageSize=page_size)
            envelope = self.request(
                "GET",
                path,
                params=query,
                endpoint=endpoint or f"GET {path}",
                extra_buckets=extra_buckets(page) if extra_buckets else (),
            )
            data = envelope.data or []
            if not isinstance(data, list):
                raise BillbeeMalformedResponse(
                    Text("{path}: Data is not a list", path=path),
                    method="GET",
                    path=path,
                    status=envelope.status,
                )
            texts = envelope.record_texts
            if texts is None or len(texts) != len(data):
                texts = [None] * len(data)  # type: ignore[list-item]
            records = [RawRecord(raw, text) for raw, text in zip(data, texts, strict=True)]
            yield page, envelope.paging, records
            if not records:
                return
            if envelope.paging is not None:
                if page >= envelope.paging.total_pages:
                    return
            elif len(records) < page_size:
                return
            page += 1

    def _iter_parsed(
        self,
        path: str,
        params: dict[str, Any],
        parse: Callable[[RawRecord], Any] | None,
        *,
        page_size: int,
        limit: int | None = None,
        extra_buckets: Callable[[int], Sequence[Bucket]] | None = None,
        start_page: int = 1,
        endpoint: str | None = None,
    ) -> Iterator[Page]:
        """Pages of parsed records (``parse``), or of ``RawRecord`` when ``parse`` is None,
        from page ``start_page`` on."""
        seen = 0
        for number, paging, records in self.iter_raw_pages(
            path,
            params,
            page_size=page_size,
            extra_buckets=extra_buckets,
            start_page=start_page,
            endpoint=endpoint,
        ):
            if limit is not None:
                records = records[: max(0, limit - seen)]
            items: list[Any] = []
            failures: list[ParseFailure] = []
            for record in records:
                if parse is None:
                    items.append(record)
                    continue
                try:
                    items.append(parse(record))
                except BillbeeDataError as exc:
                    failures.append(ParseFailure(raw=record.raw, error=exc, text=record.text))
            seen += len(records)
            yield Page(
                number=number,
                total_pages=paging.total_pages if paging else None,
                total_rows=paging.total_rows if paging else None,
                page_size=page_size,
                items=items,
                failures=failures,
            )
            if limit is not None and seen >= limit:
                return

    # ------------------------------------------------------------------ orders

    def iter_orders(
        self,
        *,
        min_order_date: datetime | None = None,
        max_order_date: datetime | None = None,
        shop_ids: Iterable[int] | None = None,
        states: Iterable[int] | None = None,
        tags: Iterable[str] | None = None,
        exclude_tags: bool = False,
        minimum_billbee_order_id: int | None = None,
        modified_at_min: datetime | None = None,
        modified_at_max: datetime | None = None,
        article_title_source: int | None = None,
        page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Pages of ``Order`` (``GET /orders``, billbee-api.md §2.1) from ``start_page`` on.

        ``modified_at_min`` is exclusive and ``modified_at_max`` inclusive on Billbee's side.
        Records that cannot be parsed are in ``Page.failures`` with the reason.
        """
        params = self._order_params(
            min_order_date=min_order_date,
            max_order_date=max_order_date,
            shop_ids=shop_ids,
            states=states,
            tags=tags,
            exclude_tags=exclude_tags,
            minimum_billbee_order_id=minimum_billbee_order_id,
            modified_at_min=modified_at_min,
            modified_at_max=modified_at_max,
            article_title_source=article_title_source,
        )
        return self._iter_parsed(
            "/orders",
            params,
            self.parse_order,
            page_size=page_size,
            limit=limit,
            start_page=start_page,
        )

    def iter_customer_orders(
        self,
        customer_id: int,
        *,
        page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Pages of one customer's orders (``GET /customers/{id}/orders``), parsed like
        ``iter_orders``."""
        return self._iter_parsed(
            f"/customers/{int(customer_id)}/orders",
            {},
            self.parse_order,
            page_size=page_size,
            limit=limit,
            start_page=start_page,
            endpoint="GET /customers/{id}/orders",
        )

    def iter_order_records(
        self, *, page_size: int = MAX_PAGE_SIZE, limit: int | None = None, **filters: Any
    ) -> Iterator[Page]:
        """Like ``iter_orders`` (same filters), but pages of unparsed ``RawRecord``: the
        caller parses with ``parse_order`` only what it needs (the import skips unchanged
        orders by the hash of their text without parsing them)."""
        return self._iter_parsed(
            "/orders", self._order_params(**filters), None, page_size=page_size, limit=limit
        )

    def _order_params(
        self,
        *,
        min_order_date: datetime | None = None,
        max_order_date: datetime | None = None,
        shop_ids: Iterable[int] | None = None,
        states: Iterable[int] | None = None,
        tags: Iterable[str] | None = None,
        exclude_tags: bool = False,
        minimum_billbee_order_id: int | None = None,
        modified_at_min: datetime | None = None,
        modified_at_max: datetime | None = None,
        article_title_source: int | None = None,
    ) -> dict[str, Any]:
        return {
            "minOrderDate": self._ts(min_order_date),
            "maxOrderDate": self._ts(max_order_date),
            "shopId": list(shop_ids) if shop_ids is not None else None,
            "orderStateId": list(states) if states is not None else None,
            "tag": list(tags) if tags is not None else None,
            "excludeTags": "true" if exclude_tags else None,
            "minimumBillBeeOrderId": minimum_billbee_order_id,
            "modifiedAtMin": self._ts(modified_at_min),
            "modifiedAtMax": self._ts(modified_at_max),
            "articleTitleSource": article_title_source,
        }

    def parse_order(self, record: RawRecord | Any) -> Order:
        """An ``Order`` from a ``RawRecord`` (keeps its text) or from a decoded object."""
        if isinstance(record, RawRecord):
            return parse_order(record.raw, self.tz, text=record.text)
        return parse_order(record, self.tz)

    def get_order(self, order_id: int) -> Order:
        """``GET /orders/{id}`` (numeric Billbee id; 6 calls per order per minute)."""
        envelope = self.request(
            "GET",
            f"/orders/{int(order_id)}",
            endpoint="GET /orders/{id}",
            extra_buckets=self._per_resource("og", order_id, self.policy.order_get),
        )
        return self._parse_one(envelope, parse_order)

    def find_order_by_external_ref(self, external_ref: str) -> Order | None:
        """``GET /orders/findbyextref/{extRef}``: the shop's order number; None if no match."""
        from urllib.parse import quote

        try:
            envelope = self.request(
                "GET",
                f"/orders/findbyextref/{quote(external_ref, safe='')}",
                endpoint="GET /orders/findbyextref/{extRef}",
            )
        except BillbeeNotFound:
            return None
        if envelope.data is None:
            return None
        return self._parse_one(envelope, parse_order)

    def update_order_state(self, order_id: int, new_state_id: int) -> None:
        """``PUT /orders/{id}/orderstate`` with ``{"NewStateId": n}``."""
        self.request(
            "PUT",
            f"/orders/{int(order_id)}/orderstate",
            body={"NewStateId": int(new_state_id)},
            endpoint="PUT /orders/{id}/orderstate",
        )

    def add_order_tags(self, order_id: int, tags: Sequence[str]) -> None:
        """``POST /orders/{id}/tags``: adds tags (case-insensitive; duplicates ignored, so a
        repeat is harmless)."""
        self.request(
            "POST",
            f"/orders/{int(order_id)}/tags",
            body={"Tags": list(tags)},
            endpoint="POST /orders/{id}/tags",
            idempotent=True,
        )

    def add_order_message(
        self, order_id: int, text: str, *, internal: bool = True, sender: str = "Billbee Connector"
    ) -> None:
        """``POST /orders/{id}/message``: a message on the order; an internal one is a note for
        the merchant's team and is not sent to the customer. Not idempotent: a retry after a
        lost answer may write it twice."""
        self.request(
            "POST",
            f"/orders/{int(order_id)}/message",
            body={"IsInternal": internal, "SenderName": sender, "Text": text},
            endpoint="POST /orders/{id}/message",
        )

    # ------------------------------------------------------------------ invoices

    def iter_invoices(
        self,
        *,
        min_invoice_date: datetime | None = None,
        max_invoice_date: datetime | None = None,
        shop_ids: Iterable[int] | None = None,
        states: Iterable[int] | None = None,
        tags: Iterable[str] | None = None,
        exclude_tags: bool = False,
        min_pay_date: datetime | None = None,
        max_pay_date: datetime | None = None,
        include_positions: bool = True,
        page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Pages of ``InvoiceListItem`` (``GET /orders/invoices``, §2.2): invoices and credit
        notes. Each (page, minInvoiceDate) may be fetched once a minute; the limiter waits."""
        min_param = self._ts(min_invoice_date)
        params: dict[str, Any] = {
            "minInvoiceDate": min_param,
            "maxInvoiceDate": self._ts(max_invoice_date),
            "shopId": list(shop_ids) if shop_ids is not None else None,
            "orderStateId": list(states) if states is not None else None,
            "tag": list(tags) if tags is not None else None,
            "excludeTags": "true" if exclude_tags else None,
            "minPayDate": self._ts(min_pay_date),
            "maxPayDate": self._ts(max_pay_date),
            "includePositions": "true" if include_positions else "false",
        }

        def buckets(page: int) -> Sequence[Bucket]:
            return self._per_resource("inv", f"{page}:{min_param}", self.policy.invoice_page)

        return self._iter_parsed(
            "/orders/invoices",
            params,
            lambda r: parse_invoice_list_item(r.raw, self.tz),
            page_size=page_size,
            limit=limit,
            extra_buckets=buckets,
            start_page=start_page,
        )

    def create_invoice(
        self,
        order_id: int,
        *,
        include_pdf: bool = False,
        template_id: int | None = None,
        send_to_cloud_id: int | None = None,
    ) -> InvoiceDocument:
        """``POST /orders/CreateInvoice/{id}``: creates the invoice, or returns the existing
        one, optionally with the PDF. Once per 5 minutes per order: an earlier repeat raises
        ``BillbeeThrottled`` with ``retry_after`` instead of blocking. Not retried on 5xx or
        timeouts, because it may have created the invoice."""
        params = {
            "includeInvoicePdf": "true" if include_pdf else "false",
            "templateId": template_id,
            "sendToCloudId": send_to_cloud_id,
        }
        envelope = self.request(
            "POST",
            f"/orders/CreateInvoice/{int(order_id)}",
            params=params,
            endpoint="POST /orders/CreateInvoice/{id}",
            idempotent=False,
            extra_buckets=self._per_resource(
                "ci", order_id, self.policy.create_invoice, per_key=True
            ),
        )
        return self._parse_one(envelope, parse_invoice_document)

    # ------------------------------------------------------------------ reference data

    def order_states(self) -> list[EnumItem]:
        return parse_enum_items(self.request("GET", "/enums/orderstates").data)

    def payment_types(self) -> list[EnumItem]:
        return parse_enum_items(self.request("GET", "/enums/paymenttypes").data)

    def shipping_carriers(self) -> list[EnumItem]:
        return parse_enum_items(self.request("GET", "/enums/shippingcarriers").data)

    def shipment_types(self) -> list[EnumItem]:
        return parse_enum_items(self.request("GET", "/enums/shipmenttypes").data)

    def iter_shop_accounts(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[Page]:
        return self._iter_parsed(
            "/shopaccounts", {}, lambda r: parse_shop_account(r.raw, self.tz), page_size=page_size
        )

    def iter_products(
        self,
        *,
        min_created_at: datetime | None = None,
        page_size: int = MAX_PAGE_SIZE,
        limit: int | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Pages of product JSON objects (``GET /products``) as sent by Billbee."""
        return self._iter_parsed(
            "/products",
            {"minCreatedAt": self._ts(min_created_at)},
            _require_object,
            page_size=page_size,
            limit=limit,
            start_page=start_page,
        )

    def iter_customers(
        self, *, page_size: int = MAX_PAGE_SIZE, limit: int | None = None, start_page: int = 1
    ) -> Iterator[Page]:
        """Pages of customer JSON objects (``GET /customers``) as sent by Billbee."""
        return self._iter_parsed(
            "/customers",
            {},
            _require_object,
            page_size=page_size,
            limit=limit,
            start_page=start_page,
        )

    def get_product(self, key: str | int, lookup_by: str = "id") -> dict[str, Any]:
        """``GET /products/{id}?lookupBy=id|sku|ean``: one product as Billbee sent it."""
        from urllib.parse import quote

        if lookup_by not in ("id", "sku", "ean"):
            raise ValueError("lookup_by must be id, sku or ean")
        envelope = self.request(
            "GET",
            f"/products/{quote(str(key), safe='')}",
            params={"lookupBy": lookup_by},
            endpoint="GET /products/{id}",
        )
        if not isinstance(envelope.data, dict):
            raise BillbeeMalformedResponse(
                Text("the response has no product"), status=envelope.status
            )
        return envelope.data

    def update_stock(
        self,
        *,
        new_quantity: Any,
        sku: str | None = None,
        billbee_id: int | None = None,
        stock_id: int | None = None,
        reason: str | None = None,
        autosubtract_reserved_amount: bool = False,
        force_send_stock_to_shops: bool = False,
    ) -> StockUpdateResult:
        """``POST /products/updatestock``: sets the absolute stock (idempotent by design)."""
        if not sku and billbee_id is None:
            raise ValueError("update_stock needs sku or billbee_id")
        body = {
            "Sku": sku,
            "BillbeeId": billbee_id,
            "StockId": stock_id,
            "Reason": reason,
            "NewQuantity": new_quantity,
            "AutosubtractReservedAmount": autosubtract_reserved_amount,
            "ForceSendStockToShops": force_send_stock_to_shops,
        }
        envelope = self.request(
            "POST",
            "/products/updatestock",
            body={k: v for k, v in body.items() if v is not None},
            idempotent=True,
        )
        return parse_stock_update(envelope.data if isinstance(envelope.data, dict) else None)

    # ------------------------------------------------------------------ helpers

    def _ts(self, value: datetime | None) -> str | None:
        return None if value is None else format_datetime_param(value, self.tz)

    def _per_resource(
        self, kind: str, resource: object, window: Any, per_key: bool = False
    ) -> tuple[Bucket, ...]:
        if window is None:
            return ()
        scope = self._key_scope if per_key else self._scope
        return ((f"{scope}:{kind}:{resource}", window),)

    def _parse_one(self, envelope: Envelope, parse: Callable[[Any, ZoneInfo], Any]) -> Any:
        if envelope.data is None:
            raise BillbeeMalformedResponse(Text("the response has no Data"), status=envelope.status)
        return parse(envelope.data, self.tz)


def _require_object(record: RawRecord) -> dict[str, Any]:
    if not isinstance(record.raw, dict):
        raise BillbeeDataError(Text("record is not a JSON object"))
    return record.raw


def _clean_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    cleaned = {k: v for k, v in params.items() if v is not None}
    return cleaned or None


def _endpoint_name(method: str, path: str) -> str:
    parts = [("{id}" if part.isdigit() else part) for part in path.strip("/").split("/")]
    return f"{method} /" + "/".join(parts)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _message_of(payload: Any) -> str | None:
    if isinstance(payload, dict):
        for key in ("ErrorMessage", "Message", "ErrorDescription"):
            if payload.get(key):
                return str(payload[key])
    return None


def _head(content: bytes, size: int = 120) -> str:
    return content[:size].decode("utf-8", errors="replace")


def _auth_error(payload: Any, **where: Any) -> BillbeeAuthError:
    status = where.get("status")
    code = payload.get("ErrorCode") if isinstance(payload, dict) else None
    detail = _message_of(payload)
    answer = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    if code == 1:
        return BillbeeApiNotActivated(
            Text(
                "the Billbee API is not activated for this account ({answer}). Activate the API "
                "module in Billbee under Settings → Billbee API, then try again.",
                answer=answer,
            ),
            **where,
        )
    return BillbeeAuthError(
        Text(
            "Billbee rejected the credentials ({answer}). {checklist}",
            answer=answer,
            checklist=AUTH_CHECKLIST,
        ),
        **where,
    )
