"""An object's name, as the console prints it in titles, breadcrumbs, inline rows and the
"recent actions" box, is written in the reader's language and number format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from bookkeeping.models import ExchangeRate, ExportedEntry, JournalLine
from connector.models import ExternalOrderVersion, InvoiceRequest
from payments.models import StatementTransaction
from payments.parsers.base import LineKind

NAMES = [
    (
        ExternalOrderVersion(number=2, external_order_id=7),
        "version 2 of order 7",
        "Version 2 der Bestellung 7",
    ),
    (
        InvoiceRequest(billbee_order_id=4711, state=InvoiceRequest.State.DONE),
        "invoice of order 4711 (received)",
        "Rechnung zur Bestellung 4711 (erhalten)",
    ),
    (
        ExportedEntry(entry_id=5, batch_id=3, reexport=False),
        "entry 5 in batch 3",
        "Buchung 5 im Buchungsstapel 3",
    ),
    (
        ExportedEntry(entry_id=5, batch_id=4, reexport=True),
        "entry 5 in batch 4 (exported again)",
        "Buchung 5 im Buchungsstapel 4 (erneut exportiert)",
    ),
    (
        JournalLine(side="H", account=8400, amount=Decimal("1298.00")),
        "H 8400 1,298.00",
        "H 8400 1.298,00",
    ),
    (
        ExchangeRate(currency="USD", rate=Decimal("1.0815"), day=date(2026, 10, 30)),
        "1 EUR = 1.0815 USD (30 Oct 2026)",
        "1 EUR = 1,0815 USD (30.10.2026)",
    ),
    (
        ExchangeRate(currency="CHF", rate=Decimal("0.937"), day=date(2026, 10, 1), kind="monthly"),
        "1 EUR = 0.937 CHF (BMF 10/2026)",
        "1 EUR = 0,937 CHF (BMF 10/2026)",
    ),
]

IDS = [
    "version",
    "invoice-request",
    "exported",
    "exported-again",
    "journal-line",
    "daily-rate",
    "monthly-rate",
]


@pytest.mark.parametrize(("obj", "english", "german"), NAMES, ids=IDS)
def test_an_objects_name_follows_the_readers_language(obj, english: str, german: str) -> None:
    with translation.override("en"):
        assert str(obj) == english
    with translation.override("de"):
        assert str(obj) == german


def test_a_statement_lines_kind_and_status_are_named_in_the_readers_language() -> None:
    assert set(StatementTransaction.Kind.values) == set(LineKind.ALL)
    line = StatementTransaction(kind=LineKind.REVERSAL, status="pending")
    with translation.override("de"):
        assert line.get_kind_display() == "Rücklastschrift oder Storno"
        assert str(StatementTransaction.STATUS_WORDS[line.status]) == "vorgemerkt"
    with translation.override("en"):
        assert line.get_kind_display() == "returned debit or reversal"
