"""What every assistant tool shares: the connection, its Billbee client, the write switch."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from billbee.client import BillbeeClient
from billbee.errors import BillbeeError, BillbeeThrottled
from billbee.throttle import RateLimiter, ThrottlePolicy, Window
from connector.errors import ConnectorError
from connector.models import Connection
from connector.services.connections import connection_client, default_policy, explain

logger = logging.getLogger("connector.assistant")

# An assistant waits for an answer: a call that Billbee allows only later (the invoice list's
# page once a minute, an order seven times a minute) is refused with the time to wait
# instead of holding the conversation for up to a minute.
ASSISTANT_MAX_WAIT = 5.0
# Billbee's invoice list: one call per page and minInvoiceDate a minute (billbee-api.md §1.3),
# kept even where the connection's pacing is switched off.
INVOICE_PAGE = Window(1, 60.0)


class AssistantError(ConnectorError):
    """A tool's refusal or failure, worded for the assistant (and the merchant) to act on."""


def assistant_policy() -> ThrottlePolicy:
    policy = default_policy()
    return replace(
        policy,
        invoice_page=policy.invoice_page or INVOICE_PAGE,
        max_wait=min(policy.max_wait, ASSISTANT_MAX_WAIT),
    )


@dataclass
class Toolbox:
    connection: Connection
    allow_writes: bool = False
    # Tests pass their own; by default the connection's shared limiter (Redis when
    # BILLBEE_THROTTLE_REDIS_URL is set, so every server process shares one budget).
    policy: ThrottlePolicy | None = None
    limiter: RateLimiter | None = None

    @contextmanager
    def billbee(self) -> Iterator[BillbeeClient]:
        """A client for one tool call; Billbee's errors become ``AssistantError`` sentences
        that never contain the credentials."""
        try:
            client = connection_client(
                self.connection, policy=self.policy or assistant_policy(), limiter=self.limiter
            )
        except ConnectorError as exc:
            raise AssistantError(str(exc)) from None
        try:
            yield client
        except BillbeeThrottled as exc:
            raise AssistantError(
                f"Billbee allows this call again in {exc.retry_after:.0f} s (its limit for this "
                "call); ask again after that."
            ) from None
        except BillbeeError as exc:
            raise AssistantError(explain(exc, self.connection)) from None
        finally:
            client.close()

    @property
    def zone(self) -> ZoneInfo:
        """The merchant's zone: the times in answers are local times with their offset."""
        return self.connection.zoneinfo

    def require_writes(self, tool: str) -> None:
        if not self.allow_writes:
            raise AssistantError(
                f"{tool} changes data in Billbee, and this server is read-only: the operator "
                "must start it with `manage.py mcp_server --allow-writes` to allow it."
            )
