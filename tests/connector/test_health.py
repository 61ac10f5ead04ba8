"""``/healthz``: answers without login with the database's, the broker's and each connection's
state, 503 when the database or the broker fails, and nothing else: no names, URLs or
secrets. The overdue rule (shared with the console) at its boundaries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from connector.celery import app
from connector.models import Connection, ImportRun
from connector.selectors import import_overdue, last_successful_import
from tests.conftest import BERLIN

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
SECRET_PASSWORD = "api-password-never-shown-4Tz"
SECRET_KEY = "api-key-never-shown-9Qp"


@pytest.fixture
def shop() -> Connection:
    return Connection.objects.create(
        name="moebel-shop-nord",
        api_url="https://billbee.internal.example/api/v1",
        username="buchhaltung@moebel-nord.example",
        api_password=SECRET_PASSWORD,
        api_key=SECRET_KEY,
    )


def created(connection: Connection, when: datetime) -> Connection:
    Connection.objects.filter(pk=connection.pk).update(created_at=when)
    connection.refresh_from_db()
    return connection


def succeeded(connection: Connection, finished: datetime, **fields) -> ImportRun:
    fields.setdefault("state", ImportRun.State.SUCCEEDED)
    fields.setdefault("trigger", ImportRun.Trigger.SCHEDULED)
    return ImportRun.objects.create(
        connection=connection,
        started_at=finished - timedelta(minutes=5),
        finished_at=finished,
        **fields,
    )


@pytest.fixture
def broker():
    """Point the Celery app at another broker for one test (restored afterwards)."""
    keys = ("broker_url", "broker_write_url", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}

    def use(url: str, **transport_options) -> None:
        app.conf["broker_url"], app.conf["broker_write_url"] = url, None
        app.conf["broker_transport_options"] = {**saved[keys[2]], **transport_options}

    yield use
    for key, value in saved.items():
        app.conf[key] = value


# ---------------------------------------------------------------- the answer


def test_healthy_without_login_with_each_connections_age(client, shop):
    other = Connection.objects.create(name="zweitshop", api_url="http://127.0.0.1:9/api/v1")
    succeeded(shop, timezone.now() - timedelta(minutes=30))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "ok" and data["broker"] == "ok"
    [first, second] = data["connections"]
    assert first["id"] == shop.pk and not first["overdue"]
    assert 30 * 60 <= first["last_success_age_seconds"] < 31 * 60
    assert second == {"id": other.pk, "last_success_age_seconds": None, "overdue": False}


def test_an_overdue_import_makes_it_degraded_but_still_200(client, shop):
    created(shop, timezone.now() - timedelta(days=10))
    succeeded(shop, timezone.now() - timedelta(days=3))

    response = client.get("/healthz")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "degraded"
    assert data["connections"][0]["overdue"] is True
    assert data["connections"][0]["last_success_age_seconds"] >= 3 * 86400


def test_nothing_but_states_ids_and_ages_is_in_the_answer(client, shop):
    shop.last_test_ok = False
    shop.last_test_message = "Unauthorized: buchhaltung@moebel-nord.example"
    shop.save()
    succeeded(shop, timezone.now() - timedelta(hours=1), api_requests=17, throttled=3)

    body = client.get("/healthz").content.decode()

    for revealing in (
        shop.name,
        shop.api_url,
        "billbee.internal.example",
        shop.username,
        SECRET_PASSWORD,
        SECRET_KEY,
        "Unauthorized",
        "throttled",
    ):
        assert revealing not in body
    data = json.loads(body)
    assert set(data) == {"status", "database", "broker", "connections"}
    assert set(data["connections"][0]) == {"id", "last_success_age_seconds", "overdue"}


def test_only_reading_is_allowed(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# ---------------------------------------------------------------- failures


def test_a_database_that_does_not_answer_gives_503(client, shop):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection to server at 10.0.0.5 failed: password wrong")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")

    assert response.status_code == 503
    data = response.json()
    assert data == {"status": "error", "database": "error", "broker": "ok", "connections": []}
    assert "10.0.0.5" not in response.content.decode()


def test_a_broker_that_does_not_answer_gives_503(client, shop, broker):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    broker("redis://127.0.0.1:1/3")

    response = client.get("/healthz")

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["broker"] == "error" and data["database"] == "ok"
    assert [c["id"] for c in data["connections"]] == [shop.pk]
    assert "127.0.0.1" not in response.content.decode()


def test_the_embedded_broker_without_its_folders_counts_as_down(client, broker, tmp_path):
    missing = str(tmp_path / "gone")
    broker("filesystem://", data_folder_in=missing, data_folder_out=missing)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "error"


def test_the_embedded_broker_with_its_folders_is_up(client, broker, tmp_path):
    broker("filesystem://", data_folder_in=str(tmp_path), data_folder_out=str(tmp_path))

    assert client.get("/healthz").json()["broker"] == "ok"


@pytest.mark.redis
def test_a_redis_broker_is_asked(client, broker, redis_url):
    broker(redis_url)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


# ---------------------------------------------------------------- docker-compose


def compose_healthcheck(base_url: str) -> str:
    yaml = pytest.importorskip("yaml", reason="PyYAML (a test dependency) reads docker-compose")
    compose = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in command[3]
    return command[3].replace("http://127.0.0.1:8000", base_url)


@pytest.mark.django_db(transaction=True)
def test_the_compose_health_check_asks_healthz_with_an_allowed_host(live_server, settings, broker):
    settings.ALLOWED_HOSTS = ["connector.example.com"]
    code = compose_healthcheck(live_server.url)
    env = {**os.environ, "ALLOWED_HOSTS": "connector.example.com,other.example.com"}

    def check() -> int:
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, timeout=60
        ).returncode

    assert check() == 0
    broker("redis://127.0.0.1:1/3")
    assert check() != 0


# ---------------------------------------------------------------- the overdue rule


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=BERLIN)


@pytest.fixture
def all_day(shop) -> Connection:
    """A schedule whose window is the whole day (nearly): overdue is spacing plus two hours."""
    shop.schedule_window_start, shop.schedule_window_end = time(0, 0), time(23, 59)
    shop.schedule_spacing_minutes = 60
    shop.save()
    return created(shop, at(1, 0))


def test_overdue_after_spacing_plus_two_hours_not_a_second_earlier(all_day):
    succeeded(all_day, at(10, 9))

    assert not import_overdue(all_day, at(10, 12))
    assert import_overdue(all_day, at(10, 12, 0, 1))


def test_outside_the_daily_window_the_night_does_not_count(shop):
    """Default schedule: 06:00–22:00, every 8 hours. After the 14:05 import the next one may
    start only at 06:00 (22:05 is outside the window): overdue after 08:00."""
    created(shop, at(1, 0))
    succeeded(shop, at(10, 14, 5))

    assert not import_overdue(shop, at(11, 3))
    assert not import_overdue(shop, at(11, 8))
    assert import_overdue(shop, at(11, 8, 0, 1))


def test_only_successful_imports_count(all_day):
    succeeded(all_day, at(10, 9))
    succeeded(all_day, at(10, 11), state=ImportRun.State.FAILED)
    succeeded(all_day, at(10, 11, 30), state=ImportRun.State.PARTIAL)
    succeeded(all_day, at(10, 11, 45), trigger=ImportRun.Trigger.PAYMENTS)

    assert last_successful_import(all_day).finished_at == at(10, 9)
    assert import_overdue(all_day, at(10, 12, 0, 1))


def test_a_connection_that_never_imported_counts_from_its_creation(all_day):
    created(all_day, at(10, 9))

    assert not import_overdue(all_day, at(10, 12))
    assert import_overdue(all_day, at(10, 12, 0, 1))


def test_never_overdue_while_the_schedule_or_the_connection_is_off(all_day):
    succeeded(all_day, at(1, 9))
    assert import_overdue(all_day, at(10, 12))

    all_day.schedule_enabled = False
    assert not import_overdue(all_day, at(10, 12))

    all_day.schedule_enabled, all_day.is_active = True, False
    assert not import_overdue(all_day, at(10, 12))
