"""Who may do what on the bookkeeping pages of the console: each page and action checks a
named permission. A staff user without it gets 403 (or does not see the action) and nothing
changes; with it, the same request works. docs/permissions.md lists them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bookkeeping.models import DebtorMapping, ExchangeRate, ExportBatch, JournalEntry
from tests.bookkeeping.helpers import MANUAL, import_and_book
from tests.conftest import admin_actions
from tests.connector.test_import import insert

pytestmark = pytest.mark.django_db

EXPORT = {"connection": None, "month": "2026-11"}


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


@pytest.fixture
def booked(account, shop):
    insert(account)
    import_and_book(shop)
    return shop


def export(client: Client, shop) -> int:
    url = reverse("admin:bookkeeping_exportbatch_export")
    return client.post(url, {"connection": shop.pk, "month": "2026-11"}).status_code


# ---------------------------------------------------------------- DATEV export and download


def test_a_staff_user_without_the_export_permission_cannot_export(login, booked):
    client = login("bookkeeping.view_exportbatch", "bookkeeping.view_journalentry")

    assert client.get(reverse("admin:bookkeeping_exportbatch_export")).status_code == 403
    assert export(client, booked) == 403
    assert not ExportBatch.objects.exists()
    assert not JournalEntry.objects.filter(exports__isnull=False).exists()
    listing = client.get(reverse("admin:bookkeeping_exportbatch_changelist"))
    assert reverse("admin:bookkeeping_exportbatch_export") not in listing.content.decode()


def test_the_export_permission_exports(login, booked):
    client = login("bookkeeping.export_datev", "bookkeeping.view_exportbatch")

    assert export(client, booked) == 302
    assert ExportBatch.objects.count() == 1
    listing = client.get(reverse("admin:bookkeeping_exportbatch_changelist"))
    assert reverse("admin:bookkeeping_exportbatch_export") in listing.content.decode()


def test_downloading_an_export_needs_the_view_permission_of_export_batches(
    login, booked, admin_client
):
    assert export(admin_client, booked) == 302
    batch = ExportBatch.objects.get()
    url = reverse("admin:bookkeeping_exportbatch_download", args=[batch.pk])

    assert login().get(url).status_code == 403
    allowed = login("bookkeeping.view_exportbatch").get(url)
    assert allowed.status_code == 200
    assert allowed.content.startswith(b'"EXTF"')


# ---------------------------------------------------------------- report and work queue


@pytest.mark.parametrize(
    ("url_name", "permission"),
    [
        ("bookkeeping_period_report", "bookkeeping.view_journalentry"),
        ("bookkeeping_work_queue", "bookkeeping.view_documentbooking"),
    ],
)
def test_the_report_and_the_work_queue_need_their_view_permission(
    login, booked, url_name, permission
):
    url = reverse(url_name)
    assert login().get(url).status_code == 403
    assert login(permission).get(url).status_code == 200


def test_the_console_links_only_the_pages_a_user_may_open(login, booked):
    page = login("bookkeeping.view_exportbatch").get(reverse("admin:index")).content.decode()
    assert reverse("bookkeeping_work_queue") not in page
    assert reverse("bookkeeping_period_report") not in page

    page = login("bookkeeping.view_journalentry").get(reverse("admin:index")).content.decode()
    assert reverse("bookkeeping_period_report") in page


# ---------------------------------------------------------------- debtors and exchange rates


def test_book_now_needs_the_booking_permission(
    login, account, shop, eager, django_capture_on_commit_callbacks
):
    insert(account, Seller=MANUAL)
    import_and_book(shop)
    DebtorMapping.objects.filter(connection=shop, account__isnull=True).update(account=10500)
    mapping = DebtorMapping.objects.get(connection=shop, origin="[Billbee]--")
    url = reverse("admin:bookkeeping_debtormapping_changelist")
    action = {"action": "book_waiting", "_selected_action": [mapping.pk]}

    client = login("bookkeeping.view_debtormapping", "bookkeeping.change_debtormapping")
    assert "book_waiting" not in admin_actions(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, action)
    assert not JournalEntry.objects.filter(debtor=10500).exists()

    client = login("bookkeeping.view_debtormapping", "bookkeeping.book_documents")
    assert "book_waiting" in admin_actions(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, action)
    assert JournalEntry.objects.filter(debtor=10500).exists()


def test_saving_the_debtor_list_without_the_change_permission_books_nothing(
    login, account, shop, eager, django_capture_on_commit_callbacks
):
    insert(account, Seller=MANUAL)
    import_and_book(shop)
    DebtorMapping.objects.filter(connection=shop, account__isnull=True).update(account=10500)
    client = login("bookkeeping.view_debtormapping")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:bookkeeping_debtormapping_changelist"),
            {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0", "_save": "Save"},
        )

    assert response.status_code == 403
    assert callbacks == []
    assert not JournalEntry.objects.filter(debtor=10500).exists()


@pytest.mark.parametrize("model", ["debtormapping", "customerdebtor"])
def test_the_datev_master_data_action_needs_the_export_permission(login, booked, model):
    DebtorMapping.objects.filter(account__isnull=True).update(account=10500)
    url = reverse(f"admin:bookkeeping_{model}_changelist")
    view = f"bookkeeping.view_{model}"

    assert "datev_master_data" not in admin_actions(login(view).get(url))
    if model == "debtormapping":
        pks = list(DebtorMapping.objects.values_list("pk", flat=True))
        refused = login(view).post(url, {"action": "datev_master_data", "_selected_action": pks})
        assert not refused.get("Content-Disposition")
        allowed = login(view, "bookkeeping.export_datev").post(
            url, {"action": "datev_master_data", "_selected_action": pks}
        )
        assert "EXTF_Debitoren_Kreditoren" in allowed["Content-Disposition"]
    assert "datev_master_data" in admin_actions(login(view, "bookkeeping.export_datev").get(url))


def test_the_debtor_mapping_file_import_needs_the_add_and_change_permissions(login, booked):
    url = reverse("admin:bookkeeping_debtormapping_import")
    assert login("bookkeeping.view_debtormapping").get(url).status_code == 403
    assert login("bookkeeping.change_debtormapping").get(url).status_code == 403
    both = login("bookkeeping.add_debtormapping", "bookkeeping.change_debtormapping")
    assert both.get(url).status_code == 200


def test_the_exchange_rate_import_needs_the_add_and_change_permissions(login, booked):
    url = reverse("admin:bookkeeping_exchangerate_import")
    file = b"currency;month;rate\nUSD;2026-11;1.0876\n"

    def upload(client: Client) -> int:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(url, {"file": SimpleUploadedFile("r.csv", file)}).status_code

    assert login("bookkeeping.view_exchangerate").get(url).status_code == 403
    assert upload(login("bookkeeping.add_exchangerate")) == 403
    allowed = login("bookkeeping.add_exchangerate", "bookkeeping.change_exchangerate")
    assert upload(allowed) == 200
    assert not ExchangeRate.objects.filter(currency="USD").exists()  # a preview saves nothing


def test_a_documents_page_shows_its_booking_only_to_who_may_see_the_books(login, booked):
    from connector.models import ExternalOrder

    document = ExternalOrder.objects.get()
    entry = JournalEntry.objects.get()
    url = reverse("admin:connector_externalorder_change", args=[document.pk])
    entry_url = reverse("admin:bookkeeping_journalentry_change", args=[entry.pk])

    log_only = login("connector.view_externalorder").get(url).content.decode()
    assert 'id="bookkeeping"' not in log_only and entry_url not in log_only

    books = login(
        "connector.view_externalorder",
        "bookkeeping.view_documentbooking",
        "bookkeeping.view_journalentry",
    ).get(url)
    assert 'id="bookkeeping"' in books.content.decode()
    assert entry_url in books.content.decode()


def test_exporting_the_debtor_mapping_as_a_file_needs_its_view_permission(login, booked):
    url = reverse("admin:bookkeeping_debtormapping_export")
    assert login("bookkeeping.view_account").get(url).status_code == 403
    assert login("bookkeeping.view_debtormapping").get(url).status_code == 200
