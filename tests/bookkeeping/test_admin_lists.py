"""The bookkeeping lists and pages: the debtor mapping (waiting counts in one query, the
message on saving, "assign a debtor to the selected origins"), exports of the bookings and the
journal, forms that preselect the only connection and the last closed month, and the period
report (groups named by the group, never by one document; the PDF fits A4 with every column;
amounts and dates in the page's language)."""

from __future__ import annotations

import ast
import csv
import io
import itertools
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from bookkeeping.labels import BOOKING_REASON_LABELS
from bookkeeping.models import DebtorMapping, JournalEntry, JournalLine
from bookkeeping.reports import completeness_check, period_report, render_pdf
from bookkeeping.reports.render import html_tables
from bookkeeping.reports.sections import report_tables
from bookkeeping.services import booking_steps
from bookkeeping.services.booking_steps import SUMMARIES
from connector.admin.form_defaults import last_closed_month
from connector.models import ChannelRule, Connection
from tests.bookkeeping.helpers import MANUAL, booking, import_and_book
from tests.connector.test_import import AMAZON, insert

pytestmark = pytest.mark.django_db

MAPPINGS = "admin:bookkeeping_debtormapping_changelist"
EBAY = {"Platform": "eBay", "BillbeeShopName": "eBay DE", "BillbeeShopId": 100000000104599}


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# ---------------------------------------------------------------- debtor mapping


def test_the_waiting_counts_come_with_the_lists_query(admin_client, account, shop):
    for _ in range(3):
        insert(account, Seller=MANUAL)
    insert(account, Seller=MANUAL, PaymentMethod=3)
    import_and_book(shop)
    DebtorMapping.objects.create(connection=shop, origin="[Billbee]--", payment_method=0)

    with CaptureQueriesContext(db_connection) as captured:
        response = admin_client.get(reverse(MAPPINGS), {"assigned": "no"})
    rows = {
        (m.origin, m.payment_method): m.waiting_count for m in response.context["cl"].result_list
    }

    assert rows[("[Billbee]--", 0)] == 4  # "any payment method": every one of the origin
    assert rows[("[Billbee]--", 1)] == 3
    assert rows[("[Billbee]--", 3)] == 1
    waiting_selects = [q for q in captured.captured_queries if "documentbooking" in q["sql"]]
    assert len(waiting_selects) == 1  # inside the list's query, not one per row


def test_saving_a_mapping_says_how_many_documents_are_booked_now(
    admin_client, account, shop, eager, django_capture_on_commit_callbacks
):
    first, second = insert(account, Seller=MANUAL), insert(account, Seller=MANUAL)
    import_and_book(shop)
    mapping = DebtorMapping.objects.get(connection=shop, origin="[Billbee]--")
    url = reverse("admin:bookkeeping_debtormapping_change", args=[mapping.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url,
            {"connection": shop.pk, "origin": mapping.origin, "payment_method": 1,
             "account": "10600", "name": "Manuelle Aufträge", "_save": "Save"},
            follow=True,
        )  # fmt: skip

    assert "2 documents waited for this debtor account and are being booked now" in _messages(
        response
    )
    assert booking(first).status == booking(second).status == "booked"


def test_assign_a_debtor_to_the_selected_origins_asks_for_the_account(
    admin_client, account, shop, eager, django_capture_on_commit_callbacks
):
    waiting = insert(account, Seller=MANUAL)
    import_and_book(shop)
    selected = list(
        DebtorMapping.objects.filter(connection=shop, account__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert selected

    page = admin_client.post(
        reverse(MAPPINGS), {"action": "assign_debtor", "_selected_action": selected}
    )
    assert page.status_code == 200
    assert 'name="account"' in page.content.decode()
    assert not DebtorMapping.objects.filter(account=10700).exists()

    refused = admin_client.post(
        reverse(MAPPINGS),
        {"action": "assign_debtor", "_selected_action": selected, "apply": "1", "account": "8400"},
    )
    assert refused.status_code == 200 and refused.context["form"].errors["account"]

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            reverse(MAPPINGS),
            {"action": "assign_debtor", "_selected_action": selected, "apply": "1",
             "account": "10700"},
            follow=True,
        )  # fmt: skip

    assert f"Debtor account 10700 assigned to {len(selected)} row" in _messages(done)
    assert set(DebtorMapping.objects.filter(pk__in=selected).values_list("account", flat=True)) == {
        10700
    }
    assert booking(waiting).status == "booked" and booking(waiting).entry.debtor == 10700


def test_assigning_needs_the_change_permission(login, account, shop):
    insert(account, Seller=MANUAL)
    import_and_book(shop)

    viewer = login("bookkeeping.view_debtormapping")
    response = viewer.get(reverse(MAPPINGS))

    assert "assign_debtor" not in response.content.decode()
    changer = login("bookkeeping.view_debtormapping", "bookkeeping.change_debtormapping")
    assert "assign_debtor" in changer.get(reverse(MAPPINGS)).content.decode()


# ---------------------------------------------------------------- exports


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_bookings_export_with_their_reasons(admin_client, account, shop):
    waiting = insert(account, Seller=MANUAL)
    insert(account)
    import_and_book(shop)

    rows = _csv_rows(
        admin_client.post(
            reverse("admin:bookkeeping_documentbooking_export") + "?status__exact=waiting",
            {"format": "0"},
        )
    )

    assert len(rows) == 1
    assert rows[0]["Billbee order id"] == str(waiting)
    assert (rows[0]["bookkeeping status"], rows[0]["reason code"]) == ("waiting", "no_debtor")
    assert rows[0]["document date"] == "2026-11-10"


def test_the_journal_exports_one_row_per_line_with_exact_amounts(admin_client, account, shop):
    insert(account)
    insert(account)
    import_and_book(shop)

    rows = _csv_rows(
        admin_client.post(reverse("admin:bookkeeping_journalentry_export"), {"format": "0"})
    )

    lines = JournalLine.objects.filter(entry__connection=shop)
    assert len(rows) == lines.count() > 2
    debit = sum(Decimal(r["amount (EUR)"]) for r in rows if r["debit/credit"] == "S")
    credit = sum(Decimal(r["amount (EUR)"]) for r in rows if r["debit/credit"] == "H")
    assert debit == credit == Decimal("50.00")
    assert {r["account"] for r in rows} >= {"10001", "8400"}  # never "10,001"
    assert {r["exported"] for r in rows} == {"false"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["document date"]) for r in rows)


def test_the_journal_list_does_not_query_per_entry(admin_client, account, shop):
    for _ in range(4):
        insert(account)
    import_and_book(shop)

    def queries(**query: str) -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert (
                admin_client.get(
                    reverse("admin:bookkeeping_journalentry_changelist"), query
                ).status_code
                == 200
            )
        return len(captured)

    one = JournalEntry.objects.filter(connection=shop).first()
    assert queries(q=one.number) == queries(q="RE-2026")


# ---------------------------------------------------------------- form defaults


def test_the_last_closed_month_is_the_month_before_today_in_the_connections_zone(shop):
    # 1 December 00:30 in Berlin is still 30 November in UTC.
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)

    assert last_closed_month(shop, moment) == "2026-11"
    shop.time_zone = "UTC"
    assert last_closed_month(shop, moment) == "2026-10"


def test_the_export_and_report_forms_preselect_the_only_connection(admin_client, shop):
    export = admin_client.get(reverse("admin:bookkeeping_exportbatch_export"))
    report = admin_client.get(reverse("bookkeeping_period_report"))

    for response in (export, report):
        form = response.context["form"]
        assert form.initial["connection"] == shop.pk
        assert form.initial["month"] == last_closed_month(shop)

    Connection.objects.create(name="second", api_url="http://127.0.0.1:9/api/v1")
    two = admin_client.get(reverse("admin:bookkeeping_exportbatch_export"))
    assert "connection" not in two.context["form"].initial


# ---------------------------------------------------------------- labels


def _stored_reason_codes() -> set[str]:
    """The reason codes booking writes as literals: the argument after a status
    (``_store(…, BOOKED, "booked", …)``) and ``reason_code="…"`` anywhere in its services."""
    codes = set()
    for path in Path(booking_steps.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for before, arg in itertools.pairwise(node.args):
                status = ast.unparse(before)
                if (status == "BOOKED" or status.startswith("DocumentBooking.Status.")) and (
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ):
                    codes.add(arg.value)
            for keyword in node.keywords:
                if keyword.arg == "reason_code" and isinstance(keyword.value, ast.Constant):
                    codes.add(keyword.value.value)
    return codes


def test_every_booking_reason_has_a_translatable_label():
    codes = _stored_reason_codes()
    assert {"booked", "not_accepted", "left_the_books", "no_exchange_rate"} <= codes

    assert set(SUMMARIES) | codes <= set(BOOKING_REASON_LABELS)
    with translation.override("de"):
        german = {code: str(label) for code, label in BOOKING_REASON_LABELS.items()}
    assert german["booked"] == "gebucht"
    assert all(text and text != code for code, text in german.items())


# ---------------------------------------------------------------- period report


@pytest.fixture
def excluded(account, shop):
    """A booked document, two Amazon documents and one eBay document excluded by two
    default rules, and two documents waiting for a debtor of one origin."""
    insert(account)
    for seller in (AMAZON, AMAZON, EBAY):
        insert(account, Seller=seller)
    insert(account, Seller=MANUAL)
    insert(account, Seller=MANUAL)
    import_and_book(shop)
    return shop


def test_a_group_of_excluded_documents_is_named_by_the_group_with_each_rule_beneath(excluded):
    amazon = ChannelRule.objects.get(connection=excluded, platform="Amazon", channel=None)
    ebay = ChannelRule.objects.get(connection=excluded, platform="eBay", channel=None)

    report = period_report(excluded, 2026, 11)

    (group,) = [g for g in report.not_accepted if g.reason_code == "channel_rule"]
    assert (group.reason, group.count) == ("excluded by a channel rule", 3)
    assert [(d.label, d.count) for d in group.details] == [
        (f"rule #{amazon.pk}: {amazon}", 2),
        (f"rule #{ebay.pk}: {ebay}", 1),
    ]
    (held,) = report.held
    assert (held.reason, held.count) == ("no debtor account assigned", 2)
    assert [(d.label, d.count) for d in held.details] == [("[Billbee]--", 2)]


def test_the_report_tables_list_the_rules_under_their_group(excluded):
    tables = {t.key: t for t in report_tables(period_report(excluded, 2026, 11))}

    rows = [tuple(r) for r in tables["not_accepted"].rows]
    assert rows[0][1:] == ("excluded by a channel rule", "channel_rule", 3)
    assert rows[1][1].startswith("– rule #") and rows[1][3] == 2
    assert rows[2][1].startswith("– rule #") and rows[2][3] == 1
    assert not any("excluded by rule #" in str(r[1]) for r in rows)  # no document's reason


def test_the_pdf_is_a4_landscape_with_every_column_of_every_section(excluded):
    report = period_report(excluded, 2026, 11)
    completeness = completeness_check(excluded, 2026, 11, client=False)

    content = render_pdf(report, completeness)

    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, pt
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for table in report_tables(report, completeness):
        if table.rows or table.footer:
            for header in table.headers:
                assert re.sub(r"\s+", "", header) in text, (table.key, header)


def test_the_report_page_writes_amounts_and_dates_in_the_pages_language(admin_client, excluded):
    query = {"connection": excluded.pk, "month": "2026-11"}

    german = admin_client.get(
        reverse("bookkeeping_period_report"), query, HTTP_ACCEPT_LANGUAGE="de"
    )
    english = admin_client.get(reverse("bookkeeping_period_report"), query)

    assert "25,00 EUR" in german.content.decode() and "01.11.2026" in german.content.decode()
    assert "25.00 EUR" in english.content.decode() and "1 Nov 2026" in english.content.decode()


def test_report_cells_follow_the_active_language(excluded):
    report = period_report(excluded, 2026, 11)
    with translation.override("de"):
        cells = [c.text for t in html_tables(report_tables(report)) for r in t.rows for c in r]
    assert "25,00 EUR" in cells and "10.11.2026" in cells
