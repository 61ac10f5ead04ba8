"""Import and export of the set-up in the console: the debtor mapping, the accounts and the
revenue/VAT accounts as CSV and XLSX. Rows are matched on their natural keys (never the
database id), an import is previewed and written only when confirmed, every row or none, and
it books what waited for the mapping once."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookkeeping.models import Account, DebtorMapping, TaxAccount
from bookkeeping.resources import TaxAccountResource
from tests.bookkeeping.helpers import MANUAL, booking, import_and_book
from tests.connector.test_import import insert, make_connection

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"  # the console's format choices


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The connections a booking task was enqueued for."""
    from bookkeeping.tasks import book_documents_task

    calls: list[int] = []
    monkeypatch.setattr(book_documents_task, "delay", calls.append)
    return calls


def url(model: str, view: str) -> str:
    return reverse(f"admin:bookkeeping_{model}_{view}")


def download(client, model: str, fmt: str) -> bytes:
    page = client.get(url(model, "export"))
    assert page.status_code == 200
    response = client.post(url(model, "export"), {"format": fmt})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def preview(client, model: str, name: str, content: bytes, fmt: str):
    upload = SimpleUploadedFile(name, content)
    response = client.post(url(model, "import"), {"format": fmt, "import_file": upload})
    assert response.status_code == 200
    return response


def confirm(client, model: str, response, django_capture_on_commit_callbacks):
    form = response.context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url(model, "process_import"), form.initial)
    assert done.status_code == 302
    assert done["Location"] == url(model, "changelist")
    return done


def tax_accounts(connection) -> list[tuple]:
    return list(
        TaxAccount.objects.filter(connection=connection)
        .order_by("case", "rate")
        .values_list(
            "case",
            "rate",
            "revenue_account",
            "vat_account",
            "bu_key",
            "shipping_account",
            "discount_account",
        )
    )


def sheet_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# ---------------------------------------------------------------- export


def test_the_debtor_mapping_downloads_as_csv_and_xlsx(admin_client, shop):
    DebtorMapping.objects.create(connection=shop, origin="[Billbee]--", payment_method=3)

    csv = download(admin_client, "debtormapping", CSV).decode("utf-8")
    xlsx = download(admin_client, "debtormapping", XLSX)

    assert csv.splitlines() == [
        "connection,origin,payment_method,payment_method_name,account,name",
        "shop,[Billbee]--,3,,,",
        "shop,[Billbee]-Shopware-Shopware Fachhandel,any,,10001,",
    ]
    assert sheet_rows(xlsx)[1:] == [
        ["shop", "[Billbee]--", 3, None, None, None],
        ["shop", "[Billbee]-Shopware-Shopware Fachhandel", "any", None, 10001, None],
    ]


def test_the_revenue_and_vat_accounts_write_an_empty_rate_for_any_rate(admin_client, shop):
    lines = download(admin_client, "taxaccount", CSV).decode("utf-8").splitlines()

    assert lines[0] == (
        "connection,case,rate,revenue_account,vat_account,bu_key,shipping_account,"
        "discount_account,voucher_account"
    )
    assert "shop,domestic,19.00,8400,1776,,,8720," in lines
    assert "shop,oss,,8320,1767,0240,,8727," in lines
    assert len(lines) == 1 + TaxAccount.objects.filter(connection=shop).count()


# ---------------------------------------------------------------- import


def test_an_import_is_previewed_and_written_only_when_confirmed(
    admin_client, shop, enqueued, django_capture_on_commit_callbacks
):
    content = download(admin_client, "taxaccount", XLSX)
    book = openpyxl.load_workbook(io.BytesIO(content))
    for row in book.active.iter_rows(min_row=2):
        if row[1].value in ("domestic", "oss"):
            row[6].value = 4000 + (row[3].value or 0) % 1000  # a shipping account
    changed = io.BytesIO()
    book.save(changed)
    before = tax_accounts(shop)

    response = preview(admin_client, "taxaccount", "tax.xlsx", changed.getvalue(), XLSX)

    page = response.content.decode()
    assert page.count('<tr class="update">') == 4  # domestic 19/7/0 %, OSS
    assert page.count('<tr class="skip">') == len(before) - 4
    assert tax_accounts(shop) == before and enqueued == []

    confirm(admin_client, "taxaccount", response, django_capture_on_commit_callbacks)

    after = {(case, rate): shipping for case, rate, _, _, _, shipping, _ in tax_accounts(shop)}
    assert after[("domestic", Decimal("19.00"))] == 4400
    assert after[("domestic", Decimal("0.00"))] == 4200
    assert after[("oss", None)] == 4320
    assert after[("export", None)] is None
    assert len(after) == len(before)  # matched on (connection, case, rate), none created
    assert enqueued == [shop.pk]  # one booking for the whole file


def test_a_bad_row_is_an_error_of_the_preview_and_cannot_be_confirmed(admin_client, shop):
    content = (
        b"connection,origin,payment_method,account,name\n"
        b"shop,[Billbee]-Shopware-Shopware Fachhandel,any,10002,\n"
        b"shop,[Billbee]-Otto-Otto Market,any,5000,Otto\n"
        b"nowhere,[Billbee]-Otto-Otto Market,any,10003,Otto\n"
    )

    response = preview(admin_client, "debtormapping", "debtors.csv", content, CSV)

    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 10000." in page
    assert "there is no connection named &#x27;nowhere&#x27;" in page
    assert "confirm_form" not in response.context
    assert DebtorMapping.objects.get(connection=shop).account == 10001


def test_a_row_that_turned_invalid_before_the_confirmation_rolls_the_import_back(
    admin_client, account, shop, enqueued
):
    other = make_connection(account, name="other")
    content = b"connection,origin,payment_method,account\nshop,A,any,10002\nother,B,any,10003\n"
    response = preview(admin_client, "debtormapping", "debtors.csv", content, CSV)
    other.name = "renamed"
    other.save()

    done = admin_client.post(
        url("debtormapping", "process_import"),
        response.context["confirm_form"].initial,
        follow=True,
    )

    assert done.redirect_chain == [(url("debtormapping", "import"), 302)]
    assert (
        "Nothing was imported: row 2: connection: there is no connection named &#x27;other&#x27;"
        in done.content.decode()
    )
    assert not DebtorMapping.objects.filter(origin__in=["A", "B"]).exists()
    assert enqueued == []


def test_a_taxed_rate_without_vat_account_is_an_error_of_its_row(admin_client, shop):
    content = b"connection,case,rate,revenue_account,vat_account\nshop,domestic,19,8400,\n"

    response = preview(admin_client, "taxaccount", "tax.csv", content, CSV)

    assert "A taxed rate needs a VAT account." in response.content.decode()
    assert "confirm_form" not in response.context


def test_accounts_exported_from_one_installation_import_into_another(
    admin_client, shop, django_capture_on_commit_callbacks
):
    content = download(admin_client, "account", XLSX)
    chart = list(Account.objects.order_by("number").values_list("number", "name", "kind"))
    automatic = set(Account.objects.filter(automatic=True).values_list("number", flat=True))
    old_ids = set(Account.objects.values_list("pk", flat=True))
    Account.objects.all().delete()  # the other installation: the same connection, no accounts

    response = preview(admin_client, "account", "chart.xlsx", content, XLSX)
    confirm(admin_client, "account", response, django_capture_on_commit_callbacks)

    assert list(Account.objects.order_by("number").values_list("number", "name", "kind")) == chart
    assert set(Account.objects.filter(automatic=True).values_list("number", flat=True)) == (
        automatic
    )
    assert not old_ids & set(Account.objects.values_list("pk", flat=True))


def test_importing_an_exported_file_again_changes_nothing(
    admin_client, shop, enqueued, django_capture_on_commit_callbacks
):
    content = download(admin_client, "taxaccount", CSV)
    before = list(TaxAccount.objects.order_by("pk").values())

    response = preview(admin_client, "taxaccount", "tax.csv", content, CSV)
    confirm(admin_client, "taxaccount", response, django_capture_on_commit_callbacks)

    assert '<tr class="update">' not in response.content.decode()
    assert list(TaxAccount.objects.order_by("pk").values()) == before
    assert enqueued == []


def test_a_debtor_mapping_import_books_the_documents_waiting_for_it(
    admin_client, account, shop, eager, django_capture_on_commit_callbacks
):
    billbee_id = insert(account, Seller=MANUAL)
    import_and_book(shop)
    assert booking(billbee_id).status == "waiting"
    content = b"origin,payment_method,account,connection\n[Billbee]--,any,10500,shop\n"

    response = preview(admin_client, "debtormapping", "debtors.csv", content, CSV)
    confirm(admin_client, "debtormapping", response, django_capture_on_commit_callbacks)

    assert booking(billbee_id).status == "booked"
    assert booking(billbee_id).entry.debtor == 10500


def test_the_resource_matches_any_rate_on_the_empty_rate(shop):
    """The same as the console, without it: re-importing the export creates no row."""
    dataset = TaxAccountResource(connection=shop).export()

    result = TaxAccountResource(connection=shop).import_data(dataset, use_transactions=True)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == len(dataset) == TaxAccount.objects.count()


# ---------------------------------------------------------------- permissions


def staff(django_user_model, client, *codenames: str):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_a_staff_user_without_the_change_permission_cannot_import(client, django_user_model, shop):
    clerk = staff(django_user_model, client, "view_debtormapping", "add_debtormapping")
    content = b"origin,payment_method,account\nX,any,10002\n"

    listing = clerk.get(url("debtormapping", "changelist"))
    page = clerk.get(url("debtormapping", "import"))
    upload = clerk.post(
        url("debtormapping", "import"),
        {"format": CSV, "import_file": SimpleUploadedFile("d.csv", content)},
    )
    process = clerk.post(
        url("debtormapping", "process_import"),
        {"import_file_name": "x", "original_file_name": "d.csv", "format": CSV},
    )

    assert listing.status_code == 200
    assert url("debtormapping", "import") not in listing.content.decode()
    assert url("debtormapping", "export") in listing.content.decode()
    assert (page.status_code, upload.status_code, process.status_code) == (403, 403, 403)
    assert download(clerk, "debtormapping", CSV).startswith(b"connection,")
    assert not DebtorMapping.objects.filter(origin="X").exists()


def test_importing_needs_the_add_permission_too_and_exporting_the_view_permission(
    client, django_user_model, shop
):
    clerk = staff(django_user_model, client, "change_account")

    assert clerk.get(url("account", "import")).status_code == 403
    assert clerk.get(url("account", "export")).status_code == 403


@pytest.mark.parametrize("view", ["import", "export"])
def test_the_import_and_export_pages_say_what_each_column_holds_in_german(admin_client, shop, view):
    """The columns keep their names in the file (a file imports in any language); the page
    says what each holds in the reader's language."""
    from tests.conftest import german

    page = german(admin_client, url("debtormapping", view))

    assert "origin (Bestellherkunft)" in page
    assert "account (Debitorenkonto)" in page
    english = admin_client.get(url("debtormapping", view), HTTP_ACCEPT_LANGUAGE="en")
    assert "origin (origin)" not in english.content.decode()  # same name: said once
