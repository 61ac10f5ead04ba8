"""Running ``manage.py`` as the operator does: a subprocess on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection as db_connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database the tests use (the test database, not the configured one)."""
    config = db_connection.settings_dict
    if db_connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{user}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CREDENTIALS_KEY", "DJANGO_SETTINGS_MODULE")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="connector.settings.development",
        DATABASE_URL=database_url(),
        BILLBEE_RATE_LIMIT="0",
        **(env or {}),
    )
    return environment


def manage_started(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``manage.py ARGS`` started in a process of its own, not waited for."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``manage.py ARGS`` in a process of its own; its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
