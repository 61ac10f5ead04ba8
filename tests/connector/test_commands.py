"""The command-line contract: connection_create, connection_test and billbee."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from billbee import jsonutil
from connector.models import Connection
from connector.services.connections import connection_upsert
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = pytest.mark.django_db

API_URL = "https://billbee.example.com/api/v1"


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def credentials_env(monkeypatch):
    monkeypatch.setenv("BILLBEE_USERNAME", SANDBOX_USER)
    monkeypatch.setenv("BILLBEE_API_PASSWORD", SANDBOX_PASSWORD)
    monkeypatch.setenv("BILLBEE_API_KEY", SANDBOX_KEY)


@pytest.fixture
def no_credentials_env(monkeypatch):
    for name in ("BILLBEE_USERNAME", "BILLBEE_API_PASSWORD", "BILLBEE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


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


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def billbee(*args: str) -> str:
    out, _ = run("billbee", *args)
    return out


def raw_text(sandbox, path: str) -> str:
    """The sandbox's response body exactly as sent, without any client in between."""
    token = base64.b64encode(f"{SANDBOX_USER}:{SANDBOX_PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        f"{sandbox.api_url}{path}",
        headers={"Authorization": f"Basic {token}", "X-Billbee-Api-Key": SANDBOX_KEY},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _headers(sandbox):
    return sandbox.state.dataset.headers


# ---------------------------------------------------------------- connection_create


def test_connection_create_reads_credentials_from_the_environment(credentials_env):
    out, _ = run(
        "connection_create",
        "shop",
        "--api-url",
        API_URL,
        "--sender-country",
        "AT",
        "--chart",
        "skr04",
    )

    assert out == (
        f"Created connection shop → {API_URL} "
        f"(user {SANDBOX_USER}, chart SKR04, sender country AT).\n"
    )
    stored = Connection.objects.get(name="shop")
    assert stored.secret("api_password") == SANDBOX_PASSWORD
    assert stored.secret("api_key") == SANDBOX_KEY
    assert (stored.chart, stored.sender_country) == ("skr04", "AT")


def test_connection_create_sets_billbee_s_clock(credentials_env):
    run("connection_create", "shop", "--api-url", API_URL)
    assert Connection.objects.get(name="shop").billbee_clock == "Europe/Berlin"  # default

    out, _ = run("connection_create", "shop", "--billbee-clock", "UTC")

    assert "billbee_clock" in out
    stored = Connection.objects.get(name="shop")
    assert (stored.billbee_clock, stored.time_zone) == ("UTC", "Europe/Berlin")
    with pytest.raises(CommandError, match="invalid choice"):
        run("connection_create", "shop", "--billbee-clock", "America/New_York")


def test_connection_create_rerun_is_already_up_to_date(credentials_env):
    run("connection_create", "shop", "--api-url", API_URL)
    updated_at = Connection.objects.get(name="shop").updated_at

    out, _ = run("connection_create", "shop", "--api-url", API_URL)

    assert out == "Connection shop is already up to date.\n"
    assert Connection.objects.get(name="shop").updated_at == updated_at


def test_connection_create_names_a_changed_password_but_never_prints_it(credentials_env):
    run("connection_create", "shop", "--api-url", API_URL)

    out, err = run("connection_create", "shop", "--api-password", "rotated-api-password-4Wq")

    assert out == "Updated connection shop: api_password.\n"
    assert "rotated-api-password-4Wq" not in out + err
    assert Connection.objects.get(name="shop").secret("api_password") == (
        "rotated-api-password-4Wq"
    )


def test_connection_create_options_override_the_environment(credentials_env):
    run("connection_create", "shop", "--api-url", API_URL, "--username", "other@example.com")

    assert Connection.objects.get(name="shop").username == "other@example.com"


def test_connection_create_without_credentials_is_a_command_error(no_credentials_env):
    with pytest.raises(CommandError) as caught:
        run("connection_create", "shop", "--api-url", "https://api.billbee.io/api/v1")

    message = str(caught.value)
    assert "missing username, API password, API key" in message
    assert "BILLBEE_API_PASSWORD" in message
    assert not Connection.objects.exists()


def test_connection_create_with_invalid_values_says_which_field(credentials_env):
    with pytest.raises(CommandError) as caught:
        run("connection_create", "shop", "--sender-country", "DEU", "--time-zone", "Mars/Base")

    # Refused while the options are read, before anything is saved (exit code 2).
    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "Error: argument --sender-country: 'DEU' is not an ISO 3166 country code: use two "
        "capital letters such as DE, AT or PL"
    )
    assert not Connection.objects.exists()


# ---------------------------------------------------------------- connection_test


def test_connection_test_prints_each_check_and_succeeds(shop):
    out, _ = run("connection_test", "shop")

    lines = out.splitlines()
    assert lines[0] == f"Connection shop → {shop.api_url}"
    assert [line.split(":")[0] for line in lines[1:6]] == [
        "  ok   credentials",
        "  ok   authentication",
        "  ok   orders",
        "  ok   invoices",
        "  ok   shops",
    ]
    assert lines[-1] == "Connection works."


def test_connection_test_failure_exits_1_and_says_why(sandbox, shop):
    sandbox.configure(api_active=False)
    out = StringIO()

    with pytest.raises(SystemExit) as caught:
        call_command("connection_test", "shop", stdout=out)

    assert caught.value.code == 1
    text = out.getvalue()
    assert "  ok   credentials: username, API password and API key set" in text
    assert "  FAIL authentication: the Billbee API is not activated" in text
    assert text.rstrip().endswith("Connection does not work.")
    assert Connection.objects.get(name="shop").last_test_ok is False


def test_connection_test_optional_check_failure_is_a_warning_with_exit_0(sandbox, shop):
    sandbox.configure(fail_next=["timeout"] * 3 + ["429"] * 9, fault_delay=0, fault_retry_after=0)

    out, _ = run("connection_test", "shop")

    assert "  warn shops: Billbee is throttling" in out
    assert out.rstrip().endswith("Connection works.")


def test_connection_test_json_success(shop):
    out, _ = run("connection_test", "shop", "--json")

    result = json.loads(out)
    assert result["ok"] is True
    assert result["connection"] == "shop"
    assert [c["name"] for c in result["checks"]] == [
        "credentials",
        "authentication",
        "orders",
        "invoices",
        "shops",
    ]
    assert all(c["ok"] for c in result["checks"])
    assert [c["required"] for c in result["checks"]] == [True, True, True, True, False]


def test_connection_test_json_failure_is_one_object_and_exit_1(sandbox):
    connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password="the-login-password",
        api_key=SANDBOX_KEY,
    )
    out = StringIO()

    with pytest.raises(SystemExit) as caught:
        call_command("connection_test", "shop", "--json", stdout=out)

    assert caught.value.code == 1
    result = json.loads(out.getvalue())
    assert result["ok"] is False
    failed = [c for c in result["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["authentication"]
    assert "not the login password" in failed[0]["message"]


def test_connection_test_unknown_name_is_a_command_error(shop):
    with pytest.raises(CommandError, match=r"no connection named 'shopp' \(known: shop\)"):
        run("connection_test", "shopp")


# ---------------------------------------------------------------- billbee: reading


def test_billbee_states_lists_17_order_states(shop):
    states = json.loads(billbee("states"))

    assert len(states) == 17
    assert {s["Id"] for s in states} == set(range(1, 18))
    assert all(isinstance(s["Name"], str) and s["Name"] for s in states)


def test_billbee_orders_prints_records_exactly_as_billbee_sent_them(sandbox, shop):
    sent = raw_text(sandbox, "/orders?page=1&pageSize=250")

    out = billbee("orders", "--limit", "3")

    orders = jsonutil.loads(out)
    assert len(orders) == 3
    assert [o["BillBeeOrderId"] for o in orders] == [h.order_id for h in _headers(sandbox)[:3]]
    # Every record is the sandbox's own text, digit for digit (trailing zeros included).
    records = [line.strip().rstrip(",") for line in out.splitlines()[1:-1]]
    assert len(records) == 3
    for record in records:
        assert record in sent
    first_total = re.search(r'"TotalCost":([-0-9.]+)', sent).group(1)
    assert first_total == "16.5200000"
    assert f'"TotalCost":{first_total}' in records[0]
    assert orders[0]["TotalCost"] == Decimal("16.5200000")
    assert str(orders[0]["TotalCost"]) == "16.5200000"


def test_billbee_orders_jsonl_prints_one_object_per_line(sandbox, shop):
    sent = raw_text(sandbox, "/orders?page=1&pageSize=250")

    out = billbee("orders", "--jsonl", "--limit", "2")

    lines = out.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert isinstance(json.loads(line), dict)
        assert line in sent


def test_billbee_orders_streams_across_pages(sandbox, shop):
    sent = raw_text(sandbox, "/orders?page=1&pageSize=250")
    sandbox.control("POST", "stats/reset")

    out = billbee("orders", "--page-size", "2", "--limit", "5")

    records = [line.strip().rstrip(",") for line in out.splitlines()[1:-1]]
    assert len(records) == 5
    assert all(record in sent for record in records)
    assert [o["BillBeeOrderId"] for o in jsonutil.loads(out)] == [
        h.order_id for h in _headers(sandbox)[:5]
    ]
    assert sandbox.stats()["by_endpoint"] == {"GET /orders": 3}


def test_billbee_paces_itself_to_billbees_limit(make_sandbox, settings):
    settings.BILLBEE_RATE_LIMIT = 2
    sandbox = make_sandbox(rate_limit=2)
    connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )

    orders = jsonutil.loads(billbee("orders", "--page-size", "1", "--limit", "4"))

    assert len(orders) == 4
    stats = sandbox.stats()
    assert stats["by_endpoint"] == {"GET /orders": 4}
    assert stats["by_status"] == {"200": 4}
    assert stats["throttled"] == 0


def test_billbee_page_size_out_of_range_is_a_command_error(sandbox, shop):
    out = StringIO()

    with pytest.raises(CommandError, match=r"1\.\.250"):
        call_command("billbee", "orders", "--page-size", "500", stdout=out)

    assert out.getvalue() == ""


def test_billbee_orders_filters_by_state(sandbox, shop):
    expected = [h.order_id for h in _headers(sandbox) if h.state == 1]

    orders = jsonutil.loads(billbee("orders", "--state", "1", "--page-size", "5"))

    assert [o["BillBeeOrderId"] for o in orders] == expected
    assert {o["State"] for o in orders} == {1}


def test_billbee_order_by_billbee_id_and_by_shop_order_number(sandbox, shop):
    manual = next(h for h in _headers(sandbox) if h.number and h.number != h.external_id)

    by_id = jsonutil.loads(billbee("order", str(manual.order_id)))
    by_number = jsonutil.loads(billbee("order", manual.number))
    by_external_id = jsonutil.loads(billbee("order", manual.external_id))

    assert by_id["BillBeeOrderId"] == manual.order_id
    assert by_id["OrderNumber"] == manual.number
    assert by_number == by_id
    assert by_external_id == by_id
    assert sandbox.stats()["by_endpoint"]["GET /orders/findbyextref/{extRef}"] == 2


def test_billbee_order_unknown_number_is_a_command_error(shop):
    with pytest.raises(CommandError, match="No order with the number 'NO-SUCH-ORDER'"):
        billbee("order", "NO-SUCH-ORDER")


def test_billbee_invoices_limit(sandbox, shop):
    sent = raw_text(sandbox, "/orders/invoices?includePositions=true&page=1&pageSize=250")

    out = billbee("invoices", "--limit", "2")

    invoices = jsonutil.loads(out)
    assert len(invoices) == 2
    assert all(inv["InvoiceNumber"] for inv in invoices)
    for record in (line.strip().rstrip(",") for line in out.splitlines()[1:-1]):
        assert record in sent


# ---------------------------------------------------------------- billbee: writing


def test_billbee_set_state_if_state_matches(sandbox, shop):
    order = next(h for h in _headers(sandbox) if h.state == 1 and h.custom is None)

    result = json.loads(billbee("set-state", str(order.order_id), "3", "--if-state", "1"))

    assert result == {
        "BillBeeOrderId": order.order_id,
        "changed": True,
        "PreviousState": 1,
        "State": 3,
    }
    assert sandbox.state.by_id[order.order_id].state == 3


def test_billbee_set_state_if_state_does_not_match_changes_nothing(sandbox, shop):
    order = next(h for h in _headers(sandbox) if h.state == 7)

    result = json.loads(billbee("set-state", str(order.order_id), "3", "--if-state", "1"))

    assert result["changed"] is False
    assert result["State"] == 7
    assert "not in [1]" in result["reason"]
    assert sandbox.state.by_id[order.order_id].state == 7
    assert "PUT /orders/{id}/orderstate" not in sandbox.stats()["by_endpoint"]


def test_billbee_update_stock_sets_the_absolute_quantity(sandbox, shop):
    before = sandbox.state.stock["HK-SB-4025"]

    result = jsonutil.loads(billbee("update-stock", "--sku", "HK-SB-4025", "--quantity", "12"))

    assert result["SKU"] == "HK-SB-4025"
    assert result["CurrentStock"] == Decimal("12")
    assert result["OldStock"] == before
    assert sandbox.state.stock["HK-SB-4025"] == Decimal("12")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("--quantity", "12"), "needs --sku or --billbee-id", id="no-product"),
        pytest.param(
            ("--sku", "HK-SB-4025", "--quantity", "zwölf"),
            "'zwölf' is not a number",
            id="not-a-number",
        ),
        pytest.param(
            ("--sku", "HK-SB-4025", "--quantity", "NaN"),
            "'NaN' is not a number",
            id="nan",
        ),
    ],
)
def test_billbee_update_stock_refuses_bad_input(sandbox, shop, args, message):
    with pytest.raises(CommandError, match=message):
        billbee("update-stock", *args)

    assert sandbox.stats()["requests"] == 0


def test_billbee_add_tags(sandbox, shop):
    order = next(h for h in _headers(sandbox) if h.custom is None)

    result = json.loads(billbee("add-tags", str(order.order_id), "Buchhaltung", "DATEV-2026"))

    assert result == {"BillBeeOrderId": order.order_id, "added": ["Buchhaltung", "DATEV-2026"]}
    shown = jsonutil.loads(billbee("order", str(order.order_id)))
    assert {"Buchhaltung", "DATEV-2026"} <= set(shown["Tags"])


def test_billbee_create_invoice_writes_the_pdf(sandbox, shop, tmp_path):
    order = next(
        h
        for h in _headers(sandbox)
        if h.invoice_no is None and h.kind == 0 and h.state not in (6, 8) and h.custom is None
    )
    total_sent = re.search(
        r'"TotalCost":([-0-9.]+)', raw_text(sandbox, f"/orders/{order.order_id}")
    ).group(1)
    pdf = tmp_path / "x.pdf"

    out = billbee("create-invoice", str(order.order_id), "--pdf", str(pdf))

    assert pdf.read_bytes().startswith(b"%PDF")
    result = jsonutil.loads(out)
    assert result["PdfWritten"] == str(pdf)
    assert re.fullmatch(r"RE-\d{4}-\d+", result["InvoiceNumber"])
    assert f'"TotalGross": {total_sent}' in out
    assert sandbox.state.by_id[order.order_id].invoice_no is not None


def test_billbee_create_invoice_for_a_cancelled_order_says_why(sandbox, shop):
    order = next(h for h in _headers(sandbox) if h.state == 8 and h.kind == 0)

    with pytest.raises(CommandError, match=r"OrderCanceled \(5\): The order is cancelled"):
        billbee("create-invoice", str(order.order_id))


def test_billbee_set_state_to_an_unknown_state_is_refused_by_billbee(sandbox, shop):
    order = _headers(sandbox)[0]

    with pytest.raises(CommandError, match="The value '99' is not valid for NewStateId"):
        billbee("set-state", str(order.order_id), "99")

    assert sandbox.state.by_id[order.order_id].state == order.state


# ---------------------------------------------------------------- billbee: errors


def test_billbee_unknown_connection_names_the_known_ones(shop):
    with pytest.raises(CommandError) as caught:
        billbee("--connection", "unknown", "states")

    assert "no connection named 'unknown'" in str(caught.value)
    assert "(known: shop)" in str(caught.value)


def test_billbee_without_connection_picks_the_only_one_and_refuses_ambiguity(sandbox, shop):
    assert len(json.loads(billbee("states"))) == 17
    connection_upsert(name="outlet", username=SANDBOX_USER, api_password="x", api_key="y")

    with pytest.raises(CommandError, match="name one with --connection"):
        billbee("states")
    assert len(json.loads(billbee("--connection", "shop", "states"))) == 17


def test_billbee_wrong_credentials_is_a_command_error_with_the_explanation(sandbox):
    connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password="the-login-password",
        api_key=SANDBOX_KEY,
    )

    with pytest.raises(CommandError) as caught:
        billbee("--connection", "shop", "orders", "--limit", "1")

    message = str(caught.value)
    assert message.startswith("Billbee rejected the credentials (HTTP 401")
    assert "not the login password" in message
    assert "the-login-password" not in message


def test_commands_speak_english_whatever_the_installation_s_language(credentials_env):
    """Scripts and monitoring read the commands' output: it stays English when the console
    (LANGUAGE_CODE, here the active language) is German."""
    with translation.override("de"):
        with pytest.raises(CommandError) as caught:
            run("connection_create", "shop", "--api-url", "not a url")
        assert translation.get_language() == "de"  # the caller's language is left as it was

    assert "Enter a valid URL" in str(caught.value)
