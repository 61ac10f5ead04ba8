"""The operator console for the import: what an operator sees and can do on each admin page.

Data comes from the real services: a sandbox on loopback, a connection made with
``connection_upsert`` and a real ``orders_import``.
"""

from __future__ import annotations

import json
import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from connector.models import ChannelRule, Connection, ExternalOrder, ImportRun, SalesChannel
from connector.services.connections import connection_test, connection_upsert
from connector.services.import_runs import import_run_save_progress, import_run_start
from connector.services.imports import orders_import
from connector.services.scheduling import connection_next_start
from tests.conftest import (
    SANDBOX_END,
    SANDBOX_KEY,
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    admin_form_data,
)

pytestmark = pytest.mark.django_db

AFTER_SANDBOX = SANDBOX_END + timedelta(days=1)
# The sandbox's orders are from the 90 days before SANDBOX_END: a start date a day earlier
# imports them all, with a third of the requests a start on 1 January would take.
SANDBOX_START_DATE = (SANDBOX_END - timedelta(days=91)).date()
DEFAULT_PLATFORMS = {"Amazon", "eBay", "WooCommerce", "Shopify", "Magento", "Etsy", "Kaufland"}


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


@pytest.fixture
def shop(sandbox) -> Connection:
    conn, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    conn.import_start_date = SANDBOX_START_DATE
    conn.save()
    return conn


@pytest.fixture
def imported(shop) -> Connection:
    orders_import(shop, now=AFTER_SANDBOX)
    shop.refresh_from_db()
    return shop


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _add_rule(data: dict[str, Any], **fields: str) -> None:
    """Fill in one more row of the rules inline."""
    index = int(data["rules-TOTAL_FORMS"])
    data["rules-TOTAL_FORMS"] = str(index + 1)
    for name in ("id", "action", "platform", "shop_name", "valid_from", "valid_until", "note"):
        data[f"rules-{index}-{name}"] = fields.get(name, "")


def _changelist(client, model: str, **query: str):
    return client.get(reverse(f"admin:connector_{model}_changelist"), query)


def _pks(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def _all_pks(response) -> set[int]:
    """Every row the changelist's filters and search select (not only the first page)."""
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


# ---------------------------------------------------------------- connections


def test_connection_list_shows_last_run_next_run_and_health(admin_client, imported):
    connection_test(imported)
    run = ImportRun.objects.get(connection=imported)

    html = _html(_changelist(admin_client, "connection"))

    assert "succeeded" in html
    assert reverse("admin:connector_importrun_change", args=[run.pk]) in html
    assert f"works; last import #{run.pk} succeeded" in html


def _next_import_cell(client) -> str:
    html = _html(_changelist(client, "connection"))
    return re.search(r'<td class="field-next_import">(.*?)</td>', html).group(1)


def test_next_import_is_due_now_inside_the_window_after_the_spacing(admin_client, imported):
    # The whole day is the window and the last start lies a day back: due at any hour.
    Connection.objects.filter(pk=imported.pk).update(
        schedule_window_start=time(0, 0), schedule_window_end=time.max
    )
    ImportRun.objects.filter(connection=imported).update(
        started_at=timezone.now() - timedelta(days=1)
    )

    assert _next_import_cell(admin_client) == "due now (at the next tick)"


def test_next_import_names_the_moment_in_the_connections_zone(admin_client, imported):
    # Started just now, spacing 8 h: the next start lies at least 8 h ahead, at any hour
    # (outside the window it is the window's next start).
    now = timezone.now()
    ImportRun.objects.filter(connection=imported).update(started_at=now)
    upcoming = connection_next_start(imported, now)
    assert upcoming is not None and upcoming >= now + timedelta(hours=8)

    cell = _next_import_cell(admin_client)

    local = timezone.localtime(upcoming, ZoneInfo("Europe/Berlin"))
    assert cell == f"{local.day} {local:%b %Y %H:%M} (Europe/Berlin)"


def test_connection_health_turns_red_or_amber_with_the_reason(admin_client, imported):
    Connection.objects.filter(pk=imported.pk).update(
        last_test_ok=False,
        last_test_message="Billbee rejected the credentials",
        watermark=timezone.now() - timedelta(hours=17),  # spacing 8 h: older than 2 × 8 h
    )

    html = _html(_changelist(admin_client, "connection"))

    assert "test failed: Billbee rejected the credentials" in html
    assert "older than twice the spacing (16 h)" in html
    assert 'title="error"' in html  # the worst finding colours the column


def test_connection_with_schedule_off_has_no_next_run(admin_client, imported):
    Connection.objects.filter(pk=imported.pk).update(schedule_enabled=False)

    response = _changelist(admin_client, "connection")

    row = re.search(r"<tr>.*?</tr>", _html(response).split("<tbody>")[1], re.S).group(0)
    assert '<td class="field-next_import">off</td>' in row


def test_import_now_action_queues_an_admin_import_that_runs(
    admin_client, shop, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("admin:connector_connection_changelist"),
            {"action": "import_now", "_selected_action": [shop.pk]},
            follow=True,
        )

    assert len(callbacks) == 1
    run = ImportRun.objects.get(connection=shop)
    runs_url = reverse("admin:connector_importrun_changelist")
    run_url = reverse("admin:connector_importrun_change", args=[run.pk])
    message = _messages(response)[0]
    # The run exists from the moment it is queued (pending), and the message links it.
    assert f'shop: import queued as <a href="{run_url}">run #{run.pk}</a>.' in message
    assert f'Follow it in the <a href="{runs_url}' in message
    assert (run.trigger, run.state) == (ImportRun.Trigger.ADMIN, ImportRun.State.SUCCEEDED)
    assert run.fetched == ExternalOrder.objects.filter(connection=shop).count() > 0


def test_queued_import_is_visible_as_pending_before_a_worker_takes_it(
    admin_client, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:  # the task is not run
        admin_client.post(
            reverse("admin:connector_connection_changelist"),
            {"action": "import_now", "_selected_action": [shop.pk]},
            follow=True,
        )

    assert len(callbacks) == 1
    run = ImportRun.objects.get(connection=shop)
    assert (run.trigger, run.state) == (ImportRun.Trigger.ADMIN, ImportRun.State.PENDING)
    html = _html(admin_client.get(reverse("admin:connector_importrun_changelist")))
    row = re.search(rf"<tr>(?:(?!</tr>).)*>#{run.pk}<(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert ">pending</span>" in row


def test_import_now_while_an_import_runs_starts_none(
    admin_client, shop, django_capture_on_commit_callbacks
):
    running = import_run_start(shop, ImportRun.Trigger.SCHEDULED)

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:connector_connection_changelist"),
            {"action": "import_now", "_selected_action": [shop.pk]},
            follow=True,
        )

    assert callbacks == []
    assert "an import is already running (<a href=" in _messages(response)[0]
    assert f"run #{running.pk}" in _messages(response)[0]


def test_import_now_page_asks_then_queues(
    admin_client, shop, eager, django_capture_on_commit_callbacks
):
    url = reverse("admin:connector_connection_import_now", args=[shop.pk])
    assert "outside the daily window" in _html(admin_client.get(url))
    assert not ImportRun.objects.exists()  # asking starts nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:connector_importrun_changelist"))
    assert ImportRun.objects.get(connection=shop).trigger == ImportRun.Trigger.ADMIN


def test_creating_a_connection_in_the_admin_creates_the_default_rules(admin_client, sandbox):
    add_url = reverse("admin:connector_connection_add")
    data = admin_form_data(admin_client.get(add_url))
    assert data["imported_states"] == ["3", "4", "7", "17"]  # the defaults are ticked
    data.update(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        new_api_password=SANDBOX_PASSWORD,
        new_api_key=SANDBOX_KEY,
    )

    response = admin_client.post(add_url, data, follow=True)

    connection = Connection.objects.get(name="shop")
    rules = ChannelRule.objects.filter(connection=connection)
    assert {r.platform for r in rules} == DEFAULT_PLATFORMS
    assert all(r.action == "exclude" and r.is_default for r in rules)
    assert "7 default exclusion rules were created" in " ".join(_messages(response))
    change = _html(
        admin_client.get(reverse("admin:connector_connection_change", args=[connection.pk]))
    )
    assert "exclude platform Amazon (whole period)" in change


def test_billbee_s_clock_is_chosen_in_the_connection_form(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])
    page = admin_client.get(url)
    html = _html(page)
    assert '<select name="billbee_clock"' in html
    assert "Europe/Berlin (German time, default)" in html
    data = admin_form_data(page)
    assert data["billbee_clock"] == "Europe/Berlin"

    data["billbee_clock"] = "UTC"
    assert admin_client.post(url, data).status_code == 302
    shop.refresh_from_db()
    assert (shop.billbee_clock, shop.time_zone) == ("UTC", "Europe/Berlin")


def test_imported_states_checkboxes_round_trip(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])
    page = admin_client.get(url)
    html = _html(page)
    boxes = re.findall(r'<input type="checkbox" name="imported_states" value="(\d+)"[^>]*>', html)
    assert boxes == [str(s) for s in range(1, 18)]
    assert "17 returned" in html
    data = admin_form_data(page)

    data["imported_states"] = ["7", "4", "16"]
    assert admin_client.post(url, data).status_code == 302
    shop.refresh_from_db()
    assert shop.imported_states == [4, 7, 16]
    checked = re.findall(
        r'name="imported_states" value="(\d+)"[^>]*checked', _html(admin_client.get(url))
    )
    assert checked == ["4", "7", "16"]

    data["imported_states"] = []
    response = admin_client.post(url, data)
    assert "Choose at least one order state." in _html(response)
    shop.refresh_from_db()
    assert shop.imported_states == [4, 7, 16]


def test_the_accountone_compatible_option_is_off_and_warns_when_switched_on(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])
    page = admin_client.get(url)
    assert "AccountOne-compatible: only documents in the imported states" in _html(page)
    data = admin_form_data(page)
    assert "only_imported_states" not in data  # unticked by default

    data["only_imported_states"] = "on"
    response = admin_client.post(url, data, follow=True)

    shop.refresh_from_db()
    assert shop.only_imported_states
    assert any("are left out of the books" in m for m in _messages(response))


def test_schedule_settings_are_saved_and_validated(admin_client, shop):
    url = reverse("admin:connector_connection_change", args=[shop.pk])
    data = admin_form_data(admin_client.get(url))

    data.pop("schedule_enabled")  # untick
    data.update(schedule_window_start="08:00", schedule_window_end="07:00")
    assert "The window must end after it starts" in _html(admin_client.post(url, data))

    data.update(schedule_window_end="20:00", schedule_spacing_minutes="120")
    assert admin_client.post(url, data).status_code == 302
    shop.refresh_from_db()
    assert shop.schedule_enabled is False
    assert (shop.schedule_window_start.hour, shop.schedule_window_end.hour) == (8, 20)
    assert shop.schedule_spacing_minutes == 120
    assert '<div class="readonly">off</div>' in _html(admin_client.get(url))


def test_connection_page_edits_rules_and_offers_to_apply_them(admin_client, imported):
    url = reverse("admin:connector_connection_change", args=[imported.pk])
    page = admin_client.get(url)
    assert "exclude platform Amazon (whole period)" in _html(page)
    data = admin_form_data(page)
    _add_rule(data, action="include", platform="Shopify", shop_name="Gartenwelt Outlet")

    response = admin_client.post(url, data, follow=True)

    rule = ChannelRule.objects.get(connection=imported, action="include")
    assert (rule.platform, rule.shop_name, rule.channel) == ("Shopify", "Gartenwelt Outlet", None)
    reevaluate = reverse("admin:connector_connection_reevaluate", args=[imported.pk])
    offer = [m for m in _messages(response) if "apply the rules again" in m]
    assert len(offer) == 1 and f'href="{reevaluate}"' in offer[0]


def test_a_rule_without_platform_or_shop_is_refused(admin_client, imported):
    url = reverse("admin:connector_connection_change", args=[imported.pk])
    data = admin_form_data(admin_client.get(url))
    _add_rule(data, action="exclude", note="forgot the platform")

    html = _html(admin_client.post(url, data))

    assert "A rule needs a platform, a shop name or both." in html
    assert ChannelRule.objects.filter(connection=imported).count() == len(DEFAULT_PLATFORMS)


def test_apply_the_rules_again_action_moves_documents(
    admin_client, imported, eager, django_capture_on_commit_callbacks
):
    ChannelRule.objects.filter(connection=imported, platform="Amazon").delete()
    amazon = ExternalOrder.objects.filter(connection=imported, origin__contains="-Amazon-")
    assert set(amazon.values_list("status", flat=True)) >= {"excluded"}

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:connector_connection_changelist"),
            {"action": "apply_rules_again", "_selected_action": [imported.pk]},
            follow=True,
        )

    assert "being applied again" in _messages(response)[0]
    assert not amazon.filter(status="excluded").exists()
    assert amazon.filter(status="imported").exists()


# ---------------------------------------------------------------- sales channels


def test_sales_channel_list_counts_documents_by_status(admin_client, imported):
    amazon = SalesChannel.objects.get(connection=imported, platform="Amazon")
    excluded = ExternalOrder.objects.filter(channel=amazon, status="excluded").count()

    response = _changelist(admin_client, "saleschannel", platform="Amazon")

    assert _pks(response) == {amazon.pk}
    html = _html(response)
    link = (
        reverse("admin:connector_externalorder_changelist")
        + f"?channel__id__exact={amazon.pk}&amp;status__exact=excluded"
    )
    assert f'<a href="{link}">{excluded}</a>' in html
    assert "[Billbee]-Amazon-Amazon EU" in html
    assert str(amazon.shop_id) in html


def test_sales_channels_cannot_be_added_or_deleted(admin_client, imported):
    channel = SalesChannel.objects.filter(connection=imported).first()

    assert admin_client.get(reverse("admin:connector_saleschannel_add")).status_code == 403
    delete = reverse("admin:connector_saleschannel_delete", args=[channel.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SalesChannel.objects.filter(pk=channel.pk).exists()


def test_channel_page_shows_matching_connection_rules(admin_client, imported):
    amazon = SalesChannel.objects.get(connection=imported, platform="Amazon")
    otto = SalesChannel.objects.get(connection=imported, platform="Otto")
    default = ChannelRule.objects.get(connection=imported, platform="Amazon")

    amazon_html = _html(
        admin_client.get(reverse("admin:connector_saleschannel_change", args=[amazon.pk]))
    )
    otto_html = _html(
        admin_client.get(reverse("admin:connector_saleschannel_change", args=[otto.pk]))
    )

    assert f"<td>#{default.pk}</td><td>exclude</td><td>platform Amazon</td>" in amazon_html
    assert "platform Shopify" not in amazon_html
    assert "No rule of the whole connection matches this channel." in otto_html


def test_channel_rule_takes_platform_and_shop_from_the_channel_and_can_be_applied(
    admin_client, imported, eager, django_capture_on_commit_callbacks
):
    amazon = SalesChannel.objects.get(connection=imported, platform="Amazon")
    url = reverse("admin:connector_saleschannel_change", args=[amazon.pk])
    page = admin_client.get(url)
    data = admin_form_data(page)
    assert 'name="rules-0-platform"' not in _html(page)  # taken from the channel
    index = int(data["rules-TOTAL_FORMS"])
    data.update(
        {
            "rules-TOTAL_FORMS": str(index + 1),
            f"rules-{index}-action": "include",
            f"rules-{index}-note": "we book Amazon from Billbee now",
            f"rules-{index}-valid_from": "",
            f"rules-{index}-valid_until": "",
        }
    )

    response = admin_client.post(url, data, follow=True)

    rule = ChannelRule.objects.get(channel=amazon)
    assert (rule.connection, rule.action, rule.platform, rule.shop_name) == (
        imported,
        "include",
        "Amazon",
        "Amazon EU",
    )
    reevaluate = reverse("admin:connector_connection_reevaluate", args=[imported.pk])
    assert any(f'href="{reevaluate}"' in m for m in _messages(response))
    inline = _html(admin_client.get(url))
    assert "we book Amazon from Billbee now" in inline

    with django_capture_on_commit_callbacks(execute=True):
        applied = admin_client.post(reevaluate)

    assert applied.status_code == 302
    documents = ExternalOrder.objects.filter(channel=amazon)
    assert not documents.filter(status="excluded").exists()
    assert documents.filter(status="imported").exists()
    trace = documents.filter(status="imported").first().trace
    assert f"included by rule #{rule.pk}: include platform Amazon and shop Amazon EU" in trace[1]


# ---------------------------------------------------------------- external orders


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "skipped"}, {"status": "skipped"}),
        ({"reason": "channel_rule"}, {"reason_code": "channel_rule"}),
        ({"kind__exact": "credit_note"}, {"kind": "credit_note"}),
        ({"month": "2026-10"}, {"document_date__year": 2026, "document_date__month": 10}),
    ],
)
def test_external_order_filters_narrow_the_list(admin_client, imported, query, expected):
    response = _changelist(admin_client, "externalorder", **query)

    wanted = set(ExternalOrder.objects.filter(**expected).values_list("pk", flat=True))
    assert wanted and _all_pks(response) == wanted
    assert response.context["cl"].result_count == len(wanted)


def test_external_order_filters_by_channel_connection_and_flag(admin_client, imported):
    otto = SalesChannel.objects.get(connection=imported, platform="Otto")
    flagged = ExternalOrder.objects.filter(connection=imported, status="imported", flag="").first()
    ExternalOrder.objects.filter(pk=flagged.pk).update(flag="cancelled_after_import")
    already = set(ExternalOrder.objects.exclude(flag="").values_list("pk", flat=True))

    by_channel = _changelist(admin_client, "externalorder", channel__id__exact=str(otto.pk))
    by_connection = _changelist(
        admin_client, "externalorder", connection__id__exact=str(imported.pk)
    )
    by_flag = _changelist(admin_client, "externalorder", flag="any")

    assert _all_pks(by_channel) == set(otto.documents.values_list("pk", flat=True))
    assert len(_all_pks(by_connection)) == ExternalOrder.objects.count()
    assert _all_pks(by_flag) == already >= {flagged.pk}


def test_filter_sidebar_offers_readable_reasons_and_the_months_newest_first(admin_client, imported):
    html = _html(_changelist(admin_client, "externalorder"))

    assert "?reason=channel_rule" in html and "excluded by a channel rule" in html
    assert "order state not imported" in html
    months = re.findall(r'\?month=(\d{4}-\d\d)"', html)
    present = sorted(
        {f"{d:%Y-%m}" for d in ExternalOrder.objects.values_list("document_date", flat=True)},
        reverse=True,
    )
    assert months == present and len(months) >= 3
    assert "November 2026" in html


def test_search_finds_a_document_by_order_invoice_shop_and_billbee_number(admin_client, imported):
    document = ExternalOrder.objects.filter(status="imported").exclude(external_id="").first()

    for term in (
        document.order_number,
        document.invoice_number,
        document.external_id,
        str(document.billbee_order_id),
    ):
        response = _changelist(admin_client, "externalorder", q=term)
        assert document.pk in _pks(response), term
    partial = _changelist(admin_client, "externalorder", q=document.invoice_number[-5:])
    assert _pks(partial) == {document.pk}
    nothing = _changelist(admin_client, "externalorder", q="99999999999999")
    assert _pks(nothing) == set()


def test_external_order_list_queries_do_not_grow_with_the_rows(admin_client, imported):
    def queries(**query: str) -> tuple[int, int]:
        with CaptureQueriesContext(db_connection) as captured:
            response = _changelist(admin_client, "externalorder", **query)
        return len(captured), len(response.context["cl"].result_list)

    few, few_rows = queries(status__exact="rejected")
    many, many_rows = queries()

    assert few_rows < 5 and many_rows == 100
    assert many == few


def _changed_document(sandbox, connection: Connection) -> ExternalOrder:
    """An imported document whose state changes in Billbee, imported again: 2 versions."""
    document = ExternalOrder.objects.filter(
        connection=connection, status="imported", billbee_state=4, kind="invoice"
    ).first()
    client = sandbox.client()
    client.update_order_state(document.billbee_order_id, 7)
    client.close()
    orders_import(connection, now=timezone.now() + timedelta(minutes=10))
    document.refresh_from_db()
    assert document.version_count == 2
    return document


def test_external_order_page_shows_trace_raw_json_and_versions(admin_client, sandbox, imported):
    document = _changed_document(sandbox, imported)

    html = _html(
        admin_client.get(reverse("admin:connector_externalorder_change", args=[document.pk]))
    )

    for step in document.trace:
        assert f"<li>{escape(step)}</li>" in html
    raw = escape(f'\n  "BillBeeOrderId": {document.billbee_order_id}')
    assert raw in html.split('id="versions"')[0]  # the latest version, pretty-printed
    assert document.billbee_url in html
    versions = html.split('id="versions"')[1]
    assert re.findall(r"<tr>\s*<td>(\d+)</td>", versions) == ["2", "1"]
    assert "State" in versions  # what changed between the versions
    assert versions.count("<details>") == 2
    assert escape('"State": 7') in versions and escape('"State": 4') in versions
    assert "4 shipped" not in html.split('id="versions"')[0]  # the document is now completed
    assert "7 completed" in html


def test_external_order_page_links_a_credit_note_and_its_original(admin_client, imported):
    credit = ExternalOrder.objects.filter(kind="credit_note", parent__isnull=False).first()

    credit_html = _html(
        admin_client.get(reverse("admin:connector_externalorder_change", args=[credit.pk]))
    )
    original_html = _html(
        admin_client.get(reverse("admin:connector_externalorder_change", args=[credit.parent_id]))
    )

    assert reverse("admin:connector_externalorder_change", args=[credit.parent_id]) in credit_html
    assert reverse("admin:connector_externalorder_change", args=[credit.pk]) in original_html


def test_external_orders_are_read_only(admin_client, imported):
    document = ExternalOrder.objects.first()
    change = reverse("admin:connector_externalorder_change", args=[document.pk])

    page = admin_client.get(change)
    refused = admin_client.post(change, {"status": "imported", "_save": "Save"})

    assert page.status_code == 200 and 'name="_save"' not in _html(page)
    assert refused.status_code == 403
    assert admin_client.get(reverse("admin:connector_externalorder_add")).status_code == 403
    delete = reverse("admin:connector_externalorder_delete", args=[document.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ExternalOrder.objects.get(pk=document.pk).status == document.status


# ---------------------------------------------------------------- import runs


def test_import_run_list_and_page_show_counters_and_reasons(admin_client, imported):
    run = ImportRun.objects.get(connection=imported)
    amazon_reason = next(r for r in run.reasons["excluded"] if "Amazon" in r)

    listing = _html(_changelist(admin_client, "importrun"))
    page = _html(admin_client.get(reverse("admin:connector_importrun_change", args=[run.pk])))

    assert '<progress max="100" value="100">' in listing
    assert f'data-counter="fetched">{run.fetched}</span>' in listing
    assert f'data-counter="excluded">{run.excluded}</span>' in listing
    assert "data-progress-url" not in listing + page  # nothing running, nothing polled
    count = run.reasons["excluded"][amazon_reason]
    assert f'<td>excluded</td><td>{amazon_reason}</td><td class="count">{count}</td>' in page
    assert f'data-counter="imported">{run.imported}</span>' in page
    assert (
        admin_client.post(
            reverse("admin:connector_importrun_change", args=[run.pk]), {}
        ).status_code
        == 403
    )


def test_failed_import_run_page_shows_the_error(admin_client, sandbox):
    broken, _, _ = connection_upsert(
        name="broken",
        api_url=sandbox.url + "/api",
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    orders_import(broken, now=AFTER_SANDBOX)
    run = ImportRun.objects.get(connection=broken)
    assert run.state == ImportRun.State.FAILED

    page = _html(admin_client.get(reverse("admin:connector_importrun_change", args=[run.pk])))

    assert "<h2>Error</h2>" in page
    assert "must end with /api/v1" in page


def test_running_import_is_polled_on_its_page_and_in_the_list(admin_client, shop):
    run = import_run_start(shop, ImportRun.Trigger.ADMIN)
    run.windows_total, run.windows_done, run.fetched, run.imported = 8, 2, 500, 120
    import_run_save_progress(run)
    progress = reverse("admin:connector_importrun_progress", args=[run.pk])

    page = _html(admin_client.get(reverse("admin:connector_importrun_change", args=[run.pk])))
    listing = _html(_changelist(admin_client, "importrun"))

    for html in (page, listing):
        assert (
            f'<progress max="100" value="25" data-run="{run.pk}" data-progress-url="{progress}">'
            in html
        )
        assert "setTimeout(poll, 2000)" in html
    assert "this list updates itself" in listing


def test_progress_endpoint_returns_the_runs_numbers(admin_client, shop):
    run = import_run_start(shop, ImportRun.Trigger.ADMIN)
    run.windows_total, run.windows_done, run.pages_total, run.pages_done = 4, 1, 3, 2
    run.fetched, run.excluded, run.api_requests = 250, 40, 3
    import_run_save_progress(run)

    response = admin_client.get(reverse("admin:connector_importrun_progress", args=[run.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["state"] == "running" and data["running"] is True
    assert (data["progress"], data["percent"]) == (0.25, 25)
    assert (data["windows_done"], data["windows_total"]) == (1, 4)
    assert (data["pages_done"], data["pages_total"]) == (2, 3)
    assert data["counters"]["fetched"] == 250 and data["counters"]["excluded"] == 40
    assert data["api_requests"] == 3


def test_progress_endpoint_is_for_staff_only(client, admin_client, shop):
    run = import_run_start(shop, ImportRun.Trigger.ADMIN)
    url = reverse("admin:connector_importrun_progress", args=[run.pk])
    User.objects.create_user("clerk", password="pw-clerk-1", is_staff=False)

    anonymous = client.get(url)
    client.login(username="clerk", password="pw-clerk-1")
    not_staff = client.get(url)
    unknown = admin_client.get(reverse("admin:connector_importrun_progress", args=[run.pk + 99]))

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not_staff.status_code == 302 and "/login/" in not_staff["Location"]
    assert unknown.status_code == 404


def test_admin_index_lists_the_import_pages_only(admin_client, imported):
    html = _html(admin_client.get(reverse("admin:app_list", args=["connector"])))

    for name in ("Connections", "Sales channels", "Import runs", "External orders"):
        assert f">{name}</a>" in html
    assert "Channel rules" not in html and "External order versions" not in html
