"""Write-back of "paid" to Billbee.

Billbee has no payment endpoint: an order is marked paid by setting its state
(``PUT /orders/{id}/orderstate``; Billbee stamps ``PayedAt`` when the state is "paid"). Between
the match and the send a person may have changed the order in Billbee, so the order is read
again right before sending, and

- it is sent only while its state is one of the payment group's open states and it has no paid
  date;
- an order that already has the target state is done without a request (a repeat, or someone
  marked it by hand);
- anything else stops with the reason, for a person to look at: a cancelled order, an order
  paid by other means (it has a paid date), an order that moved on to shipping.

The decision is a plain function; ``order_mark_paid`` reads, decides and sends through the
client (and so through its shared rate limiter). Setting a state and adding tags are
idempotent; the internal message is written last, only after the state was set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billbee.client import BillbeeClient
from connector.texts import Joined, Text


@dataclass(frozen=True)
class WritebackTarget:
    """What "paid" means for one payment group: the Billbee states in which an order still
    waits for its payment, and the state that marks it paid."""

    open_states: tuple[int, ...]
    paid_state: int = 3


@dataclass(frozen=True)
class WritebackDecision:
    action: str  # "send", "done" or "stop"
    reason: str


@dataclass(frozen=True)
class WritebackResult:
    action: str
    reason: str
    requests_sent: int  # write requests (state, tags, message); the read is not counted


def writeback_decision(
    state: int, paid_at: datetime | None, target: WritebackTarget
) -> WritebackDecision:
    """What to do with an order in ``state`` (with its paid date) as it is now in Billbee."""
    if state == target.paid_state:
        return WritebackDecision(
            "done",
            Text(
                "The order already has the target state {state}: nothing to send.",
                state=target.paid_state,
            ),
        )
    if state not in target.open_states:
        return WritebackDecision(
            "stop",
            Text(
                "The order's state {state} is none of the group's open states ({listed}): it "
                "was changed in Billbee after the payment was matched. Check the order in "
                "Billbee; nothing was sent.",
                state=state,
                listed=Joined(tuple(target.open_states)),
            ),
        )
    if paid_at is not None:
        return WritebackDecision(
            "stop",
            Text(
                "The order already has a paid date ({paid}) although its state is {state}: it "
                "was paid otherwise or changed by hand. Check the order in Billbee; nothing was "
                "sent.",
                paid=paid_at.date(),
                state=state,
            ),
        )
    return WritebackDecision(
        "send",
        Text(
            "The order is open (state {state}, no paid date): it is marked paid (state {paid}).",
            state=state,
            paid=target.paid_state,
        ),
    )


def order_mark_paid(
    client: BillbeeClient,
    order_id: int,
    target: WritebackTarget,
    *,
    tag: str = "",
    message: str = "",
) -> WritebackResult:
    """Read the order again, decide, and mark it paid when it is still open; optionally tag it
    and leave an internal message."""
    order = client.get_order(order_id)
    decision = writeback_decision(order.state, order.paid_at, target)
    if decision.action != "send":
        return WritebackResult(decision.action, decision.reason, 0)
    client.update_order_state(order_id, target.paid_state)
    sent = 1
    if tag:
        client.add_order_tags(order_id, [tag])
        sent += 1
    if message:
        client.add_order_message(order_id, message, internal=True)
        sent += 1
    return WritebackResult("send", decision.reason, sent)
