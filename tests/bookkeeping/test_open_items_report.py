"""The period report's open items (OPOS) at the month's end: every invoice whose debtor is
not cleared by the payments, credit notes and reversals dated up to that day, with its age."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.reports.period import period_report
from bookkeeping.reports.sections import table_of
from bookkeeping.services.entries import entry_reverse
from bookkeeping.services.payments import PaymentPosting, payment_post, payment_reverse
from tests.bookkeeping.test_ledger_invariants import a_document, post

pytestmark = pytest.mark.django_db
BANK = 1200


def pay(invoice, day: date, amount: str):
    return payment_post(
        PaymentPosting(invoice=invoice, day=day, amount=Decimal(amount), account=BANK),
        timezone.now(),
    )


def open_of(report) -> list[tuple[str, Decimal, Decimal, int]]:
    return [(r.number, r.total, r.open, r.days) for r in report.open_items]


def test_a_partly_paid_invoice_is_open_at_the_months_end_with_what_is_left():
    invoice = post(a_document())  # RE-2026-1, 119.00, dated 10.11.2026, debtor 10001
    pay(invoice, date(2026, 11, 20), "19.00")
    pay(invoice, date(2026, 12, 3), "100.00")  # after November's end

    november = period_report(invoice.connection, 2026, 11)
    december = period_report(invoice.connection, 2026, 12)

    assert open_of(november) == [("RE-2026-1", Decimal("119.00"), Decimal("100.00"), 20)]
    [row] = november.open_items
    assert (row.debtor, row.document_date) == (10001, date(2026, 11, 10))
    assert [(a.bucket, a.items, a.open) for a in november.open_items_age] == [
        ("0–30 days", 1, Decimal("100.00"))
    ]
    assert december.open_items == () and december.open_items_age == ()


def test_a_reversed_payment_opens_the_invoice_again_and_a_reversed_invoice_is_no_item():
    invoice = post(a_document())
    payment = pay(invoice, date(2026, 11, 20), "119.00")
    assert period_report(invoice.connection, 2026, 11).open_items == ()

    payment_reverse(payment, timezone.now(), note="wrong invoice")
    assert open_of(period_report(invoice.connection, 2026, 11)) == [
        ("RE-2026-1", Decimal("119.00"), Decimal("119.00"), 20)
    ]

    other = post(a_document())
    entry_reverse(other, timezone.now(), late_change=False, note="storno")
    assert [r.document_id for r in period_report(invoice.connection, 2026, 11).open_items] == [
        invoice.document_id
    ]


def test_an_overpaid_invoice_is_listed_with_the_customers_credit_and_the_section_renders():
    invoice = post(a_document())
    pay(invoice, date(2026, 11, 20), "120.00")

    report = period_report(invoice.connection, 2026, 11)

    assert open_of(report) == [("RE-2026-1", Decimal("119.00"), Decimal("-1.00"), 20)]
    table = table_of(report, "open_items")
    assert table.title.startswith("Open items")
    assert table.headers[:2] == ("invoice date", "invoice")
    assert [row[1:] for row in table.rows] == [
        ("RE-2026-1", "1", "10001", Decimal("119.00"), Decimal("-1.00"), 20)
    ]
