"""Open prepayment orders read from Billbee before statement lines are matched.

An order paid in advance (Vorkasse, bank transfer) has no invoice yet: it is an open item
while it waits in one of its group's open states (``selectors._awaiting_prepayment``). So that
a transfer finds the order as Billbee has it now, also when the regular import has not read
it (yet), ``prepayment_orders_read`` asks Billbee for the orders in the prepayment group's open
states ordered within its last ``open_items_months`` and stores them like the import does
(``connector/services/state_reads.py``). A failure is a warning: matching goes on with the
orders stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from billbee.client import BillbeeClient
from connector.errors import ConnectorError
from connector.models import Connection
from connector.services.connections import connection_client
from connector.services.state_reads import orders_read_in_states

from ..models import PaymentGroup
from ..selectors import payment_groups

logger = logging.getLogger("payments.matching")


@dataclass
class OpenOrdersRead:
    read: bool = False  # whether Billbee was asked
    fetched: int = 0
    stored: int = 0  # new or changed since the connector last read them
    warning: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "fetched": self.fetched,
            "stored": self.stored,
            "warning": self.warning or None,
        }


def prepayment_orders_read(
    connection: Connection,
    *,
    client: BillbeeClient | None = None,
    now: datetime | None = None,
) -> OpenOrdersRead:
    """Read the open prepayment orders of the connection from Billbee and store them. Asks
    nothing when the connection has no credentials or its prepayment group no payment
    methods or open states; returns a warning instead of raising when Billbee cannot be
    read or an import is running."""
    outcome = OpenOrdersRead()
    group = next(
        (g for g in payment_groups(connection) if g.kind == PaymentGroup.Kind.PREPAYMENT), None
    )
    if group is None or not group.payment_methods or not group.open_states:
        return outcome
    if not (connection.username and connection.has_api_password and connection.has_api_key):
        return outcome
    now = now or timezone.now()
    zone = connection.zoneinfo
    first_day = timezone.localdate(now, zone) - timedelta(
        days=round(30.44 * group.open_items_months)
    )
    since = datetime.combine(first_day, time.min, zone)
    own_client = client is None
    try:
        client = client or connection_client(connection)
        result = orders_read_in_states(
            connection, client, states=group.open_states, since=since, now=now
        )
    except ConnectorError as exc:
        outcome.warning = f"Open prepayment orders were not read from Billbee: {exc}"
        return outcome
    except Exception as exc:  # matching goes on with what is stored
        logger.exception("open prepayment orders of %s could not be read", connection)
        outcome.warning = (
            "Open prepayment orders were not read from Billbee because of an internal error "
            f"({type(exc).__name__}); matching uses the orders stored so far."
        )
        return outcome
    finally:
        if own_client and client is not None:
            client.close()
    outcome.read = True
    outcome.fetched = result.fetched
    outcome.stored = result.fetched - result.tally.outcomes["unchanged"]
    if result.error:
        outcome.warning = (
            f"{result.error} Matching uses the orders stored so far (import run #{result.run_id})."
        )
    return outcome
