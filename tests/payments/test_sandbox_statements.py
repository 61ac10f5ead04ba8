"""The sandbox's statements read by the connector's own parsers: what the demo imports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billbee.sandbox import statements as sandbox_statements
from connector.models import DEFAULT_EXCLUDED_PLATFORMS
from payments.parsers import detect_format, parse_statement
from payments.parsers.base import LineKind
from payments.selectors import DEFAULT_GROUPS


def test_the_sandbox_paypal_download_is_read_as_paypal(sandbox):
    reply = sandbox.control("GET", "statements/paypal?days=90")
    data = reply["content"].encode("utf-8")

    assert detect_format(data, reply["filename"]) == "paypal"
    statement = parse_statement(data)

    assert not statement.errors
    payments = [line for line in statement.lines if line.kind == LineKind.PAYMENT]
    payouts = [line for line in statement.lines if line.kind == LineKind.PAYOUT]
    assert payments and len(payouts) == 1
    for line in payments:
        assert line.gross is not None and line.fee is not None
        assert line.gross + line.fee == line.amount and line.fee < 0
        assert line.end_to_end_id  # the order number PayPal shows as invoice number
    assert sum((line.amount for line in statement.lines), Decimal(0)) == 0


def test_the_sandbox_bank_statement_is_read_as_camt_053(sandbox):
    reply = sandbox.control("GET", "statements/camt053?days=90")
    truth = sandbox.control("GET", "statements/truth?days=90")["lines"]
    data = reply["content"].encode("utf-8")

    assert detect_format(data, reply["filename"]) == "camt.053"
    statement = parse_statement(data)

    assert not statement.errors
    assert statement.account_iban == "DE02120300000000202051"
    assert [line.amount for line in statement.lines] == [Decimal(t["amount"]) for t in truth]
    assert [line.remittance for line in statement.lines if line.kind == LineKind.PAYMENT] == [
        " ".join(t["text"].split()) for t in truth if t["orders"]
    ]
    assert statement.closing_balance - statement.opening_balance == sum(
        (line.amount for line in statement.lines), Decimal(0)
    )


@pytest.mark.django_db
def test_the_sandbox_statements_are_imported_once_into_their_accounts(sandbox, connection):
    from payments.models import PaymentSource, StatementTransaction
    from payments.services.statements import statement_import

    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban="DE02120300000000202051", ledger_account=1200
    )
    paypal = PaymentSource.objects.create(
        connection=connection,
        name="PayPal",
        kind=PaymentSource.Kind.PAYPAL,
        ledger_account=1201,
        fee_account=4970,
    )
    camt = sandbox.control("GET", "statements/camt053?days=90")
    csv_file = sandbox.control("GET", "statements/paypal?days=90")

    first = statement_import(bank, camt["content"].encode(), filename=camt["filename"])
    paid = statement_import(paypal, csv_file["content"].encode(), filename=csv_file["filename"])
    again = statement_import(bank, camt["content"].encode(), filename=camt["filename"])

    assert (first.new, first.errors) == (first.lines, [])
    assert (paid.new, paid.errors) == (paid.lines, [])
    assert (again.new, again.known) == (0, first.lines)
    assert StatementTransaction.objects.filter(source=bank).count() == first.lines
    assert StatementTransaction.objects.filter(source=paypal).count() == paid.lines


def test_the_sandbox_pays_what_a_default_connection_has_open():
    """The sandbox repeats the connector's default exclusions and open states (it stands for
    Billbee and does not import the connector): they must stay the same."""
    assert set(sandbox_statements.EXCLUDED_PLATFORMS) == set(DEFAULT_EXCLUDED_PLATFORMS)
    for group in DEFAULT_GROUPS:
        if group.kind == "cod":
            continue  # paid to the parcel service, not by transfer
        for method in group.payment_methods:
            assert set(sandbox_statements.OPEN_STATES[method]) == set(group.open_states)
