"""Stored sentences in the reader's language: a reason or decision trace is stored in English
(the command line and the exports read it so) together with its template and values, and the
console says it again in German with German dates and amounts (connector/texts.py)."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from connector.models import ChannelRule, ExternalOrder, ImportRun
from connector.services.imports import orders_import
from connector.services.reevaluate import external_orders_reevaluate
from connector.texts import Joined, Money, Percent, State, Text, rendered, said, said_list, texts
from tests.conftest import SANDBOX_END, german, page_text
from tests.connector.test_german_console import shop  # noqa: F401 - the fixture

CATALOGUE = settings.BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"


def _rule() -> Text:
    period = Text("from {start}", start=date(2026, 10, 1))
    target = Text("platform {platform}", platform="Amazon")
    return Text("rule #{id}: exclude {target} ({period})", id=3, target=target, period=period)


def test_a_text_is_its_english_sentence_and_keeps_its_values():
    reason = Text("excluded by {rule}", rule=_rule())

    assert reason == "excluded by rule #3: exclude platform Amazon (from 01.10.2026)"
    assert isinstance(reason, str)
    assert reason.data() == {
        "t": "excluded by {rule}",
        "p": {
            "rule": {
                "t": "rule #{id}: exclude {target} ({period})",
                "p": {
                    "id": 3,
                    "target": {"t": "platform {platform}", "p": {"platform": "Amazon"}},
                    "period": {"t": "from {start}", "p": {"start": {"date": "2026-10-01"}}},
                },
            }
        },
    }
    assert pickle.loads(pickle.dumps(reason)).data() == reason.data()  # noqa: S301 - our own


def test_a_value_named_like_a_method_of_str_leaves_the_method_alone():
    text = Text("{count} shop connections: {split}", count=2, split="A, B")

    assert text.count("o") == 3
    assert text.split(": ") == ["2 shop connections", "A, B"]
    assert text.params == {"count": 2, "split": "A, B"}
    assert text.template == "{count} shop connections: {split}"


def test_a_sentence_without_values_is_made_once():
    assert Text("imported") is Text("imported")
    assert Text("imported").data() == {"t": "imported", "p": {}}


def test_values_keep_their_type_through_storage():
    sentence = Text(
        "credit note total {total} exceeds the original order {label} ({original})",
        total=Decimal("-1298.00"),
        label="R-7",
        original=Money(Decimal("1200.5"), "EUR"),
    )
    states = Text(
        "state {state} is not imported and not invoiced yet (imported states: {states})",
        state=State(1),
        states=Joined((State(3), State(4))),
    )

    stored = texts(reason=sentence, trace=[states, "a plain step"])

    assert stored["trace"][1] is None
    with translation.override("en"):  # the English console's number format
        assert said(sentence, stored["reason"]) == (
            "credit note total -1,298.00 exceeds the original order R-7 (1,200.50 EUR)"
        )
    with translation.override("de"):
        german_reason = said(sentence, stored["reason"])
        german_trace = said_list([states, "a plain step"], stored["trace"])
    assert german_reason == (
        "der Gutschriftsbetrag -1.298,00 übersteigt die Ursprungsbestellung R-7 (1.200,50 EUR)"
    )
    assert german_trace[0].startswith("Bestellstatus 1 ")
    assert "(importierte Status: 3 " in german_trace[0]
    assert german_trace[1] == "a plain step"


def test_english_readers_get_their_own_date_format():
    with translation.override("en"):
        assert _rule().render() == "rule #3: exclude platform Amazon (from 1 Oct 2026)"


def test_percentages_are_written_in_the_reader_s_language():
    skonto = Text(
        "{share} of the total (allowed {rate}), {vat} % VAT",
        share=Percent(Decimal("2.5") / Decimal("3"), places=2, sign=True),
        rate=Percent(Decimal("0.02") * 100, places=2, sign=True),
        vat=Percent(Decimal("5.50")),
    )
    stored = texts(reason=skonto)["reason"]

    assert skonto == "0.83 % of the total (allowed 2.00 %), 5.5 % VAT"
    assert stored["p"]["vat"] == {"percent": "5.50", "places": None, "sign": False}
    assert Text("{rate} %", rate=Percent(Decimal("2E+1"))) == "20 %"
    with translation.override("de"):
        assert said(skonto, stored).startswith("0,83 % of the total (allowed 2,00 %), 5,5 %")


def test_without_an_active_language_a_sentence_stays_as_stored():
    """The command line and the English exports run with no language active: they show the
    stored English exactly (01.10.2026), not the English console's format."""
    reason = Text("excluded by {rule}", rule=_rule())

    with translation.override(None):
        assert said(reason, reason.data()) == str(reason)
        assert rendered(reason) == "excluded by rule #3: exclude platform Amazon (from 01.10.2026)"


def test_the_sentences_package_runs_without_django():
    """The Billbee client and the VAT logic write their sentences with it."""
    code = (
        "import sys, sentences; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


def test_data_that_does_not_give_the_stored_english_back_is_not_used():
    """A row decided before (no data) or whose template has changed since shows what was
    stored, never another sentence."""
    stored = "excluded by rule #3: exclude platform Amazon (from 01.10.2026)"
    other = Text("excluded by {rule}", rule="rule #4").data()

    with translation.override("de"):
        assert said(stored, None) == stored
        assert said(stored, other) == stored
        assert said(stored, {"t": "broken {", "p": {}}) == stored
        assert said_list([stored, stored], [other]) == [stored, stored]  # lengths differ


def test_every_german_template_keeps_the_placeholders_of_its_english():
    """A translation that names another value would fall back to English at display; caught
    here instead."""
    catalogue = polib.pofile(str(CATALOGUE))
    templates = [e for e in catalogue if "python-brace-format" in e.flags and e.msgstr]
    wrong = [
        e.msgid
        for e in templates
        if set(re.findall(r"{(\w*)}", e.msgid)) != set(re.findall(r"{(\w*)}", e.msgstr))
    ]

    assert len(templates) > 40  # the makemessages keyword collects Text(...) templates
    assert catalogue.find("→ rejected: {reason}") is not None
    assert wrong == []


# ------------------------------------------------------------------ on the console's pages


@pytest.fixture
def imported(db, shop, static_root, settings):  # noqa: F811 - shop is the fixture
    """The German console's shop after one import."""
    settings.BILLBEE_RATE_LIMIT = 0
    orders_import(shop, now=SANDBOX_END + timedelta(days=1))
    return shop


def test_a_document_s_reason_and_trace_in_german_and_english(admin_client, imported):
    document = ExternalOrder.objects.filter(connection=imported, reason_code="channel_rule")[0]
    url = reverse("admin:connector_externalorder_change", args=[document.pk])

    german_page = page_text(german(admin_client, url))
    english_page = page_text(admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())

    rule = r"Regel Nr\. \d+: Plattform \w+ ausschließen"
    assert re.search(rf"ausgeschlossen durch {rule}", german_page)
    assert "Belegart: Rechnung (keine Endung -GS" in german_page
    assert re.search(r"Verkaufskanal \S[^:]*: trifft zu: Regel Nr\. \d+", german_page)
    assert "→ ausgeschlossen: ausgeschlossen durch Regel" in german_page
    # The version history's reason too (a version keeps only its English).
    assert re.search(r'title="ausgeschlossen durch Regel Nr\. \d+', german(admin_client, url))
    assert "excluded by rule" not in german_page
    assert document.reason in english_page  # English as stored
    assert document.trace[0] in english_page


def test_a_document_skipped_for_its_date_names_both_dates_the_german_way(admin_client, imported):
    # No rules any more and a start date after every document: the documents the rules
    # excluded are now dated before the start date.
    ChannelRule.objects.filter(connection=imported).delete()
    imported.import_start_date = (SANDBOX_END + timedelta(days=1)).date()
    imported.save()
    excluded = ExternalOrder.objects.filter(connection=imported, status="excluded")
    external_orders_reevaluate(imported, excluded)
    document = ExternalOrder.objects.filter(
        connection=imported, reason_code="before_start_date"
    ).first()
    assert document is not None
    url = reverse("admin:connector_externalorder_change", args=[document.pk])

    page = page_text(german(admin_client, url))

    assert (
        f"das Belegdatum {document.document_date:%d.%m.%Y} liegt vor dem Startdatum "
        f"{imported.import_start_date:%d.%m.%Y}"
    ) in page


def test_documents_decided_before_show_their_stored_reason(admin_client, imported):
    document = ExternalOrder.objects.filter(connection=imported, reason_code="channel_rule")[0]
    ExternalOrder.objects.filter(pk=document.pk).update(texts={})
    url = reverse("admin:connector_externalorder_change", args=[document.pk])

    page = page_text(german(admin_client, url))

    assert document.reason in page
    assert document.trace[0] in page


def test_applying_the_rules_again_gives_documents_decided_before_their_german(
    admin_client, imported
):
    """A document decided before its sentences kept their data shows its English until the
    rules are applied again: the same decision then keeps its sentences' data too."""
    stored = ExternalOrder.objects.filter(connection=imported).exclude(reason="")
    before = dict(stored.values_list("pk", "reason"))
    stored.update(texts={})

    moved = external_orders_reevaluate(imported, ExternalOrder.objects.filter(pk__in=before))

    assert moved == []  # no decision changed
    after = ExternalOrder.objects.filter(pk__in=before)
    assert dict(after.values_list("pk", "reason")) == before
    excluded = after.filter(reason_code="channel_rule")[0]
    assert excluded.texts["reason"]["t"] and len(excluded.texts["trace"]) == len(excluded.trace)
    page = page_text(
        german(admin_client, reverse("admin:connector_externalorder_change", args=[excluded.pk]))
    )
    assert excluded.reason not in page


def test_the_upload_log_list_shows_reasons_in_german(admin_client, imported):
    url = reverse("admin:connector_externalorder_changelist") + "?status__exact=excluded"

    page = page_text(german(admin_client, url))

    assert "ausgeschlossen durch Regel Nr." in page
    assert "excluded by rule" not in page


def test_the_run_keeps_each_counted_reason_s_values(imported):
    run = ImportRun.objects.get(connection=imported)

    reasons = [r for counts in run.reasons.values() for r in counts]

    assert reasons
    assert all(said(r, run.reason_texts.get(r)) == r for r in reasons)  # English: as stored
    with translation.override("de"):
        german_reasons = [said(r, run.reason_texts.get(r)) for r in reasons]
    assert not set(german_reasons) & set(reasons)


def test_a_failed_run_s_error_in_german_on_its_page_and_the_connection_list(admin_client, imported):
    from django.utils import timezone

    from connector.services.import_runs import import_runs_recover_stale

    stale = timezone.now() - timedelta(hours=3)
    run = ImportRun.objects.create(
        connection=imported,
        trigger=ImportRun.Trigger.SCHEDULED,
        state=ImportRun.State.RUNNING,
        worker="worker-7:4242",
        started_at=stale,
        heartbeat_at=stale,
    )

    assert import_runs_recover_stale() == [run.pk]

    run.refresh_from_db()
    assert run.error.startswith("The worker worker-7:4242 stopped: no sign of life since ")
    page = page_text(
        german(admin_client, reverse("admin:connector_importrun_change", args=[run.pk]))
    )
    assert "Der Worker worker-7:4242 ist stehen geblieben: kein Lebenszeichen seit " in page
    health = page_text(german(admin_client, reverse("admin:connector_connection_changelist")))
    assert f"letzter Import #{run.pk} fehlgeschlagen: Der Worker worker-7:4242" in health
    assert "no sign of life" not in page + health
