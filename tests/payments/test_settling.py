"""Settling statement lines by hand: a Skonto within the payment group's rate and term, the
rest written off, one transfer split over several invoices (one entry each, all or nothing),
ignoring a payer, and undoing a confirmed line (reversals, write-backs withdrawn, matched
again)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.posting import PlanLine
from bookkeeping.services.entries import entry_post
from bookkeeping.services.setup import bookkeeping_settings
from connector.models import Connection, ExternalOrder
from payments.errors import PaymentsError
from payments.models import (
    IgnoreRule,
    PayerAccount,
    PaymentAllocation,
    PaymentGroup,
    PaymentSource,
    Statement,
    StatementTransaction,
    Writeback,
)
from payments.services.settling import (
    Part,
    transaction_ignore_payer,
    transaction_settle,
    transaction_undo,
)
from tests.bookkeeping.test_ledger_invariants import values

pytestmark = pytest.mark.django_db
R19, R7 = Decimal(19), Decimal(7)


def mixed_lines(gross19: str, gross7: str) -> list[PlanLine]:
    """An invoice on debtor 10001 with ``gross19`` at 19 % and ``gross7`` at 7 %."""
    g19, g7 = Decimal(gross19), Decimal(gross7)
    t19 = (g19 * 19 / 119).quantize(Decimal("0.01"))
    t7 = (g7 * 7 / 107).quantize(Decimal("0.01"))
    return [
        PlanLine("debtor", 10001, "S", g19 + g7),
        PlanLine("revenue", 8400, "H", g19 - t19, R19, t19, "", True),
        PlanLine("vat", 1776, "H", t19, R19),
        PlanLine("revenue", 8300, "H", g7 - t7, R7, t7, "", True),
        PlanLine("vat", 1771, "H", t7, R7),
    ]


@pytest.fixture
def shop(db) -> Connection:
    connection = Connection.objects.create(name="shop", api_url="http://127.0.0.1:9/api/v1")
    bookkeeping_settings(connection)
    PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        open_states=[1, 2, 4],
        writeback=PaymentGroup.Writeback.AUTO,
        skonto_rate=Decimal("2.00"),
        skonto_days=14,
    )
    return connection


def invoice(
    shop: Connection, number: str, gross19: str, gross7: str = "0", case: str = "domestic"
) -> ExternalOrder:
    now = timezone.now()
    document = ExternalOrder.objects.create(
        connection=shop,
        billbee_order_id=900 + ExternalOrder.objects.count(),
        order_number=f"B-{number}",
        invoice_number=number,
        payment_method=26,
        status="booked",
        reason_code="booked",
        reason="booked",
        raw_hash="x",
        content_hash="y",
        first_seen_at=now,
        last_seen_at=now,
        decided_at=now,
    )
    lines = [ln for ln in mixed_lines(gross19, gross7) if ln.amount]
    total = Decimal(gross19) + Decimal(gross7)
    header = values(
        number=number, document_total=total, billbee_order_id=document.billbee_order_id, case=case
    )
    entry = entry_post(shop.pk, document.pk, header, lines, now)
    DocumentBooking.objects.create(
        document=document,
        connection=shop,
        status=DocumentBooking.Status.BOOKED,
        entry=entry,
        decided_at=now,
    )
    return document


@pytest.fixture
def bank(shop) -> PaymentSource:
    return PaymentSource.objects.create(
        connection=shop, name="Giro", iban="DE89370400440532013000", ledger_account=1200
    )


def line(bank: PaymentSource, amount: str, day: int = 20, **fields) -> StatementTransaction:
    statement, _ = Statement.objects.get_or_create(
        source=bank, sha256="a" * 64, defaults={"format": "camt053"}
    )
    return StatementTransaction.objects.create(
        source=bank,
        statement=statement,
        key=f"K{StatementTransaction.objects.count()}",
        position=1,
        booking_date=date(2026, 11, day),
        amount=Decimal(amount),
        currency=fields.pop("currency", "EUR"),
        counterparty_name=fields.pop("name", "Katrin Krüger"),
        counterparty_iban=fields.pop("iban", "DE02120300000000202051"),
        **fields,
    )


def payments_of(document: ExternalOrder) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(document=document, kind="payment").order_by("pk"))


def test_a_skonto_within_the_groups_rate_and_term_clears_the_invoice(shop, bank):
    document = invoice(shop, "RE-1001", "119.00", "107.00")  # invoice date 10.11.
    tx = line(bank, "221.48")

    settled = transaction_settle(tx, [Part(document.pk, Decimal("221.48"), Decimal("4.52"))])

    [entry] = payments_of(document)
    assert settled.confirmed_at and settled.payment_entry == entry
    assert settled.state == StatementTransaction.State.MATCHED
    assert entry.document_total == Decimal("226.00") and entry.number == "RE-1001"
    assert [(ln.role, ln.account, ln.amount) for ln in entry.lines.order_by("position")] == [
        ("bank", 1200, Decimal("221.48")),
        ("skonto", 8736, Decimal("2.00")),
        ("vat", 1776, Decimal("0.38")),
        ("skonto", 8731, Decimal("2.00")),
        ("vat", 1771, Decimal("0.14")),
        ("debtor", 10001, Decimal("226.00")),
    ]
    [allocation] = PaymentAllocation.objects.filter(transaction=tx)
    assert (allocation.amount, allocation.skonto, allocation.entry) == (
        Decimal("221.48"),
        Decimal("4.52"),
        entry,
    )
    assert "Skonto 4.52" in settled.reason
    assert Writeback.objects.get(transaction=tx).billbee_order_id == document.billbee_order_id


@pytest.mark.parametrize(
    ("paid", "skonto", "day", "reason"),
    [
        ("221.00", "5.00", 20, r"more than the 2\.00 % allowed \(4\.52 EUR\)"),
        ("221.48", "4.52", 30, "beyond the Skonto term of 14 days"),
        ("221.48", "4.00", 20, "must add up to it"),
    ],
)
def test_a_skonto_beyond_the_rate_or_term_is_refused_with_the_reason(
    shop, bank, paid, skonto, day, reason
):
    document = invoice(shop, "RE-1002", "119.00", "107.00")
    tx = line(bank, paid, day=day)

    with pytest.raises(PaymentsError, match=reason):
        transaction_settle(tx, [Part(document.pk, Decimal(paid), Decimal(skonto))])

    tx.refresh_from_db()
    assert tx.confirmed_at is None and not payments_of(document)
    assert not PaymentAllocation.objects.exists() and not Writeback.objects.exists()


def test_a_rest_beyond_the_skonto_is_written_off_when_asked_so(shop, bank):
    document = invoice(shop, "RE-1003", "119.00", "107.00")
    tx = line(bank, "200.00", day=30)

    transaction_settle(tx, [Part(document.pk, Decimal("200.00"), write_off=Decimal("26.00"))])

    [entry] = payments_of(document)
    assert [ln.account for ln in entry.lines.filter(role="writeoff")] == [2406, 2401]
    assert entry.document_total == Decimal("226.00")


def test_one_transfer_split_over_two_invoices_books_one_entry_each(shop, bank):
    first = invoice(shop, "RE-1004", "50.00")
    second = invoice(shop, "RE-1005", "30.00")
    tx = line(bank, "80.00")

    transaction_settle(tx, [Part(first.pk, Decimal("50.00")), Part(second.pk, Decimal("30.00"))])

    assert [e.document_total for e in payments_of(first) + payments_of(second)] == [
        Decimal("50.00"),
        Decimal("30.00"),
    ]
    assert PaymentAllocation.objects.filter(transaction=tx).count() == 2
    assert Writeback.objects.filter(transaction=tx).count() == 2


def test_a_split_that_fails_for_one_invoice_books_nothing(shop, bank):
    first = invoice(shop, "RE-1006", "50.00")
    second = invoice(shop, "RE-1007", "30.00")
    tx = line(bank, "80.00")

    with pytest.raises(PaymentsError, match=r"add up to 70\.00 EUR, the line is 80\.00 EUR"):
        transaction_settle(
            tx, [Part(first.pk, Decimal("50.00")), Part(second.pk, Decimal("20.00"))]
        )
    usd = line(bank, "80.00", currency="USD")
    with pytest.raises(PaymentsError, match="The line is in USD"):
        transaction_settle(usd, [Part(first.pk, Decimal("80.00"))])
    with pytest.raises(PaymentsError, match=r"RE-1007 has 30\.00 EUR open"):
        transaction_settle(
            tx,
            [
                Part(first.pk, Decimal("50.00")),
                Part(second.pk, Decimal("30.00"), write_off=Decimal("1.00")),
            ],
        )

    assert not JournalEntry.objects.filter(kind="payment").exists()
    assert not PaymentAllocation.objects.exists()


def test_undo_reverses_the_entries_withdraws_unsent_write_backs_and_matches_again(shop, bank):
    first = invoice(shop, "RE-2026-11008", "50.00")
    second = invoice(shop, "RE-2026-11009", "30.00")
    tx = line(bank, "80.00", remittance="RE-2026-11008 RE-2026-11009")
    transaction_settle(tx, [Part(first.pk, Decimal("50.00")), Part(second.pk, Decimal("30.00"))])
    Writeback.objects.filter(billbee_order_id=first.billbee_order_id).update(
        state=Writeback.State.DONE
    )

    undone = transaction_undo(tx, note="wrong customer")

    for document in (first, second):
        [payment] = payments_of(document)
        assert payment.reversed_by.kind == JournalEntry.Kind.REVERSAL
        assert "wrong customer" in payment.reversed_by.note
    assert undone.confirmed_at is None and undone.payment_entry is None
    assert undone.state == StatementTransaction.State.MATCHED, undone.reason
    assert undone.candidates[0]["documents"] == [first.pk, second.pk]
    assert f"Billbee had marked order {first.billbee_order_id} paid" in undone.reason
    assert list(Writeback.objects.values_list("billbee_order_id", flat=True)) == [
        first.billbee_order_id
    ]
    assert all(a.undone_at for a in PaymentAllocation.objects.all())
    with pytest.raises(PaymentsError, match="nothing to undo"):
        transaction_undo(undone, note="again")

    # Confirmed again: the order Billbee knows is not sent twice.
    transaction_settle(
        undone, [Part(first.pk, Decimal("50.00")), Part(second.pk, Decimal("30.00"))]
    )
    assert Writeback.objects.filter(transaction=tx).count() == 2


def test_ignoring_the_payer_sets_their_lines_aside_with_the_reason(shop, bank):
    tx = line(bank, "500.00", name="Finanzamt Köln", iban="DE12500105170648489890")
    other = line(bank, "20.00", name="Finanzamt Köln", iban="DE12500105170648489890")

    rule = transaction_ignore_payer(tx, field="iban", reason="tax refunds, not sales")

    assert (rule.field, rule.pattern) == (IgnoreRule.Field.IBAN, "DE12500105170648489890")
    for each in (tx, other):
        each.refresh_from_db()
        assert each.state == StatementTransaction.State.IGNORED
        assert "tax refunds, not sales" in each.reason
    with pytest.raises(PaymentsError, match="Say why"):
        transaction_ignore_payer(tx, field="name", reason=" ")


def test_the_matching_proposes_the_skonto_of_the_payment_group(shop, bank):
    from payments.services.matching import transactions_match

    document = invoice(shop, "RE-2026-11010", "119.00", "107.00")
    tx = line(bank, "221.48", remittance="RE-2026-11010")

    transactions_match(shop)

    tx.refresh_from_db()
    best = tx.candidates[0]
    assert (best["kind"], best["documents"], best["skonto"]) == ("skonto", [document.pk], "4.52")
    PaymentGroup.objects.update(skonto_rate=0)
    transactions_match(shop)
    tx.refresh_from_db()
    assert tx.candidates[0]["kind"] != "skonto"


def test_a_providers_fee_is_taken_once_from_the_first_invoices_entry(shop):
    paypal = PaymentSource.objects.create(
        connection=shop,
        name="PayPal",
        kind=PaymentSource.Kind.PAYPAL,
        ledger_account=1201,
        fee_account=4970,
    )
    first = invoice(shop, "RE-2026-11011", "50.00")
    second = invoice(shop, "RE-2026-11012", "30.00")
    tx = line(paypal, "77.00", gross=Decimal("80.00"), fee=Decimal("-3.00"))

    transaction_settle(tx, [Part(first.pk, Decimal("50.00")), Part(second.pk, Decimal("30.00"))])

    booked = [
        [(ln.role, ln.account, ln.amount) for ln in entry.lines.order_by("position")]
        for entry in payments_of(first) + payments_of(second)
    ]
    assert booked == [
        [("bank", 1201, Decimal("47.00")), ("fee", 4970, Decimal("3.00")),
         ("debtor", 10001, Decimal("50.00"))],
        [("bank", 1201, Decimal("30.00")), ("debtor", 10001, Decimal("30.00"))],
    ]  # fmt: skip


def test_a_line_settled_by_hand_teaches_the_customers_account(shop, bank):
    """What a person confirms on the Settle page is remembered like an exact match: the next
    transfer from the account proposes the customer's items."""
    first = invoice(shop, "RE-1010", "40.00")
    first.customer = {"id": 4711, "email": "k@example.org"}
    first.customer_name = "Katrin Krüger"
    first.save(update_fields=["customer", "customer_name"])
    tx = line(bank, "39.20")

    transaction_settle(tx, [Part(first.pk, Decimal("39.20"), skonto=Decimal("0.80"))])

    payer = PayerAccount.objects.get()
    assert (payer.iban, payer.customer_name) == ("DE02120300000000202051", "Katrin Krüger")
    assert payer.customer_key
