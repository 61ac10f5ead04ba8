"""The console's start page ("what needs me?"): per connection the imports and the overdue
alert, the counts of the upload log and the bookings (links that filter as promised), the
work queue with what to do and where, and the charts of the last 30 days."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from bookkeeping.models import DebtorMapping
from bookkeeping.worklist import work_queue
from connector import formatting
from connector.dashboard import chart_data
from connector.models import Connection, ImportRun
from connector.selectors import import_due_by, import_overdue, last_successful_import
from connector.services.connections import connection_upsert
from connector.svgcharts import horizontal_bars, nice_ceiling, stacked_bars
from tests.bookkeeping.helpers import AUSTRIA, MANUAL, ORIGIN, book, item
from tests.conftest import BERLIN, SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER
from tests.connector.test_import import NOVEMBER, insert, make_connection, run

pytestmark = pytest.mark.django_db

INDEX = "admin:index"
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "admin"


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """The pages are rendered."""


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def offline_connection(name: str = "shop", **fields: Any) -> Connection:
    """A connection that is never asked (the overdue rule reads only the database)."""
    connection, _, _ = connection_upsert(
        name=name,
        api_url="http://127.0.0.1:9/api/v1",
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    for key, value in fields.items():
        setattr(connection, key, value)
    connection.save()
    return connection


def succeeded(connection: Connection, finished: datetime, **fields: Any) -> ImportRun:
    values = {
        "trigger": ImportRun.Trigger.SCHEDULED,
        "state": ImportRun.State.SUCCEEDED,
        "started_at": finished - timedelta(minutes=3),
        "finished_at": finished,
    }
    values.update(fields)
    return ImportRun.objects.create(connection=connection, **values)


# ---------------------------------------------------------------- the overdue rule


def test_an_import_is_overdue_only_after_the_spacing_plus_two_hours():
    shop = offline_connection(schedule_spacing_minutes=8 * 60)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)
    last = succeeded(shop, now - timedelta(hours=10))

    assert last_successful_import(shop) == last
    assert import_overdue(shop, now) is False  # exactly spacing + 2 h: not yet
    assert import_overdue(shop, now + timedelta(seconds=1)) is True

    shop.schedule_enabled = False
    assert import_overdue(shop, now + timedelta(days=3)) is False  # no schedule, no alert


def test_failed_partial_and_payments_runs_do_not_count_as_success():
    shop = offline_connection(schedule_spacing_minutes=60)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)
    good = succeeded(shop, now - timedelta(hours=5))
    succeeded(shop, now - timedelta(minutes=5), state=ImportRun.State.FAILED)
    succeeded(shop, now - timedelta(minutes=4), state=ImportRun.State.PARTIAL)
    succeeded(shop, now - timedelta(minutes=3), trigger=ImportRun.Trigger.PAYMENTS)

    assert last_successful_import(shop) == good
    assert import_overdue(shop, now) is True


def test_a_new_connection_is_given_one_spacing_from_its_creation():
    shop = offline_connection(schedule_spacing_minutes=60)
    # Created at 10:00 in the connection's zone: spacing and grace end inside the daily
    # window (06:00–22:00) whenever the test runs; the night would not count.
    created = datetime(2026, 11, 18, 10, 0, tzinfo=shop.zoneinfo)
    Connection.objects.filter(pk=shop.pk).update(created_at=created)
    shop.refresh_from_db()

    assert import_overdue(shop, created + timedelta(hours=3)) is False
    assert import_overdue(shop, created + timedelta(hours=3, seconds=1)) is True


def test_the_index_shows_the_last_and_next_import_and_the_alert(admin_client):
    shop = offline_connection(schedule_spacing_minutes=60)
    now = timezone.now()
    run_ = succeeded(shop, now - timedelta(hours=4))

    page = admin_client.get(reverse(INDEX)).content.decode()

    panel = _panel(page, shop)
    assert reverse("admin:connector_importrun_change", args=[run_.pk]) in panel
    assert "console-badge-succeeded" in panel
    assert "180 s" in panel  # the run's duration
    assert 'data-alert="import-overdue"' in panel
    # The alert names the last success and when the schedule had the next one due.
    due = import_due_by(shop, run_.finished_at)
    assert run_.finished_at < due <= run_.finished_at + timedelta(hours=1)
    assert f"No import has succeeded since {formatting.when(run_.finished_at)}" in panel
    assert f"the next was due by {formatting.when(due)}" in panel
    assert 'data-field="next-import">—' not in panel  # the schedule names a moment

    succeeded(shop, now - timedelta(minutes=30))
    page = admin_client.get(reverse(INDEX)).content.decode()
    assert 'data-alert="import-overdue"' not in _panel(page, shop)


def test_the_alert_of_a_connection_that_never_imported_names_when_the_first_was_due(
    admin_client,
):
    shop = offline_connection(schedule_spacing_minutes=60)
    Connection.objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(hours=5))
    shop.refresh_from_db()

    panel = _panel(admin_client.get(reverse(INDEX)).content.decode(), shop)

    assert 'data-alert="import-overdue"' in panel
    due = formatting.when(import_due_by(shop, None))
    assert f"No import of this connection has succeeded yet: the first was due by {due}" in panel


def _panel(page: str, connection: Connection) -> str:
    start = page.index(f'id="connection-{connection.pk}"')
    return page[start : page.index("</article>", start)]


# ---------------------------------------------------------------- who sees what


def test_a_user_without_permissions_sees_no_connection_data(login):
    shop = offline_connection(name="secret-shop")
    succeeded(shop, timezone.now() - timedelta(days=2))
    nobody = login()

    page = nobody.get(reverse(INDEX)).content.decode()

    assert 'id="console-dashboard"' not in page
    assert "secret-shop" not in page
    assert "console-chart" not in page.replace("connector/console.css", "")


def test_a_viewer_of_connections_sees_the_panel_but_no_links_to_lists_they_may_not_open(login):
    shop = offline_connection()
    succeeded(shop, timezone.now() - timedelta(hours=1))
    viewer = login("connector.view_connection")

    page = viewer.get(reverse(INDEX)).content.decode()

    panel = _panel(page, shop)
    assert "console-badge-succeeded" in panel
    assert "importrun" not in panel  # no link to the run
    assert "figure-revenue" not in page and "figure-duration" not in page


# ---------------------------------------------------------------- a known small data set


def days_ago(days: int, hour: int = 11) -> str:
    moment = timezone.localtime(timezone.now(), BERLIN) - timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )


def recent_order(account, days: int, **fields: Any) -> int:
    """An order invoiced ``days`` ago (Berlin), stamped now by the sandbox."""
    values = {
        "CreatedAt": days_ago(days, 9),
        "PayedAt": days_ago(days, 9),
        "ShippedAt": days_ago(days, 10),
        "InvoiceDate": days_ago(days, 11),
        "LastModifiedAt": None,
    }
    values.update(fields)
    return insert(account, **values)


GERMAN_119 = {
    "OrderItems": [item("119.00", 1, "19.00")],
    "ShippingCost": 0,
    "TotalCost": "119.00",
    "TaxRate1": "19.00",
}
AUSTRIAN_120 = {
    "OrderItems": [item("120.00", 1, "20.00")],
    "ShippingCost": 0,
    "TotalCost": "120.00",
    "TaxRate1": "20.00",
    "ShippingAddress": AUSTRIA,
    "InvoiceAddress": AUSTRIA,
}


@pytest.fixture
def account(make_sandbox):
    return make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))


@pytest.fixture
def books(account) -> Connection:
    """Three days ago two German sales of 119.00 (net 100.00 each); yesterday an OSS sale to
    Austria of 120.00 (net 100.00) and a manual order without a debtor account (waits)."""
    shop = make_connection(account, import_start_date=NOVEMBER)
    settings_ = shop.bookkeeping
    settings_.oss_registered_since = date(2021, 7, 1)
    settings_.save()
    DebtorMapping.objects.create(connection=shop, origin=ORIGIN, account=10001)
    recent_order(account, 3, **GERMAN_119)
    recent_order(account, 3, **GERMAN_119)
    recent_order(account, 1, **AUSTRIAN_120)
    recent_order(account, 1, Seller=MANUAL)
    run(shop)
    book(shop)
    return shop


def _local_today() -> date:
    return timezone.localdate(timezone=BERLIN)


def test_chart_figures_of_a_known_data_set(books):
    today = _local_today()
    data = chart_data(books, today)

    three, one = (
        data.documents.days.index(today - timedelta(days=3)),
        data.documents.days.index(today - timedelta(days=1)),
    )
    documents = dict(data.documents.series)
    shopware = next(name for name in documents if "Shopware" in name)
    manual = next(name for name in documents if name != shopware)
    assert (documents[shopware][three], documents[shopware][one]) == (Decimal(2), Decimal(1))
    assert (documents[manual][three], documents[manual][one]) == (Decimal(0), Decimal(1))
    assert data.documents.total() == Decimal(4)

    revenue = dict(data.revenue.series)
    assert revenue[shopware][three] == Decimal("200.00")
    assert revenue[shopware][one] == Decimal("100.00")
    assert data.revenue.total() == Decimal("300.00")  # the manual order is not booked

    treatments = {row.key: (row.amount, row.entries) for row in data.by_treatment}
    assert treatments == {"domestic": (Decimal("200.00"), 2), "oss": (Decimal("100.00"), 1)}
    assert [(r.key, r.amount) for r in data.by_oss_country] == [("AT", Decimal("100.00"))]
    assert len(data.runs) == 1 and data.runs[0].throttled == 0


def test_the_index_counts_link_to_lists_filtered_as_promised(admin_client, books):
    page = admin_client.get(reverse(INDEX)).content.decode()
    panel = _panel(page, books)

    documents = _counts(panel, "documents")
    bookings = _counts(panel, "bookings")
    assert {s: n for s, (n, _) in documents.items()} == {"imported": 4}
    assert {s: n for s, (n, _) in bookings.items()} == {"booked": 3, "waiting": 1}
    for status, (count, url) in [*documents.items(), *bookings.items()]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        changelist = response.context["cl"]
        assert changelist.result_count == count, url
        assert {row.status for row in changelist.result_list} == {status}


def _counts(panel: str, kind: str) -> dict[str, tuple[int, str]]:
    block = panel[panel.index(f'data-counts="{kind}"') :]
    block = block[: block.index("</ul>")]
    found = re.findall(r'data-status="(\w+)"><a href="([^"]+)"><strong>([\d.,]+)</strong>', block)
    return {status: (int(count), html.unescape(url)) for status, url, count in found}


def test_the_work_queue_summary_matches_the_work_queue_and_links_to_the_place(admin_client, books):
    page = admin_client.get(reverse(INDEX)).content.decode()
    panel = _panel(page, books)

    rows = re.findall(
        r'<tr data-kind="(\w+)" data-code="(\w+)">\s*<td class="console-number">(\d+)</td>'
        r'\s*<td>([^<]+)</td>\s*<td>([^<]+)<a href="([^"]+)">',
        panel,
    )
    queue = work_queue(books)
    assert [(kind, code, int(n)) for kind, code, n, *_ in rows] == [
        (g.kind, g.code, g.count) for g in queue.groups
    ]
    [(kind, code, count, title, action, url)] = rows
    assert (kind, code, count, title) == ("waiting", "no_debtor", "1", "no debtor account assigned")
    assert "debtor mapping" in action
    response = admin_client.get(html.unescape(url))
    assert response.status_code == 200
    mappings = list(response.context["cl"].result_list)
    assert mappings and all(m.account is None and m.connection == books for m in mappings)

    queue_page = admin_client.get(reverse("bookkeeping_work_queue"), {"connection": books.pk})
    assert html.unescape(url) in html.unescape(queue_page.content.decode())
    # Billbee's ids are names, not quantities: never grouped with thousands separators.
    assert (
        f"<td>{queue.waiting[0].documents[0].billbee_order_id}</td>" in queue_page.content.decode()
    )


def test_the_index_draws_the_charts_with_their_figures_as_svg_and_table(admin_client, books):
    page = admin_client.get(reverse(INDEX)).content.decode()

    revenue = _svg(page, "chart-revenue")
    assert revenue.get("role") == "img"
    assert revenue.find("{http://www.w3.org/2000/svg}title").text.startswith("Net revenue")
    tooltips = [t.text for t in revenue.iter("{http://www.w3.org/2000/svg}title")][1:]
    assert sorted(t.rsplit(": ", 1)[1] for t in tooltips) == ["100.00 EUR", "200.00 EUR"]
    revenue_table = _table(page, "revenue")
    assert [row[-1] for row in revenue_table] == ["200.00 EUR", "100.00 EUR"]
    oss = _table(page, "oss")
    assert oss == [["AT", "100.00 EUR", "1"]]
    treatment = _table(page, "treatment")
    assert [row[1] for row in treatment] == ["200.00 EUR", "100.00 EUR"]
    assert len(_table(page, "duration")) == 1


def _svg(page: str, chart_id: str) -> ET.Element:
    start = page.index(f'<svg class="console-chart" id="{chart_id}"')
    return ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])  # noqa: S314 - our page


def _table(page: str, key: str) -> list[list[str]]:
    start = page.index(f'data-chart="{key}"')
    body = page[page.index("<tbody>", start) : page.index("</tbody>", start)]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


# ---------------------------------------------------------------- charts as pure functions


def test_nice_ceilings():
    assert [nice_ceiling(v) for v in (0, 0.7, 3, 180, 201, 999)] == [0, 1, 5, 200, 250, 1000]


def test_stacked_bars_stack_positive_and_negative_values_and_name_every_bar():
    svg = stacked_bars(
        chart_id="c",
        title="Revenue",
        description="two days",
        categories=["1.11.", "2.11."],
        series=[("Shop", [Decimal("10.00"), Decimal("-4.00")]), ("Amazon", [Decimal(5), 0])],
        fmt=str,
    )
    root = ET.fromstring(str(svg))  # noqa: S314 - our own markup
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("aria-labelledby") == "c-title c-desc"
    named = {
        r.find(f"{ns}title").text: float(r.get("height"))
        for r in root.iter(f"{ns}rect")
        if r.find(f"{ns}title") is not None  # the legend's swatches have none
    }
    assert set(named) == {"1.11.: Shop: 10.00", "2.11.: Shop: -4.00", "1.11.: Amazon: 5"}
    assert named["1.11.: Shop: 10.00"] == pytest.approx(2 * named["1.11.: Amazon: 5"])


def test_horizontal_bars_escape_their_labels():
    svg = horizontal_bars(
        chart_id="h", title="t", description="d", rows=[("<b>AT</b>", Decimal(3))], fmt=str
    )
    assert "<b>" not in str(svg) and "&lt;b&gt;AT&lt;/b&gt;" in str(svg)
    ET.fromstring(str(svg))  # noqa: S314 - our own markup


# ---------------------------------------------------------------- language and text


@pytest.fixture
def _language_restored():
    """The middleware leaves the last request's language active in this thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.usefixtures("_language_restored")
def test_the_header_switches_the_language_by_a_form_post(admin_client):
    page = admin_client.get(reverse(INDEX)).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="en" lang="en" aria-pressed="true"' in page
    assert ">Deutsch</button>" in page and ">English</button>" in page

    response = admin_client.post(
        reverse("set_language"), {"language": "de", "next": reverse(INDEX)}
    )
    assert response.status_code == 302
    page = admin_client.get(reverse(INDEX)).content.decode()
    assert 'value="de" lang="de" aria-pressed="true"' in page
    assert '<html lang="de"' in page


def test_the_pages_text_is_marked_for_translation():
    """The English page is what the tests read; German comes from the catalogue. Every
    sentence of the start page and the work queue is in a translate tag."""
    for name in ("index.html", "bookkeeping/work_queue.html", "base_site.html"):
        source = (TEMPLATES / name).read_text()
        text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", source, flags=re.S)
        text = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>", " ", text, flags=re.S)
        words = set(re.findall(r"[A-Za-z][a-z]{3,}", text)) - {"Billbee", "Connector"}
        assert words == set(), f"{name}: text outside translate tags: {sorted(words)[:10]}"
        assert "{% translate" in source


def test_a_chart_without_any_day_or_run_is_drawn_empty_not_an_error():
    """A connection that never imported has no runs: its charts are empty, the page is shown."""
    svg = stacked_bars(
        chart_id="empty",
        title="Import duration (seconds)",
        description="no imports yet",
        categories=[],
        series=[("duration", [])],
        fmt=str,
    )
    assert svg.startswith("<svg")
    assert svg.count("<rect") == 1  # the legend's key of the one series, no bar
