"""The payments pages of the console in German (a browser asking for German): the statement
upload with its preview and summary, the CSV mapping's columns, the settle page and the
reminders due. The reminder e-mail keeps its order's language; stored reasons stay English."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from payments import admin_upload
from payments.admin import COLUMN_NAMES
from payments.models import PaymentGroup, ReminderLog
from payments.parsers.csv_mapped import COLUMN_KEYS
from tests.bookkeeping.helpers import import_and_book
from tests.conftest import german
from tests.connector.test_import import doc
from tests.payments.mappings import sample

from .reminder_shop import make_shop, reminders_on, unpaid_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("static_root")]
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
IMPORT = reverse("admin:payments_statement_import")
DUE = reverse("admin:payments_reminderlog_due")


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def volksbank(content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("volksbank.csv", content or sample("volksbank.csv"))


# ---------------------------------------------------------------- statement upload


def test_the_upload_form_speaks_german(admin_client, bank):
    page = german(admin_client, IMPORT)

    assert "<h1>Kontoauszug importieren</h1>" in page
    assert "Bank- oder Zahlungsdienstleisterkonto:" in page and "Datei:" in page
    assert "CAMT (XML), MT940, PayPal- oder Stripe-CSV oder eine Bank-CSV." in page
    assert "das Format des Kontos, sonst erkannt" in page
    for english in ("Import a statement", ">account:<", "File:", "the account's format"):
        assert english not in page
    assert "or a bank CSV" not in page


def test_the_preview_and_the_summary_of_an_upload_speak_german(admin_client, bank):
    response = admin_client.post(IMPORT, {"source": bank.pk, "file": volksbank()}, **GERMAN)
    preview = response.content.decode()

    confirm = {**response.context["confirm"].initial, "_confirm": "1"}
    confirmed = german(admin_client, IMPORT, confirm, post=True, follow=True)

    assert "Vorschau: 4 neu, 0 bereits bekannt, 1 fehlerhaft" in preview
    assert "Volksbank: 5 Zeilen, 4 neu, 0 bereits bekannt, 1 fehlerhaft." in confirmed
    assert "Die fehlerhaften Zeilen stehen mit ihrem Grund auf der Seite" in confirmed
    assert "5 lines" not in confirmed and "already known" not in confirmed
    # The broken line's reason is stored in English and read in the reader's language.
    assert "Zeile 11: weder die Soll- noch die Haben-Spalte hat einen Betrag." in preview
    assert "Zeile 11: weder die Soll- noch die Haben-Spalte hat einen Betrag." in confirmed
    assert "neither the debit" not in preview + confirmed


def test_a_refused_upload_is_refused_in_german(admin_client, bank, monkeypatch):
    refused = {"source": bank.pk, "content": "no base64!", "_confirm": "1"}
    broken = german(admin_client, IMPORT, refused, post=True)
    monkeypatch.setattr(admin_upload, "MAX_FILE_BYTES", 10)
    large = german(admin_client, IMPORT, {"source": bank.pk, "file": volksbank()}, post=True)

    assert "Die Datei aus der Vorschau ist nicht unversehrt zurückgekommen." in broken
    assert "did not come back intact" not in broken
    assert "Die Datei ist größer als 20 MB: Teilen Sie den Export auf." in large
    assert "larger than 20 MB" not in large


def test_a_file_of_another_layout_is_refused_in_german(admin_client, bank):
    other = SimpleUploadedFile("dkb.csv", sample("dkb.csv"))

    page = german(admin_client, IMPORT, {"source": bank.pk, "file": other}, post=True)

    assert "Die Datei passt nicht zur CSV-Spaltenzuordnung:" in page
    assert "does not fit the CSV mapping" not in page


# ---------------------------------------------------------------- the CSV mapping


def test_every_column_of_the_mapping_has_a_name():
    assert set(COLUMN_NAMES) == set(COLUMN_KEYS)


def test_the_mapping_s_columns_are_named_in_the_language_of_each_page(admin_client, bank):
    """The column fields are made once, when the module is imported: their labels are
    translated when a page shows them, not in the language of that moment."""
    path = reverse("admin:payments_paymentsource_change", args=[bank.pk])

    with translation.override("en"):  # the language the fields were made in matters not
        page = german(admin_client, path)
    english = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for label in (
        "Spalte: Buchungsdatum",
        "Spalte: Wertstellung",
        "Spalte: Soll",
        "Spalte: Haben",
        "Spalte: Name des Gegenkontos",
        "Spalte: Verwendungszweck",
        "Spalte: End-to-End-Referenz",
    ):
        assert label in page
    assert "column:" not in page and "end to end id" not in page and "value date" not in page
    assert "column: booking date" in english and "column: end-to-end ID" in english
    assert "Spalte:" not in english


# ---------------------------------------------------------------- reminders


@pytest.fixture
def reminder_shop(make_sandbox):
    sandbox, connection = make_shop(make_sandbox)
    return sandbox, connection


def test_the_reminders_due_are_previewed_in_german_and_the_e_mail_in_its_order_s_language(
    login, reminder_shop
):
    sandbox, connection = reminder_shop
    unpaid_invoice(sandbox, language="en")
    import_and_book(connection)
    reminders_on(connection)

    page = german(login("payments.view_reminderlog"), DUE, {"connection": connection.pk})

    assert "1 (E-Mail)" in page and "(email)" not in page
    assert ".pdf (wird beim Senden bei Billbee angefordert)" in page
    assert "asked of Billbee" not in page
    # The e-mail itself is the English order's: its subject and the attachment's name.
    assert "Payment reminder: invoice" in page and "Invoice_RE-" in page


def test_a_letter_is_previewed_in_german(login, reminder_shop):
    sandbox, connection = reminder_shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection, reminder_channel=PaymentGroup.ReminderChannel.LETTER)

    page = german(login("payments.view_reminderlog"), DUE, {"connection": connection.pk})

    assert "(Brief (PDF zum Drucken))" in page
    assert "Ein Brief (PDF) zum Drucken; er wird auf der Seite der Mahnung aufbewahrt." in page
    assert "A letter (PDF) to print" not in page and "(letter)" not in page


def test_a_reminder_without_address_is_explained_in_german_and_stored_in_english(
    login, reminder_shop
):
    sandbox, connection = reminder_shop
    order = unpaid_invoice(sandbox, email="")
    import_and_book(connection)
    reminders_on(connection)
    client = login("payments.view_reminderlog", "payments.send_reminders")

    page = german(client, DUE, {"connection": connection.pk})
    sent = client.post(
        DUE, {"connection": connection.pk, "document": doc(order).pk}, follow=True, **GERMAN
    )

    assert "Die Bestellung hat keine E-Mail-Adresse (Rechnungsadresse, Kunde)" in page
    assert "The order has no e-mail address" not in page
    log = ReminderLog.objects.get()
    assert (log.status, log.level) == ("failed", 1)
    assert log.error.startswith("The order has no e-mail address (invoice address, customer)")
    assert "0 Mahnungen gesendet, 1 fehlgeschlagen" in sent.content.decode()
    title = german(client, reverse("admin:payments_reminderlog_change", args=[log.pk]))
    assert f"Mahnstufe 1 zu {log.invoice_number}" in title
    assert "reminder 1 for" not in title
    assert "Die Bestellung hat keine E-Mail-Adresse (Rechnungsadresse, Kunde)" in title
    assert "The order has no e-mail address" not in title
