"""Payouts of a payment provider to the bank: the provider's payout line books
its account → the transit account (Geldtransit), the bank's line of the same payout books
transit → bank; together they clear the transit account, a half alone stays visible. Both
are in the DATEV export and the period report. Statements are the samples in
samples/transfers/, read by the real parsers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookkeeping.datev import lint_file, read_extf
from bookkeeping.models import JournalEntry, JournalLine
from bookkeeping.reports.period import period_report
from bookkeeping.services.export import datev_export
from payments.models import PaymentSource, StatementTransaction
from payments.services.matching import transactions_match
from payments.services.statements import statement_import
from tests.payments.ledger import booked_invoice, import_sample, line, lines_of

pytestmark = pytest.mark.django_db
PAYPAL, FEES, TRANSIT, BANK = 1201, 4970, 1360, 1200
State = StatementTransaction.State


@pytest.fixture
def paypal(connection) -> PaymentSource:
    return PaymentSource.objects.create(
        connection=connection,
        name="PayPal",
        kind=PaymentSource.Kind.PAYPAL,
        ledger_account=PAYPAL,
        fee_account=FEES,
        transit_account=TRANSIT,
    )


def transit_balance() -> Decimal:
    total = Decimal(0)
    for side, amount in JournalLine.objects.filter(account=TRANSIT).values_list("side", "amount"):
        total += amount if side == "S" else -amount
    return total


def test_a_payout_is_booked_to_transit_and_the_banks_line_clears_it(connection, paypal, bank):
    import_sample(paypal, "paypal_november.csv")
    transactions_match(connection)

    payout = line(paypal, kind="payout")
    assert (payout.state, payout.confirmed_at is not None) == (State.MATCHED, True)
    entry = payout.payment_entry
    assert entry.kind == JournalEntry.Kind.TRANSFER and entry.document_id is None
    assert (entry.number, entry.document_date) == ("8PO44444DD000004", date(2026, 11, 6))
    assert lines_of(entry) == [
        ("transit", TRANSIT, "S", Decimal("80.00")),
        ("bank", PAYPAL, "H", Decimal("80.00")),
    ]
    assert "has not arrived yet" in payout.reason
    assert transit_balance() == Decimal("80.00")

    import_sample(bank, "volksbank_november.csv")
    transactions_match(connection)

    received = line(bank, amount=Decimal("80.00"))
    assert received.state == State.MATCHED and received.confirmed_at is not None
    assert lines_of(received.payment_entry) == [
        ("bank", BANK, "S", Decimal("80.00")),
        ("transit", TRANSIT, "H", Decimal("80.00")),
    ]
    assert received.payment_entry.number == "8PO44444DD000004"
    assert received.payment_entry.document_date == date(2026, 11, 9)
    assert "of 06.11.2026" in received.reason and "clear" in received.reason
    assert transit_balance() == Decimal("0.00")
    payout.refresh_from_db()
    assert "received on 09.11.2026 on Volksbank" in payout.reason

    # A payout from PayPal without its PayPal line stays visible and is not booked.
    alone = line(bank, amount=Decimal("250.00"))
    assert (alone.state, alone.confirmed_at, alone.payment_entry) == (State.IGNORED, None, None)
    assert "no booked payout of PayPal over 250.00 EUR" in alone.reason
    # A supplier payment is no payout: the engine's own "no match".
    assert line(bank, amount=Decimal("-1000.00")).state == State.NO_MATCH

    transactions_match(connection)  # nothing is booked twice
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).count() == 2


def test_the_banks_line_waits_for_the_providers_statement(connection, paypal, bank):
    import_sample(bank, "volksbank_november.csv")
    transactions_match(connection)
    first = line(bank, amount=Decimal("80.00"))
    assert (first.state, first.payment_entry) == (State.IGNORED, None)
    assert "Import PayPal's statement" in first.reason

    import_sample(paypal, "paypal_november.csv")
    transactions_match(connection)

    first.refresh_from_db()
    assert first.state == State.MATCHED and first.payment_entry is not None
    assert transit_balance() == Decimal("0.00")


def test_a_bank_line_is_recognised_by_the_configured_iban(connection, paypal, bank):
    paypal.payout_payer = "LU89 7510 0013 5104 200E"
    paypal.save()
    import_sample(paypal, "paypal_november.csv")
    import_sample(bank, "volksbank_november.csv")
    transactions_match(connection)
    assert line(bank, amount=Decimal("80.00")).state == State.MATCHED


def test_a_bank_line_not_from_the_provider_is_no_payout(connection, paypal, bank):
    paypal.payout_payer = "Stripe Payments Europe"
    paypal.save()
    import_sample(paypal, "paypal_november.csv")
    import_sample(bank, "volksbank_november.csv")
    transactions_match(connection)
    received = line(bank, amount=Decimal("80.00"))
    assert (received.state, received.payment_entry) == (State.NO_MATCH, None)
    assert transit_balance() == Decimal("80.00")


def test_without_a_transit_account_the_payout_waits_with_the_reason(connection, paypal):
    paypal.transit_account = None
    paypal.save()
    import_sample(paypal, "paypal_november.csv")
    transactions_match(connection)

    payout = line(paypal, kind="payout")
    assert (payout.state, payout.payment_entry) == (State.IGNORED, None)
    assert "has no transit account (Geldtransit, SKR03 1360" in payout.reason

    paypal.transit_account = TRANSIT
    paypal.save()
    transactions_match(connection)
    payout.refresh_from_db()
    assert payout.state == State.MATCHED and payout.payment_entry is not None


def test_transfers_are_exported_to_datev_and_listed_in_the_period_report(connection, paypal, bank):
    import_sample(paypal, "paypal_november.csv")
    import_sample(bank, "volksbank_november.csv")
    transactions_match(connection)

    [batch] = datev_export(
        connection, date(2026, 11, 1), date(2026, 11, 30), allow_incomplete=True
    ).batches
    rows = [row.fields for row in read_extf(batch.data).rows]
    # amount, S/H of the Konto, Konto (field 7), Gegenkonto (8), Belegfeld 1 (11)
    assert sorted((r[0], r[1], r[6], r[7], r[10]) for r in rows) == [
        ("80,00", "H", "1201", "1360", "8PO44444DD000004"),
        ("80,00", "H", "1360", "1200", "8PO44444DD000004"),
    ]
    assert lint_file(batch.data) == []

    report = period_report(connection, 2026, 11)
    assert [(t.from_account, t.to_account, t.transfers, t.amount) for t in report.transfers] == [
        (PAYPAL, TRANSIT, 1, Decimal("80.00")),
        (TRANSIT, BANK, 1, Decimal("80.00")),
    ]
    assert report.revenue == ()


def test_a_customers_payment_mentioning_the_provider_is_still_matched(connection, paypal, bank):
    booked_invoice(connection, "RE-2026-901", "30.00")
    data = (
        "Volksbank Musterstadt eG\nUmsatzanzeige;Kunde: Moebel Sommer e.K.\n"
        "Konto;DE89370400440532013000\nZeitraum;01.11.2026 - 30.11.2026\n\n"
        "Buchungstag;Valuta;Auftraggeber/Zahlungsempfänger;IBAN;Vorgang/Verwendungszweck;"
        "Währung;Soll;Haben\n"
        "20.11.2026;20.11.2026;Klara Wolf;DE44500105175407324931;"
        "RE-2026-901 (Überweisung statt PayPal);EUR;;30,00\n"
    )
    statement_import(bank, data.encode("cp1252"), filename="customer.csv")
    transactions_match(connection)
    paid = line(bank, amount=Decimal("30.00"))
    assert (paid.state, paid.auto, paid.payment_entry) == (State.MATCHED, True, None)
