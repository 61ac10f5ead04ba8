"""Open prepayment orders read from Billbee (the sandbox, over HTTP) with the state filter
before statement lines are matched: stored like the import stores them, no duplicates, and a
failure is a warning while matching goes on with what is stored."""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from decimal import Decimal

import pytest

from connector.models import ExternalOrder, ImportRun
from connector.services.import_runs import import_run_start
from connector.services.scheduling import last_started
from payments.models import PaymentGroup
from payments.selectors import open_items
from payments.services.prepayments import prepayment_orders_read
from tests.conftest import BERLIN
from tests.connector.test_import import doc, insert, make_connection, run
from tests.payments.test_open_items import awaiting

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    sandbox = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    # The regular import has not reached these orders (it starts in December).
    connection = make_connection(sandbox, import_start_date=datetime(2026, 12, 1).date())
    return sandbox, connection


def order_requests(sandbox) -> list[dict[str, list[str]]]:
    return [
        urllib.parse.parse_qs(urllib.parse.urlsplit(r["path"]).query)
        for r in sandbox.stats(log=True)["log"]
        if r["endpoint"].startswith("GET /orders") and "/orders/" not in r["path"]
    ]


def test_open_prepayment_orders_are_read_with_the_state_filter_and_become_open_items(shop):
    sandbox, connection = shop
    waiting = insert(sandbox, **awaiting(CreatedAt="2026-10-01T09:00:00", LanguageCode="de"))
    reminded = insert(sandbox, **awaiting(State=15, CreatedAt="2026-11-02T09:00:00"))
    insert(sandbox, **awaiting(CreatedAt="2026-09-01T09:00:00"))  # older than two months
    insert(sandbox, **awaiting(State=3, PayedAt="2026-11-11T10:00:00"))  # paid already

    outcome = prepayment_orders_read(connection, client=sandbox.client(), now=NOW)

    assert (outcome.read, outcome.fetched, outcome.stored, outcome.warning) == (True, 2, 2, "")
    (query,) = order_requests(sandbox)
    assert sorted(query["orderStateId"]) == ["1", "11", "12", "15", "2"]
    assert query["minOrderDate"] == ["2026-09-20T00:00:00.000"]
    assert {d.billbee_order_id for d in ExternalOrder.objects.all()} == {waiting, reminded}
    order = doc(waiting, connection)
    assert order.version_count == 1 and order.customer == {"language": "de"}
    assert {item.id: item.amount for item in open_items(connection, on=NOW.date())} == {
        order.pk: Decimal("49.90"),
        doc(reminded, connection).pk: Decimal("49.90"),
    }
    # It ran as an import run of its own: the regular import's watermark did not move, and
    # the schedule does not take it for an import (the next one is not put off).
    last = ImportRun.objects.get()
    assert (last.trigger, last.state, last.fetched) == ("payments", "succeeded", 2)
    connection.refresh_from_db()
    assert connection.watermark is None
    assert last_started(connection) is None


def test_a_second_read_and_the_regular_import_add_no_duplicates(shop):
    sandbox, connection = shop
    waiting = insert(sandbox, **awaiting(CreatedAt="2026-11-10T09:00:00"))
    prepayment_orders_read(connection, client=sandbox.client(), now=NOW)
    connection.import_start_date = datetime(2026, 11, 1).date()
    connection.save()
    run(connection)

    again = prepayment_orders_read(connection, client=sandbox.client(), now=NOW)

    assert (again.fetched, again.stored) == (1, 0)
    assert ExternalOrder.objects.filter(billbee_order_id=waiting).count() == 1
    assert doc(waiting, connection).version_count == 1


def test_without_credentials_or_prepayment_methods_billbee_is_not_asked(shop):
    sandbox, connection = shop
    PaymentGroup.objects.create(
        connection=connection, kind=PaymentGroup.Kind.PREPAYMENT, payment_methods=[]
    )
    assert prepayment_orders_read(connection, client=sandbox.client(), now=NOW).read is False
    assert order_requests(sandbox) == []


def test_a_failure_is_a_warning(shop):
    _sandbox, connection = shop
    connection.api_url = "http://127.0.0.1:9/api/v1"  # nothing listens there
    connection.save()

    outcome = prepayment_orders_read(connection, now=NOW)

    assert outcome.read is True and outcome.fetched == 0
    assert "Reading the open orders failed" in outcome.warning
    assert "Matching uses the orders stored so far" in outcome.warning
    assert ImportRun.objects.get().state == "failed"


def test_a_running_import_is_waited_for_next_time(shop):
    sandbox, connection = shop
    import_run_start(connection, ImportRun.Trigger.MANUAL)

    outcome = prepayment_orders_read(connection, client=sandbox.client(), now=NOW)

    assert outcome.read is False
    assert "already running" in outcome.warning
    assert order_requests(sandbox) == []
