"""One import per connection at a time, on any number of workers: PostgreSQL only.

Each thread has its own database connection (closed at its end); the tests commit for real
(``transaction=True``) so that the workers see each other's rows as they would in production.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from connector import tasks
from connector.models import Connection, ExternalOrder, ImportRun
from connector.services.connections import connection_upsert
from connector.services.import_runs import ImportAlreadyRunning, import_run_start
from connector.services.imports import orders_import
from connector.services.scheduling import schedule_tick
from tests.conftest import BERLIN, SANDBOX_END, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres"),
]

NOW = SANDBOX_END + timedelta(hours=6)


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def make_connection(name: str = "shop", api_url: str = "http://127.0.0.1:9/api/v1", **fields):
    connection, _, _ = connection_upsert(
        name=name,
        api_url=api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    fields.setdefault("import_start_date", datetime(2026, 8, 1).date())
    for key, value in fields.items():
        setattr(connection, key, value)
    connection.save()
    return connection


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(index)`` in ``count`` threads released together; their results or
    exceptions, by index."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as exc:
            outcomes[index] = exc
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def running_run(connection: Connection, *, started: datetime, heartbeat: datetime) -> ImportRun:
    return ImportRun.objects.create(
        connection=connection,
        trigger="scheduled",
        state="running",
        started_at=started,
        heartbeat_at=heartbeat,
        worker="worker-7.example:4242",
    )


# ---------------------------------------------------------------- one run at a time


def test_two_workers_starting_the_same_import_at_once_run_it_once(sandbox):
    connection = make_connection(api_url=sandbox.api_url)

    outcomes = at_once(
        2,
        lambda _: orders_import(
            Connection.objects.get(pk=connection.pk), trigger="scheduled", now=NOW
        ),
    )

    refused = [o for o in outcomes if isinstance(o, ImportAlreadyRunning)]
    finished = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(refused) == 1 and len(finished) == 1, outcomes
    run = ImportRun.objects.get()
    assert refused[0].run.pk == finished[0].run_id == run.pk
    assert str(refused[0]).startswith(f"An import of shop is already running (run #{run.pk}, ")
    assert run.state == finished[0].state == "succeeded"
    ids = list(ExternalOrder.objects.values_list("billbee_order_id", flat=True))
    assert len(ids) == len(set(ids)) == 300


def test_of_many_workers_racing_to_start_exactly_one_gets_the_run():
    connection = make_connection()

    outcomes = at_once(6, lambda _: import_run_start(connection, "scheduled", now=NOW))

    started = [o for o in outcomes if isinstance(o, ImportRun)]
    refused = [o for o in outcomes if isinstance(o, ImportAlreadyRunning)]
    assert len(started) == 1 and len(refused) == 5, outcomes
    assert {e.run.pk for e in refused} == {started[0].pk}
    assert list(ImportRun.objects.values_list("state", flat=True)) == ["running"]


def test_runs_of_different_connections_do_not_block_each_other():
    first, second = make_connection("first"), make_connection("second")

    outcomes = at_once(
        2,
        lambda index: import_run_start((first, second)[index], "scheduled", now=NOW),
    )

    assert all(isinstance(o, ImportRun) for o in outcomes), outcomes
    assert ImportRun.objects.filter(state="running").count() == 2


def test_after_a_run_finished_the_next_one_starts(sandbox):
    connection = make_connection(api_url=sandbox.api_url)
    first = orders_import(connection, now=NOW)

    second = orders_import(connection, now=NOW + timedelta(hours=8))

    assert (first.state, second.state) == ("succeeded", "succeeded")
    assert ImportRun.objects.count() == 2


# ---------------------------------------------------------------- workers that died


def test_a_run_whose_worker_died_is_failed_and_the_next_import_runs(sandbox, settings):
    settings.IMPORT_STALE_AFTER = 600
    connection = make_connection(api_url=sandbox.api_url)
    dead = running_run(
        connection, started=NOW - timedelta(hours=1), heartbeat=NOW - timedelta(minutes=11)
    )

    result = orders_import(connection, trigger="scheduled", now=NOW)

    dead.refresh_from_db()
    assert dead.state == "failed"
    assert dead.finished_at == NOW
    heartbeat = timezone.localtime(NOW - timedelta(minutes=11))
    assert dead.error == (
        "The worker worker-7.example:4242 stopped: no sign of life since "
        f"{heartbeat:%d.%m.%Y %H:%M:%S}. The next import continues from the watermark; "
        "nothing is lost."
    )
    assert result.state == "succeeded"
    assert ImportRun.objects.get(pk=result.run_id).state == "succeeded"
    assert ExternalOrder.objects.count() == 300


def test_a_run_with_a_recent_heartbeat_is_not_taken_for_dead(sandbox, settings):
    settings.IMPORT_STALE_AFTER = 600
    connection = make_connection(api_url=sandbox.api_url)
    alive = running_run(
        connection, started=NOW - timedelta(hours=1), heartbeat=NOW - timedelta(minutes=9)
    )

    with pytest.raises(ImportAlreadyRunning) as refused:
        orders_import(connection, trigger="scheduled", now=NOW)

    alive.refresh_from_db()
    assert alive.state == "running"
    assert refused.value.run.pk == alive.pk
    assert "on worker-7.example:4242" in str(refused.value)
    assert ImportRun.objects.count() == 1
    assert ExternalOrder.objects.count() == 0


def test_of_two_workers_recovering_a_dead_run_exactly_one_starts_a_new_one():
    connection = make_connection()
    dead = running_run(
        connection, started=NOW - timedelta(hours=2), heartbeat=NOW - timedelta(hours=1)
    )

    outcomes = at_once(2, lambda _: import_run_start(connection, "scheduled", now=NOW))

    started = [o for o in outcomes if isinstance(o, ImportRun)]
    assert len(started) == 1, outcomes
    assert all(isinstance(o, ImportAlreadyRunning) for o in outcomes if o is not started[0])
    dead.refresh_from_db()
    assert dead.state == "failed"
    assert list(ImportRun.objects.filter(state="running").values_list("pk", flat=True)) == [
        started[0].pk
    ]


# ---------------------------------------------------------------- the periodic tick


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.import_orders_task, "delay", lambda *args: calls.append(args))
    return calls


def test_the_tick_enqueues_exactly_the_connections_that_are_due(enqueued):
    now = datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN)
    due = make_connection("due")
    make_connection("new-york", time_zone="America/New_York")  # 04:00 there
    spaced = make_connection("spaced")
    spaced_enough = make_connection("spaced-enough")
    busy = make_connection("busy")
    make_connection("off", schedule_enabled=False)
    make_connection("inactive", is_active=False)
    make_connection("narrow", schedule_window_start=time(10, 1), schedule_window_end=time(11, 0))
    for connection, ago in (
        (spaced, timedelta(hours=7, minutes=59)),
        (spaced_enough, timedelta(hours=8)),
    ):
        ImportRun.objects.create(
            connection=connection,
            trigger="scheduled",
            state="succeeded",
            started_at=now - ago,
            finished_at=now - ago + timedelta(minutes=3),
        )
    running_run(busy, started=now - timedelta(hours=9), heartbeat=now - timedelta(seconds=5))

    decisions = schedule_tick(now=now)

    assert sorted(enqueued) == sorted([(due.pk, "scheduled"), (spaced_enough.pk, "scheduled")])
    assert decisions == {
        "busy": "not due: an import is running",
        "due": "enqueued: inside the daily window 06:00–22:00 Europe/Berlin",
        "narrow": "not due: 10:00 is before the daily window 10:01–11:00 Europe/Berlin",
        "new-york": "not due: 04:00 is before the daily window 06:00–22:00 America/New_York",
        "off": "not due: scheduled imports are switched off for this connection",
        "spaced": "not due: the last import started 7 h 59 min ago; 8 h 00 min must pass "
        "between imports",
        "spaced-enough": "enqueued: inside the daily window 06:00–22:00 Europe/Berlin, "
        "8 h 00 min after the last import",
    }
    assert ImportRun.objects.filter(connection=busy, state="running").exists()


def test_the_tick_recovers_a_dead_run_and_enqueues_the_import_again(enqueued):
    now = datetime(2026, 11, 20, 15, 0, tzinfo=BERLIN)
    connection = make_connection()
    dead = running_run(
        connection, started=now - timedelta(hours=9), heartbeat=now - timedelta(hours=8)
    )

    decisions = schedule_tick(now=now)

    dead.refresh_from_db()
    assert dead.state == "failed"
    assert "stopped: no sign of life" in dead.error
    assert enqueued == [(connection.pk, "scheduled")]
    assert decisions["shop"].startswith("enqueued: ")


def test_a_scheduled_task_checks_again_that_it_is_due(sandbox):
    # A redelivered message or a second tick must not start an extra import.
    connection = make_connection(api_url=sandbox.api_url)
    ImportRun.objects.create(
        connection=connection,
        trigger="scheduled",
        state="succeeded",
        started_at=timezone.now() - timedelta(hours=1),
    )

    answer = tasks.import_orders_task(connection.pk, "scheduled")

    assert answer["state"] == "not started"
    assert answer["reason"] in (
        "the last import started 1 h 00 min ago; 8 h 00 min must pass between imports",
        # … or the test runs outside 06:00–22:00 Berlin time:
        *(
            f"{timezone.localtime():%H:%M} is {side} the daily window 06:00–22:00 Europe/Berlin"
            for side in ("before", "after")
        ),
    )
    assert ImportRun.objects.count() == 1


def test_a_task_finding_an_import_running_reports_it_instead_of_failing(sandbox):
    connection = make_connection(api_url=sandbox.api_url)
    running = import_run_start(connection, "admin", now=timezone.now())

    answer = tasks.import_orders_task(connection.pk, "manual")

    assert answer["state"] == "not started"
    assert answer["reason"].startswith(f"An import of shop is already running (run #{running.pk}")
    assert ImportRun.objects.count() == 1
