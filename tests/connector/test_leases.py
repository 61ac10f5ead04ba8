"""Leases of import and booking runs: a dead worker's lease is taken over after a few missed
renewals, a live worker's never (also during one long Billbee request or a long booking run).

The tests commit for real (``transaction=True``): the renewing thread and the competing worker
each use a database connection of their own, as workers on other machines would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from bookkeeping.errors import BookingAlreadyRunning
from bookkeeping.models import BookkeepingSettings
from bookkeeping.services.booking import _lease_take, documents_book
from connector.models import Connection, ImportRun
from connector.services.import_runs import ImportAlreadyRunning, import_run_start
from connector.services.imports import orders_import
from tests.conftest import BERLIN, SANDBOX_END
from tests.connector.manage import manage_started
from tests.connector.test_import import NOVEMBER, run
from tests.connector.test_import import make_connection as import_connection
from tests.connector.test_import_concurrency import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RENEW, STALE = 0.1, 0.5  # seconds: a lease taken over after five missed renewals


@pytest.fixture(autouse=True)
def _fast_leases(settings: Any) -> None:
    settings.LEASE_RENEW_SECONDS = RENEW
    settings.IMPORT_STALE_AFTER = STALE
    settings.BOOKING_LEASE_SECONDS = STALE
    settings.BILLBEE_RATE_LIMIT = 0


def in_thread(work: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:
            outcome.append(exc)
        finally:
            db_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


# ---------------------------------------------------------------- imports


def test_a_dead_workers_import_is_taken_over_after_its_missed_renewals():
    connection = make_connection()
    # A worker that started a run and was killed: nobody renews its lease.
    dead = import_run_start(connection, "scheduled")

    with pytest.raises(ImportAlreadyRunning):
        import_run_start(connection, "scheduled")  # fresh: it might still be alive
    time.sleep(STALE + 0.2)
    successor = import_run_start(connection, "scheduled")

    dead.refresh_from_db()
    assert dead.state == "failed"
    assert dead.error.startswith(f"The worker {dead.worker} stopped: no sign of life since ")
    assert successor.state == "running"


def test_a_live_import_is_not_taken_over_during_one_long_billbee_request(make_sandbox):
    # Billbee holds the first answer for 2 s: four times the lease, twenty renewals.
    sandbox = make_sandbox(fail_next=["timeout"], fault_delay=2.0)
    connection = make_connection(api_url=sandbox.api_url)
    since = datetime(2026, 11, 20, tzinfo=BERLIN)
    worker, outcome = in_thread(
        lambda: orders_import(
            Connection.objects.get(pk=connection.pk), since=since, now=SANDBOX_END
        )
    )
    while not ImportRun.objects.filter(heartbeat_at__gt=timezone.now() - timedelta(seconds=1)):
        time.sleep(0.02)  # the run started (and has renewed its lease in real time)

    refusals = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        with pytest.raises(ImportAlreadyRunning):
            import_run_start(connection, "scheduled")
        refusals += 1
        time.sleep(0.1)
    worker.join(timeout=30)

    assert refusals >= 10
    assert outcome[0].state == "succeeded", outcome
    assert list(ImportRun.objects.values_list("state", flat=True)) == ["succeeded"]
    assert sandbox.stats()["faults"] == {"timeout": 1}


def test_an_import_taken_over_stops_and_keeps_the_verdict_of_its_successor(make_sandbox):
    """A worker that hung past its lease (its renewals failed) learns at its next progress
    point that another worker took over, and stops instead of working beside it."""
    sandbox = make_sandbox(fail_next=["timeout"], fault_delay=1.5)
    connection = make_connection(api_url=sandbox.api_url)
    since = datetime(2026, 11, 20, tzinfo=BERLIN)
    worker, outcome = in_thread(
        lambda: orders_import(
            Connection.objects.get(pk=connection.pk), since=since, now=SANDBOX_END
        )
    )
    while not ImportRun.objects.filter(state="running").exists():
        time.sleep(0.02)
    run = ImportRun.objects.get()
    # Somebody else declared it dead (as after missed renewals) while it waited for Billbee.
    ImportRun.objects.filter(pk=run.pk).update(state="failed", error="taken over")
    worker.join(timeout=30)

    run.refresh_from_db()
    assert (run.state, run.error) == ("failed", "taken over")
    assert outcome[0].state == "failed"
    assert "was taken over by another worker after it missed its renewals" in outcome[0].error


def test_the_lease_durations_come_from_the_environment():
    def settings_in(env: dict[str, str]) -> list[str]:
        code = (
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.LEASE_RENEW_SECONDS, s.IMPORT_STALE_AFTER, s.BOOKING_LEASE_SECONDS)"
        )
        names = ("LEASE_RENEW_SECONDS", "IMPORT_STALE_AFTER", "BOOKING_LEASE_SECONDS")
        environment = {k: v for k, v in os.environ.items() if k not in names}
        environment["DJANGO_SETTINGS_MODULE"] = "connector.settings.development"
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**environment, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()

    assert settings_in({}) == ["10.0", "35.0", "35.0"]
    assert settings_in(
        {"LEASE_RENEW_SECONDS": "5", "IMPORT_STALE_AFTER": "20", "BOOKING_LEASE_SECONDS": "25"}
    ) == ["5.0", "20.0", "25.0"]


def test_an_import_killed_with_sigkill_blocks_only_until_its_lease_expires(make_sandbox, settings):
    """A real worker process (``manage.py import_orders``, leases from the environment) hangs
    on a slow Billbee answer while renewing; killed with SIGKILL, its run is taken over once
    the lease has not been renewed for IMPORT_STALE_AFTER."""
    sandbox = make_sandbox(fail_next=["timeout"], fault_delay=15.0)
    connection = make_connection(api_url=sandbox.api_url)
    worker = manage_started(
        "import_orders",
        "--connection",
        "shop",
        "--since",
        "2026-11-20",
        env={"LEASE_RENEW_SECONDS": "0.2", "IMPORT_STALE_AFTER": "1", "BILLBEE_TIMEOUT": "90"},
    )
    try:
        deadline = time.monotonic() + 60
        while not ImportRun.objects.filter(state="running").exists():
            assert time.monotonic() < deadline and worker.poll() is None, worker.stderr
            time.sleep(0.05)
        # Alive (waiting for Billbee, renewing): refused for three times its lease.
        settings.IMPORT_STALE_AFTER = settings_stale = 1.0  # as the worker's own setting
        end = time.monotonic() + 3 * settings_stale
        while time.monotonic() < end:
            with pytest.raises(ImportAlreadyRunning):
                import_run_start(connection, "scheduled")
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    killed_at = time.monotonic()

    with pytest.raises(ImportAlreadyRunning):  # just killed: not yet known to be dead
        import_run_start(connection, "scheduled")
    while True:
        try:
            successor = import_run_start(connection, "scheduled")
            break
        except ImportAlreadyRunning:
            assert time.monotonic() - killed_at < 5, "the dead run was never taken over"
            time.sleep(0.1)

    waited = time.monotonic() - killed_at
    assert 0.5 < waited < 3, waited
    dead = ImportRun.objects.exclude(pk=successor.pk).get()
    assert dead.state == "failed" and "stopped: no sign of life since" in dead.error


# ---------------------------------------------------------------- booking


@pytest.fixture
def shop_books(sandbox: Any) -> Connection:
    """A connection with November's generated orders imported, ready to book."""
    connection = import_connection(sandbox, import_start_date=NOVEMBER)
    run(connection)
    connection.refresh_from_db()
    return connection


def test_a_dead_workers_booking_lease_is_taken_over_after_its_missed_renewals(shop_books):
    settings = shop_books.bookkeeping
    _lease_take(settings, timezone.now())  # a booking worker that was killed at once

    with pytest.raises(BookingAlreadyRunning):
        documents_book(shop_books)
    time.sleep(STALE + 0.2)
    result = documents_book(shop_books)

    assert result.internal_errors == 0
    assert BookkeepingSettings.objects.get(pk=settings.pk).booking_worker == ""


def test_a_live_booking_run_keeps_its_lease_however_long_it_takes(shop_books):
    started = threading.Event()

    def slow(_result: Any) -> None:  # a long booking run: a chunk that takes 1.5 s
        started.set()
        time.sleep(1.5)

    worker, outcome = in_thread(lambda: documents_book(shop_books, progress=slow))
    assert started.wait(timeout=30)
    refusals = 0
    while worker.is_alive() and refusals < 10:
        with pytest.raises(BookingAlreadyRunning):
            documents_book(Connection.objects.get(pk=shop_books.pk))
        refusals += 1
        time.sleep(0.1)
    worker.join(timeout=30)

    assert refusals == 10
    assert outcome[0].internal_errors == 0, outcome


def test_check_warns_when_a_lease_expires_before_three_renewals_were_missed(settings):
    from django.core.management import call_command

    settings.LEASE_RENEW_SECONDS = 10
    settings.IMPORT_STALE_AFTER = 15
    settings.BOOKING_LEASE_SECONDS = 30
    err = StringIO()

    call_command("check", stderr=err, stdout=StringIO())

    assert (
        "(connector.W001) IMPORT_STALE_AFTER (15 s) is less than three times "
        "LEASE_RENEW_SECONDS (10 s): a live worker's run could be taken over."
    ) in err.getvalue()
    assert "BOOKING_LEASE_SECONDS" not in err.getvalue()
