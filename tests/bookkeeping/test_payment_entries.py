"""Payments in the journal: a confirmed payment is an immutable entry like an
invoice — the bank or PSP account against the debtor, the invoice number in Belegfeld 1 so
that DATEV's open-item matching clears it, a PSP's fee on the fee account — undone by a
reversal; it leaves the revenue of the period report alone and is listed as a receipt."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.errors import BookkeepingError
from bookkeeping.exporting import ExportEntry, ExportLine, datev_rows
from bookkeeping.models import ImmutableError, JournalEntry
from bookkeeping.reports.period import period_report
from bookkeeping.services.payments import PaymentPosting, payment_post, payment_reverse
from tests.bookkeeping.test_ledger_invariants import a_document, post

pytestmark = pytest.mark.django_db

BANK, PAYPAL, FEES = 1200, 1360, 4970


def an_invoice() -> JournalEntry:
    return post(a_document())  # RE-2026-1 over 119.00 on debtor 10000


def lines_of(entry: JournalEntry) -> list[tuple[str, int, str, Decimal]]:
    return [(ln.role, ln.account, ln.side, ln.amount) for ln in entry.lines.order_by("position")]


def test_a_bank_payment_books_the_bank_against_the_debtor_under_the_invoice_number():
    invoice = an_invoice()
    payment = payment_post(
        PaymentPosting(
            invoice=invoice,
            day=date(2026, 11, 20),
            amount=Decimal("119.00"),
            account=BANK,
            reference="SBX20261120000001",
        ),
        timezone.now(),
    )

    assert payment.kind == JournalEntry.Kind.PAYMENT
    assert (payment.number, payment.debtor, payment.document_id) == (
        "RE-2026-1",
        invoice.debtor,
        invoice.document_id,
    )
    assert payment.document_date == date(2026, 11, 20)
    assert lines_of(payment) == [
        ("bank", BANK, "S", Decimal("119.00")),
        ("debtor", invoice.debtor, "H", Decimal("119.00")),
    ]
    assert "SBX20261120000001" in payment.note
    with pytest.raises(ImmutableError):
        payment.delete()


def test_a_psp_payment_books_its_fee_and_the_net_on_the_psp_account():
    invoice = an_invoice()
    payment = payment_post(
        PaymentPosting(
            invoice=invoice,
            day=date(2026, 11, 21),
            amount=Decimal("119.00"),
            account=PAYPAL,
            fee=Decimal("3.31"),
            fee_account=FEES,
        ),
        timezone.now(),
    )

    assert lines_of(payment) == [
        ("bank", PAYPAL, "S", Decimal("115.69")),
        ("fee", FEES, "S", Decimal("3.31")),
        ("debtor", invoice.debtor, "H", Decimal("119.00")),
    ]


def test_a_refund_books_the_debtor_against_the_bank():
    invoice = an_invoice()
    refund = payment_post(
        PaymentPosting(
            invoice=invoice, day=date(2026, 11, 22), amount=Decimal("-19.00"), account=BANK
        ),
        timezone.now(),
    )

    assert lines_of(refund) == [
        ("bank", BANK, "H", Decimal("19.00")),
        ("debtor", invoice.debtor, "S", Decimal("19.00")),
    ]


def test_the_datev_row_credits_the_debtor_with_the_invoice_number_in_belegfeld_1():
    invoice = an_invoice()
    payment = payment_post(
        PaymentPosting(
            invoice=invoice,
            day=date(2026, 11, 20),
            amount=Decimal("119.00"),
            account=PAYPAL,
            fee=Decimal("3.31"),
            fee_account=FEES,
        ),
        timezone.now(),
    )
    entry = ExportEntry(
        payment.pk, payment.kind, payment.number, payment.reference, payment.document_date,
        payment.service_date, payment.text, payment.origin, payment.order_number,
        payment.billbee_order_id, payment.case, payment.eu_destination, payment.eu_origin,
        payment.origin_rate, payment.currency, payment.exchange_rate, payment.document_total,
        payment.debtor,
    )  # fmt: skip
    lines = [
        ExportLine(ln.role, ln.account, ln.side, ln.amount, ln.rate, ln.tax, ln.bu_key, False)
        for ln in payment.lines.order_by("position")
    ]

    rows = datev_rows(entry, lines, locked=True)

    assert [(r.amount, r.side, r.account, r.contra_account, r.document_field1) for r in rows] == [
        (Decimal("115.69"), "H", invoice.debtor, PAYPAL, "RE-2026-1"),
        (Decimal("3.31"), "H", invoice.debtor, FEES, "RE-2026-1"),
    ]
    assert all(not r.bu_key and not r.eu_destination for r in rows)


def test_undoing_a_payment_is_a_reversal():
    invoice = an_invoice()
    payment = payment_post(
        PaymentPosting(
            invoice=invoice, day=date(2026, 11, 20), amount=Decimal("119.00"), account=BANK
        ),
        timezone.now(),
    )

    reversal = payment_reverse(payment, timezone.now(), note="matched to the wrong invoice")

    assert reversal.kind == JournalEntry.Kind.REVERSAL and reversal.reverses_id == payment.pk
    assert lines_of(reversal) == [
        ("bank", BANK, "H", Decimal("119.00")),
        ("debtor", invoice.debtor, "S", Decimal("119.00")),
    ]
    with pytest.raises(BookkeepingError, match="already reversed"):
        payment_reverse(payment, timezone.now(), note="again")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("0.001")])
def test_a_payment_of_nothing_is_refused_with_a_sentence(amount):
    with pytest.raises(BookkeepingError, match="no amount"):
        payment_post(
            PaymentPosting(
                invoice=an_invoice(), day=date(2026, 11, 20), amount=amount, account=BANK
            ),
            timezone.now(),
        )


def test_a_reversed_invoice_takes_no_payment():
    invoice = an_invoice()
    from bookkeeping.services.entries import entry_reverse

    entry_reverse(invoice, timezone.now(), late_change=False, note="storno")
    with pytest.raises(BookkeepingError, match="reversed"):
        payment_post(
            PaymentPosting(
                invoice=invoice, day=date(2026, 11, 20), amount=Decimal("119.00"), account=BANK
            ),
            timezone.now(),
        )


def test_the_period_report_lists_receipts_and_keeps_the_revenue():
    invoice = an_invoice()
    before = period_report(invoice.connection, 2026, 11)
    payment = payment_post(
        PaymentPosting(
            invoice=invoice, day=date(2026, 11, 20), amount=Decimal("119.00"), account=BANK
        ),
        timezone.now(),
    )
    payment_post(
        PaymentPosting(
            invoice=invoice, day=date(2026, 11, 21), amount=Decimal("-19.00"), account=BANK
        ),
        timezone.now(),
    )
    payment_reverse(payment, timezone.now(), note="wrong invoice")

    after = period_report(invoice.connection, 2026, 11)

    assert after.revenue == before.revenue
    assert [(r.account, r.payments, r.received) for r in after.receipts] == [
        (BANK, 1, Decimal("-19.00"))
    ]


def test_a_payment_s_note_names_its_statement_line_in_the_reader_s_language(
    admin_client, static_root
):
    from django.urls import reverse

    from tests.conftest import german

    payment = payment_post(
        PaymentPosting(
            invoice=an_invoice(),
            day=date(2026, 11, 20),
            amount=Decimal("119.00"),
            account=BANK,
            reference="SBX20261120000001",
        ),
        timezone.now(),
    )
    url = reverse("admin:bookkeeping_journalentry_change", args=[payment.pk])

    assert payment.note == "payment from the statement, line SBX20261120000001"
    assert "Zahlung aus Kontoauszug, Umsatz SBX20261120000001" in german(admin_client, url)
    english = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "payment from the statement, line SBX20261120000001" in english
