"""The bookkeeping pages of the console: mapping a debtor books what waited for it, the
journal is read-only, the export page lints and offers the file, the document's page shows
its booking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookkeeping.models import DebtorMapping, ExportBatch, JournalEntry
from tests.bookkeeping.helpers import MANUAL, booking, import_and_book
from tests.conftest import german
from tests.connector.test_import import doc, insert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_assigning_a_debtor_in_the_list_books_the_documents_waiting_for_it(
    admin_client, account, shop, eager, django_capture_on_commit_callbacks
):
    billbee_id = insert(account, Seller=MANUAL)
    import_and_book(shop)
    mapping = DebtorMapping.objects.get(connection=shop, origin="[Billbee]--")
    url = reverse("admin:bookkeeping_debtormapping_changelist")

    page = html(admin_client.get(url, {"assigned": "no"}))
    assert "[Billbee]--" in page
    row = page[page.index("[Billbee]--") :]
    assert '<td class="field-waiting">1</td>' in row[: row.index("</tr>")]

    mappings = list(DebtorMapping.objects.filter(connection=shop).order_by("origin", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(mappings)),
        "form-INITIAL_FORMS": str(len(mappings)),
        "_save": "Save",
    }
    for index, m in enumerate(mappings):
        data[f"form-{index}-id"] = str(m.pk)
        data[f"form-{index}-account"] = "10500" if m.pk == mapping.pk else str(m.account or "")
        data[f"form-{index}-name"] = m.name
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert DebtorMapping.objects.get(pk=mapping.pk).account == 10500
    assert booking(billbee_id).status == "booked"
    assert booking(billbee_id).entry.debtor == 10500


def test_the_journal_is_read_only_and_shows_the_lines(admin_client, account, shop):
    insert(account)
    import_and_book(shop)
    entry = JournalEntry.objects.get()

    listing = html(admin_client.get(reverse("admin:bookkeeping_journalentry_changelist")))
    assert entry.number in listing
    assert reverse("bookkeeping_period_report") in listing
    page = html(admin_client.get(reverse("admin:bookkeeping_journalentry_change", args=[entry.pk])))
    assert "8400" in page and "1776" in page
    assert "21.01" in page or "21,01" in page  # the revenue line, as the locale writes it
    assert 'name="_save"' not in page
    change = admin_client.post(
        reverse("admin:bookkeeping_journalentry_change", args=[entry.pk]), {"text": "edited"}
    )
    assert change.status_code == 403
    delete = admin_client.post(
        reverse("admin:bookkeeping_journalentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert JournalEntry.objects.get(pk=entry.pk).text == entry.text


def test_the_export_page_exports_a_month_and_offers_the_download(admin_client, account, shop):
    insert(account)
    import_and_book(shop)

    response = admin_client.post(
        reverse("admin:bookkeeping_exportbatch_export"),
        {"connection": shop.pk, "month": "2026-11"},
        follow=True,
    )

    batch = ExportBatch.objects.get()
    download = reverse("admin:bookkeeping_exportbatch_download", args=[batch.pk])
    assert download in html(response)
    file = admin_client.get(download)
    assert file["Content-Type"] == "text/csv; charset=windows-1252"
    assert batch.file_name in file["Content-Disposition"]
    assert file.content.startswith(b'"EXTF";700;21;"Buchungsstapel";13;')


def test_the_export_page_lists_findings_with_their_billbee_order(admin_client, account, shop):
    billbee_id = insert(account, InvoiceNumberPrefix="RE 2026_")
    import_and_book(shop)

    page = html(
        admin_client.post(
            reverse("admin:bookkeeping_exportbatch_export"),
            {"connection": shop.pk, "month": "2026-11"},
        )
    )

    assert 'id="findings"' in page and "Belegfeld 1" in page
    assert f"?q={billbee_id}" in page
    assert not ExportBatch.objects.exists()


def test_a_documents_page_shows_its_booking_and_entry(admin_client, account, shop):
    billbee_id = insert(account)
    import_and_book(shop)
    entry = booking(billbee_id).entry

    page = html(
        admin_client.get(reverse("admin:connector_externalorder_change", args=[doc(billbee_id).pk]))
    )

    section = page[page.index('id="bookkeeping"') :]
    assert "booked" in section and "domestic" in section
    assert reverse("admin:bookkeeping_journalentry_change", args=[entry.pk]) in section
    assert "10001" in section and "8400" in section


def test_waiting_bookings_are_listed_with_their_reason(admin_client, account, shop):
    insert(account, Seller=MANUAL)
    import_and_book(shop)

    page = html(
        admin_client.get(
            reverse("admin:bookkeeping_documentbooking_changelist"), {"status__exact": "waiting"}
        )
    )

    assert "assign a debtor account to origin [Billbee]--" in page


def test_the_settings_show_the_delivery_threshold_and_an_oss_answer_books_what_waited(
    admin_client, account, shop, eager, django_capture_on_commit_callbacks
):
    """The merchant answers a held document in the settings: entering the OSS registration
    decides every document that waited for it again."""
    from datetime import date

    from bookkeeping.models import BookkeepingSettings
    from tests.bookkeeping.helpers import AUSTRIA, item

    BookkeepingSettings.objects.filter(pk=shop.pk).update(oss_registered_since=None)
    billbee_id = insert(
        account,
        OrderItems=[item("120.00", 1, "20.00")],
        ShippingCost=0,
        TotalCost="120.00",
        TaxRate1="20.00",
        ShippingAddress=AUSTRIA,
        InvoiceAddress=AUSTRIA,
    )
    import_and_book(shop)
    assert booking(billbee_id).reason_code == "vat_differs_from_invoice"
    url = reverse("admin:bookkeeping_bookkeepingsettings_change", args=[shop.pk])

    page = html(admin_client.get(url))
    assert "EU delivery threshold (§ 3c (4) UStG)" in page
    assert "net EU distance sales" in page and "below the threshold" in page

    settings = BookkeepingSettings.objects.get(pk=shop.pk)
    form = {
        name: value
        for name, value in {
            "consultant_number": settings.consultant_number,
            "client_number": settings.client_number,
            "fiscal_year_start_month": settings.fiscal_year_start_month,
            "initials": settings.initials,
            "credit_note_document_field": settings.credit_note_document_field,
            "home_country": settings.home_country,
            "oss_registered_since": "2021-07-01",
            "document_date": settings.document_date,
            "exchange_rate_source": settings.exchange_rate_source,
            "rounding_tolerance": settings.rounding_tolerance,
            "rounding_account": settings.rounding_account,
            "coupon_kind": settings.coupon_kind,
            "coupon_account": settings.coupon_account,
            "skonto_account_19": settings.skonto_account_19,
            "skonto_account_7": settings.skonto_account_7,
            "write_off_account_19": settings.write_off_account_19,
            "write_off_account_7": settings.write_off_account_7,
            "customer_debtor_first": settings.customer_debtor_first,
            "customer_debtor_last": settings.customer_debtor_last,
        }.items()
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, form)

    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "errorlist" in line
    ]
    assert BookkeepingSettings.objects.get(pk=shop.pk).oss_registered_since == date(2021, 7, 1)
    assert (booking(billbee_id).status, booking(billbee_id).case) == ("booked", "oss")


def test_the_export_page_lists_the_waiting_documents_and_exports_only_on_confirmation(
    admin_client, account, shop
):
    insert(account)
    waiting = insert(account, Seller=MANUAL, InvoiceNumber=4713)
    import_and_book(shop)
    url = reverse("admin:bookkeeping_exportbatch_export")

    page = html(admin_client.post(url, {"connection": shop.pk, "month": "2026-11"}))

    assert 'id="open-documents"' in page and "RE-2026-4713" in page
    assert f"?q={waiting}" in page
    assert not ExportBatch.objects.exists()

    confirmed = admin_client.post(
        url, {"connection": shop.pk, "month": "2026-11", "allow_incomplete": "on"}, follow=True
    )

    assert confirmed.status_code == 200
    batch = ExportBatch.objects.get()
    assert "RE-2026-4713" in batch.incomplete
    assert "was exported incomplete" in html(confirmed)


def test_what_was_open_at_an_incomplete_export_reads_in_the_reader_s_language(
    admin_client, account, shop
):
    """The batch keeps what was open when it was exported incomplete, in English with its
    sentences' data: the export page's notice and the batch's page say it in German."""
    insert(account)
    insert(account, Seller=MANUAL, InvoiceNumber=4713)
    import_and_book(shop)
    url = reverse("admin:bookkeeping_exportbatch_export")
    form = {"connection": shop.pk, "month": "2026-11", "allow_incomplete": "on"}

    notice = german(admin_client, url, form, post=True, follow=True)
    batch = ExportBatch.objects.get()
    page = german(admin_client, reverse("admin:bookkeeping_exportbatch_change", args=[batch.pk]))

    assert batch.incomplete.startswith("11/2026: 1 document(s) waiting or rejected: RE-2026-4713 (")
    said = "11/2026: 1 Beleg(e) wartend oder abgewiesen: RE-2026-4713 (Ordnen Sie"
    assert f"wurde unvollständig exportiert: {said}" in notice
    assert said in page and "waiting or rejected" not in notice + page


def test_the_export_page_says_its_notices_in_the_reader_s_language(admin_client, account, shop):
    insert(account)
    import_and_book(shop)
    url = reverse("admin:bookkeeping_exportbatch_export")
    month = {"connection": shop.pk, "month": "2026-11"}
    admin_client.post(url, month, follow=True)

    again = german(admin_client, url, {**month, "reexport": "on"}, post=True, follow=True)

    file_name = ExportBatch.objects.latest("pk").file_name
    assert f"{file_name} ist eine Wiederholung: seine Buchungen wurden schon exportiert" in again
    assert "is a re-export" not in again
