"""Shared fixtures: a real sandbox server on loopback, clients for it, and the service gates.

Tests that need PostgreSQL or Redis run against the real servers when ``DATABASE_URL`` /
``REDIS_URL`` point at them, and are skipped with a visible reason otherwise. In CI
(``REQUIRE_SERVICES=1``) a missing service fails the test instead of skipping it.
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billbee.client import BillbeeClient
from billbee.sandbox import SUBCENT_TOTALS, SandboxConfig, SandboxServer, make_server
from billbee.throttle import ThrottlePolicy

BERLIN = ZoneInfo("Europe/Berlin")
# A fixed end for generated data, so that every test sees the same orders.
SANDBOX_END = datetime(2026, 11, 20, 18, 0, tzinfo=BERLIN)
SANDBOX_USER = "tester@example.com"
SANDBOX_PASSWORD = "api-password-for-tests-7Qx"
SANDBOX_KEY = "api-key-for-tests-Z3k9"


def _require_or_skip(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Each test starts and ends in the settings' language: a request in German (the
    browser's Accept-Language, via LocaleMiddleware) leaves German active on the thread, and the
    next test in the process would read German where it expects English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if not url:
        _require_or_skip("REDIS_URL is not set: Redis-backed tests need a real Redis")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _require_or_skip(f"Redis at {url} is not reachable: {exc}")
    yield url  # type: ignore[misc]


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to this test; its keys are removed afterwards."""
    import redis

    prefix = f"test:{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def postgres(settings: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        _require_or_skip("DATABASE_URL does not point at PostgreSQL")


class Sandbox:
    """A running sandbox plus helpers to reach its control API."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.url
        self.api_url = server.api_url
        self.state = server.state

    def control(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/__sandbox__/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def configure(self, **settings: Any) -> Any:
        return self.control("POST", "config", settings)

    def stats(self, log: bool = False) -> Any:
        return self.control("GET", "stats?log=1" if log else "stats")

    def raw_get(self, path: str) -> dict[str, Any]:
        """GET an API path with valid credentials, parsed with Decimal (no client involved)."""
        import base64

        from billbee import jsonutil

        token = base64.b64encode(f"{SANDBOX_USER}:{SANDBOX_PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            headers={"Authorization": f"Basic {token}", "X-Billbee-Api-Key": SANDBOX_KEY},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return jsonutil.loads(response.read())

    def client(self, **kwargs: Any) -> BillbeeClient:
        options: dict[str, Any] = {
            "username": SANDBOX_USER,
            "api_password": SANDBOX_PASSWORD,
            "api_key": SANDBOX_KEY,
            "base_url": self.api_url,
            "policy": ThrottlePolicy.off(),
            "timeout": 10.0,
            "backoff_base": 0.05,
        }
        options.update(kwargs)
        return BillbeeClient(**options)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``make_sandbox(orders=300, seed=1, timezone="UTC", rate_limit=0, faults=...)``;
    data options (``subcent_totals``) go to the data set, the rest to the server's configuration."""
    servers: list[SandboxServer] = []

    def factory(
        orders: int = 300,
        seed: int = 1,
        days: int = 90,
        end: datetime = SANDBOX_END,
        subcent_totals: float = SUBCENT_TOTALS,
        timezone: str = "Europe/Berlin",
        **config: Any,
    ) -> Sandbox:
        config.setdefault("rate_limit", 0)
        server = make_server(
            port=0,
            timezone=timezone,
            orders=orders,
            seed=seed,
            days=days,
            end=end,
            subcent_totals=subcent_totals,
            config=SandboxConfig(
                username=SANDBOX_USER, api_password=SANDBOX_PASSWORD, api_key=SANDBOX_KEY, **config
            ),
        )
        server.start_in_thread()
        servers.append(server)
        return Sandbox(server)

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """300 orders, no throttling, no faults."""
    return make_sandbox()


@pytest.fixture
def static_root(settings: Any, tmp_path: Any) -> None:
    """An existing STATIC_ROOT: WhiteNoise warns (an error under filterwarnings=error) when it
    does not exist, so the admin pages need one."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    (tmp_path / "static").mkdir()


@pytest.fixture
def eager(settings: Any) -> None:
    """Tasks run in-process when enqueued (and their errors surface in the test)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def login(client: Any) -> Callable[..., Any]:
    """``login("bookkeeping.export_datev", …)``: a staff user with exactly these permissions
    (none at all without arguments), logged in; returns the test client."""
    from django.contrib.auth.models import Permission, User

    def make(*names: str) -> Any:
        user = User.objects.create_user(f"staff{User.objects.count()}", is_staff=True)
        for name in names:
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        client.force_login(user)
        return client

    return make


def admin_actions(response: Any) -> set[str]:
    """The actions a changelist offers its user."""
    form = response.context["action_form"]  # None when the user may run no action
    return {name for name, _ in form.fields["action"].choices} if form else set()


def admin_form_data(response: Any) -> dict[str, Any]:
    """What the browser sends back for an admin add or change page, nothing changed: every
    field that is not disabled, the inlines' management forms and rows included."""
    from django.forms import CheckboxInput

    data: dict[str, Any] = {"_save": "Save"}

    def add(form: Any) -> None:
        for field in form:
            if field.field.disabled:
                continue
            value = field.value()
            if isinstance(field.field.widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def page_text(page: str) -> str:
    """A page's text as a reader sees it: tags, scripts and styles removed, whitespace
    collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def german(
    client: Any, path: str, data: Any = None, *, post: bool = False, follow: bool = False
) -> str:
    """The page as a browser that asks for German gets it (checked: 200 and ``lang="de"``)."""
    send = client.post if post else client.get
    response = send(path, data or {}, follow=follow, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, response.status_code
    page = str(response.content.decode())
    assert 'lang="de"' in page
    return page
