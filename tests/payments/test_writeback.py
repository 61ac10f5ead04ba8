"""Write-back of "paid" to Billbee: the order is read again right before sending;
it is marked paid only while it is still open and unpaid, an order already in the target state
is done without a request, anything else stops with the reason. Over real HTTP against the
sandbox, including an order changed by hand between the match and the send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from payments.writeback import (
    WritebackTarget,
    order_mark_paid,
    writeback_decision,
)

PREPAYMENT = WritebackTarget(open_states=(1, 2), paid_state=3)
PAID_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "paid_at", "action", "words"),
    [
        (1, None, "send", "state 1"),
        (2, None, "send", "state 2"),
        (3, None, "done", "already has the target state 3"),
        (3, PAID_AT, "done", "already has the target state 3"),
        (1, PAID_AT, "stop", "already has a paid date (20.11.2026)"),
        (8, None, "stop", "state 8 is none of the group's open states (1, 2)"),
        (4, PAID_AT, "stop", "state 4 is none of the group's open states (1, 2)"),
    ],
)
def test_the_decision_follows_the_order_as_it_is_now(state, paid_at, action, words):
    decision = writeback_decision(state, paid_at, PREPAYMENT)

    assert decision.action == action
    assert words in decision.reason


def an_open_order(sandbox) -> int:
    """An order of the sandbox in state 1 or 2 without a paid date."""
    for order_id in sandbox.control("GET", "orders")["ids"]:
        order = sandbox.control("GET", f"orders/{order_id}")
        if order["State"] in (1, 2) and not order.get("PayedAt"):
            return int(order_id)
    raise AssertionError("the sandbox has no open order")


def test_an_open_order_is_marked_paid_tagged_and_noted(sandbox):
    order_id = an_open_order(sandbox)
    client = sandbox.client()
    result = order_mark_paid(
        client, order_id, PREPAYMENT, tag="bezahlt-bank", message="Zahlung vom 20.11.2026"
    )

    assert (result.action, result.requests_sent) == ("send", 3)
    order = sandbox.control("GET", f"orders/{order_id}")
    assert order["State"] == 3 and order["PayedAt"]
    assert "bezahlt-bank" in order["Tags"]
    messages = sandbox.control("GET", f"orders/{order_id}/messages")["messages"]
    assert messages == [
        {"IsInternal": True, "SenderName": "Billbee Connector", "Text": "Zahlung vom 20.11.2026"}
    ]


def test_a_second_send_is_done_without_a_request(sandbox):
    order_id = an_open_order(sandbox)
    client = sandbox.client()
    order_mark_paid(client, order_id, PREPAYMENT)
    sandbox.control("POST", "stats/reset")
    again = order_mark_paid(client, order_id, PREPAYMENT, tag="bezahlt")

    assert (again.action, again.requests_sent) == ("done", 0)
    endpoints = sandbox.stats()["by_endpoint"]
    assert endpoints == {"GET /orders/{id}": 1}


def test_an_order_changed_by_hand_between_match_and_send_is_left_alone(sandbox):
    order_id = an_open_order(sandbox)
    # The merchant cancels the order in Billbee after the payment was matched.
    sandbox.control("POST", f"orders/{order_id}/state", {"State": 8})

    result = order_mark_paid(sandbox.client(), order_id, PREPAYMENT, tag="bezahlt")

    assert result.action == "stop"
    assert "state 8 is none of the group's open states" in result.reason
    order = sandbox.control("GET", f"orders/{order_id}")
    assert order["State"] == 8 and not order.get("PayedAt")
    assert "bezahlt" not in order["Tags"]
