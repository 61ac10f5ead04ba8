"""Importing statements into a source: keys, duplicates, overlaps, errors, the account check.

Runs on SQLite and, with DATABASE_URL pointing at it, on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import payments.parsers
from payments.errors import StatementRefused
from payments.models import Statement, StatementTransaction
from payments.parsers.base import LineKind, ParsedStatement, StatementLine
from payments.services.statements import statement_import, statement_preview
from tests.payments.conftest import OTHER_IBAN
from tests.payments.mappings import sample

pytestmark = pytest.mark.django_db


def line(day: int, amount: str, name: str = "Anna Schmidt", text: str = "RE-1", **fields):
    return StatementLine(
        booking_date=date(2026, 11, day),
        amount=Decimal(amount),
        currency="EUR",
        counterparty_name=name,
        remittance=text,
        **fields,
    )


@pytest.fixture
def parser(monkeypatch):
    """The dispatcher of CAMT/MT940/PSP files, returning the statement a test hands it."""
    calls = []

    def use(statement: ParsedStatement) -> None:
        def parse_statement(data: bytes, format: str | None = None) -> ParsedStatement:
            calls.append(format)
            return statement

        monkeypatch.setattr(payments.parsers, "parse_statement", parse_statement, raising=False)

    use.calls = calls
    return use


def stored(source) -> list[tuple[date, Decimal, str]]:
    return sorted(
        (t.booking_date, t.amount, t.counterparty_name)
        for t in StatementTransaction.objects.filter(source=source)
    )


def test_a_csv_statement_is_stored_with_its_counts_and_its_broken_line(bank):
    result = statement_import(bank, sample("volksbank.csv"), filename="umsaetze.csv")

    assert (result.lines, result.new, result.known) == (5, 4, 0)
    assert result.errors == [
        {
            "position": 11,
            "reason": "Line 11: neither the debit nor the credit column has an amount.",
            "raw": "05.11.2026;05.11.2026;Kaputt;;ohne Betrag;EUR;;",
        }
    ]
    statement = Statement.objects.get(pk=result.statement_id)
    assert (statement.file_name, statement.format, statement.line_count) == (
        "umsaetze.csv",
        "csv",
        5,
    )
    assert (statement.new_count, statement.known_count, statement.error_count) == (4, 0, 1)
    # Stored with the reason's template and values, to say it in the reader's language.
    assert [{k: v for k, v in e.items() if k != "reason_data"} for e in statement.errors] == (
        result.errors
    )
    assert statement.errors[0]["reason_data"]["t"] == "Line {number}: {reason}"
    assert (statement.period_from, statement.period_to) == (date(2026, 11, 2), date(2026, 11, 4))
    assert stored(bank) == [
        (date(2026, 11, 2), Decimal("49.90"), "Anna Schmidt"),
        (date(2026, 11, 2), Decimal("49.90"), "Anna Schmidt"),
        (date(2026, 11, 3), Decimal("-18.40"), "Paketdienst AG"),
        (date(2026, 11, 4), Decimal("-1000.00"), "Holzhandel Nord"),
    ]
    assert set(StatementTransaction.objects.values_list("state", flat=True)) == {"new"}


def test_importing_the_same_file_again_adds_nothing(bank):
    statement_import(bank, sample("volksbank.csv"))

    again = statement_import(bank, sample("volksbank.csv"))

    assert (again.lines, again.new, again.known, len(again.errors)) == (5, 0, 4, 1)
    assert StatementTransaction.objects.count() == 4
    assert Statement.objects.count() == 2


def test_two_identical_lines_of_one_day_both_survive_and_stay_two_on_reimport(bank):
    statement_import(bank, sample("volksbank.csv"))
    statement_import(bank, sample("volksbank.csv"))

    twins = StatementTransaction.objects.filter(amount=Decimal("49.90"))
    assert twins.count() == 2
    assert sorted(k.rsplit("#", 1)[1] for k in twins.values_list("key", flat=True)) == ["1", "2"]


def test_an_overlapping_statement_adds_only_the_lines_not_seen(giro, parser):
    parser(ParsedStatement("camt.053", [line(1, "10.00"), line(2, "20.00"), line(3, "30.00")]))
    statement_import(giro, b"<first/>")
    parser(ParsedStatement("camt.053", [line(2, "20.00"), line(3, "30.00"), line(4, "40.00")]))

    result = statement_import(giro, b"<second/>")

    assert (result.new, result.known) == (1, 2)
    assert [t[1] for t in stored(giro)] == [
        Decimal(v) for v in ("10.00", "20.00", "30.00", "40.00")
    ]
    newest = StatementTransaction.objects.get(amount=Decimal("40.00"))
    assert newest.statement_id == result.statement_id
    assert (
        StatementTransaction.objects.get(amount=Decimal("20.00")).statement_id
        != result.statement_id
    )


def test_a_payment_and_its_fee_with_one_bank_reference_stay_two_lines(giro, parser):
    payment = line(5, "100.00", bank_reference="REF-77")
    fee = line(5, "-1.50", bank_reference="REF-77", kind=LineKind.FEE)
    parser(ParsedStatement("camt.053", [payment, fee]))

    statement_import(giro, b"<x/>")
    again = statement_import(giro, b"<x/>")

    assert sorted(StatementTransaction.objects.values_list("kind", "amount")) == [
        ("fee", Decimal("-1.50")),
        ("payment", Decimal("100.00")),
    ]
    assert (again.new, again.known) == (0, 2)


def test_a_bank_reference_keys_the_line_even_when_the_text_differs_in_a_later_file(giro, parser):
    parser(ParsedStatement("camt.052", [line(5, "100.00", text="RE-1", bank_reference="R1")]))
    statement_import(giro, b"<intraday/>")
    parser(ParsedStatement("camt.053", [line(5, "100.00", text="RE-1 Danke", bank_reference="R1")]))

    assert statement_import(giro, b"<day/>").new == 0
    assert StatementTransaction.objects.count() == 1


def test_a_statement_of_another_account_is_refused_and_nothing_is_written(giro, parser):
    parser(ParsedStatement("camt.053", [line(1, "10.00")], account_iban=OTHER_IBAN))

    with pytest.raises(
        StatementRefused, match=r"account DE02 1203 0000 0000 2020 51, not of Sparkasse Giro"
    ):
        statement_import(giro, b"<other/>")

    assert (Statement.objects.count(), StatementTransaction.objects.count()) == (0, 0)


def test_a_statement_of_the_own_account_written_with_blanks_is_accepted(giro, parser):
    spaced = "de89 3704 0044 0532 0130 00"
    parser(ParsedStatement("camt.053", [line(1, "10.00")], account_iban=spaced, statement_id="S-1"))

    result = statement_import(giro, b"<own/>", format="camt053")

    assert result.new == 1
    assert parser.calls == ["camt053"]
    statement = Statement.objects.get()
    assert (statement.account_iban, statement.statement_id) == (spaced, "S-1")


def test_a_line_beyond_the_ledgers_range_is_an_error_and_the_rest_go_on(giro, parser):
    parser(ParsedStatement("mt940", [line(1, "1E+20"), line(1, "0.001"), line(1, "5.00")]))

    result = statement_import(giro, b":20:x")

    assert result.new == 1
    assert [(e["position"], e["reason"]) for e in result.errors] == [
        (1, "The amount 1E+20 is larger than any amount the ledger can hold."),
        (2, "The amount 0.001 has more than two decimal places."),
    ]
    assert stored(giro) == [(date(2026, 11, 1), Decimal("5.00"), "Anna Schmidt")]


def test_the_preview_says_new_known_and_broken_and_writes_nothing(bank):
    statement_import(bank, sample("volksbank.csv"))
    # A later export: one day more, the first lines again.
    later = sample("volksbank.csv").replace(
        b"05.11.2026;05.11.2026;Kaputt;;ohne Betrag;EUR;;",
        b"06.11.2026;06.11.2026;Jonas Weber;;RE-2026-80009;EUR;;19,99",
    )

    preview = statement_preview(bank, later, filename="later.csv")

    assert [(o.position, o.outcome) for o in preview.outcomes] == [
        (1, "known"),
        (2, "known"),
        (3, "known"),
        (4, "known"),
        (5, "new"),
    ]
    assert preview.statement_id is None
    assert (Statement.objects.count(), StatementTransaction.objects.count()) == (1, 4)


def test_a_csv_source_without_mapping_and_an_unknown_format_are_refused(bank):
    bank.csv_mapping = {}
    with pytest.raises(StatementRefused, match="has no CSV column mapping"):
        statement_import(bank, sample("volksbank.csv"))
    with pytest.raises(StatementRefused, match="'qif' is not a known format"):
        statement_import(bank, b"", format="qif")


def test_a_file_that_does_not_fit_the_mapping_is_refused(bank):
    with pytest.raises(StatementRefused, match=r'does not fit the CSV mapping.*no column "Valuta"'):
        statement_import(bank, sample("dkb.csv"))
    assert Statement.objects.count() == 0
