"""Leases that a working process renews, and that others take over once it stops renewing.

An import run (its ``heartbeat_at``) and a booking run (``booking_lease_until`` of the
connection's bookkeeping settings) each hold a lease row in the database. While the work goes
on, a ``LeaseRenewer`` thread renews it every ``LEASE_RENEW_SECONDS`` (10 s by default), also
while the worker waits for one long Billbee request or books thousands of documents. A process
killed with ``kill -9`` renews nothing: after a few missed renewals (``IMPORT_STALE_AFTER`` /
``BOOKING_LEASE_SECONDS``, 35 s by default) any worker on any machine may take the lease over
with a compare-and-swap update of the row, so exactly one of several competing workers wins.

Each renewal is itself a compare-and-swap (it only updates the row while this worker still
holds it): a worker whose lease was taken over learns so (``lost``) and stops instead of
working on beside the new holder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import connections

from ..errors import ConnectorError

logger = logging.getLogger("connector.leases")


def renew_every() -> float:
    return float(getattr(settings, "LEASE_RENEW_SECONDS", 10.0))


def import_stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "IMPORT_STALE_AFTER", 35.0)))


def booking_lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "BOOKING_LEASE_SECONDS", 35.0)))


class LeaseLost(ConnectorError):
    """Another worker took the lease over: this one stops."""


class LeaseRenewer:
    """Calls ``renew()`` every ``every`` seconds in a thread of its own until stopped.

    ``renew`` returns False when the lease is no longer ours (compare-and-swap missed); then
    ``lost`` is set and renewing ends. A failed renewal (the database briefly unreachable) is
    logged and tried again at the next beat: the lease lasts several beats.

    Inside an open transaction of the caller (tests that run in one) a thread of its own
    could neither see the caller's rows nor, on SQLite, write while the caller holds the write
    lock; there the caller renews at its progress points only (``renew_now``).
    """

    def __init__(self, renew: Callable[[], bool], *, every: float | None = None) -> None:
        self._renew = renew
        self.every = renew_every() if every is None else every
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseRenewer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        if db_connection.in_atomic_block:
            return
        self._thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def renew_now(self) -> None:
        """Renew in the caller's thread (at a progress point); raises ``LeaseLost``."""
        if not self._renew():
            self.lost.set()
        self.check()

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost("another worker took over this run after it missed its renewals")

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    if not self._renew():
                        self.lost.set()
                        return
                except Exception:
                    logger.exception("renewing a lease failed; trying again in %s s", self.every)
        finally:
            connections.close_all()  # this thread's connections
