from __future__ import annotations

import importlib.util
from decimal import Decimal

import pytest

from payments.parsers import StatementFormatError, detect_format, parse_statement

from .conftest import sample, shared_folder

CAMT_053 = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
    b"<BkToCstmrStmt></BkToCstmrStmt></Document>"
)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("mt940", "german_bank_sepa.sta"), "mt940"),
        (("paypal", "activity_de.csv"), "paypal"),
        (("paypal", "activity_en.csv"), "paypal"),
        (("stripe", "balance_change.csv"), "stripe"),
        (("stripe", "balance_history_dashboard.csv"), "stripe"),
    ],
)
def test_own_samples_are_recognised_by_content(parts, expected):
    assert detect_format(sample(*parts), filename="export.txt") == expected


def test_camt_kinds_by_root_element():
    assert detect_format(CAMT_053) == "camt.053"
    report = CAMT_053.replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt").replace(b"053", b"052")
    assert detect_format(report) == "camt.052"
    notice = CAMT_053.replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn")
    assert detect_format(notice) == "camt.054"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04rest", "ZIP archive"),
        (b"<?xml version='1.0'?><Invoice/>", "not a CAMT"),
        (b"Buchungstag;Betrag\n01.03.2026;5,00\n", "none of the statement formats"),
        (b"", "none of the statement formats"),
    ],
)
def test_unknown_files_are_refused_with_a_reason(data, words):
    with pytest.raises(StatementFormatError, match=words) as caught:
        detect_format(data, filename="konto.csv")
    assert "konto.csv" in str(caught.value)


def test_parse_statement_dispatches():
    parsed = parse_statement(sample("paypal", "activity_de.csv"))
    assert parsed.format == "paypal" and parsed.lines[0].amount == Decimal("1189.77")
    assert parse_statement(sample("stripe", "balance_change.csv"), format="stripe").lines
    assert parse_statement(sample("mt940", "german_bank_sepa.sta"), format="mt940").lines


def test_unknown_format_name():
    with pytest.raises(StatementFormatError, match="unknown"):
        parse_statement(b"x", format="ofx")


def test_camt_is_read_by_the_camt_parser_or_refused_clearly():
    if importlib.util.find_spec("payments.parsers.camt") is None:
        with pytest.raises(StatementFormatError, match="CAMT statements is not available"):
            parse_statement(CAMT_053)
    else:
        assert parse_statement(CAMT_053).format.startswith("camt")


@pytest.mark.parametrize("kind", ["camt", "mt940", "paypal", "stripe"])
def test_shared_samples_are_recognised(kind):
    folder = shared_folder(kind)
    files = [p for p in folder.iterdir() if p.suffix in {".xml", ".sta", ".csv"}]
    assert files
    for path in files:
        assert detect_format(path.read_bytes(), path.name).startswith(kind), path.name
