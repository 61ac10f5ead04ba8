"""Skonto and write-offs in the journal: the payment's entry clears the whole open item, the
rest goes to the Skonto or write-off account split over the invoice's VAT rates with the VAT
corrected, in cents; DATEV gets the parts gross on the automatic accounts under the invoice
number, and a reversal undoes it all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.errors import BookkeepingError
from bookkeeping.exporting import ExportEntry, ExportLine, datev_rows
from bookkeeping.models import JournalEntry, TaxAccount
from bookkeeping.posting import Plan, PlanLine
from bookkeeping.reports.period import period_report
from bookkeeping.services.payment_adjustments import (
    Adjustment,
    RateShare,
    WriteOff,
    adjustment_lines,
    payment_settle,
    split_by_rate,
    vat_in,
)
from bookkeeping.services.payments import PaymentPosting, payment_reverse
from bookkeeping.services.setup import bookkeeping_settings
from tests.bookkeeping.test_ledger_invariants import a_document, values

pytestmark = pytest.mark.django_db
BANK = 1200
R19, R7 = Decimal(19), Decimal(7)

# 119.00 at 19 % and 107.00 at 7 %: 226.00 on debtor 10001, revenue on the AM accounts.
MIXED = [
    PlanLine("debtor", 10001, "S", Decimal("226.00")),
    PlanLine("revenue", 8400, "H", Decimal("100.00"), R19, Decimal("19.00"), "", True),
    PlanLine("vat", 1776, "H", Decimal("19.00"), R19),
    PlanLine("revenue", 8300, "H", Decimal("100.00"), R7, Decimal("7.00"), "", True),
    PlanLine("vat", 1771, "H", Decimal("7.00"), R7),
]


def mixed_invoice(**fields) -> JournalEntry:
    from bookkeeping.services.entries import entry_post

    document = a_document()
    bookkeeping_settings(document.connection)  # the SKR03 preset: 8736/8731 are automatic
    header = values(document_total=Decimal("226.00"), **fields)
    return entry_post(document.connection_id, document.pk, header, list(MIXED), timezone.now())


def lines_of(entry: JournalEntry) -> list[tuple]:
    return [
        (ln.role, ln.account, ln.side, ln.amount, ln.rate, ln.tax)
        for ln in entry.lines.order_by("position")
    ]


def settle(invoice: JournalEntry, paid: str, adjustment: Adjustment) -> JournalEntry:
    posting = PaymentPosting(
        invoice=invoice, day=date(2026, 11, 20), amount=Decimal(paid), account=BANK
    )
    return payment_settle(posting, adjustment, timezone.now())


def test_skonto_on_a_mixed_invoice_is_split_by_rate_with_its_vat_correction():
    invoice = mixed_invoice()

    entry = settle(invoice, "221.48", Adjustment(skonto=Decimal("4.52")))

    assert lines_of(entry) == [
        ("bank", BANK, "S", Decimal("221.48"), None, Decimal(0)),
        ("skonto", 8736, "S", Decimal("2.00"), R19, Decimal("0.38")),
        ("vat", 1776, "S", Decimal("0.38"), R19, Decimal(0)),
        ("skonto", 8731, "S", Decimal("2.00"), R7, Decimal("0.14")),
        ("vat", 1771, "S", Decimal("0.14"), R7, Decimal(0)),
        ("debtor", 10001, "H", Decimal("226.00"), None, Decimal(0)),
    ]
    assert entry.number == "RE-2026-1" and entry.document_total == Decimal("226.00")
    assert entry.text == "Zahlung RE-2026-1 abzgl. Skonto"
    assert all(ln.datev_gross for ln in entry.lines.filter(role="skonto"))


def test_the_datev_rows_book_the_skonto_gross_on_the_am_accounts_under_the_invoice_number():
    entry = settle(mixed_invoice(), "221.48", Adjustment(skonto=Decimal("4.52")))
    header = ExportEntry(
        entry.pk, entry.kind, entry.number, entry.reference, entry.document_date,
        entry.service_date, entry.text, entry.origin, entry.order_number,
        entry.billbee_order_id, entry.case, entry.eu_destination, entry.eu_origin,
        entry.origin_rate, entry.currency, entry.exchange_rate, entry.document_total,
        entry.debtor,
    )  # fmt: skip
    lines = [
        ExportLine(ln.role, ln.account, ln.side, ln.amount, ln.rate, ln.tax, "", ln.datev_gross)
        for ln in entry.lines.order_by("position")
    ]

    rows = datev_rows(header, lines, locked=False)

    # DATEV derives the VAT on 8736/8731: no VAT rows, the debtor credited 226.00 in all.
    assert [(r.amount, r.side, r.contra_account, r.document_field1) for r in rows] == [
        (Decimal("221.48"), "H", BANK, "RE-2026-1"),
        (Decimal("2.38"), "H", 8736, "RE-2026-1"),
        (Decimal("2.14"), "H", 8731, "RE-2026-1"),
    ]


def test_a_write_off_of_a_lost_rest_books_forderungsverluste_per_rate():
    invoice = mixed_invoice()

    entry = settle(invoice, "200.00", Adjustment(write_off=Decimal("26.00")))

    # 26.00 × 119/226 = 13.69 (VAT 2.19), 26.00 × 107/226 = 12.31 (VAT 0.81).
    assert lines_of(entry)[1:5] == [
        ("writeoff", 2406, "S", Decimal("11.50"), R19, Decimal("2.19")),
        ("vat", 1776, "S", Decimal("2.19"), R19, Decimal(0)),
        ("writeoff", 2401, "S", Decimal("11.50"), R7, Decimal("0.81")),
        ("vat", 1771, "S", Decimal("0.81"), R7, Decimal(0)),
    ]
    assert lines_of(entry)[-1][:4] == ("debtor", 10001, "H", Decimal("226.00"))


def test_a_small_difference_goes_to_the_sales_deductions_of_the_invoice_treatment():
    invoice = mixed_invoice()
    TaxAccount.objects.filter(connection=invoice.connection, case="domestic", rate=R7).update(
        discount_account=None
    )

    entry = settle(
        invoice,
        "225.97",
        Adjustment(write_off=Decimal("0.03"), write_off_kind=WriteOff.DIFFERENCE),
    )

    # 0.03 × 119/226 = 0.0158 → 0.02 on 8720; 0.03 × 107/226 = 0.0142 → 0.01 on the 7 %
    # revenue account (the mapping has no discount account); no VAT in a cent.
    assert [ln[:5] for ln in lines_of(entry)[1:-1]] == [
        ("writeoff", 8720, "S", Decimal("0.02"), R19),
        ("writeoff", 8300, "S", Decimal("0.01"), R7),
    ]


def test_the_operators_own_accounts_win_over_the_preset():
    invoice = mixed_invoice()
    settings = bookkeeping_settings(invoice.connection)
    settings.skonto_account_19 = 8737
    settings.save()

    entry = settle(invoice, "221.48", Adjustment(skonto=Decimal("4.52")))

    skonto = entry.lines.filter(role="skonto").order_by("position")
    assert [(ln.account, ln.datev_gross) for ln in skonto] == [(8737, False), (8731, True)]


def test_the_rounding_rest_of_a_split_goes_to_the_largest_share():
    shares = [RateShare(R19, Decimal("100"), 1776)] * 3
    assert split_by_rate(Decimal("1.00"), shares) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]
    shares = [RateShare(R19, Decimal("10"), 1776), RateShare(R7, Decimal("30"), 1771)]
    assert split_by_rate(Decimal("0.10"), shares) == [Decimal("0.03"), Decimal("0.07")]
    assert split_by_rate(Decimal("0.02"), shares) == [Decimal("0.01"), Decimal("0.01")]
    assert vat_in(Decimal("2.38"), R19) == Decimal("0.38")
    assert vat_in(Decimal("0.05"), R7) == Decimal("0.00")


def test_every_adjustment_balances_whatever_the_cents():
    shares = [RateShare(R19, Decimal("119.00"), 1776), RateShare(R7, Decimal("107.00"), 1771)]
    accounts = {R19: 8736, R7: 8731}
    for cents in range(1, 400, 7):
        total = Decimal(cents) / 100
        lines = adjustment_lines(
            total, shares, accounts, frozenset(), role="skonto", label="Skonto"
        )
        assert sum((ln.amount for ln in lines), Decimal(0)) == total
        plan = Plan([*lines, PlanLine("debtor", 10001, "H", total)], Decimal(0))
        assert plan.balanced


def test_a_rate_without_an_account_or_a_foreign_treatment_is_refused_with_a_reason():
    shares = [RateShare(Decimal(0), Decimal("50.00"), None)]
    with pytest.raises(BookkeepingError, match="no Skonto account for 0 % VAT"):
        adjustment_lines(
            Decimal("1.00"), shares, {R19: 8736}, frozenset(), role="skonto", label="Skonto"
        )
    oss = mixed_invoice(case="oss")
    with pytest.raises(BookkeepingError, match="by hand"):
        settle(oss, "221.48", Adjustment(skonto=Decimal("4.52")))
    assert not JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYMENT).exists()


def test_undoing_a_payment_with_skonto_reverses_every_line():
    entry = settle(mixed_invoice(), "221.48", Adjustment(skonto=Decimal("4.52")))

    reversal = payment_reverse(entry, timezone.now(), note="wrong invoice")

    turned = {"S": "H", "H": "S"}
    assert lines_of(reversal) == [
        (role, account, turned[side], amount, rate, tax)
        for role, account, side, amount, rate, tax in lines_of(entry)
    ]
    assert reversal.document_total == Decimal("-226.00")


def test_the_period_report_lists_the_skonto_and_write_offs_with_the_receipts():
    invoice = mixed_invoice()
    settle(invoice, "221.48", Adjustment(skonto=Decimal("4.52")))
    second = mixed_invoice()
    settle(second, "200.00", Adjustment(write_off=Decimal("26.00")))

    report = period_report(invoice.connection, 2026, 11)

    [row] = report.receipts
    assert (row.account, row.payments, row.received) == (BANK, 2, Decimal("421.48"))
    assert (row.skonto, row.written_off) == (Decimal("4.52"), Decimal("26.00"))


def test_the_datev_export_carries_the_skonto_under_the_invoice_number(account, shop):
    from bookkeeping.datev import lint_file
    from tests.bookkeeping.helpers import booking, import_and_book
    from tests.bookkeeping.test_export import export_november, field, rows_of
    from tests.connector.test_import import insert

    billbee_id = insert(account)
    import_and_book(shop)
    invoice = booking(billbee_id).entry  # 25.00 at 19 %, domestic
    settle(invoice, "24.50", Adjustment(skonto=Decimal("0.50")))

    [batch] = export_november(shop).batches
    rows = rows_of(batch)

    payment = [r for r in rows if field(r, 8) in ("1200", "8736", "1776")]
    assert [
        (field(r, 1), field(r, 2), field(r, 7), field(r, 8), field(r, 11)) for r in payment
    ] == [
        ("24,50", "H", "10001", "1200", invoice.number),
        ("0,50", "H", "10001", "8736", invoice.number),
    ]
    assert lint_file(batch.data) == []


def test_a_preset_account_missing_from_an_older_connections_chart_counts_as_automatic():
    from bookkeeping.models import Account

    invoice = mixed_invoice()
    Account.objects.filter(connection=invoice.connection, number__in=[8736, 8731]).delete()

    entry = settle(invoice, "221.48", Adjustment(skonto=Decimal("4.52")))

    assert all(ln.datev_gross for ln in entry.lines.filter(role="skonto"))
