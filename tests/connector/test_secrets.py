"""The API password and API key never show up in logs, command output or admin pages."""

from __future__ import annotations

import base64
import logging
import re
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from connector.models import Connection
from connector.services.connections import connection_test, connection_upsert
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "admin-typed-api-password-5Hv"


def _secrets(password: str = SANDBOX_PASSWORD) -> list[str]:
    basic = base64.b64encode(f"{SANDBOX_USER}:{password}".encode()).decode()
    return [password, SANDBOX_KEY, basic]


def assert_no_secret(text: str, password: str = SANDBOX_PASSWORD) -> None:
    for secret in _secrets(password):
        assert secret not in text


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here may render admin pages."""


@pytest.fixture
def shop(sandbox) -> Connection:
    conn, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    return conn


@pytest.fixture
def everything_logged(caplog, settings):
    """Every record of every logger at DEBUG, SQL with its parameters included."""
    settings.DEBUG = True  # Django logs SQL (with parameters) only in DEBUG
    caplog.set_level(logging.DEBUG)
    for name in ("billbee.client", "django.db.backends", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _call(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except (SystemExit, CommandError) as exc:
        err.write(str(exc))
    return out.getvalue() + err.getvalue()


# ---------------------------------------------------------------- logs and command output


def test_commands_never_log_or_print_credentials(
    sandbox, shop, everything_logged, capsys, tmp_path
):
    order = next(
        h
        for h in sandbox.state.dataset.headers
        if h.invoice_no is None and h.kind == 0 and h.state == 1 and h.custom is None
    )
    printed = [
        _call("connection_test", "shop"),
        _call("connection_test", "shop", "--json"),
        _call("billbee", "states"),
        _call("billbee", "orders", "--limit", "2"),
        _call("billbee", "order", str(order.order_id)),
        _call("billbee", "invoices", "--limit", "1"),
        _call("billbee", "set-state", str(order.order_id), "3", "--if-state", "1"),
        _call("billbee", "add-tags", str(order.order_id), "geprüft"),
        _call("billbee", "update-stock", "--sku", "HK-SB-4025", "--quantity", "7"),
        _call("billbee", "create-invoice", str(order.order_id), "--pdf", str(tmp_path / "x.pdf")),
    ]
    captured = capsys.readouterr()

    # The capture works: requests, SQL and command output are all there.
    log = everything_logged.text
    assert "Starting new HTTP connection" in log  # urllib3 at DEBUG
    assert "GET /enums/orderstates -> 200" in log  # billbee.client
    assert "UPDATE" in log and "connector_connection" in log  # SQL with parameters
    assert '"ok": true' in printed[1]
    assert "CurrentStock" in printed[8]
    for text in [log, *printed, captured.out, captured.err]:
        assert_no_secret(text)


def test_failures_never_log_or_print_credentials(sandbox, everything_logged, capsys):
    wrong = "the-login-password-Kx8"
    connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=wrong,
        api_key=SANDBOX_KEY,
    )

    printed = _call("connection_test", "shop") + _call("billbee", "orders", "--limit", "1")
    stored = [Connection.objects.get(name="shop").last_test_message]
    connection_upsert(name="shop", api_password=SANDBOX_PASSWORD)
    sandbox.configure(fail_next=["malformed"] * 4)
    printed += _call("connection_test", "shop")
    stored.append(Connection.objects.get(name="shop").last_test_message)
    captured = capsys.readouterr()

    assert "Billbee rejected the credentials" in stored[0]
    assert "not the Billbee API" in stored[1]
    assert "FAIL authentication" in printed
    assert "-> 401" in everything_logged.text
    for text in (everything_logged.text, printed, captured.out, captured.err, *stored):
        assert_no_secret(text)
        assert_no_secret(text, password=wrong)


def test_connection_create_with_password_option_never_echoes_it(sandbox, everything_logged):
    printed = _call(
        "connection_create",
        "shop",
        "--api-url",
        sandbox.api_url,
        "--username",
        SANDBOX_USER,
        "--api-password",
        SANDBOX_PASSWORD,
        "--api-key",
        SANDBOX_KEY,
    )
    printed += _call("connection_create", "shop", "--api-password", NEW_PASSWORD)

    assert "Created connection shop" in printed
    assert "Updated connection shop: api_password." in printed
    for text in (printed, everything_logged.text):
        assert_no_secret(text)
        assert_no_secret(text, password=NEW_PASSWORD)


# ---------------------------------------------------------------- admin pages


def _password_inputs(html: str) -> list[str]:
    return re.findall(r'<input[^>]*type="password"[^>]*>', html)


def _form_data(conn: Connection, **changes: str) -> dict[str, str]:
    data = {
        "name": conn.name,
        "label": conn.label,
        "api_url": conn.api_url,
        "username": conn.username,
        "sender_country": conn.sender_country,
        "time_zone": conn.time_zone,
        "chart": conn.chart,
        "is_active": "on",
        "new_api_password": "",
        "new_api_key": "",
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_admin_pages_never_show_credentials(admin_client, shop):
    connection_test(shop)
    pages = {
        "changelist": reverse("admin:connector_connection_changelist"),
        "change": reverse("admin:connector_connection_change", args=[shop.pk]),
        "add": reverse("admin:connector_connection_add"),
        "history": reverse("admin:connector_connection_history", args=[shop.pk]),
    }

    html = {}
    for page, url in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, page
        html[page] = response.content.decode()
        assert_no_secret(html[page])

    assert "API password stored; API key stored" in html["changelist"]
    assert "works" in html["changelist"]
    assert "API password stored; API key stored" in html["change"]
    for page in ("change", "add"):
        inputs = _password_inputs(html[page])
        assert len(inputs) == 2
        assert {re.search(r'name="([^"]+)"', i).group(1) for i in inputs} == {
            "new_api_password",
            "new_api_key",
        }
        assert all("value=" not in i for i in inputs)


def test_admin_new_api_password_is_stored_and_never_echoed(admin_client, sandbox):
    conn, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password="the-login-password",
        api_key=SANDBOX_KEY,
    )
    assert connection_test(conn).ok is False
    url = reverse("admin:connector_connection_change", args=[conn.pk])

    response = admin_client.post(
        url, _form_data(conn, new_api_password=SANDBOX_PASSWORD), follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:connector_connection_changelist")
    stored = Connection.objects.get(pk=conn.pk)
    assert stored.secret("api_password") == SANDBOX_PASSWORD
    assert stored.secret("api_key") == SANDBOX_KEY
    assert connection_test(stored).ok is True
    entry = LogEntry.objects.get(object_id=str(conn.pk))
    assert entry.get_change_message() == "Changed API password."
    history = admin_client.get(reverse("admin:connector_connection_history", args=[conn.pk]))
    for text in (response.content.decode(), history.content.decode(), entry.change_message):
        assert_no_secret(text)
    assert "Changed API password." in history.content.decode()


def test_admin_empty_password_fields_keep_the_stored_credentials(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])

    response = admin_client.post(url, _form_data(shop, sender_country="AT"))

    assert response.status_code == 302
    stored = Connection.objects.get(pk=shop.pk)
    assert stored.sender_country == "AT"
    assert stored.secret("api_password") == SANDBOX_PASSWORD
    assert stored.secret("api_key") == SANDBOX_KEY
    assert LogEntry.objects.get(object_id=str(shop.pk)).get_change_message() == (
        "Changed Sender country."
    )


def test_admin_form_with_errors_does_not_echo_a_typed_password(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])

    response = admin_client.post(
        url, _form_data(shop, sender_country="de", new_api_password=NEW_PASSWORD)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "two-letter ISO country code" in html
    assert NEW_PASSWORD not in html
    assert all("value=" not in i for i in _password_inputs(html))
    assert Connection.objects.get(pk=shop.pk).secret("api_password") == SANDBOX_PASSWORD


def test_admin_refuses_a_new_connection_without_password_and_key(admin_client):
    url = reverse("admin:connector_connection_add")
    draft = Connection(name="shop", api_url="https://api.billbee.io/api/v1", username=SANDBOX_USER)

    response = admin_client.post(url, _form_data(draft))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["new_api_password"] == ["Required for a new connection."]
    assert form.errors["new_api_key"] == ["Required for a new connection."]
    assert not Connection.objects.exists()


def test_admin_creates_a_connection_with_encrypted_credentials(admin_client, sandbox):
    draft = Connection(name="shop", api_url=sandbox.api_url, username=SANDBOX_USER)

    response = admin_client.post(
        reverse("admin:connector_connection_add"),
        _form_data(draft, new_api_password=SANDBOX_PASSWORD, new_api_key=SANDBOX_KEY),
    )

    assert response.status_code == 302
    stored = Connection.objects.get(name="shop")
    assert connection_test(stored).ok is True
    assert_no_secret(LogEntry.objects.get(object_id=str(stored.pk)).change_message)


def test_admin_test_action_reports_health_without_credentials(admin_client, sandbox, shop):
    connection_upsert(
        name="broken",
        api_url=sandbox.url + "/api",
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    changelist = reverse("admin:connector_connection_changelist")

    response = admin_client.post(
        changelist,
        {
            "action": "test_connections",
            "_selected_action": [str(c.pk) for c in Connection.objects.all()],
        },
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert "shop: connection works." in messages
    broken = [m for m in messages if m.startswith("broken: ")]
    assert len(broken) == 1 and "must end with /api/v1" in broken[0]
    html = response.content.decode()
    assert_no_secret(html)
    assert Connection.objects.get(name="broken").last_test_ok is False
