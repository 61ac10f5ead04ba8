"""The period report in German, the console's default: every title, heading, note and label
is German, amounts and dates in German format, the PDF still fits A4 landscape; stored
reasons stay as stored, and the CSV stays English (test_reports.py reads the report in
English, the test settings' language)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from bookkeeping.reports import (
    completeness_check,
    period_report,
    render_html,
    render_pdf,
    render_xlsx,
)
from bookkeeping.reports.sections import report_tables
from tests.bookkeeping.test_reports import (  # noqa: F401 - books is a fixture
    ADMIN_URLS,
    OCTOBER,
    TESTSHOP_ORIGIN,
    UNMAPPED_ORIGIN,
    books,
    pdf_text,
)

pytestmark = pytest.mark.django_db


# What the English report says and the German one must not (former English texts).
ENGLISH = (
    "Totals and cross-check",
    "Revenue per sales channel and VAT treatment",
    "sales channel (origin)",
    "Σ debit (Soll)",
    "journal entries dated in the month",
    "EU-wide delivery threshold",
    "net EU distance sales",
    "Counted from the books",
    "Open items at the month",
    "Not in the journal",
    "Upload log: documents not accepted",
    "Completeness: Billbee against the upload log",
    "Gaps in invoice numbers",
    "unexplained gap",
    "all shops",
    "0–30 days",
    "amounts in EUR",
)


def german_report(books, check):  # noqa: F811
    with translation.override("de"):
        report = period_report(books.connection, *OCTOBER)
        completeness = completeness_check(books.connection, *OCTOBER, client=check)
        return report, completeness


def cell_texts(tables) -> set[str]:
    return {str(v) for t in tables for row in (*t.rows, t.footer or ()) for v in row}


def test_every_title_heading_and_note_of_the_report_is_german(books, sandbox):  # noqa: F811
    client = sandbox.client()
    report, completeness = german_report(books, client)
    client.close()

    with translation.override("en"):
        english = report_tables(report, completeness)
    with translation.override("de"):
        german = report_tables(report, completeness)
        html = render_html(report, completeness)

    for en, de in zip(english, german, strict=True):
        assert de.title != en.title and en.title not in html, en.title
        assert not de.note or de.note != en.note, en.key
        assert set(de.headers).isdisjoint(en.headers), (en.key, set(de.headers) & set(en.headers))
    for text in ENGLISH:
        assert text not in html, text
    titles = {t.key: t.title for t in german}
    assert titles["summary"] == "Summen und Abstimmung"
    assert titles["revenue"] == "Erlöse je Verkaufskanal und umsatzsteuerlicher Behandlung"
    assert titles["open_items"] == "Offene Posten am Monatsende (OPOS)"
    assert titles["completeness"] == "Vollständigkeit: Billbee gegen das Upload-Log"
    assert "Verkaufskanal (Bestellherkunft)" in html and "Σ Soll" in html
    assert "Beträge in EUR" in html and 'lang="de"' in html


def test_the_german_report_names_figures_groups_and_kinds_in_german(books, sandbox):  # noqa: F811
    client = sandbox.client()
    report, completeness = german_report(books, client)
    client.close()

    with translation.override("de"):
        tables = {t.key: t for t in report_tables(report, completeness)}

    cells = cell_texts(tables.values())
    assert {"Σ Soll", "Σ Haben", "Summe", "Rechnung", "Gutschrift", "alle Shops"} <= cells
    assert {"Upload-Log", "Buchhaltung", "Inland", "nicht überschritten"} <= cells
    assert not {"total", "all shops", "invoice", "credit note", "domestic", "below"} & cells
    assert "Netto-EU-Fernverkäufe 2026 bis 31.10.2026" in cells
    assert "Lieferschwelle 10.000,00 EUR" in tables["threshold"].note
    # A group is named by its reason, the origin that lacks a debtor account beneath it.
    held = [tuple(row) for row in tables["held"].rows]
    group = held.index(("wartet", "kein Debitorenkonto zugeordnet", "no_debtor", 1))
    assert held[group + 1] == ("", f"– {UNMAPPED_ORIGIN}", "", 1)
    # A stored reason names one document: said in the report's language (stored in English).
    reasons = {row[1]: row[6] for row in tables["held_documents"].rows}
    assert reasons["RT-2026-3"].startswith("Ordnen Sie der Bestellherkunft ")
    assert "einen Debitor zu (Buchhaltung → Debitorenzuordnung)" in reasons["RT-2026-3"]
    assert "0,01 EUR" in tables["vat_differences"].note
    assert tables["completeness"].note.startswith("Billbees Rechnungsregister, gelesen ")


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_pdf_keeps_every_column_on_a4_landscape(books, language):  # noqa: F811
    with translation.override(language):
        report = period_report(books.connection, *OCTOBER)
        completeness = completeness_check(books.connection, *OCTOBER, client=False)
        content = render_pdf(report, completeness)

    reader = PdfReader(io.BytesIO(content))
    starts = []
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            842,
            595,
        )

        def text_start(operator, operands, cm, tm, starts=starts):
            if operator == b"Tm":  # where each run of text starts, in points from the left
                starts.append(float(operands[4]) * cm[0] + cm[4])

        page.extract_text(visitor_operand_before=text_start)
    right_margin = 14 / 25.4 * 72  # 14 mm
    assert starts and max(starts) < 842 - right_margin
    text = pdf_text(content)
    if language == "de":
        assert "Periodenbericht shop · 10/2026" in text
        assert "Summen und Abstimmung" in text and "Vollständigkeit" in text
        assert f"Seite {len(reader.pages)} von {len(reader.pages)}" in text
        assert "Totals and cross-check" not in text and "page 1 of" not in text
        flat = re.sub(r"\s+", "", text)
        assert "nachdemletztenImportgeändert" in flat and "fehlt(ungeklärt)" in flat


@ADMIN_URLS
def test_the_page_the_workbook_and_the_csv_for_a_german_reader(books, admin_client):  # noqa: F811
    cache.clear()
    query = {"connection": books.connection.pk, "month": "2026-10"}

    page = admin_client.get(
        "/admin/bookkeeping/period-report/", query, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    workbook = admin_client.get(
        "/admin/bookkeeping/period-report/",
        {**query, "format": "xlsx"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    csv = admin_client.get(
        "/admin/bookkeeping/period-report/",
        {**query, "format": "csv", "section": "revenue"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    bad_month = admin_client.get(
        "/admin/bookkeeping/period-report/",
        {**query, "month": "2026-13"},
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()

    assert "Periodenbericht 10/2026 · shop" in page
    assert "Erlöse je Verkaufskanal und umsatzsteuerlicher Behandlung" in page
    assert "nicht gegen Billbee geprüft" in page and "not checked against Billbee" not in page
    for text in ENGLISH:
        assert text not in page, text
    sheets = load_workbook(io.BytesIO(workbook.content))
    assert sheets.sheetnames[:4] == ["Bericht", "Übersicht", "Erlöse", "OSS"]
    assert all(len(name) <= 31 for name in sheets.sheetnames)
    about = dict(sheets["Bericht"].iter_rows(values_only=True))
    assert about["Zeitraum"] == "01.10.2026 – 31.10.2026"
    assert [c.value for c in sheets["Erlöse"][1]][:2] == [
        "Verkaufskanal (Bestellherkunft)",
        "umsatzsteuerliche Behandlung",
    ]
    # The CSV stays as it is whatever the page's language: English headings and labels.
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "sales channel (origin);VAT treatment;net;VAT;gross;entries"
    assert f"{TESTSHOP_ORIGIN};domestic;21,01;3,99;25,00;3" in lines
    assert lines[-1].startswith("total;")
    assert "ist kein Monat: Geben Sie ihn als JJJJ-MM an" in bad_month


def test_the_xlsx_of_an_english_reader_stays_english(books):  # noqa: F811
    with translation.override("en"):
        content = render_xlsx(period_report(books.connection, *OCTOBER))

    sheets = load_workbook(io.BytesIO(content))
    assert sheets.sheetnames[:3] == ["Report", "Summary", "Revenue"]
    assert dict(sheets["Report"].iter_rows(values_only=True))["Period"] == (
        "1 Oct 2026 – 31 Oct 2026"
    )
