"""The bookkeeping pages of the console in German (a browser asking for German): the exchange
rate import with its preview, the settings, the debtor mapping, the import of the set-up
lists, the export page, the journal's buttons and the work queue say German what they said
in English, stored reasons included (tests/bookkeeping/test_booking_texts_german.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from bookkeeping.admin import rate_import
from bookkeeping.models import DebtorMapping, DocumentBooking, ExchangeRate, TaxAccount
from connector.models import Connection
from tests.bookkeeping.helpers import MANUAL, import_and_book
from tests.bookkeeping.test_import_export import url
from tests.conftest import german
from tests.connector.test_import import insert, make_connection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("static_root")]
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
RATES = b"currency;month;rate\nCHF;2026-09;0,9400\nCHF;2026-10;0,9370\n"


def object_tools(page: str) -> str:
    """The buttons above a list (not the header's links to the same pages)."""
    start = page.index('<ul class="object-tools">')
    return page[start : page.index("</ul>", start)]


def rates_file(content: bytes = RATES) -> SimpleUploadedFile:
    return SimpleUploadedFile("rates.csv", content, content_type="text/csv")


# ---------------------------------------------------------------- exchange rates


def test_the_rate_import_page_explains_the_files_in_german(admin_client):
    listing = german(admin_client, reverse("admin:bookkeeping_exchangerate_changelist"))
    page = german(admin_client, reverse("admin:bookkeeping_exchangerate_import"))

    assert "Kurse importieren" in object_tools(listing) and "Import rates" not in listing
    assert "<h1>Umrechnungskurse importieren</h1>" in page
    assert "Eine CSV-Datei enthält entweder" in page
    assert "<code>Währung;Monat;Kurs</code>" in page  # German headers are read as well
    assert "wie in der Datei angegeben" in page and "Jahr:" in page
    assert "Das Jahr einer BMF-Tabelle" in page
    for english in ("Import exchange rates", "A CSV file holds either", "as the file says"):
        assert english not in page
    assert "The year of a BMF table" not in page and "Year:" not in page


def test_the_rate_preview_and_the_saved_rates_are_told_in_german(admin_client):
    ExchangeRate.objects.create(
        currency="CHF", day=date(2026, 9, 1), kind="monthly", rate=Decimal("0.9400")
    )
    path = reverse("admin:bookkeeping_exchangerate_import")
    response = admin_client.post(path, {"file": rates_file(), "kind": ""}, **GERMAN)
    page = response.content.decode()

    assert "Vorschau: 1 neu anzulegen, 0 zu ändern, 1 unverändert" in page
    assert "<td>neu anlegen</td>" in page and "<td>unverändert</td>" in page
    assert "Umsatzsteuer-Umrechnungskurs des BMF (monatlich), ein Kurs je Zeile." in page
    assert 'value="Diese Kurse speichern"' in page and "<th>bisher</th>" in page
    assert "to create" not in page and "<td>create</td>" not in page
    assert "Save these rates" not in page

    hidden = {k: "" if v is None else v for k, v in response.context["confirm"].initial.items()}
    saved = german(admin_client, path, {**hidden, "_confirm": "1"}, post=True, follow=True)

    assert "Umrechnungskurse: 1 angelegt, 0 geändert, 1 unverändert." in saved
    assert "Exchange rates:" not in saved


def test_a_refused_rate_file_is_refused_in_german(admin_client, monkeypatch):
    path = reverse("admin:bookkeeping_exchangerate_import")

    bad = german(
        admin_client, path, {"file": rates_file(b"currency;month;rate\nCHF;2026-10;x\n")}, post=True
    )
    broken = german(admin_client, path, {"content": "no base64!", "_confirm": "1"}, post=True)
    monkeypatch.setattr(rate_import, "MAX_FILE_BYTES", 10)
    large = german(admin_client, path, {"file": rates_file()}, post=True)

    assert "Die Datei kann nicht importiert werden (1 Fehler)" in bad
    assert "cannot be imported" not in bad
    assert "Zeile 2: &#x27;x&#x27; ist kein Kurs" in bad and "is not a rate" not in bad
    assert "Die Datei aus der Vorschau ist nicht unversehrt zurückgekommen." in broken
    assert "did not come back intact" not in broken
    assert "Die Datei ist größer als 2 MB." in large and "larger than" not in large


# ---------------------------------------------------------------- settings and debtors


def test_the_settings_page_names_its_sections_in_german(admin_client, shop):
    page = german(
        admin_client, reverse("admin:bookkeeping_bookkeepingsettings_change", args=[shop.pk])
    )

    assert "Buchhaltungseinstellungen von shop" in page
    for heading in (
        "Umsatzsteuer",
        "Buchung",
        "Rabattcodes und Gutscheine",
        "Zahlungen: Skonto und Forderungsverluste",
        "Debitoren",
    ):
        assert f">{heading}</h2>" in page
    assert "Eine Billbee-Gutscheinzeile ist ein Rabattcode" in page
    assert "EU-Lieferschwelle (§ 3c Abs. 4 UStG)" in page
    for english in (">Posting<", "Coupons and vouchers", "Skonto and write-offs", ">Debtors<"):
        assert english not in page
    assert "bookkeeping of" not in page and "EU delivery threshold" not in page


def test_the_debtor_mapping_filter_and_its_refusals_speak_german(admin_client, account, shop):
    other = make_connection(account, name="other")
    listing = reverse("admin:bookkeeping_debtormapping_changelist")
    mappings = [
        DebtorMapping.objects.get(connection=shop).pk,
        DebtorMapping.objects.create(connection=other, origin="[Billbee]-Otto", account=10002).pk,
    ]

    page = german(admin_client, listing)
    refused = german(
        admin_client,
        listing,
        {"action": "datev_master_data", "_selected_action": mappings},
        post=True,
        follow=True,
    )

    assert "Nach Debitorenkonto" in page
    assert "noch nicht zugeordnet" in page and ">zugeordnet<" in page
    assert "Nach account" not in page and "not assigned yet" not in page
    assert "Wählen Sie die Debitoren einer einzigen Verbindung aus." in refused
    assert "Select the debtors" not in refused


def test_an_import_rolled_back_at_the_confirmation_says_so_in_german(admin_client, account, shop):
    other = make_connection(account, name="other")
    content = b"connection,origin,payment_method,account\nshop,A,any,10002\nother,B,any,10003\n"
    preview = admin_client.post(
        url("debtormapping", "import"),
        {"format": "0", "import_file": SimpleUploadedFile("debtors.csv", content)},
        **GERMAN,
    )
    other.name = "renamed"
    other.save()

    done = german(
        admin_client,
        url("debtormapping", "process_import"),
        preview.context["confirm_form"].initial,
        post=True,
        follow=True,
    )

    assert "Nichts wurde importiert: Zeile 2: connection:" in done
    assert "Nothing was imported" not in done and "row 2" not in done


# ---------------------------------------------------------------- journal, export, work queue


def test_the_journal_list_offers_its_pages_in_german(admin_client, account, shop):
    insert(account)
    import_and_book(shop)

    tools = object_tools(german(admin_client, reverse("admin:bookkeeping_journalentry_changelist")))
    batches = german(admin_client, reverse("admin:bookkeeping_exportbatch_changelist"))

    # The journal's own buttons beside the export's, for a list no one may add to.
    assert reverse("bookkeeping_work_queue") in tools and "Arbeitsvorrat" in tools
    assert reverse("bookkeeping_period_report") in tools and "Periodenbericht" in tools
    assert "Zeitraum nach DATEV exportieren" in tools
    assert "Work queue" not in tools and "Period report" not in tools
    assert "Zeitraum nach DATEV exportieren" in object_tools(batches)
    assert "Export a period to DATEV" not in batches


def test_the_export_page_names_the_status_of_the_open_documents_in_german(
    admin_client, account, shop
):
    insert(account)  # booked: the month has entries to export
    waiting = insert(account, Seller=MANUAL)
    import_and_book(shop)
    reason = DocumentBooking.objects.get(document__billbee_order_id=waiting).reason

    page = german(
        admin_client,
        reverse("admin:bookkeeping_exportbatch_export"),
        {"connection": shop.pk, "month": "2026-11"},
        post=True,
    )

    assert "<td>wartet</td>" in page and "<td>waiting</td>" not in page
    # The stored reason in German (stored in English with its sentence's data).
    assert "Ordnen Sie der Bestellherkunft " in page
    assert "einen Debitor zu (Buchhaltung → Debitorenzuordnung)" in page
    assert reason.startswith("assign a debtor account") and reason not in page
    assert "Buchungsstapel (DATEV-Export)</a> › Zeitraum exportieren" in page


def test_the_work_queue_links_the_exchange_rates_by_their_list_s_name(admin_client, account, shop):
    insert(account, Currency="CHF")
    import_and_book(shop)

    page = german(admin_client, reverse("bookkeeping_work_queue"), {"connection": shop.pk})

    assert reverse("admin:bookkeeping_exchangerate_changelist") in page
    assert "→ Umrechnungskurse</a>" in page
    assert "→ Wechselkurse" not in page and "Exchange rates</a>" not in page


def test_a_document_s_booking_is_titled_in_german(admin_client, account, shop):
    waiting = insert(account, Seller=MANUAL)
    import_and_book(shop)
    booking = DocumentBooking.objects.get(document__billbee_order_id=waiting)

    page = german(
        admin_client, reverse("admin:bookkeeping_documentbooking_change", args=[booking.pk])
    )

    assert f"Verbuchung von Beleg {booking.pk}: wartet" in page
    assert "booking of" not in page
    # The decision trace is a numbered list of its sentences, not the stored JSON.
    html = admin_client.get(
        reverse("admin:bookkeeping_documentbooking_change", args=[booking.pk])
    ).content.decode()
    assert '<ol class="console-lines"><li>' in html
    assert "[&quot;" not in html and '["' not in html


def test_a_tax_account_is_named_with_the_reader_s_rate_and_words():
    """A treatment's accounts are named on their pages, in selects and in confirmations:
    German writes the rate 5,5 % and says "jeder Steuersatz" for a row without a rate."""
    shop = Connection(name="steuer")
    reduced = TaxAccount(connection=shop, case="oss", rate=Decimal("5.50"), revenue_account=8331)
    any_rate = TaxAccount(connection=shop, case="export", rate=None, revenue_account=8120)

    with translation.override("de"):
        assert str(reduced).endswith(", 5,5 % → 8331")
        assert str(any_rate).endswith(", jeder Steuersatz → 8120")
    with translation.override("en"):
        assert str(reduced) == "EU consumer, destination VAT (OSS), 5.5 % → 8331"
        assert str(any_rate) == "export (tax-free), any rate → 8120"
