"""Money that goes back: a chargeback or returned direct debit naming a
confirmed payment is booked back on its own date and the item is open again; a refund naming
a credit note pays the credit note; a payment larger than the open amount credits the debtor
with all of it and says by how much it overpaid. Statements are the samples in
samples/transfers/, read by the real parsers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookkeeping.datev import read_extf
from bookkeeping.models import JournalEntry, JournalLine
from bookkeeping.services.export import datev_export
from payments.models import PaymentGroup, PaymentSource, StatementTransaction, Writeback
from payments.selectors import open_items
from payments.services.matching import (
    transaction_confirm,
    transactions_confirm_exact,
    transactions_match,
)
from payments.services.returns import return_reason_words
from payments.services.statements import statement_import
from tests.payments.ledger import (
    DEBTOR,
    booked_credit_note,
    booked_invoice,
    import_sample,
    line,
    lines_of,
)

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


def item_of(connection, number: str):
    return next(item for item in open_items(connection) if item.invoice_number == number)


def debtor_balance() -> Decimal:
    total = Decimal(0)
    for side, amount in JournalLine.objects.filter(account=DEBTOR).values_list("side", "amount"):
        total += amount if side == "S" else -amount
    return total


def test_a_paypal_chargeback_books_the_payment_back_and_reopens_the_invoice(connection, paypal):
    PaymentGroup.objects.create(
        connection=connection, kind=PaymentGroup.Kind.INVOICE, payment_methods=[26]
    )
    first = booked_invoice(connection, "RE-2026-501", "119.00")
    second = booked_invoice(connection, "RE-2026-502", "59.50")
    import_sample(paypal, "paypal_november.csv")
    transactions_match(connection)
    transaction_confirm(line(paypal, bank_reference="7PP11111AA000001"), first.document_id)
    paid = transaction_confirm(line(paypal, bank_reference="7PP22222BB000002"), second.document_id)
    assert item_of(connection, "RE-2026-502").settled
    assert Writeback.objects.get(transaction=paid).state == Writeback.State.AWAITING_APPROVAL

    transactions_match(connection)

    chargeback = line(paypal, kind="chargeback")
    assert (chargeback.state, chargeback.matched_document_id) == (
        State.MATCHED,
        second.document_id,
    )
    entry = chargeback.payment_entry
    assert (entry.kind, entry.number, entry.document_date, entry.document_total) == (
        JournalEntry.Kind.PAYMENT,
        "RE-2026-502",
        date(2026, 11, 5),
        Decimal("-59.50"),
    )
    assert lines_of(entry) == [
        ("debtor", DEBTOR, "S", Decimal("59.50")),
        ("fee", FEES, "S", Decimal("20.00")),
        ("bank", PAYPAL, "H", Decimal("79.50")),
    ]
    assert chargeback.reason.startswith(
        "Chargeback (Rückbuchung) of the payment of 03.11.2026 over 57.72 EUR for RE-2026-502."
    )
    assert "open again" in chargeback.reason and "20.00 EUR" in chargeback.reason
    reopened = item_of(connection, "RE-2026-502")
    assert (reopened.settled, reopened.amount) == (False, Decimal("59.50"))
    # Billbee is not told "paid" for an order whose money went back.
    stopped = Writeback.objects.get(transaction=paid)
    assert stopped.state == Writeback.State.STOPPED and "came back" in stopped.reason
    assert not Writeback.objects.filter(transaction=chargeback).exists()

    transactions_match(connection)  # booked once
    assert JournalEntry.objects.filter(document_total=Decimal("-59.50")).count() == 1


def test_a_refund_of_a_confirmed_payment_pays_the_credit_note(connection, paypal):
    invoice = booked_invoice(connection, "RE-2026-501", "119.00")
    credit_note = booked_credit_note(invoice, "GS-2026-501", "19.00")
    import_sample(paypal, "paypal_november.csv")
    transactions_match(connection)
    transaction_confirm(line(paypal, bank_reference="7PP11111AA000001"), invoice.document_id)
    refund = line(paypal, kind="refund")
    assert refund.confirmed_at is None  # not before its payment was confirmed

    transactions_match(connection)

    refund.refresh_from_db()
    assert (refund.state, refund.matched_document_id) == (State.MATCHED, credit_note.document_id)
    entry = refund.payment_entry
    assert (entry.number, entry.reference, entry.document_total) == (
        "GS-2026-501",
        "RE-2026-501",
        Decimal("-19.00"),
    )
    assert lines_of(entry) == [
        ("bank", PAYPAL, "H", Decimal("18.47")),
        ("fee", FEES, "H", Decimal("0.53")),
        ("debtor", DEBTOR, "S", Decimal("19.00")),
    ]
    assert "credit note GS-2026-501 (invoice RE-2026-501)" in refund.reason
    assert item_of(connection, "RE-2026-501").settled  # the refund does not reopen it
    assert debtor_balance() == Decimal("0.00")

    [batch] = datev_export(
        connection, date(2026, 11, 1), date(2026, 11, 30), allow_incomplete=True
    ).batches
    refund_rows = [
        row.fields
        for row in read_extf(batch.data).rows
        if row.fields[7] == str(PAYPAL) and row.fields[1] == "S"
    ]
    # The refund carries the credit note's key: Belegfeld 1 is the original invoice.
    assert [(r[0], r[10]) for r in refund_rows] == [("18,47", "RE-2026-501")]


def test_a_returned_direct_debit_is_booked_back_with_its_fee_and_reason(connection, giro):
    giro.fee_account = FEES
    giro.save()
    booked_invoice(connection, "RE-2026-601", "129.00")
    import_sample(giro, "camt_return.xml")

    transactions_match(connection)
    assert transactions_confirm_exact(connection) == 1  # the debit; its return follows

    returned = line(giro, kind="reversal")
    assert returned.state == State.MATCHED and returned.confirmed_at is not None
    assert lines_of(returned.payment_entry) == [
        ("debtor", DEBTOR, "S", Decimal("129.00")),
        ("fee", FEES, "S", Decimal("3.00")),
        ("bank", BANK, "H", Decimal("132.00")),
    ]
    assert returned.payment_entry.document_date == date(2026, 11, 16)
    assert "Returned direct debit (Rücklastschrift)" in returned.reason
    assert "AM04: insufficient funds on the customer's account" in returned.reason
    item = item_of(connection, "RE-2026-601")
    assert (item.settled, item.amount) == (False, Decimal("129.00"))
    assert debtor_balance() == Decimal("129.00")


def test_return_reasons_are_said_in_words():
    assert return_reason_words("md06") == (
        "MD06: the customer asked the bank for a refund (disputed direct debit)"
    )
    assert return_reason_words("AC04") == "AC04: the customer's account is closed"
    assert return_reason_words("Konto erloschen") == "Konto erloschen"
    assert return_reason_words("") == ""


VOLKSBANK_HEAD = (
    "Volksbank Musterstadt eG\nUmsatzanzeige;Kunde: Moebel Sommer e.K.\n"
    "Konto;DE89370400440532013000\nZeitraum;01.11.2026 - 30.11.2026\n\n"
    "Buchungstag;Valuta;Auftraggeber/Zahlungsempfänger;IBAN;Vorgang/Verwendungszweck;"
    "Währung;Soll;Haben\n"
)


def test_an_overpayment_settles_the_invoice_and_leaves_a_credit_on_the_debtor(connection, bank):
    invoice = booked_invoice(connection, "RE-2026-701", "100.00")
    data = VOLKSBANK_HEAD + (
        "20.11.2026;20.11.2026;Klara Wolf;DE44500105175407324931;RE-2026-701;EUR;;120,00\n"
    )
    statement_import(bank, data.encode("cp1252"), filename="overpaid.csv")
    transactions_match(connection)
    tx = line(bank, amount=Decimal("120.00"))
    assert tx.state == State.AMOUNT_DIFFERS and "overpayment" in tx.reason

    transaction_confirm(tx, invoice.document_id)

    tx.refresh_from_db()
    assert lines_of(tx.payment_entry) == [
        ("bank", BANK, "S", Decimal("120.00")),
        ("debtor", DEBTOR, "H", Decimal("120.00")),
    ]
    assert "overpaid by 20.00 EUR" in tx.reason
    assert "the open 100.00 EUR are settled" in tx.reason
    assert item_of(connection, "RE-2026-701").settled
    assert debtor_balance() == Decimal("-20.00")  # the customer's credit


def test_a_stripe_dispute_names_its_payment_and_the_payout_its_po_id(connection):
    stripe = PaymentSource.objects.create(
        connection=connection,
        name="Stripe",
        kind=PaymentSource.Kind.STRIPE,
        ledger_account=1202,
        fee_account=FEES,
        transit_account=TRANSIT,
    )
    invoice = booked_invoice(connection, "RE-2026-801", "49.99")
    import_sample(stripe, "stripe_november.csv")
    transactions_match(connection)
    dispute = line(stripe, kind="chargeback")
    assert dispute.confirmed_at is None  # its payment is not confirmed yet
    transaction_confirm(line(stripe, kind="payment"), invoice.document_id)

    transactions_match(connection)

    dispute.refresh_from_db()
    assert dispute.confirmed_at is not None
    assert lines_of(dispute.payment_entry) == [
        ("debtor", DEBTOR, "S", Decimal("49.99")),
        ("fee", FEES, "S", Decimal("15.00")),
        ("bank", 1202, "H", Decimal("64.99")),
    ]
    assert item_of(connection, "RE-2026-801").amount == Decimal("49.99")
    payout = line(stripe, kind="payout").payment_entry
    assert (payout.kind, payout.number) == (JournalEntry.Kind.TRANSFER, "po_3B")


CAMT_RETURN_WITHOUT_REFERENCE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt>
<GrpHdr><MsgId>S-1</MsgId><CreDtTm>2026-11-25T21:00:00</CreDtTm></GrpHdr>
<Stmt><Id>2026-11-25-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
<Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>R-611</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Ute Berg</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>Rueckueberweisung RE-2026-611</Ustrd></RmtInf>
<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""


def test_a_return_naming_no_payment_is_proposed_and_booked_back_when_confirmed(
    connection, giro, bank
):
    invoice = booked_invoice(connection, "RE-2026-611", "50.00")
    data = VOLKSBANK_HEAD + (
        "20.11.2026;20.11.2026;Ute Berg;DE44500105175407324931;RE-2026-611;EUR;;50,00\n"
    )
    statement_import(bank, data.encode("cp1252"), filename="paid.csv")
    transactions_match(connection)
    assert transactions_confirm_exact(connection) == 1
    statement_import(giro, CAMT_RETURN_WITHOUT_REFERENCE, filename="return.xml")
    transactions_match(connection)
    returned = line(giro, kind="reversal")
    assert returned.confirmed_at is None  # no id names the payment: a person decides
    assert returned.candidates[0]["kind"] == "chargeback"

    transaction_confirm(returned, invoice.document_id)

    returned.refresh_from_db()
    assert lines_of(returned.payment_entry) == [
        ("debtor", DEBTOR, "S", Decimal("50.00")),
        ("bank", BANK, "H", Decimal("50.00")),
    ]
    assert "AC04: the customer's account is closed" in returned.reason
    assert item_of(connection, "RE-2026-611").amount == Decimal("50.00")
    assert not Writeback.objects.filter(transaction=returned).exists()
