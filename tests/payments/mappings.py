"""Column mappings of the sample bank CSV files (tests/payments/samples/csv/)."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples" / "csv"

SPARKASSE = {
    "date_format": "%d.%m.%y",
    "columns": {
        "date": "Buchungstag",
        "value_date": "Valutadatum",
        "amount": "Betrag",
        "currency": "Waehrung",
        "name": "Beguenstigter/Zahlungspflichtiger",
        "iban": "Kontonummer/IBAN",
        "bic": "BIC (SWIFT-Code)",
        "text": ["Verwendungszweck"],
        "end_to_end_id": "Kundenreferenz (End-to-End)",
    },
}
VOLKSBANK = {
    "header_row": 6,
    "columns": {
        "date": "Buchungstag",
        "value_date": "Valuta",
        "debit": "Soll",
        "credit": "Haben",
        "currency": "Währung",
        "name": "Auftraggeber/Zahlungsempfänger",
        "iban": "IBAN",
        "text": "Vorgang/Verwendungszweck",
    },
}
DKB = {
    "header_row": 6,
    "columns": {
        "date": 0,
        "value_date": 1,
        "amount": "Betrag (EUR)",
        "name": "Auftraggeber / Begünstigter",
        "iban": "Kontonummer",
        "bic": "BLZ",
        "text": ["Buchungstext", "Verwendungszweck"],
        "reference": "Kundenreferenz",
    },
}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
