"""The payments' stored sentences in the reader's language: a statement line's reason and its
candidates' reasons (line page, settle page), a statement's broken lines and a write-back's
reason, with German dates and amounts for a German reader; the English for an English reader
(and for the command line, which reads the stored text); rows stored before as stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from connector.texts import said
from payments.matching import OpenItem, match_lines
from payments.models import Statement, StatementTransaction, Writeback
from payments.parsers.base import StatementLine
from payments.services.matching import results_store
from payments.services.statements import statement_import
from payments.writeback import WritebackTarget, writeback_decision
from tests.conftest import german
from tests.payments.mappings import sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("static_root")]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

ITEM = OpenItem(
    id=41,
    order_number="4711",
    invoice_number="RE-2026-10440",
    payment_reference="",
    amount=Decimal("2596.00"),
    total=Decimal("2596.00"),
    currency="EUR",
    invoice_date=date(2026, 10, 1),
)
PARTIAL = StatementLine(
    booking_date=date(2026, 10, 5),
    amount=Decimal("1298.00"),
    currency="EUR",
    remittance="Rechnung RE-2026-10440",
)


def a_line(bank) -> StatementTransaction:
    statement_import(bank, sample("volksbank.csv"))
    return StatementTransaction.objects.order_by("pk").first()


def matched_partly(bank) -> StatementTransaction:
    """A line the engine proposes as a partial payment of 1,298.00 EUR (stored as it does)."""
    line = a_line(bank)
    results_store([line.pk], match_lines([PARTIAL], [ITEM]))
    line.refresh_from_db()
    return line


def english(client, path: str) -> str:
    response = client.get(path, **ENGLISH)
    assert response.status_code == 200
    return response.content.decode()


def test_the_engine_s_reason_is_stored_in_english_with_its_data(bank):
    line = matched_partly(bank)

    assert line.reason == (
        "Proposed, to be confirmed: invoice number RE-2026-10440 in the remittance text; "
        "amount differs by -1298.00 EUR; partial payment: 1298.00 EUR remain open."
    )
    assert line.texts["reason"]["t"] == "Proposed, to be confirmed: {reasons}."
    candidate = line.candidates[0]
    assert candidate["reasons"][2] == "partial payment: 1298.00 EUR remain open"
    assert candidate["reasons_data"][2]["t"] == "partial payment: {rest} remain open"
    with translation.override("de"):
        assert said(line.reason, line.texts["reason"]) == (
            "Vorschlag, zu bestätigen: Rechnungsnummer RE-2026-10440 im Verwendungszweck; "
            "Betrag weicht um -1.298,00 EUR ab; Teilzahlung: 1.298,00 EUR bleiben offen."
        )


def test_a_line_s_reason_and_candidates_read_in_the_reader_s_language(admin_client, bank):
    line = matched_partly(bank)
    path = reverse("admin:payments_statementtransaction_change", args=[line.pk])
    settle = reverse("admin:payments_statementtransaction_settle", args=[line.pk])

    page, settle_page = german(admin_client, path), german(admin_client, settle)
    english_page = english(admin_client, path)

    for html in (page, settle_page):
        assert "Vorschlag, zu bestätigen: Rechnungsnummer RE-2026-10440 im Verwendungszweck" in html
        assert "Teilzahlung: 1.298,00 EUR bleiben offen" in html
        assert "partial payment" not in html and "remain open" not in html
    assert "Betrag weicht um -1.298,00 EUR ab; Teilzahlung" in settle_page  # the candidate's why
    assert "Proposed, to be confirmed: invoice number RE-2026-10440" in english_page
    assert "partial payment: 1,298.00 EUR remain open" in english_page  # English amounts


def test_a_line_stored_before_shows_its_english_reasons_to_a_german_reader(admin_client, bank):
    line = a_line(bank)
    line.state, line.reason = "ambiguous", "Two invoices fit equally well."
    line.candidates = [
        {"documents": [41], "kind": "amount_date", "score": 0.6, "amount_difference": "0.00",
         "skonto": "0", "reasons": ["amount equal", "paid 3 days after the invoice"]},
    ]  # fmt: skip
    line.save()

    path = reverse("admin:payments_statementtransaction_change", args=[line.pk])
    page = german(admin_client, path)

    assert "Two invoices fit equally well." in page
    assert "amount equal; paid 3 days after the invoice" in page


def test_a_statement_s_broken_lines_read_in_the_reader_s_language(admin_client, bank):
    result = statement_import(bank, sample("volksbank.csv"))
    path = reverse("admin:payments_statement_change", args=[result.statement_id])
    stored = Statement.objects.get(pk=result.statement_id)

    page, english_page = german(admin_client, path), english(admin_client, path)

    assert stored.errors[0]["reason"] == (
        "Line 11: neither the debit nor the credit column has an amount."
    )
    assert "Zeile 11: weder die Soll- noch die Haben-Spalte hat einen Betrag." in page
    assert "neither the debit" not in page
    assert "Line 11: neither the debit nor the credit column has an amount." in english_page
    # A statement stored before: its reasons as stored.
    Statement.objects.filter(pk=stored.pk).update(
        errors=[{"position": 11, "reason": "Line 11: no amount.", "raw": ""}]
    )
    assert "Line 11: no amount." in german(admin_client, path)


def test_a_write_back_s_reason_reads_in_the_reader_s_language(admin_client, bank):
    line = a_line(bank)
    decision = writeback_decision(
        2, datetime(2026, 10, 1, 9, 30, tzinfo=UTC), WritebackTarget((1, 2), 3)
    )
    entry = Writeback(
        connection=bank.connection, transaction=line, billbee_order_id=7, state="stopped"
    )
    entry.set_reason(decision.reason)
    entry.save()
    old = Writeback.objects.create(
        connection=bank.connection,
        transaction=line,
        billbee_order_id=8,
        state="stopped",
        reason="Stopped by hand.",
    )
    listing = reverse("admin:payments_writeback_changelist")
    detail = reverse("admin:payments_writeback_change", args=[entry.pk])

    pages = german(admin_client, listing), german(admin_client, detail)
    english_list = english(admin_client, listing)

    for html in pages:
        assert "Die Bestellung hat schon ein Bezahldatum (01.10.2026), obwohl ihr Status 2" in html
        assert "already has a paid date" not in html
    assert "Stopped by hand." in pages[0]  # stored before: as stored
    assert "The order already has a paid date (1 Oct 2026) although its state is 2" in english_list
    assert old.texts == {}


def test_the_sentences_of_returns_payouts_and_reminders_keep_their_english(bank):
    from payments.reminders import reminder_refusal
    from payments.services.returns import return_reason_words

    refusal = reminder_refusal(8, None, {1, 2}, 3)
    words = return_reason_words("ac04")

    assert refusal == (
        "The order's state 8 in Billbee is none of the group's open states (1, 2): no reminder "
        "was sent. Check the order in Billbee."
    )
    assert words == "AC04: the customer's account is closed"
    with translation.override("de"):
        assert refusal.render().startswith("Der Status 8 der Bestellung in Billbee ist keiner")
        assert words.render() == "AC04: das Konto des Kunden ist aufgelöst"
