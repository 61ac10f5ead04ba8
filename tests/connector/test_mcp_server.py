"""The assistant tools (``manage.py mcp_server``) driven by the MCP SDK's own client.

The server runs as a subprocess on the test's own database (``transaction=True``, so that it
sees the connection and the upload log) against the sandbox over real HTTP: over stdio as a
desktop assistant starts it, and over streamable HTTP with a bearer token.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from billbee import jsonutil
from billbee.throttle import RedisRateLimiter
from bookkeeping.models import DocumentBooking, JournalLine
from bookkeeping.services.booking import documents_book
from connector.assistant import billbee_tools
from connector.assistant.billbee_tools import SUMMARY_PAGE_LIMIT
from connector.assistant.toolbox import AssistantError, Toolbox
from connector.models import Connection, ExternalOrder, ImportRun
from connector.services.connections import connection_upsert
from tests.bookkeeping.helpers import generated_books
from tests.conftest import BERLIN, SANDBOX_END, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER
from tests.connector.test_celery_worker import database_url
from tests.connector.test_import import insert, run

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "token-for-the-assistant-tests-4Fq9"
TOOLS = {
    "list_orders",
    "get_order",
    "get_order_states",
    "list_products",
    "list_customers",
    "list_invoices",
    "update_order_state",
    "update_stock",
    "explain_order",
    "work_queue",
    "import_runs",
    "period_summary",
    "search_upload_log",
}
RECENT = (SANDBOX_END - timedelta(days=30)).replace(tzinfo=None).isoformat()


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def connect(sandbox, name: str = "shop") -> Connection:
    connection, _, _ = connection_upsert(
        name=name,
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    return connection


@pytest.fixture
def imported(make_sandbox):
    """80 generated orders imported and booked with every debtor assigned, and one more order
    from a second shop whose debtor is missing: it waits in the work queue."""
    sandbox = make_sandbox(orders=80)
    connection, _ = generated_books(sandbox)
    waiting = insert(
        sandbox,
        Seller={"Platform": "Shopware", "BillbeeShopName": "Zweitshop", "BillbeeShopId": 4242},
    )
    # The new order says it was last modified on 15 November: read that day again.
    day = datetime(2026, 11, 15, tzinfo=BERLIN)
    run(connection, since=day, until=day + timedelta(days=1))
    documents_book(connection)
    return sandbox, connection, waiting


def server_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings.test",
        "DATABASE_URL": database_url(),
        "BILLBEE_RATE_LIMIT": "0",
        # Each server process paces on its own here: runs of the tests do not share a budget.
        "BILLBEE_THROTTLE_REDIS_URL": "",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def stdio(log: Path, *options: str) -> Callable[[], Any]:
    """The transport of a server started as a desktop assistant does; its stderr to ``log``."""
    params = StdioServerParameters(
        command=sys.executable,
        args=[str(ROOT / "manage.py"), "mcp_server", "--connection", "shop", *options],
        env=server_env(),
        cwd=str(ROOT),
    )

    @contextlib.asynccontextmanager
    async def transport() -> Any:
        with log.open("w") as errors:
            async with stdio_client(params, errlog=errors) as streams:
                yield streams

    return transport


def drive(transport: Callable[[], Any], script: Callable[[Client], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with Client(transport(), read_timeout_seconds=30, cache=None) as client:
            return await script(client)

    return anyio.run(main)


class Calls:
    """The assistant's side: tool calls, their JSON answers, every text it was shown."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: list[str] = []

    async def ok(self, name: str, **arguments: Any) -> Any:
        result = await self.client.call_tool(name, arguments)
        text = result.content[0].text
        self.seen.append(text)
        assert not result.is_error, f"{name}: {text}"
        return jsonutil.loads(text)

    async def refused(self, name: str, **arguments: Any) -> str:
        result = await self.client.call_tool(name, arguments)
        text = result.content[0].text
        self.seen.append(text)
        assert result.is_error, f"{name} was not refused: {text}"
        return text


def raw_orders(sandbox) -> list[dict[str, Any]]:
    dataset = sandbox.state.dataset
    return [dataset.render_order(h) for h in dataset.headers]


def ordered_at(raw: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(raw["CreatedAt"]).replace(tzinfo=None)


# ---------------------------------------------------------------- stdio, read-only


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_tool_is_listed_and_answers_over_stdio_and_writes_are_refused(imported, tmp_path):
    sandbox, connection, waiting_id = imported
    document = ExternalOrder.objects.filter(connection=connection).exclude(invoice_number="")[0]
    waiting = DocumentBooking.objects.get(document__billbee_order_id=waiting_id)
    assert waiting.status == "waiting" and waiting.reason_code == "no_debtor"
    revenue = sum(
        (line.amount if line.side == "H" else -line.amount)
        for line in JournalLine.objects.filter(
            entry__connection=connection,
            entry__document_date__year=2026,
            entry__document_date__month=11,
            role__in=("revenue", "shipping", "discount"),
        )
    )
    in_log = ExternalOrder.objects.filter(connection=connection).count()
    run_counts = [(r.pk, r.fetched, r.imported) for r in ImportRun.objects.order_by("-created_at")]
    assert run_counts[-1][1] == 80
    in_november = ExternalOrder.objects.filter(
        connection=connection, document_date__year=2026, document_date__month=11
    ).count()
    order = raw_orders(sandbox)[0]

    async def script(client: Client) -> Calls:
        calls = Calls(client)
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.description and tool.input_schema["type"] == "object", tool.name
        assert tools["list_orders"].input_schema["properties"]["page_size"]["maximum"] == 250
        assert tools["update_stock"].annotations.read_only_hint is False
        assert "confirm" in tools["update_order_state"].input_schema["properties"]

        states = await calls.ok("get_order_states")
        assert {"id": 3, "billbee_name": "Zahlung_erhalten", "name": "paid"} in states["states"]
        orders = await calls.ok("list_orders", page_size=5)
        assert orders["returned"] == 5 and orders["total_rows"] == 81
        assert orders["next_page"] == 2 and orders["orders"][0]["state"]["name"]
        one = await calls.ok("get_order", id_or_number=order["OrderNumber"])
        assert one["billbee_id"] == order["BillBeeOrderId"]
        # Billbee's naive time, read in its clock, shown in the merchant's zone to the second.
        created = datetime.fromisoformat(order["CreatedAt"]).replace(tzinfo=BERLIN)
        assert one["ordered_at"] == created.replace(microsecond=0).isoformat()
        full = await calls.ok("get_order", id_or_number=str(order["BillBeeOrderId"]), full=True)
        assert full["TotalCost"] == order["TotalCost"]
        products = await calls.ok("list_products", page_size=3)
        assert products["returned"] == 3 and products["products"][0]["sku"]
        customers = await calls.ok("list_customers", page_size=3)
        assert customers["returned"] == 3 and customers["customers"][0]["id"]
        invoices = await calls.ok("list_invoices", min_invoice_date=RECENT)
        assert invoices["invoices"] and invoices["invoices"][0]["invoice_number"]
        # Billbee answers a page of the invoice list once a minute per start date.
        again = await calls.refused("list_invoices", min_invoice_date=RECENT)
        assert "again in" in again

        explained = await calls.ok("explain_order", key=document.invoice_number)
        assert explained["billbee_order_id"] == document.billbee_order_id
        assert explained["trace"] and explained["status"] == document.status
        queue = await calls.ok("work_queue")
        [group] = queue["waiting_for_bookkeeping"]
        assert group["code"] == "no_debtor" and group["count"] == 1 and group["what_to_do"]
        assert group["documents"][0]["billbee_order_id"] == waiting_id
        assert group["documents"][0]["reason"] == waiting.reason
        runs = await calls.ok("import_runs")
        assert [r["state"] for r in runs["runs"]] == ["succeeded", "succeeded"]
        assert [(r["id"], r["fetched"], r["imported"]) for r in runs["runs"]] == run_counts
        month = await calls.ok("period_summary", year=2026, month=11)
        assert month["month"] == "2026-11" and month["totals"]["balanced"] is True
        assert month["completeness"]["checked_with_billbee"] is False
        logged = [d["count"] for d in month["documents"] if d["side"] == "upload log"]
        assert sum(logged) == in_november > 0
        assert month["revenue"] and month["oss_by_country"]
        assert month["revenue_total"]["net"] == revenue != 0
        found = await calls.ok("search_upload_log", text=document.invoice_number)
        assert [d["billbee_id"] for d in found["documents"]] == [document.billbee_order_id]
        everything = await calls.ok("search_upload_log", limit=200)
        assert everything["total"] == in_log

        refused = await calls.refused(
            "update_order_state", order_id=order["BillBeeOrderId"], new_state_id=3, confirm=True
        )
        assert "read-only" in refused and "--allow-writes" in refused
        assert "read-only" in await calls.refused("update_stock", sku="X", new_quantity="1")
        bad = await calls.refused("period_summary", year=2026, month=13)
        assert "month" in bad
        return calls

    sandbox.control("POST", "stats/reset")  # the import read the invoice register too
    calls = drive(stdio(tmp_path / "server.log"), script)
    shown = "\n".join(calls.seen)
    assert SANDBOX_PASSWORD not in shown and SANDBOX_KEY not in shown
    assert sandbox.stats()["by_endpoint"]["GET /orders/invoices"] == 1
    # Nothing changed in Billbee.
    assert sandbox.raw_get(f"/orders/{order['BillBeeOrderId']}")["Data"]["State"] == order["State"]


# ---------------------------------------------------------------- the three example questions


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_seed_questions_end_to_end_with_writes_allowed(make_sandbox, tmp_path):
    sandbox = make_sandbox(orders=120)
    connect(sandbox)
    raws = raw_orders(sandbox)
    since = datetime.fromisoformat(RECENT)
    shop = raws[0]["Seller"]["BillbeeShopId"]
    unshipped = sorted(
        r["BillBeeOrderId"]
        for r in raws
        if r["State"] in (1, 2, 3)
        and r["Seller"]["BillbeeShopId"] == shop
        and ordered_at(r) >= since
    )
    unpaid = next(r for r in raws if r["State"] in (1, 2) and r["OrderNumber"])
    customer = raws[-1]["Customer"]
    customer_orders = sorted(
        r["BillBeeOrderId"]
        for r in raws
        if (r["Customer"] or {}).get("Id") == customer["Id"] and ordered_at(r) >= since
    )
    log = tmp_path / "server.log"
    product_sku: list[str] = []

    async def script(client: Client) -> None:
        calls = Calls(client)
        # 1. "Which of my recent orders in shop X are not shipped yet?"
        states = await calls.ok("get_order_states")
        before_shipping = [s["id"] for s in states["states"] if s["id"] in (1, 2, 3)]
        answer = await calls.ok(
            "list_orders",
            min_order_date=RECENT,
            state_ids=before_shipping,
            shop_ids=[shop],
            page_size=250,
        )
        assert sorted(o["billbee_id"] for o in answer["orders"]) == unshipped

        # 2. "Look up order N and mark it paid."
        order = await calls.ok("get_order", id_or_number=unpaid["OrderNumber"])
        preview = await calls.ok("update_order_state", order_id=order["billbee_id"], new_state_id=3)
        assert preview["changed"] is False and "confirm=true" in preview["message"]
        assert preview["before"]["id"] == unpaid["State"] and preview["after"]["name"] == "paid"
        assert sandbox.raw_get(f"/orders/{order['billbee_id']}")["Data"]["State"] == unpaid["State"]
        done = await calls.ok(
            "update_order_state", order_id=order["billbee_id"], new_state_id=3, confirm=True
        )
        assert done["changed"] is True and done["after"] == {"id": 3, "name": "paid"}

        # 3. "What did customer C order recently?"
        found = await calls.ok("list_customers", search=customer["Name"], page_size=250)
        ids = [c["id"] for c in found["customers"]]
        assert customer["Id"] in ids
        recent = await calls.ok(
            "list_orders", min_order_date=RECENT, customer_id=customer["Id"], page_size=250
        )
        assert sorted(o["billbee_id"] for o in recent["orders"]) == customer_orders

        # Stock: described first, set with confirm, before and after in the answer.
        product = (await calls.ok("list_products", page_size=1))["products"][0]
        product_sku.append(product["sku"])
        stock_preview = await calls.ok("update_stock", sku=product["sku"], new_quantity="17")
        assert stock_preview["changed"] is False and stock_preview["after"] == 17
        assert stock_preview["before"] == product["stock"]
        assert f"from {product['stock']} to 17" in stock_preview["message"]
        stock = await calls.ok("update_stock", sku=product["sku"], new_quantity="17", confirm=True)
        assert stock["changed"] is True and stock["after"] == 17
        assert stock["before"] == product["stock"]
        again = await calls.ok("list_products", page_size=1)
        assert again["products"][0]["stock"] == 17

    drive(stdio(log, "--allow-writes"), script)
    assert sandbox.raw_get(f"/orders/{unpaid['BillBeeOrderId']}")["Data"]["State"] == 3
    written = log.read_text()
    assert f"order {unpaid['BillBeeOrderId']} state {unpaid['State']} -> 3 (now 3)" in written
    assert f"stock of SKU {product_sku[0]} " in written and " -> 17" in written
    assert SANDBOX_PASSWORD not in written and SANDBOX_KEY not in written


# ---------------------------------------------------------------- HTTP with a bearer token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_server(sandbox, tmp_path, transactional_db) -> Iterator[str]:
    connect(sandbox)
    port = free_port()
    log = tmp_path / "http.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "mcp_server", "--transport=http", f"--port={port}"],
            cwd=ROOT,
            env=server_env(MCP_TOKEN=TOKEN),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        assert process.poll() is None, log.read_text()
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=20)


def status_without(url: str, authorization: str | None) -> int:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_http_transport_needs_the_bearer_token(sandbox, http_server):
    import httpx2

    assert status_without(http_server, None) == 401
    assert status_without(http_server, "Bearer wrong-token-of-some-length") == 401

    async def script(client: Client) -> None:
        calls = Calls(client)
        assert {t.name for t in (await client.list_tools()).tools} == TOOLS
        orders = await calls.ok("list_orders", page_size=2)
        assert orders["returned"] == 2
        assert "read-only" in await calls.refused("update_stock", sku="X", new_quantity="1")

    @contextlib.asynccontextmanager
    async def transport() -> Any:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as authorised,
            streamable_http_client(http_server, http_client=authorised) as streams,
        ):
            yield streams

    drive(transport, script)


@pytest.fixture
def shop(sandbox, db) -> Connection:
    return connect(sandbox)


@pytest.mark.django_db
def test_the_http_transport_refuses_to_start_without_a_token(shop, monkeypatch, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.delenv("MCP_TOKEN", raising=False)
    with pytest.raises(CommandError, match="MCP_TOKEN") as failure:
        call_command("mcp_server", "--transport", "http")
    assert failure.value.returncode == 2


# ---------------------------------------------------------------- in process


@pytest.mark.django_db
def test_a_page_of_250_order_summaries_stays_within_the_documented_size(shop):
    answer = billbee_tools.list_orders(Toolbox(shop), page_size=250)
    text = jsonutil.dumps(answer)
    assert answer["returned"] == 250
    assert len(text) < SUMMARY_PAGE_LIMIT, len(text)
    # The full orders are many times larger: the summary is what keeps the answer usable.
    full = billbee_tools.list_orders(Toolbox(shop), page_size=250, full=True)
    assert len(jsonutil.dumps(full)) > 3 * len(text)


@pytest.mark.redis
@pytest.mark.django_db
def test_the_invoice_list_limit_is_shared_by_every_server_process_through_redis(
    sandbox, shop, redis_url, redis_prefix
):
    # Two server processes: each its own limiter object on the same Redis.
    first = Toolbox(shop, limiter=RedisRateLimiter(redis_url, prefix=redis_prefix))
    second = Toolbox(shop, limiter=RedisRateLimiter(redis_url, prefix=redis_prefix))
    start = datetime(2026, 11, 1, tzinfo=BERLIN)

    billbee_tools.list_invoices(first, min_invoice_date=start, page_size=10)
    with pytest.raises(AssistantError, match=r"again in (5\d|60) s"):
        billbee_tools.list_invoices(second, min_invoice_date=start, page_size=10)
    # Another page or another start date is another call Billbee allows.
    billbee_tools.list_invoices(second, min_invoice_date=start, page=2, page_size=10)
    billbee_tools.list_invoices(second, min_invoice_date=start.replace(day=2), page_size=10)
    assert sandbox.stats()["by_endpoint"]["GET /orders/invoices"] == 3


@pytest.mark.django_db
def test_billbee_errors_are_tool_errors_that_say_what_to_do_without_the_secrets(make_sandbox):
    sandbox = make_sandbox(orders=5)
    connection = connect(sandbox)
    connection.api_password = "a-wrong-password-9Zk"
    connection.save()
    with pytest.raises(AssistantError) as refused:
        billbee_tools.get_order(Toolbox(connection), "1")
    assert "credentials" in str(refused.value)
    assert "a-wrong-password-9Zk" not in str(refused.value) and SANDBOX_KEY not in str(
        refused.value
    )
    with pytest.raises(AssistantError, match="no order with the id or order number 'NOPE-1'"):
        billbee_tools.get_order(Toolbox(connect(sandbox, "good")), "NOPE-1")
