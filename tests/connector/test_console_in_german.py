"""Every page of the console, read in German, holds no English sentence: the console's own
texts, the stored sentences (reasons, traces, notes, refusals) and Django's own texts are all
said in German.

A shop with something on every page (tests/browser/data.py: imported from the sandbox,
booked, last month exported, a bank statement matched, every set-up list filled) is read with
the test client in German: every list, the newest rows of each and the newest of each state,
kind and reason, and the pages of their own (dashboard, work queue, period report, export,
settle). A text counts as English when it has at least two common English words and fewer
than two German ones, or when it is a short text of our catalogue (a label, a column head, a
choice) shown as its English; names and data from Billbee are German in the sandbox, so what
is found is ours.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import polib
import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from lxml import html

from tests.browser.data import BERLIN, last_month, shop_with_everything
from tests.conftest import german, page_text

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(
    r"\b(the|is|are|not|was|has|have|with|for|of|and|been|this|that|which|from|before|"
    r"after|waiting|booked|imported|excluded|rejected)\b"
)
GERMAN = re.compile(
    r"\b(der|die|das|ist|sind|nicht|und|mit|für|von|wird|wurde|noch|ein|eine|kein|keine|"
    r"Beleg|Buchung|Belege)\b"
)
ROWS_PER_LIST = 2


@pytest.fixture
def shop(make_sandbox, settings, static_root, tmp_path) -> Any:
    settings.BILLBEE_RATE_LIMIT = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    month = last_month()
    sandbox = make_sandbox(
        orders=40,
        seed=11,
        days=20,
        end=datetime(month.year, month.month, 24, 18, 0, tzinfo=BERLIN),
    )
    return shop_with_everything(sandbox, tmp_path)


def _rows(model: Any) -> list[int]:
    """The newest rows, and the newest row of each value of each field with choices (a state,
    a kind, a status) and of each reason code: every kind of row a page can show is read."""
    rows = model._default_manager.order_by("-pk")
    pks = list(rows.values_list("pk", flat=True)[:ROWS_PER_LIST])
    for field in model._meta.concrete_fields:
        if field.is_relation or not (field.choices or field.name == "reason_code"):
            continue
        for value in rows.order_by().values_list(field.attname, flat=True).distinct():
            pk = rows.filter(**{field.attname: value}).values_list("pk", flat=True).first()
            if pk not in pks:
                pks.append(pk)
    return pks


def _pages(shop: Any) -> list[str]:
    from payments.models import StatementTransaction

    pages = ["/admin/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        except NoReverseMatch:
            continue
        for pk in _rows(model):
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    month = f"{last_month():%Y-%m}"
    pages += [
        reverse("bookkeeping_work_queue") + f"?connection={shop.pk}",
        reverse("bookkeeping_period_report") + f"?connection={shop.pk}&month={month}",
        reverse("admin:bookkeeping_exportbatch_export"),
    ]
    for tx in StatementTransaction.objects.order_by("pk")[:5]:
        pages.append(reverse("admin:payments_statementtransaction_settle", args=[tx.pk]))
    return pages


@functools.cache
def _untranslated_labels() -> frozenset[str]:
    """Our catalogue's short texts (labels, column heads, buttons: up to four words, no
    placeholders) whose German differs: such a text shown as it is was not translated."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/de/LC_MESSAGES/django.po"))
    return frozenset(
        entry.msgid
        for entry in catalogue
        if entry.msgstr
        and entry.msgstr != entry.msgid
        and len(entry.msgid.split()) <= 4
        and "%" not in entry.msgid
        and "{" not in entry.msgid
        and re.search(r"[a-z]{3}", entry.msgid)
    )


def _english_texts(page: str) -> list[str]:
    tree = html.fromstring(page)
    # Names are data (a Billbee payment method's own name is "Check"): not ours to translate.
    for hidden in tree.xpath(
        "//script|//style|//textarea|//select|//pre|//code|//td[@class='field-name']"
    ):
        hidden.drop_tree()
    labels = _untranslated_labels()
    found = []
    for text in tree.xpath("//text()"):
        text = " ".join(text.split())
        if len(ENGLISH.findall(text)) >= 2 and len(GERMAN.findall(text)) < 2:
            found.append(text[:200])
        elif text.rstrip(":") in labels and text != "admin":  # the user's name
            found.append(text)
    return found


def test_no_page_of_the_console_speaks_english_to_a_german_reader(admin_client, shop):
    pages = _pages(shop)
    english: dict[str, list[str]] = {}
    for page in pages:
        response = admin_client.get(page, HTTP_ACCEPT_LANGUAGE="de")
        assert response.status_code == 200, page
        text = response.content.decode()
        assert 'lang="de"' in text, page
        found = _english_texts(text)
        if found:
            english[page] = found

    assert len(pages) > 70
    assert english == {}, "\n".join(f"{page}: {texts}" for page, texts in english.items())


def test_a_documents_page_names_its_entries_lines_and_original_in_german(admin_client, shop):
    from bookkeeping.models import JournalEntry
    from connector.models import ExternalOrder

    entry = JournalEntry.objects.filter(kind="invoice", document__isnull=False).first()
    note = ExternalOrder.objects.get(kind="credit_note")  # its original is not in the log
    assert entry and note.parent_id is None and note.parent_billbee_id
    url = "admin:connector_externalorder_change"

    invoice = page_text(german(admin_client, reverse(url, args=[entry.document_id])))
    missing = page_text(german(admin_client, reverse(url, args=[note.pk])))
    ExternalOrder.objects.filter(pk=note.pk).update(parent=entry.document_id)
    found = page_text(german(admin_client, reverse(url, args=[note.pk])))

    assert f": Rechnung {entry.number}," in invoice
    assert re.search(r"S \d+ [\d.,]+ Debitor", invoice)
    assert re.search(r"H \d+ [\d.,]+ Erlöse", invoice)
    assert f"Ursprungsbestellung {note.parent_billbee_id}: nicht im Upload-Log" in missing
    assert f"Ursprungsbestellung {entry.number} (importiert)" in found
