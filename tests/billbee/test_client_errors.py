"""Error handling and retries of the client, against the sandbox over real HTTP."""

from __future__ import annotations

import itertools
import socket
import time

import pytest

from billbee.errors import (
    BillbeeApiNotActivated,
    BillbeeAuthError,
    BillbeeBusinessError,
    BillbeeConnectionError,
    BillbeeMalformedResponse,
    BillbeeNotFound,
    BillbeeServerError,
    BillbeeThrottled,
    BillbeeTimeout,
    BillbeeValidationError,
)


def _ids(sandbox):
    return [h.order_id for h in sandbox.state.dataset.headers]


def _uninvoiced(sandbox):
    """An order Billbee would write an invoice for (not cancelled or deleted, none yet)."""
    return next(
        h
        for h in sandbox.state.dataset.headers
        if h.invoice_no is None and h.kind == 0 and h.state not in (6, 8)
    )


# ---------------------------------------------------------------- authentication


def test_wrong_api_password_raises_auth_error_that_says_what_to_check(sandbox):
    client = sandbox.client(api_password="the-login-password")
    with pytest.raises(BillbeeAuthError) as caught:
        client.order_states()
    error = caught.value
    assert error.status == 401
    assert error.retryable is False
    assert "API password" in error.message and "not the login password" in error.message
    assert "X-Billbee-Api-Key" in error.message
    # An authentication failure is not retried: one request only.
    assert sandbox.stats()["by_status"] == {"401": 1}


def test_wrong_api_key_is_an_auth_error(sandbox):
    with pytest.raises(BillbeeAuthError):
        sandbox.client(api_key="not-the-key").order_states()


def test_api_module_not_activated(sandbox):
    sandbox.configure(api_active=False)
    with pytest.raises(BillbeeApiNotActivated) as caught:
        next(sandbox.client().iter_orders())
    assert "not activated" in caught.value.message
    assert caught.value.status == 403


# ---------------------------------------------------------------- 429


def test_429_waits_retry_after_then_succeeds(sandbox):
    sandbox.configure(fail_next=["429", "429"], fault_retry_after=1)
    client = sandbox.client()
    started = time.monotonic()
    states = client.order_states()
    elapsed = time.monotonic() - started

    assert len(states) == 17
    assert client.stats.throttled == 2
    assert client.stats.requests == 3
    # Two Retry-After: 1 waits, each honoured before the next attempt.
    log = sandbox.stats(log=True)["log"]
    gaps = [b["mono"] - a["mono"] for a, b in itertools.pairwise(log)]
    assert all(gap >= 0.99 for gap in gaps), gaps
    assert elapsed >= 2.0


def test_429_without_retry_after_backs_off_exponentially(sandbox):
    sandbox.configure(fail_next=["429", "429", "429"], fault_retry_after=-1)
    client = sandbox.client(backoff_base=0.1)
    client.order_states()
    log = sandbox.stats(log=True)["log"]
    gaps = [b["mono"] - a["mono"] for a, b in itertools.pairwise(log)]
    # Equal-jitter backoff: attempt n waits between half and all of base * 2^(n-1).
    assert 0.05 <= gaps[0] <= 0.3
    assert 0.1 <= gaps[1] <= 0.5
    assert client.stats.throttled == 3


def test_after_many_throttles_a_newly_throttled_request_waits_only_the_first_step(sandbox):
    """Billbee sometimes answers 429 without Retry-After (PHP SDK issue #82). The back-off
    counts the throttles of that one request, not every throttle of the client's life: a
    long import that was throttled now and then never waits 15–30 s for one more."""
    waits: list[float] = []
    client = sandbox.client(backoff_base=0.5, sleep=waits.append)
    sandbox.configure(fault_retry_after=-1)
    for _ in range(12):
        sandbox.configure(fail_next=["429"])
        assert len(client.order_states()) == 17

    assert client.stats.throttled == 12
    assert sandbox.stats()["by_status"] == {"429": 12, "200": 12}
    # Equal-jitter back-off: the first step waits between half and all of the base.
    assert len(waits) == 12
    assert all(0.25 <= wait <= 0.5 for wait in waits), waits


def test_429_is_retried_for_non_idempotent_calls_too(sandbox):
    """A throttled request was not processed, so even CreateInvoice may be sent again."""
    order = _uninvoiced(sandbox)
    sandbox.configure(fail_next=["429"], fault_retry_after=0)
    document = sandbox.client().create_invoice(order.order_id)
    assert document.invoice_number and document.invoice_number.startswith("RE-")
    assert sandbox.stats()["by_status"] == {"429": 1, "200": 1}


def test_endless_429_gives_up_with_throttled_error(sandbox):
    sandbox.configure(fail_next=["429"] * 20, fault_retry_after=0)
    client = sandbox.client(max_throttle_retries=3)
    with pytest.raises(BillbeeThrottled) as caught:
        client.order_states()
    assert caught.value.retryable is True
    assert client.stats.requests == 4


# ---------------------------------------------------------------- 5xx, timeouts, resets


@pytest.mark.parametrize("fault", ["500", "502", "503"])
def test_server_errors_are_retried_for_reads(sandbox, fault):
    sandbox.configure(fail_next=[fault, fault])
    client = sandbox.client()
    page = next(client.iter_orders(page_size=10))
    assert len(page.items) == 10
    assert client.stats.requests == 3 and client.stats.retries == 2


def test_server_error_is_not_retried_for_create_invoice(sandbox):
    order = _uninvoiced(sandbox)
    sandbox.configure(fail_next=["500"])
    with pytest.raises(BillbeeServerError) as caught:
        sandbox.client().create_invoice(order.order_id)
    assert caught.value.status == 500
    assert sandbox.stats()["requests"] == 1


def test_persistent_server_error_stops_after_bounded_retries(sandbox):
    sandbox.configure(fail_next=["503"] * 10)
    client = sandbox.client(max_retries=3)
    with pytest.raises(BillbeeServerError):
        client.order_states()
    assert client.stats.requests == 3


def test_read_timeout_is_retried(sandbox):
    sandbox.configure(fail_next=["timeout"], fault_delay=1.0)
    client = sandbox.client(timeout=0.3)
    assert len(client.order_states()) == 17
    assert client.stats.retries == 1


def test_timeout_on_create_invoice_is_not_retried(sandbox):
    order = _uninvoiced(sandbox)
    sandbox.configure(fail_next=["timeout"], fault_delay=1.0)
    with pytest.raises(BillbeeTimeout):
        sandbox.client(timeout=0.3).create_invoice(order.order_id)


def test_connection_reset_is_retried(sandbox):
    sandbox.configure(fail_next=["reset"])
    client = sandbox.client()
    assert len(client.order_states()) == 17
    assert client.stats.retries == 1


def test_refused_connection_explains_itself():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from billbee.client import BillbeeClient
    from billbee.throttle import ThrottlePolicy

    client = BillbeeClient(
        username="u",
        api_password="p",
        api_key="k",
        base_url=f"http://127.0.0.1:{port}/api/v1",
        policy=ThrottlePolicy.off(),
        backoff_base=0.01,
        max_retries=2,
    )
    with pytest.raises(BillbeeConnectionError) as caught:
        client.order_states()
    assert caught.value.kind == "refused"
    assert "refused" in caught.value.message
    assert client.stats.requests == 2


# ---------------------------------------------------------------- malformed bodies


def test_one_malformed_page_is_fetched_again(sandbox):
    sandbox.configure(fail_next=["malformed"])
    client = sandbox.client()
    ids = [o.billbee_order_id for page in client.iter_orders() for o in page.items]
    assert sorted(ids) == sorted(_ids(sandbox))
    assert client.stats.retries == 1


def test_persistent_malformed_body_raises_with_status_and_first_bytes(sandbox):
    sandbox.configure(fail_next=["malformed"] * 10)
    client = sandbox.client(max_retries=2)
    with pytest.raises(BillbeeMalformedResponse) as caught:
        next(client.iter_orders(page_size=5))
    error = caught.value
    assert error.status == 200
    assert error.head.startswith(b'{"Paging"')
    assert "HTTP 200" in error.message and '{"Paging"' in error.message


# ---------------------------------------------------------------- typed API errors


def test_validation_error_carries_model_state(sandbox):
    client = sandbox.client()
    with pytest.raises(BillbeeValidationError) as caught:
        client.request("GET", "/orders", params={"pageSize": 500})
    assert caught.value.status == 400
    assert any("pageSize" in message for message in caught.value.messages)


def test_business_error_for_cancelled_order(sandbox):
    cancelled = next(
        h
        for h in sandbox.state.dataset.headers
        if h.state == 8 and h.kind == 0 and h.custom is None
    )
    with pytest.raises(BillbeeBusinessError) as caught:
        sandbox.client().create_invoice(cancelled.order_id)
    assert caught.value.error_code == 5
    assert caught.value.error_name == "OrderCanceled"
    assert caught.value.retryable is False


def test_unknown_order_is_not_found(sandbox):
    client = sandbox.client()
    with pytest.raises(BillbeeNotFound):
        client.get_order(999999999999999)
    assert client.find_order_by_external_ref("no-such-order") is None
