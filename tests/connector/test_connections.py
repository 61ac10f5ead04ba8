"""Creating, updating and testing connections (services), against the sandbox over HTTP."""

from __future__ import annotations

import re
import socket
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from connector.errors import ConnectionIncomplete, ConnectionNotFound
from connector.models import Connection
from connector.services.connections import (
    connection_client,
    connection_default,
    connection_get,
    connection_test,
    connection_upsert,
)
from connector.texts import said_field
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = pytest.mark.django_db

API_URL = "https://api.billbee.io/api/v1"


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    # Client-side pacing is not what these tests are about.
    settings.BILLBEE_RATE_LIMIT = 0


def _upsert(name: str = "shop", **overrides):
    values = {
        "name": name,
        "api_url": API_URL,
        "username": SANDBOX_USER,
        "api_password": SANDBOX_PASSWORD,
        "api_key": SANDBOX_KEY,
    }
    values.update(overrides)
    return connection_upsert(**values)


def _sandbox_connection(sandbox, **overrides) -> Connection:
    conn, _, _ = _upsert(**{"api_url": sandbox.api_url, **overrides})
    return conn


def _checks(result) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.ok, c.message) for c in result.checks}


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- connection_upsert


def test_upsert_creates_a_connection_with_defaults():
    conn, created, changed = _upsert(api_url="https://billbee.example.com/api/v1")

    assert created is True
    assert set(changed) == {"api_url", "username", "api_password", "api_key"}
    stored = Connection.objects.get(name="shop")
    assert stored.pk == conn.pk
    assert stored.api_url == "https://billbee.example.com/api/v1"
    assert stored.username == SANDBOX_USER
    assert stored.secret("api_password") == SANDBOX_PASSWORD
    assert stored.secret("api_key") == SANDBOX_KEY
    assert (stored.label, stored.sender_country, stored.time_zone, stored.chart) == (
        "[Billbee]",
        "DE",
        "Europe/Berlin",
        "skr03",
    )
    assert stored.is_active is True
    assert stored.last_test_ok is None


def test_upsert_rerun_with_identical_values_changes_nothing():
    first, _, _ = _upsert(sender_country="AT", chart="skr04")
    before = Connection.objects.get(pk=first.pk)

    again, created, changed = _upsert(sender_country="AT", chart="skr04")

    assert created is False
    assert changed == []
    after = Connection.objects.get(pk=first.pk)
    assert after.updated_at == before.updated_at
    assert Connection.objects.count() == 1
    assert again.pk == first.pk


def test_upsert_reports_exactly_the_changed_fields():
    _upsert()

    _, created, changed = _upsert(sender_country="AT", time_zone="Europe/Vienna")

    assert created is False
    assert changed == ["sender_country", "time_zone"]
    stored = Connection.objects.get(name="shop")
    assert (stored.sender_country, stored.time_zone) == ("AT", "Europe/Vienna")
    # Fields passed as None are left as they were.
    _, _, changed = _upsert(username=None, api_password=None, api_key=None, chart="skr04")
    assert changed == ["chart"]
    assert Connection.objects.get(name="shop").secret("api_password") == SANDBOX_PASSWORD


def test_upsert_reports_a_new_api_password_by_name_only():
    _upsert()

    _, _, changed = _upsert(api_password="new-api-password-9Zt")

    assert changed == ["api_password"]
    assert Connection.objects.get(name="shop").secret("api_password") == "new-api-password-9Zt"


def test_upsert_normalises_country_and_chart_case():
    _upsert(sender_country="at", chart="SKR04")

    stored = Connection.objects.get(name="shop")
    assert (stored.sender_country, stored.chart) == ("AT", "skr04")


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"api_password": None}, "API password"),
        ({"api_key": ""}, "API key"),
        ({"username": None, "api_password": None, "api_key": None}, "username, API password, "),
    ],
)
def test_creating_without_credentials_names_what_is_missing(missing, named):
    with pytest.raises(ConnectionIncomplete) as caught:
        _upsert(**missing)

    message = str(caught.value)
    assert named in message
    assert "'shop'" in message
    for variable in ("BILLBEE_USERNAME", "BILLBEE_API_PASSWORD", "BILLBEE_API_KEY"):
        assert variable in message
    assert not Connection.objects.exists()


@pytest.mark.parametrize("country", ["DEU", "D", "D1", "Deutschland"])
def test_invalid_sender_country_is_refused(country):
    with pytest.raises(ValidationError) as caught:
        _upsert(sender_country=country)

    assert "two-letter ISO country code" in str(caught.value.message_dict["sender_country"])
    assert not Connection.objects.exists()


def test_lowercase_sender_country_is_refused_by_the_model():
    # connection_upsert upper-cases its input; the model itself (admin forms) does not.
    conn = Connection(
        name="shop", username=SANDBOX_USER, api_password="p", api_key="k", sender_country="de"
    )

    with pytest.raises(ValidationError) as caught:
        conn.full_clean()

    assert "sender_country" in caught.value.message_dict


@pytest.mark.parametrize("zone", ["Europe/Berlinn", "CEST", "../etc/passwd"])
def test_invalid_time_zone_is_refused(zone):
    with pytest.raises(ValidationError) as caught:
        _upsert(time_zone=zone)

    assert "is not a known time zone" in " ".join(caught.value.message_dict["time_zone"])
    assert not Connection.objects.exists()


def test_invalid_update_leaves_the_stored_connection_unchanged():
    _upsert()

    with pytest.raises(ValidationError):
        _upsert(sender_country="AUT", chart="skr04")

    stored = Connection.objects.get(name="shop")
    assert (stored.sender_country, stored.chart) == ("DE", "skr03")


def test_invalid_chart_is_refused():
    with pytest.raises(ValidationError) as caught:
        _upsert(chart="skr99")

    assert "chart" in caught.value.message_dict


# ---------------------------------------------------------------- lookups and clients


def test_connection_get_unknown_name_lists_the_known_ones():
    _upsert("shop")
    _upsert("outlet")

    with pytest.raises(ConnectionNotFound) as caught:
        connection_get("shopp")

    assert "'shopp'" in str(caught.value)
    assert "known: outlet, shop" in str(caught.value)


def test_connection_default_needs_exactly_one_active_connection():
    with pytest.raises(ConnectionNotFound, match="no active connection"):
        connection_default()
    _upsert("shop")
    assert connection_default().name == "shop"
    _upsert("outlet")
    with pytest.raises(ConnectionNotFound, match="--connection"):
        connection_default()
    Connection.objects.filter(name="outlet").update(is_active=False)
    assert connection_default().name == "shop"


def test_connection_client_uses_billbee_s_clock_and_the_url(sandbox):
    # The client reads and writes Billbee's naive timestamps in Billbee's clock; the
    # connection's own zone (calendar days) does not change it.
    conn = _sandbox_connection(sandbox, time_zone="America/New_York", billbee_clock="UTC")

    client = connection_client(conn)
    try:
        assert client.tz == ZoneInfo("UTC")
        assert client.base_url == sandbox.api_url
        states = client.order_states()
    finally:
        client.close()

    assert len(states) == 17
    assert sandbox.stats()["by_status"] == {"200": 1}


def test_connection_client_refuses_incomplete_credentials():
    conn = Connection.objects.create(name="draft", username=SANDBOX_USER, api_key="k")

    with pytest.raises(ConnectionIncomplete, match="'draft'"):
        connection_client(conn)


# ---------------------------------------------------------------- connection_test


def test_connection_test_passes_against_the_sandbox_and_is_stored(sandbox):
    conn = _sandbox_connection(sandbox)
    before = timezone.now()

    result = connection_test(conn)

    assert result.ok is True
    checks = _checks(result)
    assert list(checks) == ["credentials", "authentication", "orders", "invoices", "shops"]
    assert all(ok for ok, _ in checks.values())
    assert checks["authentication"][1] == f"signed in as {SANDBOX_USER}; 17 order states known"
    assert checks["orders"][1] == "order list readable: 300 orders"
    stored = Connection.objects.get(pk=conn.pk)
    assert stored.last_test_ok is True
    assert stored.last_test_message == "all checks passed"
    assert stored.last_test_at is not None and stored.last_test_at >= before
    assert result.as_dict()["ok"] is True


def test_connection_test_without_credentials_says_what_to_enter():
    conn = Connection.objects.create(name="draft", username=SANDBOX_USER)

    result = connection_test(conn)

    assert result.ok is False
    assert [c.name for c in result.checks] == ["credentials"]
    message = result.checks[0].message
    assert "Missing API password, API key" in message
    assert "connection_create draft" in message
    assert Connection.objects.get(pk=conn.pk).last_test_ok is False


def _failed(conn: Connection) -> tuple[str, Connection]:
    result = connection_test(conn)
    assert result.ok is False
    stored = Connection.objects.get(pk=conn.pk)
    assert stored.last_test_ok is False
    assert stored.last_test_at is not None
    return stored.last_test_message, stored


def test_wrong_api_password_is_explained(sandbox):
    conn = _sandbox_connection(sandbox, api_password="the-login-password")

    message, stored = _failed(conn)

    assert message.startswith("authentication: Billbee rejected the credentials (HTTP 401")
    assert "API password" in message and "not the login password" in message
    assert "the-login-password" not in message
    with translation.override("de"):  # the client's own sentence, said in German
        german = said_field(stored, "last_test_message", "last_test_texts")
    assert german.startswith("Anmeldung: Billbee hat die Zugangsdaten abgelehnt (HTTP 401")
    assert "API-Passwort" in german and "the-login-password" not in german


def test_api_module_not_activated_is_explained(sandbox):
    sandbox.configure(api_active=False)
    conn = _sandbox_connection(sandbox)

    message, stored = _failed(conn)

    assert message.startswith("authentication: the Billbee API is not activated")
    assert "Activate the API module" in message
    with translation.override("de"):
        german = said_field(stored, "last_test_message", "last_test_texts")
    assert "die Billbee-API ist für dieses Konto nicht aktiviert" in german


def test_unreachable_host_is_explained():
    port = _unused_port()
    conn, _, _ = _upsert(api_url=f"http://127.0.0.1:{port}/api/v1")

    message, _ = _failed(conn)

    assert message.startswith(
        f"authentication: Nothing accepts connections at http://127.0.0.1:{port}"
    )
    assert "billbee_sandbox" in message


def test_api_url_without_v1_is_explained(sandbox):
    conn = _sandbox_connection(sandbox, api_url=sandbox.url + "/api")

    message, _ = _failed(conn)

    assert "answered 404 for /enums/orderstates" in message
    assert "It must end with /api/v1" in message
    # A 404 is not retried.
    assert sandbox.stats()["by_status"] == {"404": 1}


def test_garbled_responses_are_explained_as_not_the_billbee_api(sandbox):
    sandbox.configure(fail_next=["malformed"] * 4)
    conn = _sandbox_connection(sandbox)

    message, _ = _failed(conn)

    assert message.startswith(f"authentication: {sandbox.api_url} answered with something")
    assert "that is not the Billbee API" in message
    assert "Check the API URL" in message
    assert sandbox.stats()["faults"] == {"malformed": 4}


def test_persistent_429_is_explained_as_throttling(sandbox):
    sandbox.configure(fail_next=["429"] * 30, fault_retry_after=0)
    conn = _sandbox_connection(sandbox)

    message, _ = _failed(conn)

    assert message.startswith("authentication: Billbee is throttling this API key and user")
    assert "(HTTP 429)" in message
    assert "Try again in 1 s" in message
    # The client gave up after its bounded number of throttled attempts.
    assert sandbox.stats()["faults"]["429"] == 9


def test_failing_shops_check_is_a_warning_not_a_failure(sandbox):
    # The first three requests pass (a zero-delay "timeout" fault is a no-op); the shop
    # accounts request is then throttled until the client gives up.
    sandbox.configure(fail_next=["timeout"] * 3 + ["429"] * 9, fault_delay=0, fault_retry_after=0)
    conn = _sandbox_connection(sandbox)

    result = connection_test(conn)

    checks = {c.name: c for c in result.checks}
    assert checks["shops"].ok is False
    assert checks["shops"].required is False
    assert "throttling" in checks["shops"].message
    assert all(checks[name].ok for name in ("credentials", "authentication", "orders", "invoices"))
    assert result.ok is True
    stored = Connection.objects.get(pk=conn.pk)
    assert stored.last_test_ok is True
    assert stored.last_test_message == "all checks passed"


def test_a_later_successful_test_replaces_the_stored_failure(sandbox):
    sandbox.configure(api_active=False)
    conn = _sandbox_connection(sandbox)
    _failed(conn)
    sandbox.configure(api_active=True)

    result = connection_test(conn)

    assert result.ok is True
    stored = Connection.objects.get(pk=conn.pk)
    assert (stored.last_test_ok, stored.last_test_message) == (True, "all checks passed")


# ---------------------------------------------------------------- the default API URL


def test_new_connection_without_api_url_gets_the_configured_default(settings):
    settings.BILLBEE_DEFAULT_API_URL = "https://billbee.example.com/api/v1"

    conn, _, _ = connection_upsert(
        name="shop", username=SANDBOX_USER, api_password="p", api_key="k"
    )

    assert Connection.objects.get(pk=conn.pk).api_url == "https://billbee.example.com/api/v1"


def test_admin_add_form_prefills_the_default_api_url(admin_client, settings, static_root):
    settings.BILLBEE_DEFAULT_API_URL = "https://billbee.example.com/api/v1"

    html = admin_client.get(reverse("admin:connector_connection_add")).content.decode()

    api_url_input = re.search(r'<input[^>]*name="api_url"[^>]*>', html).group(0)
    assert 'value="https://billbee.example.com/api/v1"' in api_url_input
