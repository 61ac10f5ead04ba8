"""Client-side pacing: never more than Billbee allows, within one process and across
processes and machines (Redis)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from billbee.errors import BillbeeThrottled
from billbee.throttle import (
    LocalRateLimiter,
    RedisRateLimiter,
    ThrottlePolicy,
    WaitTooLong,
    Window,
)

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- the algorithm


def test_window_from_rate():
    assert Window.per_second(2) == Window(2, 1.0)
    assert Window.per_second(0.5) == Window(1, 2.0)
    assert Window.per_second(2.5) == Window(2, 0.8)


def test_sliding_window_allows_limit_then_waits_for_the_oldest():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock)
    bucket = [("ep", Window(2, 1.0))]
    waits = [limiter.reserve(bucket, margin=0.0, max_wait=10) for _ in range(5)]
    assert waits == [0.0, 0.0, 1.0, 1.0, 2.0]
    clock.now += 10
    assert limiter.reserve(bucket, margin=0.0, max_wait=10) == 0.0


def test_every_window_of_a_request_is_respected_and_margin_added():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock)
    endpoint_a = ("a", Window(2, 1.0))
    endpoint_b = ("b", Window(2, 1.0))
    user = ("user", Window(3, 1.0))
    assert limiter.reserve([endpoint_a, user], margin=0.05, max_wait=10) == 0.0
    assert limiter.reserve([endpoint_a, user], margin=0.05, max_wait=10) == 0.0
    # Endpoint b is free, but the user's budget (3 per second) is not shared with b's.
    assert limiter.reserve([endpoint_b, user], margin=0.05, max_wait=10) == 0.0
    assert limiter.reserve([endpoint_b, user], margin=0.05, max_wait=10) == pytest.approx(1.05)


def test_a_wait_above_the_maximum_reserves_nothing():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock)
    bucket = [("invoice", Window(1, 300.0))]
    assert limiter.reserve(bucket, margin=0.0, max_wait=5) == 0.0
    with pytest.raises(WaitTooLong) as caught:
        limiter.reserve(bucket, margin=0.0, max_wait=5)
    assert caught.value.wait == pytest.approx(300.0)
    clock.now += 300
    assert limiter.reserve(bucket, margin=0.0, max_wait=5) == 0.0


def test_block_after_429_delays_everyone_on_the_bucket():
    clock = FakeClock()
    limiter = LocalRateLimiter(clock)
    limiter.block(["ep"], 3.0)
    assert limiter.reserve([("ep", Window(2, 1.0))], margin=0.0, max_wait=10) == 3.0
    assert limiter.reserve([("other", Window(2, 1.0))], margin=0.0, max_wait=10) == 0.0


@pytest.mark.redis
def test_redis_limiter_is_one_budget_for_separate_instances(redis_url, redis_prefix):
    first = RedisRateLimiter(redis_url, prefix=redis_prefix)
    second = RedisRateLimiter(redis_url, prefix=redis_prefix)
    bucket = [("ep", Window(2, 1.0))]
    assert first.reserve(bucket, margin=0.0, max_wait=10) == 0.0
    assert second.reserve(bucket, margin=0.0, max_wait=10) < 0.01
    third = first.reserve(bucket, margin=0.0, max_wait=10)
    assert 0.9 < third <= 1.0
    invoice_page = [("inv", Window(1, 60.0))]
    assert first.reserve(invoice_page, margin=0.0, max_wait=5) == 0.0
    with pytest.raises(WaitTooLong) as caught:
        second.reserve(invoice_page, margin=0.0, max_wait=5)
    assert 59 < caught.value.wait <= 60
    second.block(["blocked"], 2.0)
    assert 1.5 < first.reserve([("blocked", Window(2, 1.0))], margin=0.0, max_wait=10) <= 2.0


# ---------------------------------------------------------------- against the sandbox


def _served_max_per_second(sandbox) -> int:
    return max(sandbox.stats()["max_per_second"].values(), default=0)


@pytest.mark.slow
def test_paced_client_stays_within_two_per_second(make_sandbox):
    sandbox = make_sandbox(rate_limit=2)
    client = sandbox.client(policy=ThrottlePolicy.billbee(2.0))
    started = time.monotonic()
    for _ in range(7):
        client.order_states()
    elapsed = time.monotonic() - started

    stats = sandbox.stats()
    assert stats["throttled"] == 0
    assert client.stats.throttled == 0
    assert _served_max_per_second(sandbox) == 2
    # 7 requests at 2 per second cannot take less than 3 seconds.
    assert elapsed >= 3.0
    assert client.stats.waited_s >= 2.9


@pytest.mark.slow
def test_unpaced_client_is_throttled_but_honours_retry_after(make_sandbox):
    """Negative control: without pacing, the sandbox answers 429 — the checks above can
    fail. The client still gets every answer by honouring Retry-After."""
    sandbox = make_sandbox(rate_limit=2)
    client = sandbox.client(policy=ThrottlePolicy.off())
    for _ in range(5):
        assert len(client.order_states()) == 17
    assert sandbox.stats()["throttled"] >= 1
    assert client.stats.throttled == sandbox.stats()["throttled"]
    assert _served_max_per_second(sandbox) <= 2


def test_invoice_list_is_paced_once_per_window_per_page_and_date(make_sandbox):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    sandbox = make_sandbox(rate_limit=2, throttle_scale=0.02)  # 60 s → 1.2 s
    client = sandbox.client(policy=ThrottlePolicy.billbee(2.0).scaled(0.02))
    since = datetime(2026, 10, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    started = time.monotonic()
    first = next(client.iter_invoices(min_invoice_date=since, page_size=5))
    second = next(client.iter_invoices(min_invoice_date=since, page_size=5))
    elapsed = time.monotonic() - started

    assert [i.billbee_id for i in first.items] == [i.billbee_id for i in second.items]
    assert elapsed >= 1.2
    assert sandbox.stats()["throttled"] == 0


def test_create_invoice_repeat_inside_five_minutes_is_refused_without_sending(sandbox):
    order = next(
        h
        for h in sandbox.state.dataset.headers
        if h.invoice_no is None and h.kind == 0 and h.state not in (6, 8)
    )
    policy = ThrottlePolicy.billbee(2.0)
    client = sandbox.client(policy=policy)
    client.create_invoice(order.order_id)
    with pytest.raises(BillbeeThrottled) as caught:
        client.create_invoice(order.order_id)
    assert 290 < caught.value.retry_after <= 301
    assert sandbox.stats()["by_endpoint"] == {"POST /orders/CreateInvoice/{id}": 1}


# ---------------------------------------------------------------- several processes


def _run_workers(sandbox, limiter: str, prefix: str, processes: int, count: int):
    start_at = time.time() + 1.5
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.billbee.throttle_worker",
                sandbox.api_url,
                limiter,
                prefix,
                str(count),
                str(start_at),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.redis
@pytest.mark.slow
def test_two_processes_sharing_redis_never_exceed_two_per_second(
    make_sandbox, redis_url, redis_prefix
):
    sandbox = make_sandbox(rate_limit=2)
    started = time.monotonic()
    results = _run_workers(sandbox, redis_url, redis_prefix, processes=2, count=6)
    elapsed = time.monotonic() - started

    stats = sandbox.stats()
    assert stats["requests"] == 12
    assert stats["throttled"] == 0
    assert sum(r["throttled"] for r in results) == 0
    # Counted by the sandbox on arrival: never more than 2 in any one-second window.
    assert _served_max_per_second(sandbox) == 2
    assert elapsed >= 5.0


@pytest.mark.slow
def test_two_processes_with_separate_budgets_do_get_throttled(make_sandbox):
    """Negative control for the Redis test: each process paced only by itself exceeds the
    shared limit, and the sandbox notices."""
    sandbox = make_sandbox(rate_limit=2)
    results = _run_workers(sandbox, "local", "unused", processes=2, count=6)
    assert sandbox.stats()["throttled"] > 0
    assert sum(r["throttled"] for r in results) == sandbox.stats()["throttled"]


# ---------------------------------------------------------------- strict server, jittery network


def test_the_sandbox_window_is_strict_over_arrival_times():
    """At most ``limit`` arrivals in any closed interval of ``seconds``: also when an earlier
    arrival is checked after later ones (requests overtake each other on their way), and when
    two arrivals are exactly one window apart."""
    from billbee.sandbox.store import Throttle

    window = [("ep", 2, 1.0)]
    late = Throttle()
    assert late.check(window, 10.5) is None
    assert late.check(window, 11.2) is None
    # Arrived at 10.3, checked last: 10.3, 10.5 and 11.2 lie within one second.
    assert late.check(window, 10.3) is not None

    edge = Throttle()
    assert edge.check(window, 20.0) is None
    assert edge.check(window, 20.5) is None
    assert edge.check(window, 21.0) is not None  # 20.0 … 21.0 is one closed second
    assert edge.check(window, 21.001) is None


def test_sandbox_latency_delays_every_api_request_not_the_control_api(make_sandbox):
    sandbox = make_sandbox(latency_ms=(150.0, 150.0))
    client = sandbox.client()

    started = time.monotonic()
    client.order_states()
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    sandbox.stats()
    assert time.monotonic() - started < 0.1
    assert sandbox.configure(latency_ms="0-40")["latency_ms"] == [0.0, 40.0]


@pytest.mark.slow
def test_paced_clients_are_never_throttled_by_a_strict_server_over_a_jittery_network(
    make_sandbox,
):
    """An independent emulator (a strict sliding one-second window over arrival times) saw a
    throttled answer now and then: the pacing margin must cover the network's jitter."""
    import threading

    sandbox = make_sandbox(rate_limit=2, latency_ms=(0.0, 60.0))
    limiter = LocalRateLimiter()
    failures: list[BaseException] = []

    def worker(read) -> None:  # type: ignore[no-untyped-def]
        try:
            for _ in range(13):
                read()
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    clients = [sandbox.client(policy=ThrottlePolicy.billbee(), limiter=limiter) for _ in range(2)]
    threads = [
        threading.Thread(target=worker, args=(clients[0].order_states,)),
        threading.Thread(target=worker, args=(clients[1].payment_types,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    stats = sandbox.stats()
    assert stats["requests"] == 26
    assert stats["throttled"] == 0
    assert sum(c.stats.throttled for c in clients) == 0
    assert _served_max_per_second(sandbox) == 2
