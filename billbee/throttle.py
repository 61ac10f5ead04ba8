"""Client-side pacing so that Billbee never has to answer 429.

Billbee's limits (billbee-api.md §1.3): at most 2 requests/s per endpoint per (API key, user),
10/s per (API key, user), 50/s per API key, plus per-resource throttles: the invoice list once
a minute per (page, minInvoiceDate), CreateInvoice once per 5 minutes per order, a single
order 6 times a minute.

Each limit is a *window*: at most ``limit`` requests in any ``seconds``-long interval. Before a
request is sent, the limiter reserves the earliest instant that keeps every window involved
within its limit (a sliding-window log: the new instant must be at least ``seconds`` after the
``limit``-th most recent reservation), and the caller sleeps until then. Reservations are
FIFO per bucket. A ``margin`` (100 ms) is added to each window because the server counts
arrival times, which jitter around our send times with the network's delay.

Two implementations share the algorithm:
- ``LocalRateLimiter``: one process (thread-safe);
- ``RedisRateLimiter``: every process on every machine that uses the same Redis. The whole
  reservation runs in one Lua script with Redis' own clock, so machines whose clocks disagree
  still share one budget.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``limit`` requests in any interval of ``seconds``."""

    limit: int
    seconds: float

    @classmethod
    def per_second(cls, rate: float) -> Window:
        if rate <= 0:
            raise ValueError("rate must be positive")
        limit = max(1, math.floor(rate))
        return cls(limit=limit, seconds=limit / rate)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    per_endpoint: Window | None = Window(2, 1.0)
    per_user: Window | None = Window(10, 1.0)
    per_key: Window | None = Window(50, 1.0)
    invoice_page: Window | None = Window(1, 60.0)
    create_invoice: Window | None = Window(1, 300.0)
    order_get: Window | None = Window(6, 60.0)
    # Added to every window: covers the jitter between our send time and the server's
    # arrival time. Billbee counts arrivals in a sliding window; two requests one window
    # apart whose network delays differ by more than the margin would arrive inside one
    # window. 100 ms covers the jitter of an ordinary internet path (30 ms did not: an
    # independent emulator with a strict window saw a 429 now and then); it costs at most
    # 10 % of the per-endpoint rate.
    margin: float = 0.1
    # A wait longer than this is not slept through: the call raises BillbeeThrottled with
    # retry_after so that a task can be rescheduled instead of blocking a worker.
    max_wait: float = 75.0

    @classmethod
    def billbee(cls, rate: float = 2.0) -> ThrottlePolicy:
        """Billbee's documented limits with ``rate`` requests/s per endpoint; 0 turns pacing
        off entirely (only sensible against the sandbox)."""
        if rate <= 0:
            return cls.off()
        return cls(per_endpoint=Window.per_second(rate))

    @classmethod
    def off(cls) -> ThrottlePolicy:
        return cls(
            per_endpoint=None,
            per_user=None,
            per_key=None,
            invoice_page=None,
            create_invoice=None,
            order_get=None,
            margin=0.0,
        )

    def scaled(self, factor: float) -> ThrottlePolicy:
        """The same limits with every window's duration multiplied by ``factor`` (tests run
        the minute-long invoice throttle in a fraction of a second against a sandbox scaled
        the same way)."""

        def scale(window: Window | None) -> Window | None:
            return None if window is None else Window(window.limit, window.seconds * factor)

        return replace(
            self,
            invoice_page=scale(self.invoice_page),
            create_invoice=scale(self.create_invoice),
            order_get=scale(self.order_get),
        )

    @property
    def enabled(self) -> bool:
        return any(
            (
                self.per_endpoint,
                self.per_user,
                self.per_key,
                self.invoice_page,
                self.create_invoice,
                self.order_get,
            )
        )


Bucket = tuple[str, Window]


class WaitTooLong(Exception):
    """The reservation would have to wait longer than allowed; nothing was reserved."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"would wait {wait:.1f}s")
        self.wait = wait


class RateLimiter(Protocol):
    def reserve(self, buckets: Sequence[Bucket], *, margin: float, max_wait: float) -> float:
        """Reserve the earliest allowed instant for one request on all ``buckets``; return
        the seconds to sleep before sending. Raises ``WaitTooLong`` (reserving nothing) when
        that is more than ``max_wait``."""

    def block(self, keys: Sequence[str], seconds: float) -> None:
        """Nobody sends on these buckets for ``seconds`` (the server said 429 Retry-After)."""


def scope_for(api_key: str, username: str) -> str:
    """A stable, non-reversible bucket prefix for an (API key, user) pair: secrets never
    appear in Redis keys or logs."""
    digest = hashlib.sha256(f"{api_key}\x00{username}".encode()).hexdigest()[:20]
    return f"u:{digest}"


def key_scope_for(api_key: str) -> str:
    return "k:" + hashlib.sha256(api_key.encode()).hexdigest()[:20]


class LocalRateLimiter:
    """The limiter for a single process; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._logs: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}
        self._reservations = 0

    def reserve(self, buckets: Sequence[Bucket], *, margin: float, max_wait: float) -> float:
        with self._lock:
            now = self._clock()
            start = now
            for key, window in buckets:
                log = self._logs.get(key)
                if log:
                    start = max(start, log[-1])
                    if len(log) >= window.limit:
                        start = max(start, log[-window.limit] + window.seconds + margin)
                start = max(start, self._blocked.get(key, 0.0))
            wait = start - now
            if wait > max_wait:
                raise WaitTooLong(wait)
            for key, window in buckets:
                log = self._logs.setdefault(key, deque(maxlen=window.limit))
                log.append(start)
            self._reservations += 1
            if self._reservations % 1024 == 0:
                self._prune(now)
            return wait

    def block(self, keys: Sequence[str], seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            for key in keys:
                self._blocked[key] = max(self._blocked.get(key, 0.0), until)

    def _prune(self, now: float) -> None:
        # Per-order and per-page buckets accumulate; a bucket whose newest reservation is
        # older than the longest window (5 minutes) can no longer delay anyone.
        horizon = now - 400.0
        for key in [k for k, log in self._logs.items() if log and log[-1] < horizon]:
            del self._logs[key]
        for key in [k for k, until in self._blocked.items() if until < now]:
            del self._blocked[key]


_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local margin = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local n = #KEYS / 2
local start = now
for i = 1, n do
  local log_key = KEYS[2 * i - 1]
  local limit = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  local last = redis.call('LINDEX', log_key, -1)
  if last then start = math.max(start, tonumber(last)) end
  if redis.call('LLEN', log_key) >= limit then
    local oldest = tonumber(redis.call('LINDEX', log_key, -limit))
    start = math.max(start, oldest + seconds + margin)
  end
  local blocked = redis.call('GET', KEYS[2 * i])
  if blocked then start = math.max(start, tonumber(blocked)) end
end
local wait = start - now
if wait > max_wait then return {0, string.format('%.6f', wait)} end
for i = 1, n do
  local log_key = KEYS[2 * i - 1]
  local limit = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  redis.call('RPUSH', log_key, string.format('%.6f', start))
  redis.call('LTRIM', log_key, -limit, -1)
  redis.call('PEXPIRE', log_key, math.ceil((wait + seconds + margin) * 1000) + 1000)
end
return {1, string.format('%.6f', wait)}
"""

_BLOCK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
local until_ts = now + seconds
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if (not current) or tonumber(current) < until_ts then
    redis.call('SET', KEYS[i], string.format('%.6f', until_ts),
               'PX', math.ceil(seconds * 1000) + 1000)
  end
end
return 1
"""


class RedisRateLimiter:
    """The limiter shared by every process and machine that uses the same Redis."""

    def __init__(self, url_or_client: object, *, prefix: str = "billbee:rl") -> None:
        import redis

        if isinstance(url_or_client, str):
            self._redis = redis.Redis.from_url(
                url_or_client, socket_timeout=5, socket_connect_timeout=5
            )
        else:
            self._redis = url_or_client  # type: ignore[assignment]
        self._prefix = prefix
        self._reserve = self._redis.register_script(_RESERVE_LUA)
        self._block = self._redis.register_script(_BLOCK_LUA)

    def _log_key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def reserve(self, buckets: Sequence[Bucket], *, margin: float, max_wait: float) -> float:
        keys: list[str] = []
        args: list[float | int] = [margin, max_wait]
        for key, window in buckets:
            keys += [self._log_key(key), self._log_key(key) + ":blocked"]
            args += [window.limit, window.seconds]
        ok, wait = self._reserve(keys=keys, args=args)
        wait_s = float(wait)
        if not int(ok):
            raise WaitTooLong(wait_s)
        return max(0.0, wait_s)

    def block(self, keys: Sequence[str], seconds: float) -> None:
        if not keys or seconds <= 0:
            return
        self._block(keys=[self._log_key(k) + ":blocked" for k in keys], args=[seconds])


class NoLimiter:
    """Pacing switched off (benchmarks against the sandbox)."""

    def reserve(self, buckets: Sequence[Bucket], *, margin: float, max_wait: float) -> float:
        return 0.0

    def block(self, keys: Sequence[str], seconds: float) -> None:
        return None


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
