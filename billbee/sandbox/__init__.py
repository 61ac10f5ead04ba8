"""A local, faithful Billbee API server with deterministic realistic data.

Used by ``python manage.py billbee_sandbox``, by ``make demo``, by the tests (over real HTTP
on loopback) and by the benchmarks. See ``docs/sandbox.md``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .generator import SUBCENT_TOTALS
from .server import SandboxServer
from .store import SandboxConfig, SandboxState, parse_faults, parse_latency

__all__ = [
    "SUBCENT_TOTALS",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "make_server",
    "parse_faults",
    "parse_latency",
]


def make_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    orders: int = 1000,
    seed: int = 1,
    days: int = 90,
    end: datetime | None = None,
    timezone: str = "Europe/Berlin",
    config: SandboxConfig | None = None,
    verbose: bool = False,
    cache_mb: int = 256,
    subcent_totals: float = SUBCENT_TOTALS,
) -> SandboxServer:
    """Build the data set and bind the server (``port=0`` picks a free port)."""
    state = SandboxState(
        orders=orders,
        seed=seed,
        days=days,
        end=end,
        tz=ZoneInfo(timezone),
        config=config or SandboxConfig(),
        cache_mb=cache_mb,
        subcent_totals=subcent_totals,
    )
    return SandboxServer((host, port), state, verbose=verbose)
