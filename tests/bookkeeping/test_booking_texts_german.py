"""Bookkeeping's stored sentences in the reader's language: a booking's reason, decision
trace and warnings are stored in English with their templates and values beside them
(connector/texts.py), and every console page that shows them says them in the reader's
language, with German amounts and dates for a German reader. The CSV of the period report
stays English; a booking stored before the sentences' data shows as stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from bookkeeping.models import DocumentBooking
from bookkeeping.vat import rates_on
from bookkeeping.vat.treatment import _describe
from connector.texts import Text, said, said_list_field, texts
from tests.bookkeeping.helpers import booking, import_and_book
from tests.conftest import german
from tests.connector.test_import import insert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("static_root")]

NO_LINES_EN = "the invoice of 1298 has no lines: Billbee sent no OrderItems"
NO_LINES_DE = "die Rechnung über 1.298,00 hat keine Positionen: Billbee hat keine OrderItems"


@pytest.fixture
def books(account, shop):
    """A booked invoice of 25.00 and one of 1,298.00 without lines, which waits."""
    booked = insert(account)
    waiting = insert(account, OrderItems=[], TotalCost=1298, ShippingCost=0)
    import_and_book(shop)
    return shop, booking(booked), booking(waiting)


def _document_page(client, booking: DocumentBooking, language: str) -> str:
    path = reverse("admin:connector_externalorder_change", args=[booking.pk])
    if language == "de":
        return german(client, path)
    return client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_booking_keeps_its_english_and_the_data_to_say_it_again(books):
    _shop, booked, waiting = books

    assert waiting.reason.startswith(NO_LINES_EN)
    assert waiting.trace == [f"→ waiting: {waiting.reason}"]
    assert waiting.texts["reason"]["p"] == {"total": {"decimal": "1298"}}
    assert booked.reason == "booked"
    assert "debtor 10001: 25.00 (document total)" in booked.trace
    assert "rates of DE on 12.11.2026: standard 19 %, reduced 7 %" in booked.trace
    assert len(booked.texts["trace"]) == len(booked.trace)
    with translation.override("en"):
        # Read back in English: the stored sentences, with the English console's dates.
        english = said_list_field(booked, "trace")
    assert english[0] == booked.trace[0] == "VatMode 0 (VAT shown)"
    assert english[2].startswith("rates of DE on ") and "12.11.2026" not in english[2]


def test_the_document_page_says_the_booking_in_the_reader_s_language(admin_client, books):
    _shop, booked, waiting = books

    held = _document_page(admin_client, waiting, "de")
    posted = _document_page(admin_client, booked, "de")

    assert NO_LINES_DE in held and NO_LINES_EN not in held
    assert f"→ wartet: {NO_LINES_DE}" in held
    assert "Debitor 10001: 25,00 (Belegbetrag)" in posted
    assert "Steuersätze DE am 12.11.2026: Regelsatz 19 %, ermäßigt 7 %" in posted
    assert "Versandland DE, Bestimmungsland DE → Inlandsumsatz: Umsatzsteuer Deutschland" in posted
    assert "debtor 10001: 25.00" not in posted and "rates of DE" not in posted

    english = _document_page(admin_client, waiting, "en")
    assert "the invoice of 1,298.00 has no lines: Billbee sent no OrderItems" in english
    assert "Rechnung über" not in english


def test_the_lists_and_the_work_queue_say_the_reason_in_german(admin_client, books):
    shop, _booked, waiting = books

    upload_log = german(admin_client, reverse("admin:connector_externalorder_changelist"))
    bookings = german(admin_client, reverse("admin:bookkeeping_documentbooking_changelist"))
    detail = german(
        admin_client, reverse("admin:bookkeeping_documentbooking_change", args=[waiting.pk])
    )
    queue = german(admin_client, reverse("bookkeeping_work_queue"), {"connection": shop.pk})

    for page in (upload_log, bookings, detail, queue):
        assert "die Rechnung über 1.298,00 hat keine" in page
        assert "the invoice of 1298 has no lines" not in page
    assert f"<li>→ wartet: {NO_LINES_DE}" in detail


def test_the_period_report_says_the_reasons_in_german_and_its_csv_in_english(admin_client, books):
    shop, _booked, _waiting = books
    query = {"connection": shop.pk, "month": "2026-11"}
    path = reverse("bookkeeping_period_report")

    page = german(admin_client, path, query)
    csv = admin_client.get(
        path, {**query, "format": "csv", "section": "held_documents"}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode("utf-8-sig")

    assert NO_LINES_DE in page and NO_LINES_EN not in page
    assert NO_LINES_EN in csv and "Rechnung über" not in csv


def test_a_booking_stored_before_shows_its_english_as_stored(admin_client, books):
    shop, booked, waiting = books
    DocumentBooking.objects.update(texts={})

    held = _document_page(admin_client, waiting, "de")
    posted = _document_page(admin_client, booked, "de")
    queue = german(admin_client, reverse("bookkeeping_work_queue"), {"connection": shop.pk})
    upload_log = german(admin_client, reverse("admin:connector_externalorder_changelist"))

    for page in (held, queue, upload_log):
        assert NO_LINES_EN in page and "Rechnung über" not in page
    assert "debtor 10001: 25.00 (document total)" in posted


def test_a_vat_sentence_is_stored_with_its_values_and_said_with_german_rates():
    # The VAT package runs without Django, and its sentences are the stored Texts themselves.
    vat = _describe(rates_on("FR", date(2026, 10, 1)), date(2026, 10, 1))
    nested = Text(
        "{where}: our VAT {ours} vs Billbee's {theirs} (difference {difference}, more than "
        "{tolerance}): check the rate and the rounding on Billbee's invoice before booking",
        where=Text("lines split over the goods' rates"),
        ours=Decimal("1298.00"),
        theirs=Decimal("1297.00"),
        difference=Decimal("1.00"),
        tolerance=Decimal("0.01"),
    )

    assert str(vat) == "rates of FR on 01.10.2026: standard 20 %, reduced 10 %, 5.5 %, 2.1 %"
    stored = texts(trace=[vat, nested])["trace"]
    with translation.override("de"):
        assert said(vat, stored[0]) == (
            "Steuersätze FR am 01.10.2026: Regelsatz 20 %, ermäßigt 10 %, 5,5 %, 2,1 %"
        )
        assert said(nested, stored[1]).startswith(
            "auf die Steuersätze der Waren aufgeteilte Positionen: unsere Umsatzsteuer "
            "1.298,00 gegenüber 1.297,00 bei Billbee (Differenz 1,00, mehr als 0,01)"
        )
