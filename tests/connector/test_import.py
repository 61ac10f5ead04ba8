"""The order import end to end: the sandbox over real HTTP, the upload log in the database.

Specific cases are made with the sandbox's control API (insert a raw order, patch fields,
change the state); each rule is shown with both of its outcomes. Patches and state changes
stamp ``LastModifiedAt`` with the real current time, so imports that must see them run with
``now`` a few minutes after the real clock (``later()``).
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from billbee.sandbox import parse_faults
from connector import classify
from connector.models import (
    DEFAULT_EXCLUDED_PLATFORMS,
    BillbeeName,
    ChannelRule,
    Connection,
    ExternalOrder,
    ExternalOrderVersion,
    ImportRun,
    SalesChannel,
)
from connector.services import documents, imports
from connector.services.connections import connection_upsert
from connector.services.imports import ImportResult, orders_import
from connector.texts import said_field
from connector.windows import CLOCK_OFFSET_MAX, local_midnight
from tests.conftest import BERLIN, SANDBOX_END, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
# The generated data covers the 90 days up to SANDBOX_END (from 22 August on).
START = date(2026, 8, 1)
# Tests that only look at orders they made themselves (dated November) start later: fewer
# empty day windows to read.
NOVEMBER = date(2026, 11, 1)
SHOPWARE = {
    "Platform": "Shopware",
    "BillbeeShopName": "Shopware Fachhandel",
    "BillbeeShopId": 100000000133555,
}
AMAZON = {"Platform": "Amazon", "BillbeeShopName": "Amazon EU", "BillbeeShopId": 100000000104511}
SHOPIFY_MOEBEL = {
    "Platform": "Shopify",
    "BillbeeShopName": "Möbel Verkauf 24",
    "BillbeeShopId": 100000000092372,
}
SHOPIFY_GARTEN = {
    "Platform": "Shopify",
    "BillbeeShopName": "Gartenwelt Outlet",
    "BillbeeShopId": 100000000092377,
}
MANUAL = {"Platform": None, "BillbeeShopName": None, "BillbeeShopId": None}


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture(autouse=True)
def _names_refreshed_today():
    """Billbee's names were refreshed today: the runs here ask no /enums, so that the faults
    a test injects meet the requests it means (test_billbee_names covers the refresh)."""
    BillbeeName.objects.create(
        kind="payment_type", billbee_id=138, name="Lena", refreshed_at=timezone.now()
    )


@pytest.fixture
def account(make_sandbox):
    """A Billbee account whose own orders are from spring: an import starting in November
    reads only the orders a test adds."""
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


# ---------------------------------------------------------------- helpers


def make_connection(sandbox, name: str = "shop", **fields: Any) -> Connection:
    connection, _, _ = connection_upsert(
        name=name,
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    fields.setdefault("import_start_date", START)
    for key, value in fields.items():
        setattr(connection, key, value)
    connection.save()
    return connection


def later() -> datetime:
    """A moment after every change the control API stamps now (and after its safety lag)."""
    return timezone.now() + timedelta(minutes=10)


def run(connection: Connection, **options: Any) -> ImportResult:
    options.setdefault("now", later())
    connection.refresh_from_db()
    return orders_import(connection, **options)


_numbers = itertools.count(1)


def order_json(**fields: Any) -> dict[str, Any]:
    """A paid and shipped Shopware order of 25.00 EUR (20.00 goods + 5.00 shipping) with an
    invoice, modified in November: imported by the default rules."""
    n = next(_numbers)
    data: dict[str, Any] = {
        "OrderNumber": f"SW-{70000 + n}",
        "Id": f"SW-{70000 + n}",
        "State": 4,
        "VatMode": 0,
        "CreatedAt": "2026-11-10T10:00:00",
        "PayedAt": "2026-11-10T10:05:00",
        "ShippedAt": "2026-11-12T09:00:00",
        "InvoiceNumberPrefix": "RE-2026-",
        "InvoiceNumber": 80000 + n,
        "InvoiceNumberPostfix": None,
        "InvoiceDate": "2026-11-10T11:00:00",
        "LastModifiedAt": "2026-11-15T12:00:00",
        "Currency": "EUR",
        "PaymentMethod": 1,
        "ShippingCost": 5,
        "AdjustmentCost": 0,
        "TotalCost": 25,
        "OrderItems": [
            {
                "BillbeeId": 4000 + n,
                "Quantity": 1,
                "TotalPrice": 20,
                "TaxAmount": 3.19,
                "TaxIndex": 1,
                "Product": {"Title": "Hocker Eiche", "SKU": "HO-EI-1"},
            }
        ],
        "Seller": SHOPWARE,
        "ShippingAddress": {"CountryISO2": "DE"},
        "InvoiceAddress": {"CountryISO2": "DE"},
        "DeliverySourceCountryCode": None,
        "BillBeeParentOrderId": None,
        "Tags": [],
    }
    data.update(fields)
    return data


def insert(sandbox, **fields: Any) -> int:
    return sandbox.control("POST", "orders", order_json(**fields))["BillBeeOrderId"]


def credit_json(original: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The full credit note of ``original``: ``<OrderNumber>-GS``, negated line and shipping."""
    values: dict[str, Any] = {
        "OrderNumber": f"{original['OrderNumber']}-GS",
        "Id": f"{original['Id']}-GS",
        "BillBeeParentOrderId": original["BillBeeOrderId"],
        "State": 7,
        "ShippedAt": None,
        "PayedAt": None,
        "InvoiceNumberPrefix": "GS-2026-",
        "InvoiceNumber": 500 + next(_numbers),
        "InvoiceDate": "2026-11-16T10:00:00",
        "LastModifiedAt": "2026-11-16T10:00:00",
        "ShippingCost": -5,
        "TotalCost": -25,
        "OrderItems": [{"BillbeeId": 9000 + next(_numbers), "Quantity": -1, "TotalPrice": -20}],
    }
    values.update(fields)
    return order_json(**values)


def insert_credit(sandbox, original_id: int, **fields: Any) -> int:
    original = sandbox.control("GET", f"orders/{original_id}")
    return sandbox.control("POST", "orders", credit_json(original, **fields))["BillBeeOrderId"]


def patch(sandbox, billbee_id: int, **fields: Any) -> None:
    sandbox.control("POST", f"orders/{billbee_id}/patch", fields)


def set_state(sandbox, billbee_id: int, state: int) -> None:
    sandbox.control("POST", f"orders/{billbee_id}/state", {"State": state})


def doc(billbee_id: int, connection: Connection | None = None) -> ExternalOrder:
    rows = ExternalOrder.objects.filter(billbee_order_id=billbee_id)
    if connection is not None:
        rows = rows.filter(connection=connection)
    return rows.get()


def all_sandbox_ids(sandbox) -> set[int]:
    return {h.order_id for h in sandbox.state.dataset.headers}


def log_ids(connection: Connection | None = None) -> list[int]:
    rows = ExternalOrder.objects.all()
    if connection is not None:
        rows = rows.filter(connection=connection)
    return list(rows.values_list("billbee_order_id", flat=True))


def row_counts() -> tuple[int, int, int, int]:
    return (
        ExternalOrder.objects.count(),
        ExternalOrderVersion.objects.count(),
        SalesChannel.objects.count(),
        ChannelRule.objects.count(),
    )


def cli(*args: str) -> tuple[int, str]:
    """Run a management command; (exit code, stdout)."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def local_day(text: str | None) -> date | None:
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).date()


# ---------------------------------------------------------------- the generated data


def _expected_from_raw(raw: dict[str, Any], sender: str) -> dict[str, Any]:
    """What the upload log must hold for one order, computed from its JSON alone."""
    lines = sum(
        (Decimal(i["TotalPrice"]).quantize(CENT, ROUND_HALF_UP) for i in raw["OrderItems"]),
        Decimal(0),
    )
    number = raw.get("InvoiceNumber")
    return {
        "total_gross": Decimal(raw["TotalCost"]),
        "lines_total": lines,
        "rounding_difference": Decimal(raw["TotalCost"])
        - lines
        - Decimal(raw["ShippingCost"])
        - Decimal(raw["AdjustmentCost"]),
        "service_date": local_day(raw.get("ShippedAt") or raw.get("InvoiceDate")),
        "document_date": local_day(raw.get("InvoiceDate") or raw.get("CreatedAt")),
        "ship_from_country": raw.get("DeliverySourceCountryCode") or sender,
        "invoice_number": (
            f"{raw.get('InvoiceNumberPrefix') or ''}{number}{raw.get('InvoiceNumberPostfix') or ''}"
            if number is not None
            else ""
        ),
        "billbee_state": raw["State"],
    }


def test_first_import_decides_every_generated_order_as_the_rules_say(sandbox):
    # A fiscal year's first import.
    connection = make_connection(sandbox, sender_country="AT", import_start_date=date(2026, 1, 1))
    default_rules = {r.platform: r for r in ChannelRule.objects.filter(connection=connection)}

    result = run(connection, now=SANDBOX_END + timedelta(hours=6))

    headers = sandbox.state.dataset.headers
    assert result.state == "succeeded"
    assert sorted(log_ids(connection)) == sorted(h.order_id for h in headers)
    assert result.fetched == len(headers) == 300
    stored = {d.billbee_order_id: d for d in ExternalOrder.objects.select_related("rule")}
    seen_statuses: Counter[str] = Counter()
    for h in headers:
        raw = sandbox.state.dataset.render_order(h)
        document = stored[h.order_id]
        expected = _expected_from_raw(raw, "AT")
        assert {k: getattr(document, k) for k in expected} == expected, h.order_id
        platform = (raw["Seller"] or {}).get("Platform") or ""
        is_credit = document.kind == "credit_note"
        assert is_credit == (
            (raw["OrderNumber"] or "").endswith("-GS")
            or Decimal(raw["TotalCost"]) < 0
            or sum(Decimal(i["TotalPrice"]) for i in raw["OrderItems"]) < 0
        )
        if is_credit and raw["State"] in (6, 8):
            word = "cancelled" if raw["State"] == 8 else "deleted"
            assert document.reason == f"{word} credit note: ignored"
        elif platform in DEFAULT_EXCLUDED_PLATFORMS:
            rule = default_rules[platform]
            assert document.status == "excluded"
            assert document.rule == rule
            assert document.reason == (
                f"excluded by rule #{rule.pk}: exclude platform {platform} (whole period)"
            )
        elif raw["State"] not in (3, 4, 7, 17) and not expected["invoice_number"]:
            # Only documents without an invoice are left out by their state.
            assert document.status == "skipped"
            assert document.reason_code == "state_not_imported"
        elif not expected["invoice_number"]:
            assert document.status == "waiting"
        elif is_credit:
            original = stored.get(raw["BillBeeParentOrderId"])
            if not raw["OrderItems"]:
                assert document.reason_code == "credit_without_positions"
            elif original is None or not original.is_accepted:
                assert document.reason_code == "credit_original_not_imported", document.reason
            else:
                assert (document.status, document.parent) == ("imported", original)
        else:
            assert document.status == "imported", document.reason
            cancelled = raw["State"] in (6, 8) and document.reason_code != "credit_note_imported"
            assert document.flag == (
                ("cancelled_after_import" if raw["State"] == 8 else "deleted_after_import")
                if cancelled
                else ""
            )
        assert document.rule_id is None or document.status == "excluded"
        seen_statuses[document.status] += 1
    # The generated data has every outcome, rounding differences and foreign warehouses.
    assert set(seen_statuses) >= {"imported", "excluded", "skipped"}
    assert ExternalOrder.objects.exclude(rounding_difference=0).exists()
    assert ExternalOrder.objects.filter(kind="credit_note", status="imported").exists()
    ship_from = set(ExternalOrder.objects.values_list("ship_from_country", flat=True))
    assert {"AT", "PL"} <= ship_from
    # The run's counters are the log's.
    assert result.tally.outcomes["imported"] == seen_statuses["imported"]
    stored_run = ImportRun.objects.get(pk=result.run_id)
    assert stored_run.state == "succeeded"
    assert (stored_run.fetched, stored_run.imported, stored_run.excluded, stored_run.skipped) == (
        300,
        seen_statuses["imported"],
        seen_statuses["excluded"],
        seen_statuses["skipped"],
    )
    assert sum(stored_run.reasons["excluded"].values()) == seen_statuses["excluded"]


def _served(sandbox) -> list[dict[str, Any]]:
    return [sandbox.state.dataset.render_order(h) for h in sandbox.state.dataset.headers]


def test_cancellation_documents_in_state_1_ordered_are_imported_over_http(sandbox):
    # Billbee creates a "Storno" <OrderNumber>-GS in state 1 "Bestellt"; the sandbox sends
    # such credit notes by default.
    connection = make_connection(sandbox)
    in_state_1 = [
        o
        for o in _served(sandbox)
        if o["State"] == 1 and (o["OrderNumber"] or "").endswith("-GS") and o["OrderItems"]
    ]
    assert in_state_1

    assert run(connection, now=SANDBOX_END + timedelta(hours=6)).state == "succeeded"

    for served in in_state_1:
        document = doc(served["BillBeeOrderId"])
        original = doc(served["BillBeeParentOrderId"])
        assert (document.kind, document.billbee_state) == ("credit_note", 1)
        if document.status == "excluded":  # a channel the default rules exclude
            assert document.reason_code == "channel_rule"
        elif original.is_accepted:
            assert document.status == "imported", document.reason
            assert document.parent == original
        else:
            assert document.reason_code == "credit_original_not_imported"
    assert ExternalOrder.objects.filter(
        kind="credit_note", billbee_state=1, status="imported"
    ).exists()


def test_split_or_copied_orders_with_a_parent_id_are_imported_as_invoices(sandbox):
    # Positive orders carrying BillBeeParentOrderId (Billbee's SDK fixture has one): invoices.
    connection = make_connection(sandbox)
    split = [
        o
        for o in _served(sandbox)
        if o["BillBeeParentOrderId"] and not (o["OrderNumber"] or "").endswith("-GS")
        if Decimal(o["TotalCost"]) > 0
    ]
    assert split

    assert run(connection, now=SANDBOX_END + timedelta(hours=6)).state == "succeeded"

    documents = [doc(o["BillBeeOrderId"]) for o in split]
    assert {d.kind for d in documents} == {"invoice"}
    assert not any(d.status == "rejected" for d in documents)
    invoiced = [d for d in documents if d.invoice_number and d.status != "excluded"]
    assert invoiced and all(d.status == "imported" for d in invoiced)
    assert all(d.parent_billbee_id is None for d in documents)


def test_split_orders_taken_for_credit_notes_before_are_invoices_after_the_next_run(
    account, monkeypatch
):
    """Documents an older version rejected as credit notes only for their parent id are
    decided again by the next run, without waiting for Billbee to change them."""
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account)
    split = insert(account, BillBeeParentOrderId=original)

    def old_rule(order):
        if order.parent_order_id:
            return classify.CREDIT_NOTE, f"it refers to the original order {order.parent_order_id}"
        return classify.INVOICE, "no -GS suffix, no original order, positive total"

    with monkeypatch.context() as patched:
        patched.setattr(classify, "document_kind", old_rule)
        assert run(connection).state == "succeeded"
    assert (doc(split).kind, doc(split).reason_code) == ("credit_note", "credit_not_negative")

    second = run(connection)

    assert second.state == "succeeded"
    assert second.tally.outcomes["imported"] == 1
    document = doc(split)
    assert (document.kind, document.status, document.version_count) == ("invoice", "imported", 1)
    assert document.parent_billbee_id is None


def test_a_second_run_creates_no_rows_and_reports_everything_unchanged(sandbox):
    connection = make_connection(sandbox)
    now = SANDBOX_END + timedelta(hours=6)
    first = run(connection, now=now)
    assert first.state == "succeeded"
    rows = row_counts()
    versions = dict(ExternalOrder.objects.values_list("billbee_order_id", "version_count"))

    again = run(connection, now=now, since=local_midnight(START, BERLIN))

    assert row_counts() == rows
    assert dict(ExternalOrder.objects.values_list("billbee_order_id", "version_count")) == (
        versions
    )
    data = again.as_dict()
    assert data["state"] == "succeeded"
    assert data["fetched"] == data["unchanged"] == 300
    assert (data["imported"], data["updated"], data["waiting"]) == (0, 0, 0)
    assert (data["skipped"], data["excluded"], data["rejected"]) == ({}, {}, {})
    # Every document was seen again by the full re-read.
    assert not ExternalOrder.objects.exclude(last_run_id=again.run_id).exists()

    incremental = run(connection, now=now + timedelta(hours=8))

    assert row_counts() == rows
    assert incremental.state == "succeeded"
    assert incremental.tally.outcomes["imported"] == incremental.tally.outcomes["updated"] == 0


# ---------------------------------------------------------------- incremental imports


def test_an_incremental_run_reads_exactly_the_orders_changed_since(sandbox):
    connection = make_connection(sandbox)
    assert run(connection).state == "succeeded"
    before = set(log_ids())

    churn = sandbox.control(
        "POST",
        "churn",
        {"new_orders": 4, "state_changes": 8, "invoices": 3, "cancellations": 2},
    )
    second = run(connection)

    created, changed = set(churn["created"]), set(churn["changed"])
    assert len(created) == 4 and len(changed) >= 8
    assert second.state == "succeeded"
    assert second.fetched == len(created | changed)
    assert set(log_ids()) == before | created
    new_versions = set(
        ExternalOrderVersion.objects.filter(run_id=second.run_id).values_list(
            "external_order__billbee_order_id", flat=True
        )
    )
    assert new_versions == created | changed
    for billbee_id in changed - created:  # a new order may have got its invoice too
        assert doc(billbee_id).version_count == 2


def test_the_watermark_never_gets_ahead_of_the_committed_documents(sandbox, monkeypatch):
    connection = make_connection(sandbox)
    start_ms = int(local_midnight(START, BERLIN).timestamp() * 1000)
    modified = {h.order_id: h.modified for h in sandbox.state.dataset.headers}
    marks: list[datetime] = []
    violations: list[tuple[str, datetime, int]] = []

    def check(moment: str) -> None:
        """Every order modified up to the watermark must be in the log, at any moment."""
        watermark = Connection.objects.values_list("watermark", flat=True).get(pk=connection.pk)
        if watermark is None:
            return
        marks.append(watermark)
        limit = int(watermark.timestamp() * 1000)
        missing = {i for i, ms in modified.items() if start_ms < ms <= limit} - set(log_ids())
        if missing:
            violations.append((moment, watermark, len(missing)))

    real_page = imports._import_page

    def check_then_import_page(ctx, page, seen, result):
        check(f"before page {page.number}")
        real_page(ctx, page, seen, result)

    monkeypatch.setattr(imports, "_import_page", check_then_import_page)
    result = run(
        connection,
        now=SANDBOX_END + timedelta(hours=6),
        progress=lambda _: check("after a page or a window"),
    )

    assert result.state == "succeeded"
    assert violations == []
    assert marks == sorted(marks) and len(set(marks)) > 50
    connection.refresh_from_db()
    assert connection.watermark == result.window_to == SANDBOX_END + timedelta(hours=6, minutes=-5)


def test_a_reread_with_since_never_moves_the_watermark_over_an_unread_gap(sandbox):
    connection = make_connection(sandbox)
    run(connection, now=SANDBOX_END - timedelta(days=20))
    connection.refresh_from_db()
    watermark = connection.watermark
    assert watermark == SANDBOX_END - timedelta(days=20, minutes=5)

    gap = run(
        connection,
        now=SANDBOX_END + timedelta(hours=6),
        since=SANDBOX_END - timedelta(days=5),
    )
    connection.refresh_from_db()

    assert gap.state == "succeeded"
    assert connection.watermark == watermark  # days -20 … -5 were not read
    catch_up = run(connection, now=SANDBOX_END + timedelta(hours=6))
    connection.refresh_from_db()
    assert catch_up.window_from == watermark - timedelta(minutes=10) - CLOCK_OFFSET_MAX
    assert connection.watermark == SANDBOX_END + timedelta(hours=6, minutes=-5)
    assert sorted(log_ids()) == sorted(all_sandbox_ids(sandbox))


def test_a_reread_from_before_the_watermark_moves_it_forward(sandbox):
    connection = make_connection(sandbox)
    run(connection, now=SANDBOX_END - timedelta(days=20))

    run(connection, now=SANDBOX_END + timedelta(hours=6), since=SANDBOX_END - timedelta(days=30))
    connection.refresh_from_db()

    assert connection.watermark == SANDBOX_END + timedelta(hours=6, minutes=-5)


def test_a_first_reread_with_since_does_not_skip_the_time_before_it(sandbox):
    connection = make_connection(sandbox)

    run(connection, now=SANDBOX_END + timedelta(hours=6), since=SANDBOX_END - timedelta(days=3))
    run(connection, now=SANDBOX_END + timedelta(hours=12))

    assert sorted(log_ids()) == sorted(all_sandbox_ids(sandbox))


# ---------------------------------------------------------------- crashes and faults


def test_a_crash_after_some_pages_loses_nothing_and_the_rerun_duplicates_nothing(
    make_sandbox, monkeypatch
):
    sandbox = make_sandbox(orders=600, days=3)  # ~300 orders on the last day: two pages
    connection = make_connection(sandbox)
    windows: list[tuple[datetime, datetime]] = []
    page_one: list[int] = []
    page_two: list[int] = []
    real_window, real_page = imports._import_window, imports._import_page

    def record_window(client, ctx, window, *args):
        windows.append(window)
        return real_window(client, ctx, window, *args)

    def crash_on_a_second_page(ctx, page, seen, result):
        ids = [r.raw["BillBeeOrderId"] for r in page.items]
        if page.number == 2:
            page_two.extend(ids)
            raise RuntimeError("worker killed")
        if (page.total_pages or 0) > 1:
            page_one.extend(ids)
        return real_page(ctx, page, seen, result)

    monkeypatch.setattr(imports, "_import_window", record_window)
    monkeypatch.setattr(imports, "_import_page", crash_on_a_second_page)
    crashed = run(connection, now=SANDBOX_END + timedelta(hours=6))
    monkeypatch.undo()

    connection.refresh_from_db()
    assert crashed.state == "partial"
    assert crashed.error == "RuntimeError: worker killed"
    assert ImportRun.objects.get(pk=crashed.run_id).state == "partial"
    assert len(page_one) == 250 and page_two
    # The watermark is at the end of the last finished window: the start of the broken one.
    assert connection.watermark == windows[-1][0] == windows[-2][1]
    stored = set(log_ids())
    assert set(page_one) <= stored  # committed one by one before the crash
    assert not set(page_two) & stored

    rerun = run(connection, now=SANDBOX_END + timedelta(hours=6))

    assert rerun.state == "succeeded"
    ids = log_ids()
    assert len(ids) == len(set(ids)) == 600
    assert set(ids) == all_sandbox_ids(sandbox)
    assert ExternalOrderVersion.objects.count() == 600  # nothing was written twice
    assert rerun.tally.outcomes["unchanged"] >= 250


def test_a_run_that_fails_before_its_first_window_ends_as_failed_not_running(sandbox, monkeypatch):
    """Planning the windows comes after the run is started: when it fails, the run ends with
    the reason instead of blocking every later import until its lease expires."""
    connection = make_connection(sandbox)

    def broken_plan(*args, **kwargs):
        raise RuntimeError("no windows today")

    monkeypatch.setattr(imports, "plan_windows", broken_plan)
    failed = run(connection, now=SANDBOX_END + timedelta(hours=6))
    monkeypatch.undo()

    assert failed.state == "failed"
    assert failed.error == "RuntimeError: no windows today"
    stored = ImportRun.objects.get(pk=failed.run_id)
    assert (stored.state, stored.error) == ("failed", "RuntimeError: no windows today")
    assert stored.finished_at is not None
    assert run(connection, now=SANDBOX_END + timedelta(hours=6)).state == "succeeded"


@pytest.mark.parametrize(
    ("billbee_clock", "invoice_date", "document_date", "first_filter"),
    [
        # 1 November 00:00 in Berlin, less the overlap (10 min) and the clock offset (2 h).
        ("Europe/Berlin", "2026-11-10T22:30:00Z", date(2026, 11, 10), "2026-10-31T21:50:00.000"),
        ("UTC", "2026-11-10T23:30:00Z", date(2026, 11, 11), "2026-10-31T20:50:00.000"),
    ],
)
def test_billbee_s_clock_reads_every_naive_timestamp_and_writes_the_filters(
    make_sandbox, billbee_clock, invoice_date, document_date, first_filter
):
    """The connection's "Billbee's clock" is the zone of the naive timestamps Billbee sends
    and of the filter values sent to it; calendar days stay German (the connection's zone)."""
    sandbox = make_sandbox(
        orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN), timezone=billbee_clock
    )
    connection = make_connection(sandbox, import_start_date=NOVEMBER, billbee_clock=billbee_clock)
    billbee_id = insert(sandbox, InvoiceDate="2026-11-10T23:30:00")
    sandbox.control("POST", "stats/reset")

    assert run(connection).state == "succeeded"

    document = doc(billbee_id)
    assert document.invoice_date == datetime.fromisoformat(invoice_date)
    assert document.document_date == document_date
    first = sandbox.stats(log=True)["log"][0]["path"]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(first).query)["modifiedAtMin"] == [
        first_filter
    ]


@pytest.mark.parametrize("billbee_clock", ["Europe/Berlin", "UTC"])
def test_orders_changed_right_after_each_run_are_all_read_by_the_next_in_either_clock(
    make_sandbox, billbee_clock
):
    """Which zone Billbee's naive timestamps are in is not confirmed (this project reads
    German time, Billbee's PHP SDK UTC). With the connection on its default, a Billbee whose
    clock is either one loses no change: each run re-reads more than the largest offset
    between the two readings. What is read again unchanged is recognised by its hash and not
    written again."""
    now = timezone.now()
    sandbox = make_sandbox(orders=60, days=2, end=now - timedelta(hours=1), timezone=billbee_clock)
    connection = make_connection(
        sandbox,
        import_start_date=(now - timedelta(days=3)).date(),
        safety_lag_minutes=0,  # the next run comes right after the changes
    )
    assert connection.billbee_clock == "Europe/Berlin"  # the default
    first = orders_import(connection, now=timezone.now())
    assert first.state == "succeeded"
    assert set(log_ids()) == all_sandbox_ids(sandbox)

    for _ in range(3):
        before = {
            d.billbee_order_id: (d.raw_hash, d.version_count, d.decided_at)
            for d in ExternalOrder.objects.all()
        }
        churn = sandbox.control(
            "POST",
            "churn",
            {"new_orders": 3, "state_changes": 5, "invoices": 3, "cancellations": 1},
        )
        touched = set(churn["created"]) | set(churn["changed"])
        # The sandbox stamps two changes of one order in the same millisecond a millisecond
        # apart: the next run starts a moment after the last change, as it would in life.
        time.sleep(0.05)
        connection.refresh_from_db()
        result = orders_import(connection, now=timezone.now())

        assert result.state == "succeeded"
        assert set(log_ids()) == all_sandbox_ids(sandbox)
        for billbee_id in touched:  # none lost: each stored as Billbee serves it now
            served = sandbox.state.dataset.render_order(sandbox.state.by_id[billbee_id])
            document = doc(billbee_id)
            assert document.billbee_state == served["State"], billbee_id
            assert bool(document.invoice_number) == (served["InvoiceNumber"] is not None)
            assert document.last_run_id == result.run_id
        # The overlap read orders again that did not change: not written again.
        assert result.tally.outcomes["unchanged"] > 0
        for document in ExternalOrder.objects.exclude(billbee_order_id__in=touched):
            assert (
                document.raw_hash,
                document.version_count,
                document.decided_at,
            ) == before[document.billbee_order_id]


def test_an_order_changed_while_its_day_is_read_does_not_push_another_one_out(make_sandbox):
    sandbox = make_sandbox(orders=600, days=3)  # ~300 orders on the last day: two pages
    connection = make_connection(sandbox)
    client = sandbox.client()
    read_pages = client.iter_order_records
    changed: list[int] = []

    def a_merchant_edits_an_order_between_two_pages(**filters):
        for page in read_pages(**filters):
            yield page
            if page.number == 1 and (page.total_pages or 0) > 1 and not changed:
                first = page.items[0].raw["BillBeeOrderId"]
                patch(sandbox, first, SellerComment="bitte nachmittags liefern")
                changed.append(first)

    client.iter_order_records = a_merchant_edits_an_order_between_two_pages
    try:
        first_run = run(connection, client=client)
        run(connection, client=client)
    finally:
        client.close()

    assert changed and first_run.state == "succeeded"
    assert set(log_ids()) == all_sandbox_ids(sandbox)


def test_every_order_arrives_through_429s_server_errors_and_broken_pages(make_sandbox):
    sandbox = make_sandbox(
        orders=300, faults=parse_faults("429=0.05,500=0.05,malformed=0.05"), fault_retry_after=0
    )
    connection = make_connection(sandbox)
    client = sandbox.client(backoff_base=0.01)
    results = []
    try:
        for _ in range(6):  # a run stopped by a fault is continued by the next one
            results.append(run(connection, now=SANDBOX_END + timedelta(hours=6), client=client))
            if results[-1].state == "succeeded":
                break
    finally:
        client.close()

    assert results[-1].state == "succeeded"
    ids = log_ids()
    assert len(ids) == len(set(ids)) == 300
    assert set(ids) == all_sandbox_ids(sandbox)
    assert ExternalOrderVersion.objects.count() == 300
    faults = sandbox.stats()["faults"]
    assert faults.get("429", 0) and faults.get("500", 0) and faults.get("malformed", 0)
    assert sum(r.throttled for r in results) == faults["429"]
    assert sum(r.retries for r in results) > 0


def test_a_429_storm_stops_the_run_part_way_and_the_next_run_continues(sandbox):
    connection = make_connection(sandbox)
    client = sandbox.client(backoff_base=0.01)
    finished: list[datetime] = []

    def storm_after_30_days(result: ImportResult) -> None:
        if result.windows_done == 30 and not finished:
            # The 30th window is committed and the watermark at its end.
            finished.append(
                Connection.objects.values_list("watermark", flat=True).get(pk=connection.pk)
            )
            sandbox.configure(fail_next=["429"] * 9, fault_retry_after=0)

    try:
        stopped = run(
            connection,
            now=SANDBOX_END + timedelta(hours=6),
            client=client,
            progress=storm_after_30_days,
        )
        connection.refresh_from_db()
        watermark, stored = connection.watermark, len(log_ids())
        resumed = run(connection, now=SANDBOX_END + timedelta(hours=6), client=client)
    finally:
        client.close()

    assert stopped.state == "partial"
    assert stopped.windows_done == 30
    assert stopped.throttled == 9
    assert "Billbee is throttling this API key and user right now (HTTP 429)" in stopped.error
    assert watermark == finished[0] > local_midnight(START + timedelta(days=29), BERLIN)
    assert ImportRun.objects.get(pk=stopped.run_id).error == stopped.error
    assert resumed.state == "succeeded"
    assert resumed.window_from == watermark - timedelta(minutes=10) - CLOCK_OFFSET_MAX
    ids = log_ids()
    assert len(ids) == len(set(ids)) == 300
    assert set(ids) == all_sandbox_ids(sandbox)
    assert 0 < stored < 300
    assert ExternalOrderVersion.objects.count() == 300  # nothing read twice was written twice


def test_timeouts_are_retried_and_a_run_that_gives_up_is_continued(sandbox):
    connection = make_connection(sandbox, import_start_date=date(2026, 8, 1))
    client = sandbox.client(timeout=0.3, backoff_base=0.01)
    try:
        sandbox.configure(fail_next=["timeout"] * 4, fault_delay=1.0)
        gave_up = run(connection, now=SANDBOX_END + timedelta(hours=6), client=client)
        connection.refresh_from_db()
        assert gave_up.state == "failed"
        assert "did not answer in time" in gave_up.error
        assert gave_up.retries == 3
        assert connection.watermark is None
        assert ExternalOrder.objects.count() == 0

        sandbox.configure(fail_next=["timeout", "timeout"])
        retried = run(connection, now=SANDBOX_END + timedelta(hours=6), client=client)
    finally:
        client.close()

    assert retried.state == "succeeded"
    assert retried.retries == 2
    assert set(log_ids()) == all_sandbox_ids(sandbox)
    assert ExternalOrderVersion.objects.count() == 300


# ---------------------------------------------------------------- dry run


def test_a_dry_run_writes_nothing_and_lists_the_new_decisions(sandbox):
    connection = make_connection(sandbox)

    dry = run(connection, now=SANDBOX_END + timedelta(hours=6), dry_run=True)

    connection.refresh_from_db()
    assert connection.watermark is None
    assert ExternalOrder.objects.count() == 0
    assert ImportRun.objects.count() == 0
    assert SalesChannel.objects.count() == 0
    assert dry.run_id is None and dry.state == "succeeded"
    assert dry.fetched == 300
    changes = dry.as_dict()["changes"]
    assert len(changes) == 200  # the first 200 of 300 new decisions
    assert {c["before"] for c in changes} == {None}
    assert {c["after"] for c in changes} >= {"imported", "excluded", "skipped"}


def test_a_dry_run_predicts_what_the_import_then_does(sandbox):
    connection = make_connection(sandbox)

    dry = run(connection, now=SANDBOX_END + timedelta(hours=6), dry_run=True)
    real = run(connection, now=SANDBOX_END + timedelta(hours=6))

    assert dry.tally.outcomes == real.tally.outcomes
    assert dry.tally.reasons == real.tally.reasons


def _otto_after_a_new_exclusion(sandbox) -> tuple[Connection, dict[int, str], ImportResult]:
    """Import, add an exclusion of Otto, dry-run a re-read; (connection, the statuses of the
    Otto documents the rule moves, the dry run)."""
    connection = make_connection(sandbox)
    run(connection, now=SANDBOX_END + timedelta(hours=6))
    otto = dict(
        ExternalOrder.objects.filter(origin="[Billbee]-Otto-OTTO Market")
        .exclude(reason_code="cancelled_credit_note")  # ignored before any rule applies
        .values_list("billbee_order_id", "status")
    )
    assert "imported" in otto.values()
    ChannelRule.objects.create(connection=connection, action="exclude", platform="Otto")
    dry = run(
        connection,
        now=SANDBOX_END + timedelta(hours=6),
        since=local_midnight(START, BERLIN),
        dry_run=True,
    )
    return connection, otto, dry


def test_a_dry_run_of_a_rule_change_shows_the_documents_it_excludes_and_writes_nothing(sandbox):
    connection, otto, dry = _otto_after_a_new_exclusion(sandbox)

    imported = {i for i, status in otto.items() if status == "imported"}
    moves = {c["billbee_order_id"]: (c["before"], c["after"]) for c in dry.as_dict()["changes"]}
    assert {i: moves.get(i) for i in imported} == {i: ("imported", "excluded") for i in imported}
    assert sum(dry.as_dict()["excluded"].values()) > len(otto)
    statuses = dict(ExternalOrder.objects.values_list("billbee_order_id", "status"))
    assert {i: statuses[i] for i in otto} == otto  # nothing was written
    assert ImportRun.objects.filter(connection=connection).count() == 1


def test_a_dry_run_of_a_rule_change_lists_only_the_documents_it_moves(sandbox):
    _, otto, dry = _otto_after_a_new_exclusion(sandbox)

    moves = {c["billbee_order_id"]: (c["before"], c["after"]) for c in dry.as_dict()["changes"]}
    assert moves == {i: (status, "excluded") for i, status in otto.items()}


# ---------------------------------------------------------------- states and flags


def test_imported_states_default_and_configured(account):
    ids = {state: insert(account, State=state) for state in (1, 3, 4, 7, 8, 13, 17)}
    uninvoiced = {
        state: insert(account, State=state, InvoiceNumber=None, InvoiceNumberPrefix=None)
        for state in (1, 3, 8, 13)
    }
    default = make_connection(account, import_start_date=NOVEMBER)
    custom = make_connection(account, "custom", import_start_date=NOVEMBER, imported_states=[4, 13])

    run(default)
    run(custom)

    # Invoiced documents are imported whatever their state; the states decide the rest.
    assert {s: doc(i, default).status for s, i in ids.items()} == {
        1: "imported",
        3: "imported",
        4: "imported",
        7: "imported",
        8: "imported",
        13: "imported",
        17: "imported",
    }
    assert doc(ids[8], default).flag == "cancelled_after_import"
    assert {s: doc(i, default).status for s, i in uninvoiced.items()} == {
        1: "skipped",
        3: "waiting",
        8: "skipped",
        13: "skipped",
    }
    assert doc(uninvoiced[1], default).reason == (
        "state 1 ordered is not imported and not invoiced yet (imported states: 3 paid, "
        "4 shipped, 7 completed, 17 returned)"
    )
    assert {s: doc(i, custom).status for s, i in uninvoiced.items()} == {
        1: "skipped",
        3: "skipped",
        8: "skipped",
        13: "waiting",
    }
    assert doc(uninvoiced[3], custom).reason == (
        "state 3 paid is not imported and not invoiced yet (imported states: 4 shipped, 13 packed)"
    )


def test_accountone_compatible_connections_import_only_the_states(account):
    ids = {state: insert(account, State=state) for state in (1, 4, 9, 11)}
    connection = make_connection(account, import_start_date=NOVEMBER, only_imported_states=True)

    run(connection)

    assert {s: doc(i).status for s, i in ids.items()} == {
        1: "skipped",
        4: "imported",
        9: "skipped",
        11: "skipped",
    }
    assert "AccountOne-compatible" in doc(ids[9]).reason


def test_an_imported_order_cancelled_later_is_flagged_until_its_credit_note_arrives(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account)
    never_imported = insert(account, State=1, InvoiceNumber=None, InvoiceNumberPrefix=None)
    run(connection)
    assert doc(original).status == "imported"

    set_state(account, original, 8)
    set_state(account, never_imported, 8)
    flagged = run(connection)

    document = doc(original)
    assert (document.status, document.flag) == ("updated", "cancelled_after_import")
    assert document.reason == "cancelled after invoicing: needs a credit note"
    assert document.billbee_state == 8
    assert flagged.tally.outcomes["updated"] == 1
    assert (doc(never_imported).status, doc(never_imported).flag) == ("skipped", "")
    assert doc(never_imported).reason.startswith(
        "state 8 cancelled is not imported and not invoiced yet"
    )

    credit = insert_credit(account, original, LastModifiedAt=None)
    run(connection)

    note = doc(credit)
    document = doc(original)
    assert (note.kind, note.status) == ("credit_note", "imported")
    assert note.parent == document
    assert document.flag == ""
    assert document.reason_code == "credit_note_imported"
    assert document.reason == (
        f"cancelled after invoicing; credit note {note.invoice_number} imported"
    )


def test_an_imported_order_deleted_later_is_flagged(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account)
    never_imported = insert(account, InvoiceNumber=None, State=3)
    run(connection)

    set_state(account, original, 6)
    set_state(account, never_imported, 6)
    run(connection)

    document = doc(original)
    assert (document.status, document.flag) == ("updated", "deleted_after_import")
    assert document.reason == "deleted after invoicing: needs a credit note"
    assert (doc(never_imported).status, doc(never_imported).flag) == ("skipped", "")


def test_an_order_waits_for_its_invoice_and_is_imported_once_it_has_one(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    waiting = insert(
        account, State=3, InvoiceNumber=None, InvoiceNumberPrefix=None, InvoiceDate=None
    )
    invoiced = insert(account, State=3)

    first = run(connection)

    assert doc(waiting).status == "waiting"
    assert doc(waiting).reason == (
        "no invoice number yet: waiting for Billbee to write the invoice; decided again when "
        "the order changes"
    )
    assert doc(invoiced).status == "imported"
    assert first.tally.outcomes["waiting"] == 1
    assert first.as_dict()["waiting"] == 1

    patch(
        account,
        waiting,
        InvoiceNumberPrefix="RE-2026-",
        InvoiceNumber=99001,
        InvoiceDate="2026-11-21T09:00:00",
    )
    second = run(connection)

    document = doc(waiting)
    assert (document.status, document.invoice_number) == ("imported", "RE-2026-99001")
    assert document.document_date == date(2026, 11, 21)
    assert second.tally.outcomes["imported"] == 1
    assert document.version_count == 2


# ---------------------------------------------------------------- channel rules


def test_default_exclusions_name_their_rule_and_an_include_rule_overrides_one(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    amazon = insert(account, Seller=AMAZON)
    shopify = insert(account, Seller=SHOPIFY_GARTEN)
    run(connection)
    amazon_rule = ChannelRule.objects.get(connection=connection, platform="Amazon")
    shopify_rule = ChannelRule.objects.get(connection=connection, platform="Shopify")

    assert (doc(amazon).status, doc(amazon).rule) == ("excluded", amazon_rule)
    assert doc(amazon).reason == (
        f"excluded by rule #{amazon_rule.pk}: exclude platform Amazon (whole period)"
    )
    assert doc(shopify).rule == shopify_rule

    include = ChannelRule.objects.create(connection=connection, action="include", platform="amazon")
    rerun = run(connection, since=local_midnight(NOVEMBER, BERLIN))

    assert doc(amazon).status == "imported"
    assert doc(amazon).rule != amazon_rule
    assert (
        f"included by rule #{include.pk}: include platform amazon (whole period)"
        in doc(amazon).trace[1]
    )
    assert (doc(shopify).status, doc(shopify).rule) == ("excluded", shopify_rule)
    assert rerun.tally.outcomes["imported"] == 1


def test_an_exclusion_for_a_period_is_compared_with_the_document_date(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    rule = ChannelRule.objects.create(
        connection=connection,
        action="exclude",
        platform="Shopware",
        valid_from=date(2026, 11, 10),
        valid_until=date(2026, 11, 20),
    )
    ids = {
        "day before": insert(account, InvoiceDate="2026-11-09T23:59:00"),
        "first day, 00:30 Berlin": insert(account, InvoiceDate="2026-11-10T00:30:00"),
        "last day": insert(account, InvoiceDate="2026-11-20T23:59:59"),
        "day after": insert(account, InvoiceDate="2026-11-21T00:00:00"),
        "order date inside, invoice after": insert(
            account, CreatedAt="2026-11-15T10:00:00", InvoiceDate="2026-11-21T08:00:00"
        ),
        "no invoice date, order date inside": insert(
            account, CreatedAt="2026-11-12T10:00:00", InvoiceDate=None
        ),
    }

    run(connection)

    assert {name: doc(i).status for name, i in ids.items()} == {
        "day before": "imported",
        "first day, 00:30 Berlin": "excluded",
        "last day": "excluded",
        "day after": "imported",
        "order date inside, invoice after": "imported",
        "no invoice date, order date inside": "excluded",
    }
    excluded = doc(ids["last day"])
    assert excluded.rule == rule
    assert excluded.reason == (
        f"excluded by rule #{rule.pk}: exclude platform Shopware (10.11.2026–20.11.2026)"
    )


def test_a_rule_for_one_sales_channel_matches_exactly_that_channel_incl_manual_orders(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    ids = {
        "manual": insert(account, Seller=MANUAL, OrderNumber=None, Id=None),
        "shopware": insert(account),
        "moebel": insert(account, Seller=SHOPIFY_MOEBEL),
        "garten": insert(account, Seller=SHOPIFY_GARTEN),
    }
    run(connection)
    assert {n: doc(i).status for n, i in ids.items()} == {
        "manual": "imported",
        "shopware": "imported",
        "moebel": "excluded",
        "garten": "excluded",
    }
    manual = SalesChannel.objects.get(connection=connection, platform="", shop_name="")
    moebel = SalesChannel.objects.get(connection=connection, shop_name="Möbel Verkauf 24")
    assert str(manual) == "manual orders (no shop)"
    exclude_manual = ChannelRule(connection=connection, channel=manual, action="exclude")
    exclude_manual.save()
    include_moebel = ChannelRule(connection=connection, channel=moebel, action="include")
    include_moebel.save()

    run(connection, since=local_midnight(NOVEMBER, BERLIN))

    assert {n: doc(i).status for n, i in ids.items()} == {
        "manual": "excluded",
        "shopware": "unchanged",  # still in the books, nothing changed
        "moebel": "imported",
        "garten": "excluded",
    }
    assert doc(ids["manual"]).rule == exclude_manual
    assert doc(ids["manual"]).reason == (
        f"excluded by rule #{exclude_manual.pk}: exclude manual orders (whole period)"
    )
    assert doc(ids["manual"]).origin == "[Billbee]--"
    assert doc(ids["manual"]).channel == manual


# ---------------------------------------------------------------- credit notes


def test_a_credit_note_without_positions_is_rejected_one_with_positions_imported(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    first, second = insert(account), insert(account)
    without = insert_credit(account, first, OrderItems=[], ShippingCost=0)
    with_positions = insert_credit(account, second)

    result = run(connection)

    assert doc(without).status == "rejected"
    assert doc(without).reason_code == "credit_without_positions"
    assert doc(without).reason == (
        "credit note without positions: Billbee must send the credited lines of the original order"
    )
    assert result.as_dict()["rejected"] == {"credit note without positions": 1}
    assert doc(with_positions).status == "imported"
    assert doc(with_positions).parent == doc(second)


def test_a_credit_note_with_a_positive_total_is_rejected(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    first, second = insert(account), insert(account)
    positive = insert_credit(
        account,
        first,
        TotalCost=25,
        ShippingCost=5,
        OrderItems=[{"BillbeeId": 1, "Quantity": 1, "TotalPrice": 20}],
    )
    negative = insert_credit(account, second)

    run(connection)

    assert doc(positive).kind == "credit_note"  # by its -GS number
    assert (doc(positive).status, doc(positive).reason) == (
        "rejected",
        "credit note total 25 is not negative",
    )
    assert doc(negative).status == "imported"
    assert doc(negative).total_gross == Decimal(-25)


def test_a_cancelled_credit_note_is_ignored(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account)
    cancelled = insert_credit(account, original, State=8)

    run(connection)

    assert (doc(cancelled).status, doc(cancelled).reason) == (
        "skipped",
        "cancelled credit note: ignored",
    )
    assert doc(original).status == "imported"


def test_a_credit_note_read_before_its_original_in_the_same_run_is_imported(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original_id = 390000000000001
    original = order_json(BillBeeOrderId=original_id, LastModifiedAt="2026-11-18T10:00:00")
    note = account.control(
        "POST", "orders", credit_json(original, LastModifiedAt="2026-11-14T10:00:00")
    )["BillBeeOrderId"]
    account.control("POST", "orders", original)

    result = run(connection)

    assert doc(note).status == "imported"
    assert doc(note).parent == doc(original_id)
    assert result.as_dict()["rejected"] == {}
    assert ImportRun.objects.get(pk=result.run_id).rejected == 0


def test_a_credit_note_whose_original_arrives_in_a_later_run_is_decided_again(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original_id = 390000000000002
    original = order_json(BillBeeOrderId=original_id, LastModifiedAt=None)
    note = account.control("POST", "orders", credit_json(original))["BillBeeOrderId"]
    first = run(connection)
    assert doc(note).status == "rejected"
    assert doc(note).reason == (
        f"the original order {original_id} is not in the upload log yet; decided again when "
        "it arrives"
    )
    assert first.as_dict()["rejected"] == {"original order not imported": 1}

    account.control("POST", "orders", original)  # arrives now
    second = run(connection)

    assert doc(original_id).status == "imported"
    assert doc(note).status == "imported"
    assert doc(note).parent == doc(original_id)
    assert doc(note).last_run_id == second.run_id
    assert second.tally.outcomes["imported"] == 2


def test_a_credit_note_whose_original_was_skipped_is_rejected_naming_why(account):
    connection = make_connection(account, import_start_date=NOVEMBER, only_imported_states=True)
    original = insert(account, State=1)
    note = insert_credit(account, original)

    run(connection)

    assert doc(note).status == "rejected"
    assert doc(note).reason_code == "credit_original_not_imported"
    assert doc(note).reason.startswith(
        f"the original order {doc(original).invoice_number} was not imported (skipped: state 1 "
        "ordered is not imported"
    )


def test_a_cancelled_invoice_and_its_credit_note_are_both_imported(account):
    """Before, both were rejected: the cancelled original skipped, its credit note without
    an imported original — a dead end for an issued invoice."""
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account, State=8)
    note = insert_credit(account, original)

    run(connection)

    assert (doc(original).status, doc(original).flag) == ("imported", "")
    assert doc(original).reason_code == "credit_note_imported"
    assert (doc(note).status, doc(note).parent) == ("imported", doc(original))


def test_a_credit_note_follows_its_original_from_waiting_to_imported(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account, State=3, InvoiceNumber=None, InvoiceDate=None)
    note = insert_credit(account, original)
    run(connection)
    assert (doc(original).status, doc(note).status) == ("waiting", "rejected")

    patch(account, original, InvoiceNumber=99002, InvoiceDate="2026-11-21T09:00:00")
    run(connection)

    assert doc(original).status == "imported"
    assert doc(note).status == "imported"


# ---------------------------------------------------------------- dates, amounts, countries


def test_the_start_date(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    before = insert(account, CreatedAt="2026-10-30T10:00:00", InvoiceDate="2026-10-31T23:30:00")
    on = insert(account, CreatedAt="2026-10-30T10:00:00", InvoiceDate="2026-11-01T00:30:00")
    untouched = insert(account, CreatedAt="2026-10-01T10:00:00", LastModifiedAt="2026-10-20T08:00")

    run(connection)

    assert doc(before).status == "skipped"
    assert doc(before).reason == "document date 31.10.2026 is before the start date 01.11.2026"
    assert doc(on).status == "imported"
    assert untouched not in log_ids()  # modified before the start date: not even read


def test_an_order_modified_at_midnight_of_the_start_date_is_imported(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    midnight = insert(
        account,
        CreatedAt="2026-11-01T00:00:00",
        InvoiceDate="2026-11-01T00:00:00",
        LastModifiedAt="2026-11-01T00:00:00",
    )

    run(connection)

    assert midnight in log_ids(), "the order was never read"
    assert doc(midnight).status == "imported"


def test_rounding_difference_service_date_and_ship_from_are_stored(account):
    connection = make_connection(account, import_start_date=NOVEMBER, sender_country="AT")
    items = [{"BillbeeId": i, "Quantity": 1, "TotalPrice": 3.3333} for i in range(3)]
    rounded = insert(
        account,
        OrderItems=items,
        ShippingCost=4.9,
        AdjustmentCost=2,
        TotalCost=16.9,
        ShippedAt="2026-11-12T00:15:00",
        DeliverySourceCountryCode="PL",
    )
    plain = insert(account, ShippedAt=None, InvoiceDate="2026-11-11T23:30:00")

    run(connection)

    document = doc(rounded)
    assert document.lines_total == Decimal("9.99")
    assert document.rounding_difference == Decimal("0.01")
    assert (document.total_gross, document.shipping_cost, document.adjustment_cost) == (
        Decimal("16.9"),
        Decimal("4.9"),
        Decimal(2),
    )
    assert document.service_date == date(2026, 11, 12)  # ShippedAt, in Berlin
    assert document.ship_from_country == "PL"
    assert (
        "rounding difference 0.01 (TotalCost 16.9 vs rounded lines 9.99 + shipping 4.9 + "
        "adjustment 2)"
    ) in document.trace
    other = doc(plain)
    assert other.rounding_difference == Decimal(0)
    assert other.service_date == date(2026, 11, 11)  # no ShippedAt: the invoice date
    assert other.ship_from_country == "AT"  # the connection's sender country


# ---------------------------------------------------------------- broken documents


def test_an_unreadable_order_is_rejected_with_its_reason_and_the_run_goes_on(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    broken = insert(account, TotalCost="abc")
    fine = insert(account)

    result = run(connection)

    assert result.state == "succeeded"
    document = doc(broken)
    assert document.status == "rejected"
    assert document.reason_code == "unparseable"
    assert (
        document.reason
        == "Billbee sent a value that cannot be read: TotalCost: 'abc' is not a number"
    )
    with translation.override("de"):  # the client's own sentence, said in German too
        assert said_field(document, "reason") == (
            "Billbee hat einen Wert gesendet, der nicht gelesen werden kann: "
            "TotalCost: 'abc' ist keine Zahl"
        )
    assert result.as_dict()["rejected"] == {"unreadable field TotalCost": 1}
    assert doc(fine).status == "imported"

    patch(account, broken, TotalCost=25)
    run(connection)

    assert doc(broken).status == "imported"
    assert doc(broken).version_count == 2


def _fail_for(monkeypatch, billbee_id: int) -> None:
    real = classify.classify

    def classify_with_a_bug(order, *args, **kwargs):
        if order.billbee_order_id == billbee_id:
            raise ValueError("bug in a rule")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(classify, "classify", classify_with_a_bug)


def test_an_internal_error_rejects_that_document_and_the_run_is_partial(account, monkeypatch):
    connection = make_connection(account, import_start_date=NOVEMBER)
    broken, fine = insert(account), insert(account)
    _fail_for(monkeypatch, broken)

    result = run(connection)

    assert result.state == "partial"
    assert ImportRun.objects.get(pk=result.run_id).state == "partial"
    document = doc(broken)
    assert document.status == "rejected"
    assert document.reason_code == "internal_error"
    assert document.reason.startswith("could not be processed because of an internal error")
    assert document.trace[0] == "internal error: ValueError: bug in a rule"
    assert result.as_dict()["internal_errors"] == 1
    assert result.as_dict()["rejected"]["could not be processed (internal error)"] == 1
    assert doc(fine).status == "imported"
    connection.refresh_from_db()
    assert connection.watermark == result.window_to  # every other document is in


def test_a_document_that_hit_an_internal_error_is_decided_again_by_the_next_run(
    account, monkeypatch
):
    connection = make_connection(account, import_start_date=NOVEMBER)
    broken = insert(account)
    _fail_for(monkeypatch, broken)
    run(connection)
    monkeypatch.undo()

    run(connection, since=local_midnight(NOVEMBER, BERLIN))

    assert doc(broken).status == "imported"


def test_a_document_that_fails_while_being_stored_is_counted_once(account, monkeypatch):
    connection = make_connection(account, import_start_date=NOVEMBER)
    broken = insert(account)
    real = documents.store_decision

    def store_with_a_failing_write(ctx, order, *args, **kwargs):
        if order.billbee_order_id == broken:
            raise ValueError("disk full")
        return real(ctx, order, *args, **kwargs)

    monkeypatch.setattr(documents, "store_decision", store_with_a_failing_write)

    result = run(connection)

    data = result.as_dict()
    assert doc(broken).status == "rejected"
    assert data["imported"] == ExternalOrder.objects.filter(status="imported").count()
    counted = (
        data["imported"]
        + data["updated"]
        + data["unchanged"]
        + data["waiting"]
        + sum(data["skipped"].values())
        + sum(data["excluded"].values())
        + sum(data["rejected"].values())
    )
    assert counted == data["fetched"]


# ---------------------------------------------------------------- versions


def test_a_changed_document_gets_a_new_version_naming_the_changed_fields(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    billbee_id = insert(account)
    first = run(connection)

    client = account.client()
    try:
        client.add_order_tags(billbee_id, ["Stammkunde"])  # bumps LastModifiedAt only
    finally:
        client.close()
    tagged = run(connection)

    assert tagged.fetched == 1
    assert tagged.tally.outcomes["unchanged"] == 1
    assert doc(billbee_id).version_count == 1
    assert ExternalOrderVersion.objects.count() == 1

    patch(account, billbee_id, ShippingCost=6.9, TotalCost=26.9)
    changed = run(connection)

    document = doc(billbee_id)
    assert (document.status, document.reason) == ("updated", "imported again: the document changed")
    assert changed.tally.outcomes["updated"] == 1
    assert document.version_count == 2
    assert document.total_gross == Decimal("26.9")
    versions = list(document.versions.order_by("number"))
    assert [(v.number, v.status, v.changed_fields) for v in versions] == [
        (1, "imported", []),
        (2, "updated", ["ShippingCost", "TotalCost"]),
    ]
    assert versions[0].run_id == first.run_id
    assert versions[1].run_id == changed.run_id
    assert json.loads(versions[0].raw_text)["TotalCost"] == 25


# ---------------------------------------------------------------- runs that cannot start


def test_an_import_that_cannot_build_its_client_does_not_block_the_next_one(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    Connection.objects.filter(pk=connection.pk).update(api_key="")

    with pytest.raises(CommandError, match="'shop' has no complete credentials"):
        cli("import_orders", "--connection", "shop")
    assert not ImportRun.objects.filter(state="running").exists()

    connection_upsert(name="shop", api_key=SANDBOX_KEY)
    code, _ = cli("import_orders", "--connection", "shop")
    assert code == 0


# ---------------------------------------------------------------- the command line


REQUIRED_KEYS = {
    "requests",
    "throttled",
    "fetched",
    "imported",
    "updated",
    "unchanged",
    "skipped",
    "rejected",
    "duration_s",
}


def test_import_orders_json_reports_the_run_and_exits_0(sandbox):
    make_connection(sandbox)

    code, out = cli("import_orders", "--connection", "shop", "--json")

    data = json.loads(out)
    assert code == 0
    assert set(data) >= REQUIRED_KEYS
    assert data["state"] == "succeeded"
    assert data["fetched"] == 300
    assert data["requests"] >= data["windows"] > 100  # one or more per day
    assert data["throttled"] == 0
    assert data["imported"] == ExternalOrder.objects.filter(status="imported").count() > 0
    assert sum(data["skipped"].values()) == ExternalOrder.objects.filter(status="skipped").count()
    # Invoiced originals are imported whatever their state, so their credit notes are too.
    assert "original order not imported" not in data["rejected"]
    assert sum(data["rejected"].values()) == ExternalOrder.objects.filter(status="rejected").count()
    assert isinstance(data["duration_s"], float)
    assert ImportRun.objects.get().trigger == "manual"

    code, out = cli("import_orders", "--connection", "shop", "--json")

    again = json.loads(out)
    assert code == 0
    assert (again["imported"], again["updated"]) == (0, 0)


def test_import_orders_since_and_until_are_read_in_the_connections_zone(sandbox):
    make_connection(sandbox)

    code, out = cli(
        "import_orders",
        "--json",
        "--since",
        "2026-11-19T00:00",
        "--until",
        "2026-11-20",
    )

    data = json.loads(out)
    assert code == 0
    assert (data["window_from"], data["window_to"]) == (
        "2026-11-18T23:00:00+00:00",
        "2026-11-19T23:00:00+00:00",
    )
    assert data["windows"] == 1
    modified_on_19th = sum(
        1
        for h in sandbox.state.dataset.headers
        if sandbox.state.dataset.render_order(h)["LastModifiedAt"].startswith("2026-11-19")
    )
    assert data["fetched"] == modified_on_19th > 0


def test_import_orders_dry_run_json_lists_changes_and_writes_nothing(sandbox):
    make_connection(sandbox)

    code, out = cli("import_orders", "--connection", "shop", "--dry-run", "--json")

    data = json.loads(out)
    assert code == 0
    assert data["dry_run"] is True and data["run"] is None
    assert data["fetched"] == 300
    assert data["changes"]
    assert ExternalOrder.objects.count() == ImportRun.objects.count() == 0


def test_import_orders_exits_non_zero_when_the_import_fails(sandbox):
    make_connection(sandbox)
    sandbox.configure(api_active=False)

    code, out = cli("import_orders", "--connection", "shop", "--json")

    data = json.loads(out)
    assert code == 1
    assert data["state"] == "failed"
    assert "not activated" in data["error"]
    assert ImportRun.objects.get().state == "failed"


def test_import_orders_exits_non_zero_when_the_run_is_partial(account, monkeypatch):
    make_connection(account, import_start_date=NOVEMBER)
    _fail_for(monkeypatch, insert(account))

    code, out = cli("import_orders", "--connection", "shop")

    assert code == 1
    assert "partial" in out
    assert "could not be processed (internal error)" in out


def test_import_orders_names_an_unknown_connection(sandbox):
    make_connection(sandbox)

    with pytest.raises(CommandError, match="There is no connection named 'nope' \\(known: shop\\)"):
        cli("import_orders", "--connection", "nope")


# ---------------------------------------------------------------- explain_order


def test_explain_order_of_an_imported_document(account):
    make_connection(account, import_start_date=NOVEMBER)
    items = [{"BillbeeId": i, "Quantity": 1, "TotalPrice": 3.3333} for i in range(3)]
    billbee_id = insert(account, OrderItems=items, ShippingCost=0, TotalCost=10)
    number = account.control("GET", f"orders/{billbee_id}")["OrderNumber"]
    run(Connection.objects.get())
    document = doc(billbee_id)

    _, text = cli("explain_order", number)
    _, as_json = cli("explain_order", str(billbee_id), "--json")

    lines = text.splitlines()
    assert lines[0] == (
        f"Invoice {document.invoice_number} — Billbee order {billbee_id}, order number "
        f"{number} (shop)"
    )
    assert "  IMPORTED: imported" in lines
    assert "    1. kind: invoice (no -GS suffix, no original order, positive total)" in lines
    assert any(
        "rounding difference 0.01" in line and line.startswith("  totals:") for line in lines
    )
    assert any(line.startswith("  version 1: seen ") for line in lines)
    data = json.loads(as_json)
    assert data["status"] == "imported"
    assert data["totals"]["rounding_difference"] == "0.01"
    assert data["totals"]["lines_rounded"] == "9.99"
    assert data["trace"] == document.trace
    assert [v["number"] for v in data["versions"]] == [1]


def test_explain_order_of_an_excluded_document_names_the_rule(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    billbee_id = insert(account, Seller=AMAZON)
    run(connection)
    rule = ChannelRule.objects.get(connection=connection, platform="Amazon")

    _, text = cli("explain_order", str(billbee_id))
    _, as_json = cli("explain_order", str(billbee_id), "--json")

    assert (
        f"  EXCLUDED: excluded by rule #{rule.pk}: exclude platform Amazon (whole period)"
        in text.splitlines()
    )
    data = json.loads(as_json)
    assert data["status"] == "excluded"
    assert data["rule"] == "exclude platform Amazon (whole period)"
    assert data["origin"] == "[Billbee]-Amazon-Amazon EU"


def test_explain_order_of_a_rejected_document(account):
    connection = make_connection(account, import_start_date=NOVEMBER)
    original = insert(account)
    note = insert_credit(account, original, OrderItems=[], ShippingCost=0)
    run(connection)
    number = doc(note).order_number

    _, text = cli("explain_order", number)
    _, as_json = cli("explain_order", number, "--json")

    assert text.splitlines()[0].startswith(f"Credit note {doc(note).invoice_number} — ")
    assert (
        "  REJECTED: credit note without positions: Billbee must send the credited lines of "
        "the original order"
    ) in text.splitlines()
    data = json.loads(as_json)
    assert (data["kind"], data["status"], data["reason_code"]) == (
        "credit_note",
        "rejected",
        "credit_without_positions",
    )
    assert data["original"]["billbee_order_id"] == original


def test_explain_order_of_an_order_not_imported_yet_asks_billbee(account):
    make_connection(account, import_start_date=NOVEMBER)
    waiting = insert(account, State=3, InvoiceNumber=None)
    excluded = insert(account, Seller=AMAZON)
    number = account.control("GET", f"orders/{excluded}")["OrderNumber"]

    _, text = cli("explain_order", str(waiting))
    _, as_json = cli("explain_order", number, "--json")

    assert "  not imported yet: this is what an import would decide now" in text.splitlines()
    assert any(line.startswith("  WAITING: no invoice number yet") for line in text.splitlines())
    data = json.loads(as_json)
    assert data["billbee_order_id"] == excluded
    assert data["status"] == "excluded"
    assert data["not_in_log"] == "not imported yet: this is what an import would decide now"
    assert ExternalOrder.objects.count() == 0  # nothing written


def test_explain_order_of_an_unknown_order(sandbox):
    make_connection(sandbox)

    with pytest.raises(CommandError, match="is neither in the upload log nor in Billbee"):
        cli("explain_order", "NO-SUCH-ORDER")


def test_invoices_skipped_for_their_state_before_are_imported_by_the_next_run(account):
    """An upgrade, or the AccountOne-compatible option switched off: invoices that an older
    decision left out for their state are decided again, without being read from Billbee."""
    connection = make_connection(account, import_start_date=NOVEMBER, only_imported_states=True)
    archived = insert(account, State=9)
    note = insert_credit(account, insert(account, State=11))
    run(connection)
    assert doc(archived).status == "skipped"
    assert doc(note).status == "rejected"

    connection.only_imported_states = False
    connection.save()
    second = run(connection)

    assert doc(archived).status == "imported"
    assert doc(note).status == "imported"
    assert second.tally.outcomes["imported"] == 3
