"""The console's payments pages: the statement upload with its preview, the accounts with the
CSV mapping as fields, the read-only statements and lines, and the permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.models import PaymentSource, Statement, StatementTransaction
from tests.payments.conftest import OWN_IBAN
from tests.payments.mappings import sample

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:payments_statement_import")
UPLOADER = ("payments.import_statement", "payments.view_paymentsource", "payments.view_statement")


def upload(client, source, name="volksbank.csv", data=None):
    return client.post(
        IMPORT,
        {"source": source.pk, "file": SimpleUploadedFile(name, data or sample(name)), "format": ""},
    )


def test_upload_shows_the_preview_and_stores_nothing_until_confirmed(login, bank):
    client = login(*UPLOADER)

    response = upload(client, bank)

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(o.position, o.outcome) for o in preview.outcomes] == [
        (1, "new"),
        (2, "new"),
        (3, "new"),
        (4, "new"),
        (11, "error"),
    ]
    page = response.content.decode()
    assert "4 new, 0 already known, 1 broken" in page
    assert "Line 11: neither the debit nor the credit column has an amount." in page
    assert (Statement.objects.count(), StatementTransaction.objects.count()) == (0, 0)

    confirmed = client.post(IMPORT, {**response.context["confirm"].initial, "_confirm": "1"})

    statement = Statement.objects.get()
    assert confirmed.status_code == 302
    assert confirmed.url == reverse("admin:payments_statement_change", args=[statement.pk])
    assert (statement.file_name, statement.new_count, statement.error_count) == (
        "volksbank.csv",
        4,
        1,
    )
    assert StatementTransaction.objects.count() == 4


def test_the_preview_of_a_file_imported_before_says_already_known(login, bank):
    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))

    response = upload(login(*UPLOADER), bank)

    assert [o.outcome for o in response.context["preview"].outcomes] == ["known"] * 4 + ["error"]
    assert "4 already known" in response.content.decode()


def test_a_file_of_another_layout_is_refused_on_the_page(login, bank):
    response = upload(login(*UPLOADER), bank, name="dkb.csv")

    assert response.context["preview"] is None
    assert "does not fit the CSV mapping" in response.context["problems"][0]
    assert Statement.objects.count() == 0


@pytest.mark.parametrize(
    "permissions",
    [(), ("payments.view_statement", "payments.view_paymentsource")],
    ids=["nothing", "viewing only"],
)
def test_without_the_import_permission_the_upload_is_forbidden_and_not_offered(
    login, bank, permissions
):
    client = login(*permissions)

    assert client.get(IMPORT).status_code == 403
    assert upload(client, bank).status_code == 403
    assert Statement.objects.count() == 0
    if permissions:
        listing = client.get(reverse("admin:payments_statement_changelist"))
        assert listing.status_code == 200
        assert IMPORT not in listing.content.decode()


def test_with_the_permission_the_statement_list_offers_the_upload(login):
    listing = login(*UPLOADER).get(reverse("admin:payments_statement_changelist"))

    assert IMPORT in listing.content.decode()


def test_statements_and_lines_are_read_only_even_for_superusers(admin_client, bank):
    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))
    line = StatementTransaction.objects.first()

    for url in (
        reverse("admin:payments_statement_add"),
        reverse("admin:payments_statementtransaction_add"),
    ):
        assert admin_client.get(url).status_code == 403
    page = admin_client.get(reverse("admin:payments_statementtransaction_change", args=[line.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    statement_page = admin_client.get(
        reverse("admin:payments_statement_change", args=[Statement.objects.get().pk])
    )
    assert "Line 11: neither the debit nor the credit column has an amount." in (
        statement_page.content.decode()
    )


def test_lines_are_filtered_by_state_and_searched_by_name(login, bank):
    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))
    StatementTransaction.objects.filter(counterparty_name="Paketdienst AG").update(
        state="ignored", reason="Porto wird nicht zugeordnet."
    )
    client = login("payments.view_statementtransaction")
    url = reverse("admin:payments_statementtransaction_changelist")

    ignored = client.get(url, {"state__exact": "ignored"})
    searched = client.get(url, {"q": "Holzhandel"})

    assert [t.amount for t in ignored.context["cl"].result_list] == [Decimal("-18.40")]
    assert [t.amount for t in searched.context["cl"].result_list] == [Decimal("-1000.00")]
    assert client.get(reverse("admin:payments_statement_changelist")).status_code == 403


def test_the_csv_mapping_is_edited_as_fields(admin_client, connection):
    form = {
        "connection": connection.pk,
        "name": "Volksbank",
        "kind": "csv",
        "iban": "de89 3704 0044 0532 0130 00",
        "currency": "EUR",
        "ledger_account": 1200,
        "default_format": "",
        "is_active": "on",
        "csv_delimiter": ";",
        "csv_encoding": "cp1252",
        "csv_header_row": 6,
        "csv_date_format": "%d.%m.%Y",
        "csv_decimal_comma": "on",
        "col_date": "Buchungstag",
        "col_debit": "Soll",
        "col_credit": "Haben",
        "col_name": "Auftraggeber/Zahlungsempfänger",
        "col_text": "Vorgang/Verwendungszweck | 2",
    }

    response = admin_client.post(reverse("admin:payments_paymentsource_add"), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    source = PaymentSource.objects.get()
    assert source.iban == OWN_IBAN
    assert source.csv_mapping["header_row"] == 6
    assert source.csv_mapping["columns"] == {
        "date": "Buchungstag",
        "debit": "Soll",
        "credit": "Haben",
        "name": "Auftraggeber/Zahlungsempfänger",
        "text": ["Vorgang/Verwendungszweck", 2],
    }
    page = admin_client.get(reverse("admin:payments_paymentsource_change", args=[source.pk]))
    assert page.context["adminform"].form.initial["col_text"] == "Vorgang/Verwendungszweck | 2"


def test_a_bad_iban_and_a_mapping_without_amount_are_refused_with_sentences(
    admin_client, connection
):
    form = {
        "connection": connection.pk,
        "name": "Giro",
        "kind": "bank",
        "iban": "DE00 3704 0044 0532 0130 00",
        "currency": "EUR",
        "ledger_account": 1200,
        "csv_header_row": 1,
        "col_date": "Datum",
    }

    response = admin_client.post(reverse("admin:payments_paymentsource_add"), form)

    errors = response.context["adminform"].form.errors
    assert "is not a valid IBAN" in errors["iban"][0]
    assert "needs the amount column" in errors["__all__"][0]
    assert PaymentSource.objects.count() == 0


def test_a_line_shows_its_candidates_with_reasons_and_links_to_the_documents(admin_client, bank):
    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))
    line = StatementTransaction.objects.order_by("pk").first()
    line.state, line.reason = "ambiguous", "Two invoices fit equally well."
    line.candidates = [
        {"documents": [41], "kind": "amount_date", "score": 0.6, "amount_difference": "0.00",
         "skonto": "0", "reasons": ["amount equal", "paid 3 days after the invoice"]},
        {"documents": [42, 43], "kind": "several_invoices", "score": 0.6,
         "amount_difference": "0.00", "skonto": "0", "reasons": ["two invoices, sum equal"]},
    ]  # fmt: skip
    line.save()

    listing = admin_client.get(reverse("admin:payments_statementtransaction_changelist"))
    page = admin_client.get(reverse("admin:payments_statementtransaction_change", args=[line.pk]))

    assert "amount and date (0.60): document 41" in listing.content.decode()
    html = page.content.decode()
    assert "Two invoices fit equally well." in html
    assert reverse("admin:connector_externalorder_change", args=[43]) in html
    assert "amount equal; paid 3 days after the invoice" in html


def test_write_backs_are_approved_only_by_users_who_may_change_them(admin_client, client, bank):
    from django.contrib.auth.models import Permission, User

    from payments.models import Writeback
    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))
    waiting = Writeback.objects.create(
        connection=bank.connection,
        transaction=StatementTransaction.objects.first(),
        billbee_order_id=4711,
        open_states=[1, 2],
        state=Writeback.State.AWAITING_APPROVAL,
    )
    changelist = reverse("admin:payments_writeback_changelist")
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_writeback"))
    client.force_login(viewer)

    client.post(changelist, {"action": "approve", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert waiting.state == Writeback.State.AWAITING_APPROVAL

    admin_client.post(changelist, {"action": "approve", "_selected_action": [waiting.pk]})
    waiting.refresh_from_db()
    assert waiting.state == Writeback.State.PENDING

    # The entry's page names the states instead of showing the stored list of ids.
    page = admin_client.get(
        reverse("admin:payments_writeback_change", args=[waiting.pk])
    ).content.decode()
    assert "1 ordered, 2 confirmed" in page and "3 paid" in page
    assert "[1, 2]" not in page


def test_lines_waiting_for_a_person_are_filtered_with_and_without_candidates(login, bank):
    from django.utils import timezone

    from payments.services.statements import statement_import

    statement_import(bank, sample("volksbank.csv"))
    lines = list(StatementTransaction.objects.order_by("position"))
    proposal = [{"documents": [1], "kind": "payer_name", "score": 0.7, "reasons": ["name"]}]
    StatementTransaction.objects.filter(pk=lines[0].pk).update(
        state="ambiguous", candidates=proposal
    )
    StatementTransaction.objects.filter(pk=lines[1].pk).update(
        state="matched", candidates=proposal, confirmed_at=timezone.now()
    )
    StatementTransaction.objects.filter(pk=lines[2].pk).update(state="ignored")
    client = login("payments.view_statementtransaction")
    url = reverse("admin:payments_statementtransaction_changelist")

    with_candidates = client.get(url, {"waiting": "candidates"}).context["cl"].result_list
    without = client.get(url, {"waiting": "none"}).context["cl"].result_list

    # Confirmed and ignored lines wait for nobody.
    assert [t.pk for t in with_candidates] == [lines[0].pk]
    assert [t.pk for t in without] == [lines[3].pk]
