"""German first: the catalogues are complete and compiled, the console answers in
the browser's language with that language's dates and amounts, and a reminder e-mail is
written in its order's language whatever language the console runs in."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from bookkeeping.services.decide import stored_status
from connector.models import Connection, ExternalOrder
from payments.models import PaymentSource, Statement, StatementTransaction
from payments.reminders import ReminderLetter, ReminderSchedule, reminder_email

LOCALE = Path(settings.BASE_DIR) / "locale"
GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"
CATALOGUES = [LOCALE / language / "LC_MESSAGES" for language in ("de", "en")]


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _translation(entry: polib.POEntry | polib.MOEntry) -> object:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
    return entry.msgstr


def test_every_german_text_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(LOCALE / "de/LC_MESSAGES/django.po"))
    texts = [e for e in catalogue if not e.obsolete]
    missing = [e.msgid for e in texts if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [e.msgid for e in texts if "fuzzy" in e.flags]

    assert len(texts) > 500  # the console's own texts, not an empty catalogue
    assert missing == [], "German translation missing (scripts/merge_translations.sh)"
    assert fuzzy == [], "fuzzy German translation: check it and remove the fuzzy flag"


def _glossary() -> list[tuple[list[str], list[str]]]:
    """(German terms, English words) of each row of docs/glossary.md's tables."""
    rows = []
    for line in GLOSSARY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        bold = re.match(r"\*\*(.+?)\*\*", cells[0]) if len(cells) == 3 else None
        if bold:
            german = [t.strip() for t in bold.group(1).split("/")]
            english = [w.strip() for w in re.split(r"[,/]", re.sub(r"\(.*?\)", "", cells[1]))]
            rows.append((german, [w for w in english if w]))
    return rows


def test_the_console_uses_the_glossary_s_german_terms():
    """Where the English console uses a glossary word as a text of its own, the German console
    shows the glossary's German term for it (docs/glossary.md)."""
    # Texts with a context are Billbee's own names (its order states as its German interface
    # shows them), not the console's words.
    catalogue = {
        e.msgid: e.msgstr
        for e in polib.pofile(str(LOCALE / "de/LC_MESSAGES/django.po"))
        if not e.msgctxt
    }
    rows = _glossary()
    checked = [
        (english, catalogue[english], german)
        for german, words in rows
        for english in words
        if catalogue.get(english)
    ]

    assert len(rows) > 40 and len(checked) > 20
    wrong = [
        (english, shown, german)
        for english, shown, german in checked
        if not any(term.lower() in shown.lower() for term in german)
    ]
    assert wrong == []


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda folder: folder.parent.name)
def test_the_committed_mo_is_the_po_compiled(folder):
    """What `make messages` compiles from the .po is what the committed .mo holds: a .po
    changed after the last compilation (an older .mo) fails here."""
    source = polib.pofile(str(folder / "django.po"))
    compiled = polib.mofile(str(folder / "django.mo"))

    expected = {_key(e): _translation(e) for e in source.translated_entries()}
    actual = {_key(e): _translation(e) for e in compiled if e.msgid}

    assert actual == expected
    assert compiled.metadata.get("Language") == folder.parent.name


def test_the_admin_s_selection_widget_speaks_german(admin_client):
    """Django's German JavaScript catalogue lacks the selection widget's texts (a list of
    payment methods to pick from); ours adds them, compiled like the console's."""
    source = polib.pofile(str(LOCALE / "de/LC_MESSAGES/djangojs.po"))
    compiled = polib.mofile(str(LOCALE / "de/LC_MESSAGES/djangojs.mo"))
    assert {e.msgid: e.msgstr for e in compiled if e.msgid} == {
        e.msgid: e.msgstr for e in source.translated_entries()
    }

    script = admin_client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    start = script.index("const newcatalog = ") + len("const newcatalog = ")
    catalogue = json.loads(script[start : script.index("};", start) + 1])

    assert catalogue["Choose all %s"] == "Alle %s auswählen"
    assert catalogue["Remove all %s"] == "Alle %s entfernen"
    assert catalogue["Choose a Date"] == "Datum wählen"  # Django's own still there


@pytest.fixture
def statement_line(db) -> StatementTransaction:
    connection = Connection.objects.create(name="shop", api_url="http://127.0.0.1:9/api/v1")
    source = PaymentSource.objects.create(
        connection=connection,
        name="Sparkasse Giro",
        iban="DE89370400440532013000",
        ledger_account=1200,
    )
    statement = Statement.objects.create(source=source, sha256="0" * 64, format="camt053")
    return StatementTransaction.objects.create(
        source=source,
        statement=statement,
        key="line-1",
        position=1,
        booking_date=date(2026, 12, 2),
        amount=Decimal("1298.00"),
        currency="EUR",
        counterparty_name="Katrin Krüger",
    )


def test_the_console_speaks_german_to_a_german_browser(admin_client, statement_line):
    index = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    lines = admin_client.get(
        reverse("admin:payments_statementtransaction_changelist"), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert 'lang="de"' in index
    assert "Kontoauszugszeilen" in index and "Buchungsstapel" in index and "Sachkonten" in index
    assert "Buchhaltung" in index and "Zahlungen" in index  # the apps' names
    assert "Statement lines" not in index
    assert "1.298,00" in lines and "02.12.2026" in lines
    assert "Buchungsdatum" in lines  # the column of the field booking_date


def test_the_console_speaks_english_to_an_english_browser(admin_client, statement_line):
    index = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    lines = admin_client.get(
        reverse("admin:payments_statementtransaction_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'lang="en"' in index
    assert "Statement lines" in index and "Kontoauszugszeilen" not in index
    assert "1,298.00" in lines and "2 Dec 2026" in lines
    assert "02.12.2026" not in lines


def _letter(language: str) -> ReminderLetter:
    return ReminderLetter(
        order_number="SW10023",
        invoice_number="RE-2026-10440",
        invoice_date=date(2026, 12, 2),
        amount=Decimal("1298.00"),
        currency="EUR",
        name="Katrin Krüger",
        email="katrin@example.com",
        language=language,
        tracking=("00340434161094042557", "00340434161094042558"),
    )


def test_a_german_order_gets_a_german_e_mail_even_from_an_english_console():
    with translation.override("en"):
        message = reminder_email(_letter("de"), 1, date(2026, 12, 20), ReminderSchedule())

    assert message.subject == "Zahlungserinnerung zur Rechnung RE-2026-10440"
    assert "Rechnung RE-2026-10440 vom 02.12.2026 über 1.298,00 EUR noch offen" in message.body
    assert "bis zum 27.12.2026" in message.body
    assert "Ihre Sendungen: 00340434161094042557, 00340434161094042558" in message.body
    assert "Mit freundlichen Grüßen" in message.body
    assert translation.get_language() != "de"  # the console's language is left as it was


def test_an_english_order_gets_an_english_e_mail_even_from_a_german_console():
    with translation.override("de"):
        message = reminder_email(_letter("en"), 2, date(2026, 12, 20), ReminderSchedule())
        assert translation.get_language() == "de"

    assert message.subject == "Second reminder: invoice RE-2026-10440"
    assert "invoice RE-2026-10440 of 2 Dec 2026 (order SW10023), 1,298.00 EUR." in message.body
    assert "by 27 Dec 2026" in message.body
    assert "Kind regards" in message.body


def test_stored_notes_keep_the_english_status_in_a_german_worker():
    document = ExternalOrder(status=ExternalOrder.Status.WAITING)

    with translation.override("de"):
        assert document.get_status_display() == "wartet auf Rechnung"
        assert stored_status(document) == "waiting for invoice"


def test_the_csv_and_xlsx_pages_of_the_lists_say_sie_not_du():
    """django-import-export's German says "du"; the console's catalogue gives its texts in the
    console's words and is read first."""
    from connector.third_party_texts import IMPORT_EXPORT_TEXTS

    with translation.override("de"):
        shown = [translation.gettext(text) for text in IMPORT_EXPORT_TEXTS]

    assert shown[2] == "Wählen Sie mindestens ein Feld von „%(resource_name)s“ zum Exportieren aus"
    for text in shown:
        words = set(text.replace(",", " ").replace(".", " ").split())
        assert "Sie" in words
        assert not {"du", "deine", "deiner", "korrigiere", "Wähle", "Stelle"} & words
