from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from payments.parsers.base import LineKind
from payments.parsers.errors import StatementFormatError
from payments.parsers.stripe import parse_stripe

from .conftest import sample, shared_folder


@pytest.fixture(scope="module")
def balance():
    return parse_stripe(sample("stripe", "balance_change.csv"))


def test_charge_net_gross_fee_and_ids(balance):
    charge = balance.lines[0]
    assert balance.format == "stripe" and balance.account_currency == "EUR"
    assert (charge.gross, charge.fee, charge.amount) == (
        Decimal("119.90"),
        Decimal("-1.93"),
        Decimal("117.97"),
    )
    assert charge.kind == LineKind.PAYMENT
    assert charge.bank_reference == "txn_1A"
    assert charge.related_reference == "ch_1A"
    assert charge.end_to_end_id == "pi_1A"
    assert charge.counterparty_name == "Jürgen Müller"
    assert charge.remittance == "Bestellung 100234 order_number: 100234"
    assert charge.raw["customer_email"] == "j.mueller@example.de"
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin.
    assert (charge.booking_date, charge.value_date) == (date(2026, 3, 2), date(2026, 3, 5))


def test_refund_dispute_payout_fee(balance):
    refund, dispute, payout, fee = balance.lines[1:5]
    assert (refund.kind, refund.amount, refund.end_to_end_id) == (
        LineKind.REFUND,
        Decimal("-19.90"),
        "pi_1A",
    )
    # The dispute fee comes on top of the disputed amount.
    assert (dispute.kind, dispute.gross, dispute.fee, dispute.amount) == (
        LineKind.CHARGEBACK,
        Decimal("-49.99"),
        Decimal("-15.00"),
        Decimal("-64.99"),
    )
    assert (payout.kind, payout.amount, payout.related_reference) == (
        LineKind.PAYOUT,
        Decimal("-33.08"),
        "po_1X",
    )
    assert (fee.kind, fee.amount) == (LineKind.FEE, Decimal("-2.00"))


def test_broken_rows_get_reasons(balance):
    assert len(balance.lines) == 5
    assert [(e.position, e.reason) for e in balance.errors] == [
        (7, "The created time 'yesterday' cannot be read."),
        (8, "Gross 10.00, fee 1.00 and net 5.00 do not add up: net must be gross minus the fee."),
    ]


def test_dashboard_balance_history_columns():
    parsed = parse_stripe(sample("stripe", "balance_history_dashboard.csv"))
    charge, payout = parsed.lines
    assert (charge.gross, charge.fee, charge.amount) == (
        Decimal("1000.00"),
        Decimal("-29.25"),
        Decimal("970.75"),
    )
    assert charge.end_to_end_id == "ch_2A" and charge.bank_reference == "txn_2A"
    assert payout.kind == LineKind.PAYOUT and payout.amount == Decimal("-970.75")


def test_not_a_stripe_export():
    with pytest.raises(StatementFormatError, match="not a Stripe balance export"):
        parse_stripe(b"id,amount\n1,2\n")


def test_conformance_with_shared_samples():
    folder = shared_folder("stripe")
    for path in sorted(folder.glob("*.csv")):
        parsed = parse_stripe(path.read_bytes())
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
        assert parsed.errors == []
        assert [line.bank_reference for line in parsed.lines] == [
            row["balance_transaction_id"] for row in rows
        ]
        assert [line.amount for line in parsed.lines] == [Decimal(row["net"]) for row in rows]
        assert [line.transaction_code for line in parsed.lines] == [
            row["reporting_category"] for row in rows
        ]
