"""A scheduled import end to end: the tick enqueues it on Redis, a real Celery worker process
runs it against the sandbox, the upload log fills.

The worker is started as a subprocess on the test's own database (``transaction=True``: the
test's rows are committed, so the worker sees them) and on a queue of its own, so that other
workers on the same Redis never take the task.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from datetime import time as clock
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

import connector
from bookkeeping.models import DocumentBooking
from connector.models import ExternalOrder, ImportRun
from connector.services.connections import connection_upsert
from connector.services.import_runs import worker_name
from connector.services.scheduling import schedule_tick
from connector.tasks import import_orders_task
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test uses, for the worker process."""
    config = db_connection.settings_dict
    if db_connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    if db_connection.vendor == "postgresql":
        credentials = quote(config["USER"] or "", safe="")
        if config["PASSWORD"]:
            credentials += ":" + quote(config["PASSWORD"], safe="")
        host = config["HOST"] or "localhost"
        port = f":{config['PORT']}" if config["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{config['NAME']}"
    pytest.skip(f"no worker database URL for {db_connection.vendor}")


@pytest.fixture
def redis_queue(redis_url, redis_prefix, settings, monkeypatch) -> Iterator[str]:
    """Producers in this process send to Redis, on a queue of this test's own."""
    import redis

    app = connector.celery_app
    queue = f"{redis_prefix}:imports"
    settings.CELERY_BROKER_URL = redis_url
    # The app read its configuration from the settings when it was first used: the broker
    # must be changed on the app itself, and its connection pools dropped.
    changed = {
        "broker_url": redis_url,
        "broker_transport_options": {"visibility_timeout": 3600},
        "task_always_eager": False,
    }
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.setattr(import_orders_task, "queue", queue, raising=False)
    monkeypatch.setattr(import_orders_task, "_exec_options", None)
    try:
        yield queue
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.update(saved)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{queue}*"):  # the queue and kombu's bindings of it
            client.delete(key)


def start_worker(queue: str, redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "connector.settings.test",
        "DATABASE_URL": database_url(),
        "BILLBEE_RATE_LIMIT": "0",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "connector",
        "worker",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "--loglevel",
        "INFO",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--",
        "worker.enable_remote_control=false",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_scheduled_import_end_to_end(
    sandbox, redis_url, redis_queue, settings, tmp_path
):
    settings.BILLBEE_RATE_LIMIT = 0
    connection, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    # The worker checks again that the import is due, by its own clock: a window that
    # covers the whole day.
    connection.schedule_window_start = clock(0, 0)
    connection.schedule_window_end = clock(23, 59, 59, 999999)
    connection.import_start_date = date(2026, 8, 1)
    connection.save()
    log = tmp_path / "worker.log"
    worker = start_worker(redis_queue, redis_url, log)
    try:
        decisions = schedule_tick(now=timezone.now())
        assert decisions["shop"].startswith("enqueued: inside the daily window 00:00–23:59")

        run = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            run = ImportRun.objects.filter(connection=connection).first()
            if run is not None and run.state != "running":
                break
            time.sleep(0.25)
        output = log.read_text(errors="replace")[-3000:]
        assert run is not None, f"the worker ran no import:\n{output}"
        assert run.state == "succeeded", f"{run.state}: {run.error}\n{output}"
        # The import hands its documents to bookkeeping: a task of its own, on the same queue.
        accepted = ExternalOrder.objects.filter(
            connection=connection, status__in=ExternalOrder.ACCEPTED
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            decided = DocumentBooking.objects.filter(document__in=accepted).count()
            if decided == accepted.count():
                break
            time.sleep(0.25)
        output = log.read_text(errors="replace")[-3000:]
    finally:
        stop(worker)

    assert run.trigger == "scheduled"
    assert run.worker and run.worker != worker_name()  # another process ran it
    assert run.fetched == 300
    assert ExternalOrder.objects.filter(connection=connection).count() == 300
    assert ExternalOrder.objects.filter(status="imported").count() == run.imported > 0
    connection.refresh_from_db()
    assert connection.watermark == run.window_to
    assert "connector.import_orders" in output
    assert "bookkeeping.book_documents" in output
    assert DocumentBooking.objects.filter(document__in=accepted).count() == accepted.count() > 0
    # No debtor is assigned yet and no OSS registration: every document waits for one, or
    # for the merchant's answer to the destination VAT Billbee charged, with the reason.
    reasons = set(DocumentBooking.objects.values_list("reason_code", flat=True))
    assert reasons <= {"no_debtor", "original_not_booked", "vat_differs_from_invoice"}
    assert " succeeded in " in output  # Celery's own line for the finished task


@pytest.mark.django_db
def test_setup_periodic_tasks_creates_the_tick_once_and_updates_it():
    out = StringIO()
    call_command("setup_periodic_tasks", stdout=out)
    call_command("setup_periodic_tasks", stdout=out)
    call_command("setup_periodic_tasks", "--tick-minutes", "10", stdout=out)

    task = PeriodicTask.objects.get()
    assert task.name == "connector: start due imports"
    assert task.task == "connector.schedule_tick"
    assert task.enabled and not task.one_off
    assert (task.interval.every, task.interval.period) == (10, IntervalSchedule.MINUTES)
    assert IntervalSchedule.objects.count() == 1  # the 5-minute schedule went with it
    assert out.getvalue().splitlines() == [
        "Created periodic task 'connector: start due imports': connector.schedule_tick every "
        "5 minutes.",
        "Updated periodic task 'connector: start due imports': connector.schedule_tick every "
        "5 minutes.",
        "Updated periodic task 'connector: start due imports': connector.schedule_tick every "
        "10 minutes.",
    ]
    app = connector.celery_app
    app.loader.import_default_modules()
    assert task.task in app.tasks  # the name beat sends is a task the workers know
