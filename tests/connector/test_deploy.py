"""The production deploy as the README describes it: docker-compose serves HTTPS through Caddy,
creates the schedule, and Django's deployment checks pass under the documented settings;
docs/configuration.md lists every environment variable the code reads."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from tests.connector.test_settings import CREDENTIALS_KEY, run_python

PROJECT = Path(__file__).resolve().parents[2]
APP_DIRS = ("billbee", "connector", "bookkeeping", "payments")
# Read by docker-compose.yml (and Caddy) only, not by the Python code.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "SITE_ADDRESS", "CADDY_TLS", "WEB_PORT"}
ENV_READ = re.compile(
    r"""(?:\benv(?:\.[a-z]+)?\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*|os\.getenv\(\s*"""
    r"""|os\.environ\.setdefault\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)


def documented_production_env(tmp_path: Path) -> dict[str, str]:
    """The variables the README's production steps set (.env.example plus docker-compose)."""
    return {
        "DJANGO_SETTINGS_MODULE": "connector.settings.production",
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        # as the README generates them
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIALS_KEY": CREDENTIALS_KEY,
        "ALLOWED_HOSTS": "connector.example.com",
        "DATABASE_URL": "postgres://connector:pw@db:5432/connector",
        "REDIS_URL": "redis://redis:6379/0",
        "CELERY_BROKER_URL": "redis://redis:6379/1",
    }


def test_check_deploy_reports_nothing_under_the_documented_production_settings(tmp_path):
    (tmp_path / "static").mkdir()
    completed = run_python(
        "import sys\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', "
        "'WARNING'])\n",
        documented_production_env(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    assert "System check identified no issues (0 silenced)." in completed.stdout


def test_production_trusts_the_proxy_header_it_is_told_to(tmp_path):
    env = documented_production_env(tmp_path)
    show = "from django.conf import settings; print(repr(settings.SECURE_PROXY_SSL_HEADER))"
    code = f"import django; django.setup(); {show}"

    default = run_python(code, env)
    other = run_python(code, {**env, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_SSL,on"})
    off = run_python(code, {**env, "SECURE_PROXY_SSL_HEADER": ""})
    broken = run_python(code, {**env, "SECURE_PROXY_SSL_HEADER": "https"})

    assert default.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", default.stderr
    assert other.stdout.strip() == "('HTTP_X_FORWARDED_SSL', 'on')", other.stderr
    assert off.stdout.strip() == "None", off.stderr
    assert broken.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in broken.stderr.splitlines()[-1]


def test_the_schedule_window_defaults_are_not_fixed_times(monkeypatch):
    """Django's check reads a fixed time default as a frozen date when it runs at that time
    of day (fields.W161): at 06:00 ``check --deploy`` warned about the window's start."""
    from django.db.models import fields

    from connector.models import Connection

    at_six = datetime(2026, 12, 2, 6, 0, 0, tzinfo=UTC)  # Django compares in naive UTC
    monkeypatch.setattr(fields.timezone, "now", lambda: at_six)
    for name in ("schedule_window_start", "schedule_window_end"):
        field = Connection._meta.get_field(name)
        assert [w.id for w in field.check()] == []
    monkeypatch.setattr(fields.timezone, "now", lambda: at_six.replace(hour=22))
    assert Connection._meta.get_field("schedule_window_end").check() == []


# ---------------------------------------------------------------- docker-compose


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML (a test dependency) reads docker-compose")
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def test_compose_serves_https_through_caddy_and_publishes_no_plain_app_port(compose):
    services = compose["services"]
    caddy = services["caddy"]
    assert caddy["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= {str(p) for p in caddy["ports"]}
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    # the app itself answers only on the loopback of the host (for an existing proxy) and to
    # Caddy inside the compose network
    assert services["web"]["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]
    caddyfile = (PROJECT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert "tls {$CADDY_TLS:internal}" in caddyfile
    assert "{$SITE_ADDRESS" in caddyfile


def test_compose_creates_the_schedule_before_the_app_starts(compose):
    services = compose["services"]
    setup = services["setup"]
    command = " ".join(setup["command"]) if isinstance(setup["command"], list) else setup["command"]
    assert "migrate --noinput" in command
    assert "setup_periodic_tasks" in command
    assert command.index("migrate") < command.index("setup_periodic_tasks")
    assert setup["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["setup"] == {
            "condition": "service_completed_successfully"
        }, name


# ---------------------------------------------------------------- configuration.md


def environment_reads() -> set[str]:
    names: set[str] = set()
    for folder in APP_DIRS:
        for path in (PROJECT / folder).rglob("*.py"):
            names |= set(ENV_READ.findall(path.read_text()))
    names |= set(ENV_READ.findall((PROJECT / "manage.py").read_text()))
    return names


def documented_variables() -> set[str]:
    text = (PROJECT / "docs" / "configuration.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_configuration_md_lists_every_environment_variable_the_code_reads():
    read = environment_reads()
    documented = documented_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "BILLBEE_USERNAME"} <= read  # the scan works
    assert read - documented == set(), "read by the code but not in docs/configuration.md"
    assert documented - read - COMPOSE_ONLY == set(), "documented but read by nobody"
    compose_text = (PROJECT / "docker-compose.yml").read_text()
    compose_text += (PROJECT / "deploy" / "Caddyfile").read_text()
    for name in COMPOSE_ONLY:
        assert name in documented and name in compose_text, name


def test_env_example_names_only_documented_variables():
    example = (PROJECT / ".env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert {"SECRET_KEY", "CREDENTIALS_KEY", "SITE_ADDRESS", "CADDY_TLS"} <= names
    assert names <= documented_variables()


def test_the_image_holds_every_app_and_the_translations():
    """The image is built from what the Dockerfile copies: every app of our own, the templates
    and the compiled translations must be among it, else the container starts without them."""
    dockerfile = (PROJECT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, flags=re.MULTILINE))
    ours = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (PROJECT / app.split(".")[0] / "apps.py").is_file()
    }
    assert ours == {"connector", "billbee", "bookkeeping", "payments"}
    assert ours | {"templates", "locale"} <= copied
