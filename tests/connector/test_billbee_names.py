"""Billbee's names of payment types and order states: refreshed from /enums/*, stored, shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from billbee import enums
from billbee.dto import parse_order
from billbee.sandbox.catalog import UNLISTED_PAYMENT_TYPE
from connector.classify import classify
from connector.models import BillbeeName
from connector.services.channels import settings_snapshot

from .test_import import BERLIN, doc, insert, later, make_connection, order_json, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(make_sandbox):
    """A Billbee account whose own orders are from spring: the import reads what a test adds."""
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture(autouse=True)
def _fresh_names():
    enums.names_forget()
    yield
    enums.names_forget()


def enum_requests(sandbox) -> int:
    return sandbox.stats()["by_endpoint"].get("GET /enums/paymenttypes", 0)


def test_payment_types_beyond_the_built_in_list_show_billbee_s_names(account):
    connection = make_connection(account)
    listed = insert(account, PaymentMethod=147)
    unlisted = insert(account, PaymentMethod=UNLISTED_PAYMENT_TYPE)

    run(connection)

    assert BillbeeName.objects.get(kind="payment_type", billbee_id=150).name == "TikTokShop"
    assert doc(listed).payment_method_name == "Unzer_Rechnung"
    assert doc(unlisted).payment_method_name == "unknown payment type 143"
    assert enums.payment_type_name(139) == "Bizum"
    # The built-in names stay as they are.
    assert enums.payment_type_name(26) == "Rechnung"


def test_the_import_refreshes_the_names_at_most_once_a_day(account):
    connection = make_connection(account)
    now = later()
    run(connection, now=now)
    run(connection, now=now + timedelta(hours=23))
    assert enum_requests(account) == 1

    run(connection, now=now + timedelta(hours=25))
    assert enum_requests(account) == 2


def test_billbee_names_refreshes_on_demand_and_lists_what_is_stored(account):
    make_connection(account)
    out = StringIO()
    call_command("billbee_names", "shop", stdout=out)
    assert (
        "beyond the built-in list: 139, 140, 141, 142, 144, 145, 146, 147, 148, 149, 150"
        in out.getvalue()
    )
    call_command("billbee_names", "shop", stdout=out)
    assert enum_requests(account) == 2

    listing = StringIO()
    call_command("billbee_names", "--list", stdout=listing)
    assert "payment_type\t147\tUnzer_Rechnung" in listing.getvalue().splitlines()


def test_a_stored_state_name_appears_in_the_decision_trace(account):
    connection = make_connection(account)
    BillbeeName.objects.create(
        kind="order_state", billbee_id=18, name="Teilversendet", refreshed_at=later()
    )
    order = parse_order({**order_json(State=18), "BillBeeOrderId": 1}, connection.zoneinfo)
    decision = classify(order, settings_snapshot(connection), None, None, True)
    assert any("18 Teilversendet" in line for line in decision.trace)
    assert enums.order_state_label(19) == "unknown state 19"


def test_the_document_page_names_a_newer_payment_type(account, admin_client, static_root):
    from django.urls import reverse

    connection = make_connection(account)
    billbee_id = insert(account, PaymentMethod=148, PaymentReference="RE-2026-1 Muster")
    run(connection)

    page = admin_client.get(
        reverse("admin:connector_externalorder_change", args=[doc(billbee_id).pk])
    )

    html = page.content.decode()
    assert "Temu (148)" in html
    assert "RE-2026-1 Muster" in html
