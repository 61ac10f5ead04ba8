from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from payments.parsers.base import LineKind
from payments.parsers.errors import StatementFormatError
from payments.parsers.mt940 import parse_details, parse_mt940

from .conftest import sample, shared_folder


@pytest.fixture(scope="module")
def statement():
    return parse_mt940(sample("mt940", "german_bank_sepa.sta"))


def test_statement_header_balances_and_period(statement):
    assert statement.format == "mt940"
    assert statement.account_iban == "DE89370400440532013000"
    assert statement.account_currency == "EUR"
    assert statement.statement_id == "00112/001"
    assert statement.opening_balance == Decimal("1500.00")
    assert statement.closing_balance == Decimal("1552.41")
    assert (statement.period_from, statement.period_to) == (date(2026, 3, 2), date(2026, 3, 4))


def test_sepa_credit_with_subfields_read_from_windows_1252(statement):
    line = statement.lines[0]
    assert line.amount == Decimal("119.90") and line.currency == "EUR"
    assert line.kind == LineKind.PAYMENT
    assert line.booking_date == line.value_date == date(2026, 3, 2)
    assert line.counterparty_name == "Müller, Jürgen"
    assert line.counterparty_iban == "DE02120300000000202051"
    assert line.counterparty_bic == "GENODEF1S04"
    assert line.end_to_end_id == "BB-100234"
    assert line.remittance == "Rechnung RE-2026-0042 Bestellung 100234"
    assert line.bank_reference == "BANKREF-0001"
    assert line.transaction_code == "166"
    assert line.raw["posting_text"] == "SEPA-UEBERWEISUNG"
    assert line.raw["prima_nota"] == "9310"


def test_bank_fee(statement):
    fee = statement.lines[1]
    assert (fee.amount, fee.kind, fee.remittance) == (
        Decimal("-1.50"),
        LineKind.FEE,
        "Kontoführung März",
    )


def test_returned_direct_debit_keeps_mandate_creditor_and_reason(statement):
    back = statement.lines[2]
    assert back.amount == Decimal("-49.99")
    assert back.kind == LineKind.REVERSAL
    assert back.return_reason == "901"
    assert back.mandate_id == "M-7781"
    assert back.creditor_id == "DE98ZZZ09999999999"
    assert back.end_to_end_id == "BB-100240"
    # ?23/?24 are one purpose cut at 27 characters: it runs on without a space.
    assert back.remittance == "Lastschrift Bestellung 100240 zurück"


def test_reversal_of_a_credit_is_money_out(statement):
    storno = statement.lines[3]
    assert storno.raw["mark"] == "RC"
    assert storno.amount == Decimal("-25.00")
    assert storno.kind == LineKind.REVERSAL


def test_broken_line_gets_a_reason_and_the_rest_go_on(statement):
    assert len(statement.lines) == 5
    assert statement.lines[4].remittance == "Bestellung 100260 danke"
    assert statement.lines[4].counterparty_name == "Krüger & Söhne"
    [error] = statement.errors
    assert error.position == 16
    assert "does not follow the MT940 layout" in error.reason
    assert error.raw.startswith("2603040304CR")


def test_utf8_file_reads_the_same():
    text = sample("mt940", "german_bank_sepa.sta").decode("cp1252")
    again = parse_mt940(text.encode("utf-8"))
    assert again.lines == parse_mt940(sample("mt940", "german_bank_sepa.sta")).lines


def test_rd_is_money_in_and_no_currency_is_an_error():
    text = (
        ":20:X\n:25:12345678/0000123456\n:28C:1\n:60F:C260101EUR0,00\n"
        ":61:260102RD5,00NMSCNONREF\n:62F:C260102EUR5,00\n"
    )
    parsed = parse_mt940(text.encode())
    assert parsed.account_iban == "" and parsed.account_number == "12345678/0000123456"
    assert parsed.lines[0].amount == Decimal("5.00") and parsed.lines[0].kind == LineKind.REVERSAL
    no_balance = parse_mt940(b":20:X\n:25:1/2\n:61:260102C5,00NMSCNONREF\n")
    assert no_balance.lines == []
    assert "names no currency" in no_balance.errors[0].reason


def test_booking_date_across_the_year_end():
    text = ":20:X\n:25:DE89370400440532013000\n:60F:C251231EUR0,00\n:61:2512310102C5,00NMSCNONREF\n"
    line = parse_mt940(text.encode()).lines[0]
    assert (line.value_date, line.booking_date) == (date(2025, 12, 31), date(2026, 1, 2))


def test_details_without_structure_and_notprovided():
    assert parse_details(["Miete März", "Wohnung 3"]).remittance == "Miete März Wohnung 3"
    details = parse_details(["166?20EREF+NOTPROVIDED?21SVWZ+Danke?31DE02120300000000202051"])
    assert details.end_to_end_id == "" and details.remittance == "Danke"


def test_not_mt940():
    with pytest.raises(StatementFormatError):
        parse_mt940(b"Datum;Betrag\n01.01.2026;5,00\n")


# --- conformance: the mt-940 library's own expected results for German bank files ----------


class _Loose(yaml.SafeLoader):
    """Reads the library's pickled YAML as plain data, without running any of it."""


def _mapping(loader, node):
    data: dict = {}
    yield data  # the library's files refer back to their root (``transactions: *id003``)
    data.update(loader.construct_mapping(node, deep=True))


def _python_tag(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node)
    values = loader.construct_sequence(node, deep=True)
    if suffix.endswith("decimal.Decimal"):
        return Decimal(values[0])
    if suffix.endswith("mt940.models.Date"):
        raw = values[0]
        return date(raw[0] * 256 + raw[1], raw[2], raw[3])
    return values


_Loose.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)


def _expected_transactions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_Loose)  # noqa: S506 - a SafeLoader subclass
    return [transaction["data"] for transaction in document.get("transactions", [])]


def _conformance_files() -> list[Path]:
    try:
        folder = shared_folder("mt940")
    except pytest.skip.Exception:
        return []
    return sorted(folder.glob("*.sta"))


@pytest.mark.parametrize(
    "path", _conformance_files() or [None], ids=lambda p: p.name if p else "absent"
)
def test_conformance_with_shared_samples(path):
    if path is None:
        shared_folder("mt940")
    parsed = parse_mt940(path.read_bytes())
    expected_file = path.with_suffix(".expected.yml")
    if not expected_file.exists():
        assert parsed.lines
        return
    expected = _expected_transactions(expected_file)
    readable = [e for e in expected if e.get("currency")]
    # Every transaction the library read is a line here, or (without a currency) an error.
    assert len(parsed.lines) == len(readable)
    assert len(parsed.lines) + sum("names no currency" in e.reason for e in parsed.errors) == len(
        expected
    )
    for line, want in zip(parsed.lines, readable, strict=True):
        mark = want["status"].upper()
        amount = want["amount"]["amount"]
        # The library signs RC (reversal of a credit) positive by default; it is money out.
        if mark == "RC":
            amount = -abs(amount)
        assert line.amount == amount, line.raw["61"]
        assert line.currency == want["currency"]
        assert line.value_date == want["date"]
        if want.get("entry_date"):
            assert line.booking_date == want["entry_date"]
        assert line.raw["mark"] == mark
        assert line.transaction_code == (want.get("transaction_code") or "")
        assert line.bank_reference == (want.get("bank_reference") or "").strip()
        assert line.return_reason == (want.get("return_debit_notes") or "")
        if want.get("applicant_name"):
            # The library glues ?32 and ?33 without a space; a ?32 shorter than 27
            # characters ended the name's first line, so a space joins them here.
            squeezed = line.counterparty_name.replace(" ", "")
            assert squeezed.startswith(want["applicant_name"].replace(" ", ""))
        if want.get("applicant_creditor_id"):
            assert line.creditor_id == want["applicant_creditor_id"].strip()


def test_broken_balance_is_reported_and_a_broken_line_is_not_logged_as_a_crash(caplog):
    text = (
        ":20:X\n:25:DE89370400440532013000\n:60F:C26XX01EUR0,00\n"
        ":61:260102C5,00NMSCNONREF\n:61:2601\n"
    )
    with caplog.at_level("DEBUG"):
        parsed = parse_mt940(text.encode())
    assert [error.position for error in parsed.errors] == [3, 4, 5]
    assert parsed.errors[0].reason.startswith("The balance :60F: cannot be read")
    assert "names no currency" in parsed.errors[1].reason
    assert "does not follow the MT940 layout" in parsed.errors[2].reason
    # The reason is in the result; the library's own error log would only be noise.
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
