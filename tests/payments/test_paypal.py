from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from payments.parsers.base import LineKind
from payments.parsers.common import parse_amount
from payments.parsers.errors import StatementFormatError
from payments.parsers.paypal import parse_paypal

from .conftest import sample, shared_folder


@pytest.fixture(scope="module")
def german():
    return parse_paypal(sample("paypal", "activity_de.csv"))


@pytest.fixture(scope="module")
def english():
    return parse_paypal(sample("paypal", "activity_en.csv"))


def by_id(statement, transaction_id):
    [line] = [line for line in statement.lines if line.bank_reference == transaction_id]
    return line


def test_german_payment_net_gross_fee_and_invoice(german):
    line = by_id(german, "1AB23456CD789012E")
    assert german.format == "paypal"
    assert (line.gross, line.fee, line.amount) == (
        Decimal("1234.56"),
        Decimal("-44.79"),
        Decimal("1189.77"),
    )
    assert line.currency == "EUR"
    assert line.kind == LineKind.PAYMENT
    assert line.end_to_end_id == "100234"
    assert line.counterparty_name == "Jürgen Müller"
    assert line.remittance == "Bestellung 100234"
    assert line.booking_date == date(2026, 3, 1)
    assert line.status == "booked"
    assert line.raw["Absender E-Mail-Adresse"] == "j.mueller@example.de"
    assert line.raw["Ländervorwahl"] == "DE"  # an unknown column is kept, not refused


def test_german_fee_refund_chargeback_and_payout(german):
    fee = by_id(german, "2FE34567GH890123I")
    assert (fee.kind, fee.amount, fee.related_reference) == (
        LineKind.FEE,
        Decimal("-0.35"),
        "1AB23456CD789012E",
    )
    refund = by_id(german, "3GH45678IJ901234K")
    # PayPal gives back part of its fee on a refund: net = gross + fee.
    assert (refund.kind, refund.gross, refund.fee, refund.amount) == (
        LineKind.REFUND,
        Decimal("-50.00"),
        Decimal("1.49"),
        Decimal("-48.51"),
    )
    assert refund.related_reference == "1AB23456CD789012E"
    chargeback = by_id(german, "9ST01234UV567890W")
    assert (chargeback.kind, chargeback.amount) == (LineKind.CHARGEBACK, Decimal("-19.99"))
    payout = by_id(german, "7OP89012QR345678S")
    assert (payout.kind, payout.amount) == (LineKind.PAYOUT, Decimal("-1000.00"))


def test_currency_conversion_pair_shares_its_reference(german):
    legs = [line for line in german.lines if line.kind == LineKind.CONVERSION]
    assert [(leg.currency, leg.amount) for leg in legs] == [
        ("USD", Decimal("-100.00")),
        ("EUR", Decimal("91.87")),
    ]
    assert {leg.related_reference for leg in legs} == {"5KL67890MN123456O"}
    assert german.account_currency == ""  # two currencies in the file


def test_pending_kept_cancelled_dropped_garbage_reported(german):
    pending = by_id(german, "8QR90123ST456789U")
    assert pending.status == "pending" and pending.amount == Decimal("28.99")
    assert all(line.bank_reference != "1UV12345WX678901Y" for line in german.lines)  # Storniert
    [error] = german.errors
    assert error.position == 11
    assert error.reason == "An amount of the row cannot be read: 'zwölf' is not an amount."
    assert len(german.lines) == 8


def test_english_export_with_bom_commas_and_thousands(english):
    payment = by_id(english, "AA11BB22CC33DD44E")
    assert (payment.gross, payment.fee, payment.amount) == (
        Decimal("1250.00"),
        Decimal("-36.55"),
        Decimal("1213.45"),
    )
    assert payment.currency == "USD" and payment.end_to_end_id == "200117"
    assert payment.raw["Extra Column"] == "x"


def test_english_dates_are_month_first_and_placed_in_berlin(english):
    payment = by_id(english, "AA11BB22CC33DD44E")
    assert payment.booking_date == date(2026, 3, 1)  # 14:30 PST = 23:30 in Berlin
    refund = by_id(english, "BB22CC33DD44EE55F")
    assert refund.booking_date == date(2026, 3, 2)  # 23:30 PST on 1 March = 08:30 next day
    assert refund.raw["_timestamp"] == "2026-03-02T08:30:00+01:00"
    assert refund.kind == LineKind.REFUND


def test_english_kinds(english):
    kinds = {line.bank_reference: line.kind for line in english.lines}
    assert kinds["CC33DD44EE55FF66G"] == kinds["EE55FF66GG77HH88I"] == LineKind.CONVERSION
    assert kinds["FF66GG77HH88II99J"] == LineKind.PAYOUT
    assert kinds["GG77HH88II99JJ00K"] == LineKind.CHARGEBACK
    assert by_id(english, "HH88II99JJ00KK11L").status == "pending"
    [error] = english.errors
    assert "time zone 'Mars/Olympus' is unknown" in error.reason


def test_day_first_english_dates_are_recognised():
    header = "Date,Time,TimeZone,Name,Type,Status,Currency,Gross,Fee,Net,Transaction ID\n"
    rows = (
        "31/01/2026,10:00:00,GMT,A,Website Payment,Completed,GBP,10.00,-0.50,9.50,T1\n"
        "02/01/2026,10:00:00,GMT,B,Website Payment,Completed,GBP,10.00,-0.50,9.50,T2\n"
    )
    parsed = parse_paypal((header + rows).encode())
    assert [line.booking_date for line in parsed.lines] == [date(2026, 1, 31), date(2026, 1, 2)]


def test_amounts_that_do_not_add_up_are_refused():
    text = "Datum;Typ;Status;Währung;Brutto;Gebühr;Netto;Transaktionscode\n"
    text += "01.03.2026;Website-Zahlung;Abgeschlossen;EUR;10,00;-1,00;8,00;X1\n"
    [error] = parse_paypal(text.encode("cp1252")).errors
    assert "do not add up" in error.reason


def test_the_strict_amount_parser():
    assert parse_amount("1.234,56", ",") == Decimal("1234.56")
    assert parse_amount("-0,5", ",") == Decimal("-0.5")
    assert parse_amount("1,234.56", ".") == Decimal("1234.56")
    assert parse_amount("1,234", ",") == Decimal("1.234")
    for garbage in ("1,234,5", "12.34", "", "1.2.3", "€5", "1e3"):
        with pytest.raises(ValueError):
            parse_amount(garbage, ",")
    with pytest.raises(ValueError):
        parse_amount("1.234,56", ".")


def test_not_a_paypal_export():
    with pytest.raises(StatementFormatError, match="not a PayPal activity export"):
        parse_paypal(b"Date,Amount\n2026-01-01,5.00\n")


def test_conformance_with_shared_samples():
    folder = shared_folder("paypal")
    files = sorted(folder.glob("*.csv"))
    assert files
    for path in files:
        parsed = parse_paypal(path.read_bytes())
        assert parsed.errors == [], path.name
        assert parsed.lines, path.name
        for line in parsed.lines:
            assert line.amount == line.gross + line.fee, (path.name, line.bank_reference)
            assert line.bank_reference
    german = parse_paypal((folder / "beancount-paypal_de.csv").read_bytes())
    conversion = [line for line in german.lines if line.kind == LineKind.CONVERSION]
    assert sorted((line.currency, line.amount) for line in conversion) == [
        ("EUR", Decimal("92.15")),
        ("USD", Decimal("-100")),
    ]
    custom = parse_paypal((folder / "hledger_paypal-custom.csv").read_bytes())
    fee_line = [line for line in custom.lines if line.fee]
    assert [(line.gross, line.fee, line.amount) for line in fee_line] == [
        (Decimal("10.00"), Decimal("-0.59"), Decimal("9.41"))
    ]
    deposits = [line for line in custom.lines if line.kind == LineKind.PAYOUT]
    assert deposits and all(line.status == "pending" for line in deposits)
