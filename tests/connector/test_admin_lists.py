"""The upload log as a list: the bookkeeping status beside the import status (column, filter,
the document page's header with the way to fix it), search by customer, the CSV/XLSX export,
the bulk actions "decide again" and "book now", and one format per language."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from bookkeeping.models import DebtorMapping, DocumentBooking
from bookkeeping.services.booking import documents_book
from connector.models import ExternalOrder
from tests.bookkeeping.conftest import account, shop  # noqa: F401  (the fixtures)
from tests.bookkeeping.helpers import MANUAL, import_and_book
from tests.connector.test_import import doc, insert, run

pytestmark = pytest.mark.django_db

LIST = "admin:connector_externalorder_changelist"
ERIKA = {
    "CountryISO2": "DE",
    "FirstName": "Erika",
    "LastName": "Musterfrau",
    "Email": "erika.musterfrau@example.org",
}


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def three(account, shop):  # noqa: F811
    """A booked invoice (Erika's), one waiting for a debtor (a manual order without shop),
    and one imported after the last booking run (not booked yet)."""
    booked = insert(account, InvoiceAddress=ERIKA)
    waiting = insert(account, Seller=MANUAL)
    fresh = insert(account)
    run(shop)
    documents_book(shop, document_ids=[doc(booked).pk, doc(waiting).pk])
    return doc(booked), doc(waiting), doc(fresh)


def _pks(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {obj.pk for obj in response.context["cl"].result_list}


def _row(html: str, marker: str) -> str:
    start = html.rindex("<tr", 0, html.index(marker))
    return html[start : html.index("</tr>", start)]


def test_the_list_shows_import_and_bookkeeping_status_side_by_side(admin_client, three):
    booked, waiting, fresh = three

    html = admin_client.get(reverse(LIST)).content.decode()

    assert "column-booking_badge" in html and "column-status_badge" in html
    assert ">booked<" in _row(html, booked.invoice_number)
    waiting_row = _row(html, waiting.invoice_number)
    assert ">waiting<" in waiting_row
    # Held by bookkeeping: the reason shown is the one to act on.
    assert "assign a debtor account to origin [Billbee]--" in waiting_row
    assert ">not booked yet<" in _row(html, fresh.invoice_number)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("booked", 0), ("waiting", 1), ("waiting:no_debtor", 1), ("not_booked", 2)],
)
def test_the_bookkeeping_filter_narrows_the_list(admin_client, three, value, expected):
    response = admin_client.get(reverse(LIST), {"booking": value})

    assert _pks(response) == {three[expected].pk}


def test_the_bookkeeping_filter_offers_every_status(admin_client, three):
    html = admin_client.get(reverse(LIST)).content.decode()

    for value in ("booked", "waiting", "waiting%3Ano_debtor", "rejected", "not_booked"):
        assert f"?booking={value}" in html, value
    assert "waiting for a debtor account" in html


def test_the_list_reads_the_bookings_in_its_one_query(admin_client, account, shop):  # noqa: F811
    def queries(**query: str) -> tuple[int, int]:
        with CaptureQueriesContext(db_connection) as captured:
            response = admin_client.get(reverse(LIST), query)
        return len(captured), len(response.context["cl"].result_list)

    for _ in range(5):
        insert(account)
    insert(account, Seller=MANUAL)
    import_and_book(shop)

    few, few_rows = queries(booking="waiting")
    many, many_rows = queries(booking="booked")

    assert (few_rows, many_rows) == (1, 5)
    assert many == few


def test_search_finds_a_document_by_customer_name_and_e_mail(admin_client, three):
    booked = three[0]
    assert booked.customer_name == "Erika Musterfrau"

    for term in ("Musterfrau", "erika musterfrau", "musterfrau@example", booked.order_number):
        assert _pks(admin_client.get(reverse(LIST), {"q": term})) == {booked.pk}, term
    assert _pks(admin_client.get(reverse(LIST), {"q": "nobody@example.org"})) == set()


def test_the_document_page_shows_the_bookkeeping_status_at_the_top_with_its_fix(
    admin_client, three
):
    waiting = three[1]

    page = admin_client.get(reverse("admin:connector_externalorder_change", args=[waiting.pk]))
    html = page.content.decode()

    status = html[html.index('id="status"') : html.index("</tr>", html.index('id="status"'))]
    assert ">imported<" in status and ">waiting<" in status
    fix = page.context["booking_fix"]
    assert fix.text == "assign a debtor account to the origin [Billbee]--"
    assert fix.url.startswith(reverse("admin:bookkeeping_debtormapping_changelist"))
    assert fix.url in html.replace("&amp;", "&")
    mappings = admin_client.get(fix.url)
    assert {m.origin for m in mappings.context["cl"].result_list} == {"[Billbee]--"}


def test_a_booked_document_links_its_entry_and_a_new_one_says_when_it_is_booked(
    admin_client, three
):
    booked, _, fresh = three
    entry = DocumentBooking.objects.get(document=booked).entry_id

    page = admin_client.get(reverse("admin:connector_externalorder_change", args=[booked.pk]))
    new = admin_client.get(reverse("admin:connector_externalorder_change", args=[fresh.pk]))

    assert page.context["booking_fix"].url == reverse(
        "admin:bookkeeping_journalentry_change", args=[entry]
    )
    assert new.context["booking_fix"].text.startswith("booked after the next import")
    assert ">not booked yet<" in new.content.decode()


def _export(client, fmt: int, **query: str):
    url = reverse("admin:connector_externalorder_export")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {"format": str(fmt)})


def test_the_upload_log_exports_as_csv_with_exact_amounts_and_iso_dates(admin_client, three):
    booked, waiting, _ = three

    response = _export(admin_client, 0)

    assert response.status_code == 200
    assert 'filename="upload-log.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    row = next(r for r in rows if r["invoice number"] == booked.invoice_number)
    assert row["total (gross)"] == "25.0000" or row["total (gross)"] == str(booked.total_gross)
    assert Decimal(row["total (gross)"]) == Decimal("25")
    assert row["document date"] == "2026-11-10"
    assert row["customer"] == "Erika Musterfrau"
    assert row["bookkeeping status"] == "booked"
    assert row["Billbee order id"] == str(booked.billbee_order_id)
    held = next(r for r in rows if r["invoice number"] == waiting.invoice_number)
    assert (held["bookkeeping status"], held["bookkeeping reason code"]) == ("waiting", "no_debtor")


def test_the_export_takes_the_lists_filters_and_xlsx_has_numbers_and_dates(admin_client, three):
    waiting = three[1]

    response = _export(admin_client, 1, booking="waiting")

    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    values = dict(zip(headers, [c.value for c in sheet[2]], strict=True))
    assert sheet.max_row == 2
    assert values["invoice number"] == waiting.invoice_number
    assert values["total (gross)"] == 25
    assert values["document date"].date().isoformat() == "2026-11-10"


def test_the_export_does_not_query_per_document(admin_client, account, shop):  # noqa: F811
    def queries(**query: str) -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert _export(admin_client, 0, **query).status_code == 200
        return len(captured)

    for _ in range(5):
        insert(account)
    insert(account, Seller=MANUAL)
    import_and_book(shop)

    assert queries(booking="waiting") == queries(booking="booked")
    assert ExternalOrder.objects.count() == 6


def test_book_now_books_the_selected_documents_and_says_how_many(admin_client, three):
    _, waiting, fresh = three
    DebtorMapping.objects.filter(origin="[Billbee]--").update(account=10500)

    response = admin_client.post(
        reverse(LIST),
        {"action": "book_selected", "_selected_action": [waiting.pk, fresh.pk]},
        follow=True,
    )

    text = " ".join(str(m) for m in response.context["messages"])
    assert "shop: 2 booked now" in text
    assert "2 are in the books, 0 wait" in text
    assert set(
        DocumentBooking.objects.filter(document__in=[waiting, fresh]).values_list(
            "status", flat=True
        )
    ) == {"booked"}


def test_book_now_tells_what_still_holds_a_document(admin_client, three):
    waiting = three[1]

    response = admin_client.post(
        reverse(LIST), {"action": "book_selected", "_selected_action": [waiting.pk]}, follow=True
    )

    text = " ".join(str(m) for m in response.context["messages"])
    assert "0 booked now" in text and "1 wait" in text
    assert "Held: no debtor account assigned: 1." in text


def test_decide_again_applies_the_current_rules_to_the_selected_documents(
    admin_client,
    three,
    shop,  # noqa: F811
):
    booked, waiting, _ = three
    shop.rules.create(action="exclude", platform="Shopware")

    response = admin_client.post(
        reverse(LIST),
        {"action": "reevaluate_selected", "_selected_action": [booked.pk, waiting.pk]},
        follow=True,
    )

    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 documents decided again: 1 changed their decision." in text
    assert "excluded 1" in text
    assert doc(booked.billbee_order_id).status == "excluded"
    assert doc(waiting.billbee_order_id).status == "imported"  # a manual order: no Shopware


def test_the_actions_need_their_permissions(login, three):
    client = login("connector.view_externalorder")
    page = client.get(reverse(LIST)).content.decode()
    assert "book_selected" not in page and "reevaluate_selected" not in page

    booker = login("connector.view_externalorder", "bookkeeping.book_documents")
    page = booker.get(reverse(LIST)).content.decode()
    assert "book_selected" in page and "reevaluate_selected" not in page


def test_the_list_speaks_german_dates_and_amounts(admin_client, three):
    html = admin_client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "10.11.2026" in html and "25,00 EUR" in html
    assert "Nov. 10, 2026" not in html and "25.00 EUR" not in html
    english = admin_client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "10 Nov 2026" in english and "25.00 EUR" in english


def test_long_origins_and_reasons_are_cut_with_a_tooltip(admin_client, three):
    waiting = three[1]
    long = "[Billbee]-" + "Sehr langer Shopname " * 5
    ExternalOrder.objects.filter(pk=waiting.pk).update(origin=long)

    html = admin_client.get(reverse(LIST)).content.decode()

    row = _row(html, waiting.invoice_number)
    assert f'title="{long}"' in row
    assert "bookkeeping/lists.css" in html
