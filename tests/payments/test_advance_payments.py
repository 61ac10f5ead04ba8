"""Advance payments (Vorkasse): a prepayment order paid before it is invoiced is
confirmed at once and written back to Billbee; its journal entry is posted when the booking
run books the invoice, once, and the open item is settled. The order comes from the sandbox
over HTTP, the bank line from a bank CSV."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bookkeeping.models import DebtorMapping, JournalEntry
from payments.models import PaymentSource, StatementTransaction
from payments.selectors import open_items
from payments.services.matching import transactions_confirm_exact, transactions_match
from payments.services.statements import statement_import
from payments.services.transfers import payments_post_waiting
from tests.bookkeeping.helpers import ORIGIN, import_and_book
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, make_connection, patch
from tests.payments.ledger import lines_of
from tests.payments.mappings import VOLKSBANK
from tests.payments.test_open_items import awaiting

pytestmark = pytest.mark.django_db
STATEMENT = (
    "Volksbank Musterstadt eG\nUmsatzanzeige;Kunde: Moebel Sommer e.K.\n"
    "Konto;DE89370400440532013000\nZeitraum;01.11.2026 - 30.11.2026\n\n"
    "Buchungstag;Valuta;Auftraggeber/Zahlungsempfänger;IBAN;Vorgang/Verwendungszweck;"
    "Währung;Soll;Haben\n"
    "06.11.2026;06.11.2026;Klara Wolf;DE44500105175407324931;Vorkasse VK-40188;EUR;;49,90\n"
)


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


def test_a_prepayment_confirmed_before_its_invoice_is_posted_when_the_invoice_is_booked(
    make_sandbox,
):
    sandbox = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(sandbox, import_start_date=NOVEMBER)
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    order = insert(
        sandbox, **awaiting(CreatedAt="2026-11-05T09:00:00", PaymentReference="VK-40188")
    )
    import_and_book(connection)
    bank = PaymentSource.objects.create(
        connection=connection,
        name="Volksbank",
        kind=PaymentSource.Kind.CSV,
        iban="DE89370400440532013000",
        ledger_account=1200,
        csv_mapping=VOLKSBANK,
    )
    statement_import(bank, STATEMENT.encode("cp1252"), filename="vorkasse.csv")
    transactions_match(connection)
    assert transactions_confirm_exact(connection) == 1
    tx = StatementTransaction.objects.get(source=bank)
    assert tx.confirmed_at is not None and tx.payment_entry is None  # no invoice yet
    assert payments_post_waiting(connection) == 0

    patch(
        sandbox,
        order,
        State=3,
        PayedAt="2026-11-06T10:00:00",
        ShippedAt="2026-11-08T09:00:00",
        InvoiceNumberPrefix="RE-2026-",
        InvoiceNumber=90088,
        InvoiceDate="2026-11-08T10:00:00",
        LastModifiedAt="2026-11-16T12:00:00",
    )
    import_and_book(connection)  # the booking run books the invoice, then the payment

    tx.refresh_from_db()
    document = doc(order, connection)
    payments = JournalEntry.objects.filter(document=document, kind=JournalEntry.Kind.PAYMENT)
    assert [p.pk for p in payments] == [tx.payment_entry_id]
    payment = payments.get()
    assert (payment.number, payment.document_date) == ("RE-2026-90088", date(2026, 11, 6))
    assert lines_of(payment) == [
        ("bank", 1200, "S", Decimal("49.90")),
        ("debtor", 10001, "H", Decimal("49.90")),
    ]
    assert "Advance payment (Vorkasse)" in tx.reason and "RE-2026-90088" in tx.reason
    [item] = [i for i in open_items(connection, on=date(2026, 11, 20)) if i.id == document.pk]
    assert item.settled

    import_and_book(connection)  # idempotent: neither a second run nor a matching posts again
    transactions_match(connection)
    assert payments_post_waiting(connection) == 0
    assert payments.count() == 1
