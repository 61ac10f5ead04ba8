"""From a statement line to the books and back to Billbee: matching stored lines, confirming
the exact ones (payment entries in the journal), and the write-back outbox sent through the
client against the sandbox, including an order changed by hand between match and send."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import payments.parsers
from bookkeeping.models import DebtorMapping, JournalEntry
from payments.models import PaymentGroup, PaymentSource, StatementTransaction, Writeback
from payments.parsers.base import ParsedStatement, StatementLine
from payments.services.matching import (
    transaction_confirm,
    transactions_confirm_exact,
    transactions_match,
    writebacks_send,
)
from payments.services.statements import statement_import
from tests.bookkeeping.helpers import ORIGIN, import_and_book
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, make_connection

pytestmark = pytest.mark.django_db
IBAN = "DE89370400440532013000"


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    account = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(account, import_start_date=NOVEMBER)
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    return account, connection


def statement(monkeypatch, source, *lines: StatementLine):
    parsed = ParsedStatement(format="camt.053", lines=list(lines), account_iban=IBAN)
    monkeypatch.setattr(payments.parsers, "parse_statement", lambda data, format=None: parsed)
    return statement_import(source, b"<statement/>", format="camt053")


def paid(amount: str, text: str, day: int = 20) -> StatementLine:
    return StatementLine(
        booking_date=date(2026, 11, day),
        amount=Decimal(amount),
        currency="EUR",
        remittance=text,
        counterparty_name="Katrin Krüger",
    )


def paid_by_exact_line(sandbox, connection, monkeypatch) -> int:
    """An open invoice (state 2, payment on invoice), booked, and a bank line naming it,
    matched and confirmed by the exact rule; returns the Billbee order id."""
    order = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    invoice = doc(order, connection)
    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban=IBAN, ledger_account=1200
    )
    statement(monkeypatch, bank, paid("25.00", invoice.invoice_number))
    transactions_match(connection)
    transactions_confirm_exact(connection)
    return order


def test_exact_lines_are_booked_and_written_back_the_rest_wait(shop, monkeypatch):
    sandbox, connection = shop
    first = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    second = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    changed = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    invoices = {
        key: doc(order, connection) for key, order in (("1", first), ("2", second), ("c", changed))
    }
    PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        open_states=[1, 2],
        writeback=PaymentGroup.Writeback.AUTO,
        writeback_tag="bezahlt-bank",
    )
    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban=IBAN, ledger_account=1200
    )
    statement(
        monkeypatch,
        bank,
        paid("25.00", f"Rechnung {invoices['1'].invoice_number}"),
        paid("25.00", f"{invoices['c'].invoice_number} danke"),
        paid("20.00", f"{invoices['2'].invoice_number} Teilzahlung"),
        paid("25.00", "Bestellung Katrin Krüger"),  # three open items of 25.00: a tie
    )

    summary = transactions_match(connection)

    assert summary.states == {"matched": 2, "partially_paid": 1, "ambiguous": 1}
    assert transactions_confirm_exact(connection) == 2
    entries = JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYMENT)
    assert sorted(e.number for e in entries) == sorted(
        [invoices["1"].invoice_number, invoices["c"].invoice_number]
    )
    partial = StatementTransaction.objects.get(amount=Decimal("20.00"))
    assert partial.confirmed_at is None and partial.candidates
    assert partial.candidates[0]["documents"] == [invoices["2"].pk]

    # The merchant cancels one order in Billbee after the match, before the send.
    sandbox.control("POST", f"orders/{changed}/state", {"State": 8})
    counts = writebacks_send(connection, sandbox.client())

    assert counts == {"done": 1, "stopped": 1, "retry": 0}
    marked = sandbox.control("GET", f"orders/{first}")
    assert marked["State"] == 3 and "bezahlt-bank" in marked["Tags"]
    stopped = Writeback.objects.get(billbee_order_id=changed)
    assert stopped.state == Writeback.State.STOPPED
    assert "state 8 is none of the group's open states" in stopped.reason
    assert sandbox.control("GET", f"orders/{changed}")["State"] == 8
    # A second run sends nothing and the rematch leaves confirmed lines alone.
    assert writebacks_send(connection, sandbox.client()) == {"done": 0, "stopped": 0, "retry": 0}
    assert transactions_match(connection).lines == 2


def test_approve_first_keeps_the_writeback_waiting(shop, monkeypatch):
    sandbox, connection = shop
    order = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    invoice = doc(order, connection)
    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban=IBAN, ledger_account=1200
    )
    statement(monkeypatch, bank, paid("25.00", invoice.invoice_number))
    transactions_match(connection)

    tx = StatementTransaction.objects.get()
    transaction_confirm(tx, invoice.pk)

    waiting = Writeback.objects.get()
    assert waiting.state == Writeback.State.AWAITING_APPROVAL  # the groups' default
    assert writebacks_send(connection, sandbox.client()) == {"done": 0, "stopped": 0, "retry": 0}
    assert sandbox.control("GET", f"orders/{order}")["State"] == 2


def test_the_schedule_tick_sends_due_writebacks(
    shop, monkeypatch, django_capture_on_commit_callbacks
):
    from connector.services.scheduling import schedule_tick
    from payments import tasks

    sandbox, connection = shop
    order = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    invoice = doc(order, connection)
    PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        open_states=[1, 2],
        writeback=PaymentGroup.Writeback.AUTO,
    )
    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban=IBAN, ledger_account=1200
    )
    statement(monkeypatch, bank, paid("25.00", invoice.invoice_number))
    transactions_match(connection)
    transactions_confirm_exact(connection)
    sent: list[int] = []
    monkeypatch.setattr(tasks.writebacks_send_task, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick()

    assert sent == [connection.pk]


def test_send_writebacks_approves_and_sends_from_the_command_line(shop, monkeypatch):
    import json
    from io import StringIO

    from django.core.management import call_command

    sandbox, connection = shop
    order = paid_by_exact_line(sandbox, connection, monkeypatch)
    out = StringIO()

    call_command(
        "send_writebacks", "--connection", connection.name, "--approve", "--json", stdout=out
    )

    assert json.loads(out.getvalue()) == {
        "connection": connection.name,
        "approved": 1,
        "done": 1,
        "stopped": 0,
        "retry": 0,
    }
    assert sandbox.control("GET", f"orders/{order}")["State"] == 3


@pytest.mark.parametrize("state", [15, 11, 12])  # payment reminder, dunning 1, dunning 2
def test_an_order_in_reminder_or_dunning_is_still_open_and_marked_paid(shop, monkeypatch, state):
    from django.core.management import call_command

    sandbox, connection = shop
    order = paid_by_exact_line(sandbox, connection, monkeypatch)
    sandbox.control("POST", f"orders/{order}/state", {"State": state})  # the reminder went out

    call_command("send_writebacks", "--connection", connection.name, "--approve")

    assert sandbox.control("GET", f"orders/{order}")["State"] == 3


def test_a_provider_payment_is_matched_on_what_the_customer_paid_not_on_the_net(shop, monkeypatch):
    """PayPal and Stripe keep their fee: the line's amount is the net, the invoice was paid in
    full (the gross). The exact rule compares the gross; the fee goes to the fee account."""
    sandbox, connection = shop
    order = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    invoice = doc(order, connection)
    paypal = PaymentSource.objects.create(
        connection=connection,
        name="PayPal",
        kind=PaymentSource.Kind.PAYPAL,
        ledger_account=1201,
        fee_account=4970,
    )
    line = StatementLine(
        booking_date=date(2026, 11, 20),
        amount=Decimal("24.15"),
        gross=Decimal("25.00"),
        fee=Decimal("-0.85"),
        currency="EUR",
        remittance=f"Rechnung {invoice.invoice_number}",
        counterparty_name="Katrin Krüger",
        bank_reference="7XK12345AB678901C",
    )
    statement(monkeypatch, paypal, line)

    assert transactions_match(connection).states == {"matched": 1}
    assert transactions_confirm_exact(connection) == 1
    entry = JournalEntry.objects.get(kind=JournalEntry.Kind.PAYMENT)
    amounts = {(ln.account, ln.side): ln.amount for ln in entry.lines.all()}
    assert amounts == {
        (1201, "S"): Decimal("24.15"),
        (4970, "S"): Decimal("0.85"),
        (10001, "H"): Decimal("25.00"),
    }
