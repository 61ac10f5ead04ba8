"""The payer memory: a confirmed line teaches the customer's IBAN; open items carry the
customer's name and remembered IBANs, so that a later transfer from that account without a
reference finds the customer's invoice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import payments.errors
import payments.parsers
from bookkeeping.models import DebtorMapping
from payments.matching import CandidateKind
from payments.models import PayerAccount, PaymentSource, StatementTransaction
from payments.parsers.base import ParsedStatement, StatementLine
from payments.selectors import open_items
from payments.services.matching import transaction_confirm, transactions_match
from payments.services.statements import statement_import
from tests.bookkeeping.helpers import ORIGIN, import_and_book
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, make_connection

pytestmark = pytest.mark.django_db
OWN = "DE89370400440532013000"
PAYER = "DE44500105175407324931"
KATRIN = {
    "InvoiceAddress": {"FirstName": "Katrin", "LastName": "Krüger", "CountryISO2": "DE"},
    "Customer": {"Id": 7001, "Email": "katrin@example.de"},
}


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    sandbox = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(sandbox, import_start_date=NOVEMBER)
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    bank = PaymentSource.objects.create(
        connection=connection, name="Hausbank", iban=OWN, ledger_account=1200
    )
    return sandbox, connection, bank


def statement(monkeypatch, source, *lines: StatementLine) -> None:
    parsed = ParsedStatement(format="camt.053", lines=list(lines), account_iban=OWN)
    monkeypatch.setattr(payments.parsers, "parse_statement", lambda data, format=None: parsed)
    statement_import(source, b"<statement/>", format="camt053")


def transfer(amount: str, text: str, *, iban: str = PAYER, name: str = "K. Krueger"):
    return StatementLine(
        booking_date=date(2026, 11, 20),
        amount=Decimal(amount),
        currency="EUR",
        remittance=text,
        counterparty_name=name,
        counterparty_iban=iban,
    )


def test_a_confirmed_line_remembers_the_payers_iban_and_a_later_transfer_finds_the_customer(
    shop, monkeypatch
):
    sandbox, connection, bank = shop
    first = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None, **KATRIN)
    unpaid = {"PaymentMethod": 26, "State": 2, "PayedAt": None, **KATRIN}
    second = insert(sandbox, TotalCost=31.5, ShippingCost=11.5, **unpaid)
    import_and_book(connection)
    invoice = doc(first, connection)
    statement(monkeypatch, bank, transfer("25.00", invoice.invoice_number))
    transactions_match(connection)
    before = {item.id: item for item in open_items(connection)}
    assert before[invoice.pk].customer_name == "Katrin Krüger"
    assert before[invoice.pk].customer_ibans == ()

    transaction_confirm(StatementTransaction.objects.get(), invoice.pk)

    account = PayerAccount.objects.get()
    assert (account.customer_key, account.iban, account.name) == ("id:7001", PAYER, "K. Krueger")
    assert account.customer_name == "Katrin Krüger" and account.payments == 1
    other = doc(second, connection)
    item = next(item for item in open_items(connection) if item.id == other.pk)
    assert item.customer_ibans == (PAYER,) and item.customer_id == "id:7001"

    # Next month the customer pays the second invoice from the same account, with a text
    # that names neither the invoice nor the order, under a name spelled differently.
    statement(monkeypatch, bank, transfer("31.50", "Danke fuer die Lieferung", name="KRUEGER K"))
    transactions_match(connection)

    line = StatementTransaction.objects.get(amount=Decimal("31.50"))
    assert line.candidates[0]["documents"] == [other.pk]
    assert line.candidates[0]["kind"] in (CandidateKind.PAYER_IBAN, CandidateKind.PAYER_NAME)
    assert any("IBAN" in reason for reason in line.candidates[0]["reasons"])


def test_lines_without_a_usable_iban_or_customer_teach_nothing(shop, monkeypatch):
    sandbox, connection, bank = shop
    known = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None, **KATRIN)
    anonymous = insert(sandbox, PaymentMethod=26, State=2, PayedAt=None)
    import_and_book(connection)
    statement(
        monkeypatch,
        bank,
        transfer("25.00", doc(known, connection).invoice_number, iban="DE00 1234"),
        transfer("25.00", doc(anonymous, connection).invoice_number),
    )
    first, second = StatementTransaction.objects.order_by("position")

    transaction_confirm(first, doc(known, connection).pk)
    transaction_confirm(second, doc(anonymous, connection).pk)

    assert not PayerAccount.objects.exists()
    assert StatementTransaction.objects.filter(confirmed_at__isnull=False).count() == 2


def test_a_second_payment_from_the_same_account_counts_and_a_failed_confirmation_forgets(
    shop, monkeypatch
):
    sandbox, connection, bank = shop
    orders = [insert(sandbox, PaymentMethod=26, State=2, PayedAt=None, **KATRIN) for _ in "ab"]
    waiting = insert(
        sandbox, PaymentMethod=26, State=2, PayedAt=None, **{**KATRIN, "Customer": {"Id": 9}}
    )
    import_and_book(connection)
    numbers = [doc(order, connection).invoice_number for order in orders]
    statement(monkeypatch, bank, *(transfer("25.00", number) for number in numbers))
    for line, order in zip(StatementTransaction.objects.order_by("position"), orders, strict=True):
        transaction_confirm(line, doc(order, connection).pk)
    assert PayerAccount.objects.get().payments == 2

    # A line confirmed for an order without a booked invoice (not a prepayment) is refused,
    # and nothing of it is remembered.
    doc(waiting, connection).booking.delete()
    statement(monkeypatch, bank, transfer("25.00", "whatever", iban="DE02120300000000202051"))
    line = StatementTransaction.objects.get(counterparty_iban="DE02120300000000202051")
    with pytest.raises(payments.errors.PaymentsError):
        transaction_confirm(line, doc(waiting, connection).pk)
    assert list(PayerAccount.objects.values_list("customer_key", flat=True)) == ["id:7001"]
