"""Bank CSV exports read through a column mapping (sample files written for these tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from payments.parsers.base import LineError
from payments.parsers.csv_mapped import MappingError, mapping_problems, parse_csv
from tests.payments.mappings import DKB, SPARKASSE, VOLKSBANK, sample


def summary(statement):
    return [
        (ln.booking_date, ln.amount, ln.currency, ln.counterparty_name, ln.remittance)
        for ln in statement.lines
    ]


def test_sparkasse_export_signed_amounts_decimal_comma_two_digit_years():
    statement = parse_csv(sample("sparkasse.csv"), SPARKASSE)

    assert summary(statement) == [
        (
            date(2026, 11, 3),
            Decimal("25.00"),
            "EUR",
            "Jürgen Müller",
            "Rechnung RE-2026-80001 Danke",
        ),
        (date(2026, 11, 3), Decimal("1234.56"), "EUR", "Grüne Wiese GmbH", "Bestellung SW-70002"),
        (date(2026, 11, 4), Decimal("-12.90"), "EUR", "", "Kontoführung 10/2026"),
    ]
    first = statement.lines[0]
    assert (first.counterparty_iban, first.counterparty_bic, first.value_date) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        date(2026, 11, 3),
    )
    assert statement.lines[1].end_to_end_id == "E2E-4711"
    assert statement.errors == [
        LineError(
            5,
            "Line 5: 'zehn Euro' is not an amount (amount).",
            statement.errors[0].raw,
        )
    ]
    assert "Erika Mustermann" in statement.errors[0].raw
    assert (statement.period_from, statement.period_to) == (date(2026, 11, 3), date(2026, 11, 4))


def test_volksbank_export_with_lines_before_the_table_and_separate_debit_credit_columns():
    statement = parse_csv(sample("volksbank.csv"), VOLKSBANK)

    assert [(ln.amount, ln.counterparty_name) for ln in statement.lines] == [
        (Decimal("49.90"), "Anna Schmidt"),
        (Decimal("49.90"), "Anna Schmidt"),
        (Decimal("-18.40"), "Paketdienst AG"),
        (Decimal("-1000.00"), "Holzhandel Nord"),
    ]
    assert [(e.position, e.reason) for e in statement.errors] == [
        (11, "Line 11: neither the debit nor the credit column has an amount.")
    ]


def test_dkb_export_columns_by_position_and_joined_texts_and_an_impossible_date():
    statement = parse_csv(sample("dkb.csv"), DKB)

    assert summary(statement) == [
        (date(2026, 11, 10), Decimal("89.00"), "EUR", "Peter Groß", "Gutschrift SW-70010 Vorkasse"),
        (
            date(2026, 11, 11),
            Decimal("-75.00"),
            "EUR",
            "Stromwerk",
            "Lastschrift Abschlag November",
        ),
    ]
    assert [(e.position, e.reason) for e in statement.errors] == [
        (9, "Line 9: '31.11.2026' is not a booking date in the form 30.11.2026.")
    ]


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("1.234,56", True, "1234.56"),
        ("-0,5", True, "-0.5"),
        ("1.234,56-", True, "-1234.56"),
        ("1,234.56", False, "1234.56"),
        ("12", True, "12"),
    ],
)
def test_amounts_in_both_notations(text, comma, expected):
    data = f"Datum;Betrag\n01.11.2026;{text}\n".encode()
    mapping = {"decimal_comma": comma, "columns": {"date": "Datum", "amount": "Betrag"}}

    assert parse_csv(data, mapping).lines[0].amount == Decimal(expected)


def test_an_amount_in_the_other_notation_is_an_error_not_a_wrong_number():
    data = b"Datum;Betrag\n01.11.2026;1,5\n"
    mapping = {"decimal_comma": False, "columns": {"date": "Datum", "amount": "Betrag"}}

    statement = parse_csv(data, mapping)

    assert statement.lines == []
    assert "the mapping says the decimal separator is '.'" in statement.errors[0].reason


def test_a_column_the_file_does_not_have_is_refused_with_the_columns_it_has():
    with pytest.raises(MappingError, match=r'no column "Umsatz".*Buchungstag'):
        parse_csv(
            sample("volksbank.csv"),
            {**VOLKSBANK, "columns": {"date": "Buchungstag", "amount": "Umsatz"}},
        )


def test_the_wrong_encoding_is_refused():
    with pytest.raises(MappingError, match="not utf-8"):
        parse_csv(sample("dkb.csv"), {**DKB, "encoding": "utf-8"})


def test_mapping_problems_are_sentences():
    assert mapping_problems({"columns": {"name": "Name"}}) == [
        'The CSV mapping needs the column of the booking date ("date").',
        'The CSV mapping needs the amount column ("amount"), or the debit and credit columns '
        '("debit", "credit").',
    ]
    assert mapping_problems(SPARKASSE) == []
