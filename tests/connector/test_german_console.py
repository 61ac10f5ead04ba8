"""The connection and import pages of the console in German (a browser that asks for German):
every text of their own in German, the former English gone. Stored reasons are said again in
German (connector/texts.py); notes and a connection test's messages stay as they were stored.

Data comes from the real services: a sandbox on loopback, a connection made with
``connection_upsert`` and a real ``orders_import``.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from connector.admin.dashboard import charts
from connector.models import ChannelRule, Connection, ExternalOrder, ImportRun, SalesChannel
from connector.services.connections import connection_test, connection_upsert
from connector.services.imports import orders_import
from connector.states import order_state_name
from tests.conftest import (
    SANDBOX_END,
    SANDBOX_KEY,
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    admin_form_data,
    page_text,
)
from tests.conftest import german as german_page

pytestmark = pytest.mark.django_db

AFTER_SANDBOX = SANDBOX_END + timedelta(days=1)
CHANGELIST = "admin:connector_connection_changelist"


@pytest.fixture(autouse=True)
def _pages(static_root, settings):
    """Every test here renders admin pages; the sandbox needs no pacing."""
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox) -> Connection:
    sandbox = make_sandbox(orders=120)
    connection, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    connection.import_start_date = (SANDBOX_END - timedelta(days=91)).date()
    connection.save()
    return connection


@pytest.fixture
def imported(shop) -> Connection:
    orders_import(shop, now=AFTER_SANDBOX)
    connection_test(shop)
    shop.refresh_from_db()
    return shop


def _german(client, url: str, data: dict[str, Any] | None = None) -> str:
    """The page's text as a German reader sees it (tags removed, whitespace collapsed); with
    ``data``, the page a POST leads to."""
    posted = data is not None
    return page_text(german_page(client, url, data, post=posted, follow=posted))


def _messages(response) -> list[str]:
    """The messages' text (a link's text stays, its tags go)."""
    return [html.unescape(re.sub(r"<[^>]+>", "", str(m))) for m in response.context["messages"]]


def _action(client, action: str, connection: Connection) -> list[str]:
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [connection.pk]},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert response.status_code == 200
    return _messages(response)


# ---------------------------------------------------------------- connections


def test_the_connection_list_speaks_german(admin_client, imported):
    run = ImportRun.objects.get(connection=imported)

    text = _german(admin_client, reverse(CHANGELIST))

    for german in (
        "Zugangsdaten",
        "Letzter Import",
        "Nächster geplanter Import",
        "Zustand",
        "API-Passwort gespeichert; API-Schlüssel gespeichert",
        f"funktioniert; letzter Import #{run.pk} erfolgreich",
        "Ausgewählte Verbindungen testen",
        "Jetzt importieren",
        "Regeln erneut anwenden",
    ):
        assert german in text
    for english in (
        "Credentials",
        "Health",
        "API password stored",
        "works;",
        "succeeded",
        "Test the selected connections",
        "Import now",
        "Apply the rules again",
    ):
        assert english not in text


def test_the_connection_health_speaks_german_when_something_is_wrong(admin_client, imported):
    Connection.objects.filter(pk=imported.pk).update(
        last_test_ok=False, last_test_message="Billbee rejected the credentials"
    )
    ImportRun.objects.create(
        connection=imported, trigger=ImportRun.Trigger.ADMIN, state=ImportRun.State.RUNNING
    )

    text = _german(admin_client, reverse(CHANGELIST))

    # A message stored without its template (before) is shown as stored.
    assert "Test fehlgeschlagen: Billbee rejected the credentials" in text
    assert re.search(r"Import #\d+ läuft \(0 %\)", text)
    assert "test failed" not in text and "running" not in text


def test_the_connection_page_speaks_german(admin_client, imported):
    url = reverse("admin:connector_connection_change", args=[imported.pk])

    text = _german(admin_client, url)

    for german in (
        "Billbee-API",
        "Buchhaltung",
        "Zeitplan",
        "Letzter Test",
        "Datensatz",
        "Importierte Status",
        "Billbee-Bestellstatus, die schon importiert werden, bevor es eine Rechnung gibt",
        "Importstand",
        "Jede bis hierher geänderte Bestellung ist importiert",
        "Kanalregeln (eine Einschlussregel hat Vorrang vor Ausschlussregeln",
        "Plattform Amazon ausschließen (ganzer Zeitraum)",
        "alle zutreffenden Verkaufskanäle",
        "Für Verkaufskanal",
    ):
        assert german in text
    for english in (
        "Bookkeeping",
        "Last test",
        "Imported states",
        "Billbee order states that are imported",
        "h ago",
        "Channel rules",
        "exclude platform Amazon",
        "whole period",
        "all matching channels",
        "For channel",
    ):
        assert english not in text


def test_a_new_connection_s_page_and_its_saving_speak_german(admin_client):
    add = reverse("admin:connector_connection_add")
    text = _german(admin_client, add)

    assert "Beim Sichern werden Ausschlussregeln für Amazon, eBay" in text
    assert "API-Passwort FEHLT; API-Schlüssel FEHLT" in text
    assert "noch nichts importiert: Der erste Import beginnt am Importbeginn" in text
    assert "When you save" not in text and "MISSING" not in text

    response = admin_client.get(add, HTTP_ACCEPT_LANGUAGE="de")
    data = admin_form_data(response)
    data.update(
        name="shop",
        username=SANDBOX_USER,
        new_api_password=SANDBOX_PASSWORD,
        new_api_key=SANDBOX_KEY,
        only_imported_states="on",
        _save="Sichern",
    )
    saved = admin_client.post(add, data, HTTP_ACCEPT_LANGUAGE="de", follow=True)

    messages = " ".join(_messages(saved))
    assert "7 Standard-Ausschlussregeln wurden angelegt (Amazon, eBay" in messages
    assert "AccountOne-kompatibel: Rechnungen außerhalb der importierten Status" in messages
    assert "default exclusion rules" not in messages and "AccountOne-compatible" not in messages


def test_the_connection_s_own_pages_speak_german(admin_client, imported):
    pages = {
        "import_now": "Liest jede seit dem Importstand",
        "reevaluate": "Entscheidet mit den aktuellen Regeln und Einstellungen erneut",
    }
    count = ExternalOrder.objects.filter(connection=imported).count()
    for name, explanation in pages.items():
        url = reverse(f"admin:connector_connection_{name}", args=[imported.pk])

        text = _german(admin_client, url)

        assert explanation in text
        assert f"Verbindung shop : {count} Belege im Upload-Log." in text
        assert "Das läuft im Hintergrund; Sie können diese Seite verlassen." in text
        assert "Zurück zur Verbindung" in text
        assert "Start › Billbee-Import › Verbindungen › shop ›" in text
        for english in ("Home", "documents in the log", "Back to the connection", "background"):
            assert english not in text


def test_the_connection_actions_answer_in_german(
    admin_client, imported, django_capture_on_commit_callbacks
):
    assert _action(admin_client, "test_connections", imported) == [
        "shop: Die Verbindung funktioniert."
    ]

    with django_capture_on_commit_callbacks():  # queued, not run
        queued = _action(admin_client, "import_now", imported)
    run = ImportRun.objects.filter(connection=imported).latest("pk")
    assert queued == [
        f"shop: Import als Lauf #{run.pk} eingereiht. Verfolgen Sie ihn in den Importläufen."
    ]

    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING)
    refused = _action(admin_client, "import_now", imported)
    assert refused == [
        f"shop: Ein Import läuft bereits (Lauf #{run.pk}); es wurde kein zweiter gestartet."
    ]

    with django_capture_on_commit_callbacks():
        again = _action(admin_client, "apply_rules_again", imported)
    assert again[0].startswith("shop: Die aktuellen Regeln und Einstellungen werden erneut")


def test_a_failed_connection_test_names_its_checks_in_german(admin_client, imported):
    Connection.objects.filter(pk=imported.pk).update(api_url="http://127.0.0.1:9/api/v1")

    messages = _action(admin_client, "test_connections", imported)

    # The check's name and its message in German.
    assert messages[0].startswith(
        "shop: Anmeldung: Unter http://127.0.0.1:9/api/v1 nimmt niemand Verbindungen an."
    )
    assert "authentication" not in messages[0] and "Nothing accepts" not in messages[0]
    # Stored in English (the command line reads it so), shown in German on the list.
    imported.refresh_from_db()
    assert imported.last_test_message.startswith(
        "authentication: Nothing accepts connections at http://127.0.0.1:9/api/v1."
    )
    text = _german(admin_client, reverse(CHANGELIST))
    assert "Test fehlgeschlagen: Anmeldung: Unter http://127.0.0.1:9/api/v1" in text
    page = _german(admin_client, reverse("admin:connector_connection_change", args=[imported.pk]))
    assert "Anmeldung: Unter http://127.0.0.1:9/api/v1 nimmt niemand Verbindungen an." in page


def test_the_connection_test_of_the_wizard_names_its_checks_in_german(admin_client, imported):
    Connection.objects.filter(pk=imported.pk).update(onboarding_step=2)
    url = reverse("admin:connector_connection_onboarding_step", args=[imported.pk, 2])

    text = _german(admin_client, url, {"_test": "1"})

    assert "Die Verbindung funktioniert." in text
    for check in ("Zugangsdaten", "Anmeldung", "Bestellungen", "Rechnungen", "Shops"):
        assert f"{check} ✔ bestanden" in text
    assert "authentication ✔" not in text and "invoices ✔" not in text
    assert "Benutzername, API-Passwort und API-Schlüssel hinterlegt" in text
    assert re.search(r"Rechnungsliste lesbar: \d+ Belege in den letzten 31 Tagen", text)


# ---------------------------------------------------------------- import runs


def test_the_import_run_list_speaks_german(admin_client, imported):
    ImportRun.objects.create(
        connection=imported, trigger=ImportRun.Trigger.ADMIN, state=ImportRun.State.RUNNING
    )
    response = admin_client.get(
        reverse("admin:connector_importrun_changelist"), HTTP_ACCEPT_LANGUAGE="de"
    )
    text = page_text(response.content.decode())

    for german in ("Lauf", "Fortschritt", "Dauer", "Abgerufen", "Anfragen", "Gedrosselt"):
        assert german in text
    assert "Ein Import läuft: Diese Liste aktualisiert sich alle paar Sekunden." in text
    assert "An import is running" not in text
    for english in ("Progress", "Duration", "Fetched", "Requests", "Throttled"):
        assert english not in text


def test_the_progress_script_writes_the_duration_as_the_page_does(admin_client, imported):
    run = ImportRun.objects.create(
        connection=imported, trigger=ImportRun.Trigger.ADMIN, state=ImportRun.State.RUNNING
    )
    url = reverse("admin:connector_importrun_change", args=[run.pk])

    def texts(language: str) -> dict[str, str]:
        page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        found = re.search(
            r'<script id="import-run-progress-texts" type="application/json">(.*?)</script>',
            page,
        )
        assert found, "the script's texts are on the page"
        assert '+ " s"' not in page and '" min "' not in page  # no English of its own
        return json.loads(found.group(1))

    german, english = texts("de"), texts("en")

    assert german["decimal_separator"] == "," and english["decimal_separator"] == "."
    assert german["minutes"] == "%(minutes)s min %(seconds)02d s"


def test_the_import_run_page_speaks_german(admin_client, imported):
    run = ImportRun.objects.get(connection=imported)
    url = reverse("admin:connector_importrun_change", args=[run.pk])

    text = _german(admin_client, url)

    for german in (
        f"Import #{run.pk} von shop (erfolgreich)",
        f"Lauf #{run.pk} von shop",
        "Zuletzt von diesem Lauf gesehene Belege",
        "Fortschritt",
        "Zeitfenster",
        "Seiten",
        "gelesen Bestellungen, geändert",
        "begonnen / beendet 21.11.2026",
        "letztes Lebenszeichen",
        "Ergebnis Anzahl abgerufen",
        "übersprungen",
        "Gründe",
    ):
        assert german in text
    # The outcome and the reason counted for it in German (stored in English).
    assert re.search(
        r"ausgeschlossen ausgeschlossen durch Regel Nr\. \d+: Plattform \w+ ausschließen "
        r"\(ganzer Zeitraum\)",
        text,
    )
    assert "excluded by rule" not in text
    for english in (
        "(succeeded)",
        "Run #",
        "Documents last seen",
        "started / finished",
        "last sign of life",
        "orders modified",
        "outcome",
        "fetched",
    ):
        assert english not in text


def test_the_import_run_page_writes_its_moments_in_the_reader_s_language(admin_client, imported):
    run = ImportRun.objects.get(connection=imported)
    url = reverse("admin:connector_importrun_change", args=[run.pk])

    english = page_text(admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())

    assert "started / finished 21 Nov 2026 18:00:00" in english
    assert "21.11.2026" not in english


# ---------------------------------------------------------------- sales channels


def test_the_sales_channel_list_speaks_german(admin_client, imported):
    text = _german(admin_client, reverse("admin:connector_saleschannel_changelist"))

    for german in ("Verkaufskanal", "Bestellherkunft", "In den Büchern", "Ausgeschlossen"):
        assert german in text
    assert "manuelle Bestellungen (kein Shop)" in text
    for english in ("Sales channel", "In the books", "Excluded", "Total", "manual orders"):
        assert english not in text


def test_a_sales_channel_s_page_speaks_german(admin_client, imported):
    amazon = SalesChannel.objects.filter(connection=imported, platform="Amazon").first()
    assert amazon is not None
    url = reverse("admin:connector_saleschannel_change", args=[amazon.pk])

    text = _german(admin_client, url)

    for german in (
        "Belege nach Status",
        "Regeln der ganzen Verbindung, die auf diesen Verkaufskanal zutreffen",
        "Zutreffende Regeln",
        "Regel Aktion trifft zu auf Zeitraum Notiz",
        "ausschließen Plattform Amazon ganzer Zeitraum "
        "Voreinstellung: meist über die direkte Schnittstelle der Buchhaltung gebucht",
        "Regeln von shop bearbeiten",
        "Regeln nur für diesen Verkaufskanal",
    ):
        assert german in text
    for english in (
        "Documents by status",
        "Rules of the whole connection",
        "Matching rules",
        "matches",
        "whole period",
        "Edit the rules of",
        "Rules for this channel only",
    ):
        assert english not in text


# ---------------------------------------------------------------- documents and start page


def test_a_document_s_page_names_billbee_s_state_and_vat_mode_in_german(admin_client, imported):
    document = ExternalOrder.objects.filter(connection=imported, vat_mode=0).first()
    assert document is not None and document.billbee_state is not None
    url = reverse("admin:connector_externalorder_change", args=[document.pk])
    with translation.override("de"):
        state = order_state_name(document.billbee_state)
    with translation.override("en"):
        english_state = order_state_name(document.billbee_state)

    text = _german(admin_client, url)

    row = re.search(r"Billbee-Status (.*?) Bestellherkunft", text)
    assert row and row.group(1) == f"{document.billbee_state} {state}"
    assert state != english_state
    assert "Billbee-Steuermodus 0 Umsatzsteuer ausgewiesen" in text
    assert "VAT shown" not in text


def test_the_start_page_s_charts_name_channels_and_outcomes_in_german(imported):
    admin = User.objects.create_superuser("chief")
    run = ImportRun.objects.get(connection=imported)
    assert run.started_at is not None

    with translation.override("de"):
        shown = {c.key: c for c in charts(imported, admin, today=run.started_at.date())}

    durations = shown["duration"]
    assert [row[1] for row in durations.rows] == ["erfolgreich"]
    assert "manuelle Bestellungen (kein Shop)" in shown["documents"].headers
    assert "manual orders (no shop)" not in shown["documents"].svg


def test_default_rules_stored_with_the_english_note_show_it_in_german(admin_client, imported):
    """Default rules were once created with an English note; the migration that lets the
    console say it in the reader's language empties exactly those notes."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("connector.migrations.0021_default_rule_notes")
    rules = ChannelRule.objects.filter(connection=imported, is_default=True)
    rules.update(note=migration.ENGLISH_DEFAULT_NOTE)
    edited = rules.first()
    ChannelRule.objects.filter(pk=edited.pk).update(note="Amazon bucht das Steuerbüro")

    migration.forwards(apps, None)

    notes = dict(rules.values_list("pk", "note"))
    assert notes.pop(edited.pk) == "Amazon bucht das Steuerbüro"
    assert set(notes.values()) == {""}
    with translation.override("de"):
        shown = {r.shown_note for r in rules.exclude(pk=edited.pk)}
    assert shown == {"Voreinstellung: meist über die direkte Schnittstelle der Buchhaltung gebucht"}


def test_a_group_s_permissions_are_named_in_german(admin_client, imported):
    """Django stores permission names in English; the group page names them from the
    translated model names and actions, and our own permissions by their German names."""
    from django.contrib.auth.models import Group

    operator = Group.objects.get(name="Operator")
    url = reverse("admin:auth_group_change", args=[operator.pk])

    text = _german(admin_client, url)

    with translation.override("de"):
        app = str(Connection._meta.app_config.verbose_name)
        model = str(Connection._meta.verbose_name)
    assert f"{app} | {model} | Verbindung gegen Billbee testen" in text
    assert f"{app} | {model} | {model} ansehen" in text
    assert "Zahlungen bestätigen, aufteilen, mit Skonto oder Abschreibung ausgleichen" in text
    assert "Can view" not in text and "Can test a connection" not in text
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Billbee import | connection | Can test a connection against Billbee" in english


def test_the_user_page_is_german_where_django_s_catalogue_is_not(admin_client, admin_user):
    """Django 5.2's German catalogue leaves the password note of its user page untranslated;
    ours says it."""
    url = reverse("admin:auth_user_change", args=[admin_user.pk])

    text = _german(admin_client, url)

    assert "Passwörter werden nicht im Klartext gespeichert" in text
    assert "Raw passwords are not stored" not in text
