"""Settings from the environment, checked in fresh processes with a controlled environment."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.fernet import Fernet

PROJECT = Path(__file__).resolve().parents[2]
CREDENTIALS_KEY = Fernet.generate_key().decode()
SECRET_KEY = "a-production-secret-key-for-the-settings-tests-" + "x" * 20


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter of this venv with only ``env`` (plus PATH/HOME)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def probe(code: str, env: dict[str, str]) -> dict:
    """``django.setup()`` then ``code``, which must leave a dict in ``result``; returns it."""
    completed = run_python(
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        + textwrap.dedent(code)
        + "\nprint('RESULT=' + json.dumps(result, default=str))\n",
        env,
    )
    assert completed.returncode == 0, completed.stderr
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT="))
    return json.loads(line.removeprefix("RESULT="))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def production_env(data_dir) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "connector.settings.production",
        "CONNECTOR_DATA_DIR": str(data_dir),
        "SECRET_KEY": SECRET_KEY,
        "CREDENTIALS_KEY": CREDENTIALS_KEY,
    }


# ---------------------------------------------------------------- production refuses to start


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_production_without_secret_key_refuses_to_start(production_env, value):
    del production_env["SECRET_KEY"]
    if value is not None:
        production_env["SECRET_KEY"] = value

    completed = run_python("import django; django.setup()", production_env)

    assert completed.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in completed.stderr


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_production_without_credentials_key_refuses_to_start(production_env, value):
    del production_env["CREDENTIALS_KEY"]
    if value is not None:
        production_env["CREDENTIALS_KEY"] = value

    completed = run_python("import django; django.setup()", production_env)

    assert completed.returncode != 0
    assert "ImproperlyConfigured: CREDENTIALS_KEY is not set" in completed.stderr
    assert "Fernet.generate_key()" in completed.stderr


def test_production_with_both_keys_starts_with_debug_off(production_env, data_dir):
    result = probe(
        """
        result = {
            "DEBUG": settings.DEBUG,
            "SECRET_KEY": settings.SECRET_KEY,
            "CREDENTIALS_KEYS": settings.CREDENTIALS_KEYS,
            "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
            "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
        }
        """,
        production_env,
    )

    assert result == {
        "DEBUG": False,
        "SECRET_KEY": SECRET_KEY,
        "CREDENTIALS_KEYS": [CREDENTIALS_KEY],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_several_credentials_keys_are_read_as_a_rotation_list(production_env):
    old = Fernet.generate_key().decode()
    production_env["CREDENTIALS_KEY"] = f"{CREDENTIALS_KEY},{old}"

    result = probe(
        """
        from connector.crypto import decrypt
        from cryptography.fernet import Fernet
        token = "fernet:" + Fernet(settings.CREDENTIALS_KEYS[1]).encrypt(b"pw").decode()
        result = {"keys": settings.CREDENTIALS_KEYS, "old_token": decrypt(token)}
        """,
        production_env,
    )

    assert result == {"keys": [CREDENTIALS_KEY, old], "old_token": "pw"}


# ---------------------------------------------------------------- database, time zone


def test_default_database_is_sqlite_in_the_data_dir_in_wal_mode(production_env, data_dir):
    result = probe(
        """
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
        result = {
            "ENGINE": settings.DATABASES["default"]["ENGINE"],
            "NAME": str(settings.DATABASES["default"]["NAME"]),
            "journal_mode": journal,
            "TIME_ZONE": settings.TIME_ZONE,
            "USE_TZ": settings.USE_TZ,
        }
        """,
        production_env,
    )

    assert result == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(data_dir / "connector.sqlite3"),
        "journal_mode": "wal",
        "TIME_ZONE": "Europe/Berlin",
        "USE_TZ": True,
    }
    assert (data_dir / "connector.sqlite3").is_file()


def test_database_url_selects_postgresql(production_env):
    production_env["DATABASE_URL"] = "postgres://u@h:5432/x"

    result = probe(
        """
        db = settings.DATABASES["default"]
        result = {k: db.get(k) for k in ("ENGINE", "NAME", "USER", "HOST", "PORT",
                                          "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
        """,
        production_env,
    )

    assert result == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "x",
        "USER": "u",
        "HOST": "h",
        "PORT": 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def test_time_zone_and_throttle_redis_follow_the_environment(production_env):
    production_env["TIME_ZONE"] = "Europe/Vienna"
    production_env["REDIS_URL"] = "redis://127.0.0.1:6379/0"

    result = probe(
        """
        from connector import celery_app
        result = {
            "TIME_ZONE": settings.TIME_ZONE,
            "celery_timezone": celery_app.conf.timezone,
            "BILLBEE_THROTTLE_REDIS_URL": settings.BILLBEE_THROTTLE_REDIS_URL,
            "BILLBEE_RATE_LIMIT": settings.BILLBEE_RATE_LIMIT,
            "broker_url": celery_app.conf.broker_url,
        }
        """,
        production_env,
    )

    assert result == {
        "TIME_ZONE": "Europe/Vienna",
        "celery_timezone": "Europe/Vienna",
        "BILLBEE_THROTTLE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "BILLBEE_RATE_LIMIT": 2.0,
        # REDIS_URL is the request budget; the broker stays embedded unless set itself.
        "broker_url": "filesystem://",
    }


# ---------------------------------------------------------------- Celery


CELERY_PROBE = """
from connector import celery_app
conf = celery_app.conf
result = {
    "broker_url": conf.broker_url,
    "broker_transport_options": conf.broker_transport_options,
    "task_acks_late": conf.task_acks_late,
    "task_ignore_result": conf.task_ignore_result,
    "worker_prefetch_multiplier": conf.worker_prefetch_multiplier,
    "timezone": conf.timezone,
    "beat_scheduler": conf.beat_scheduler,
    "broker_connection_retry_on_startup": conf.broker_connection_retry_on_startup,
}
"""


@pytest.fixture(scope="module")
def celery_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One process that loads the Celery app's configuration with a fresh data dir."""
    data = tmp_path_factory.mktemp("celery") / "data"
    code = (
        "import json, django\ndjango.setup()\n"
        + CELERY_PROBE
        + "print('RESULT=' + json.dumps(result))\n"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "connector.settings.development",
        "CONNECTOR_DATA_DIR": str(data),
    }
    return data, run_python(code, env)


def test_effective_celery_configuration(celery_run):
    data, completed = celery_run
    assert completed.returncode == 0, completed.stderr
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT="))
    conf = json.loads(line.removeprefix("RESULT="))

    broker = data / "broker"
    assert conf == {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(broker / "queue"),
            "data_folder_out": str(broker / "queue"),
            "processed_folder": str(broker / "processed"),
            "control_folder": str(broker / "control"),
            "store_processed": False,
        },
        "task_acks_late": True,
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "timezone": "Europe/Berlin",
        "beat_scheduler": "django_celery_beat.schedulers:DatabaseScheduler",
        "broker_connection_retry_on_startup": True,
    }
    # Loading the configuration creates the embedded broker's folders.
    for folder in ("queue", "processed", "control"):
        assert (broker / folder).is_dir()


def test_loading_the_celery_configuration_logs_no_error(celery_run):
    _, completed = celery_run
    assert completed.returncode == 0
    assert "RecursionError" not in completed.stderr
    assert "ERROR" not in completed.stderr


def _fresh_base_settings(monkeypatch, env: dict[str, str]) -> ModuleType:
    """connector/settings/base.py evaluated anew in this process under ``env``."""
    for name in ("CONNECTOR_DATA_DIR", "CELERY_BROKER_URL", "CELERY_BROKER_FOLDER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "fresh_connector_settings", PROJECT / "connector" / "settings" / "base.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_embedded_broker_carries_messages_between_processes(tmp_path, monkeypatch):
    import kombu

    env = {
        "DJANGO_SETTINGS_MODULE": "connector.settings.development",
        "CONNECTOR_DATA_DIR": str(tmp_path / "data"),
    }
    published = run_python(
        """
        import django, kombu
        django.setup()
        from django.conf import settings
        from connector import celery_app
        celery_app.conf.broker_url  # a producer loads the app's configuration first
        with kombu.Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as conn:
            queue = conn.SimpleQueue("connector-tests")
            queue.put({"connection": "shop", "amount": "3498.6000000", "orders": [1, 2]})
            queue.close()
        print("published")
        """,
        env,
    )
    assert published.returncode == 0, published.stderr
    assert published.stdout.strip() == "published"

    settings = _fresh_base_settings(monkeypatch, env)
    assert settings.CELERY_BROKER_URL == "filesystem://"
    with kombu.Connection(
        settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    ) as conn:
        queue = conn.SimpleQueue("connector-tests")
        try:
            message = queue.get(block=True, timeout=5)
            message.ack()
            assert message.payload == {
                "connection": "shop",
                "amount": "3498.6000000",
                "orders": [1, 2],
            }
            assert queue.qsize() == 0
        finally:
            queue.close()
