"""Skonto and write-offs: what settles an invoice besides the money, with the VAT correction.

A customer who pays an invoice less a cash discount (Skonto), or whose rest is written off,
leaves no open item: the payment's entry credits the debtor with the whole open amount, the
bank (and a provider's fee) with what arrived, and the rest to the Skonto account (Gewährte
Skonti) or the write-off account (Forderungsverluste; small differences to the sales
deductions, Erlösschmälerungen). The consideration was reduced, so the VAT is corrected
(§ 17 (1) UStG; for a lost receivable § 17 (2) Nr. 1): the rest is split over the invoice's VAT
rates in proportion to its gross per rate, each part in cents half up with the remainder on the
largest, and each part's VAT is taken off that rate's VAT account. On an automatic (AM)
account DATEV derives that VAT itself, so the export books the part gross and leaves the VAT
line out, as for revenue (``bookkeeping/exporting.py``).

The lines are plain data (``adjustment_lines``); ``payment_adjustments_for`` reads the accounts
of the connection and ``payment_settle`` posts them with the payment (``payments.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connector.texts import Percent, Text

from ..errors import BookkeepingError
from ..models import Account, JournalEntry, TaxAccount, case_text
from ..posting import NET_ROLES, PlanLine
from ..vat import Case
from .entries import plan_lines_of
from .payments import PaymentPosting, payment_post
from .setup import bookkeeping_settings, chart_of

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Treatments taxed in Germany at its own rates: the only ones whose Skonto or write-off is
# booked here. OSS and foreign-warehouse invoices need the destination country on every DATEV
# row and their own accounts; the console asks to book those by hand.
GERMAN_VAT_CASES = frozenset(
    {Case.DOMESTIC.value, Case.FOREIGN_WAREHOUSE_TO_HOME.value, Case.EU_B2C_HOME_TAXED.value}
)


class WriteOff:
    """Why the rest of an invoice is written off, which decides the account."""

    LOSS = "loss"  # the customer will not pay: Forderungsverluste
    DIFFERENCE = "difference"  # a small short payment: Erlösschmälerungen (sales deductions)
    ALL = (LOSS, DIFFERENCE)


@dataclass(frozen=True)
class RateShare:
    rate: Decimal
    gross: Decimal  # the invoice's gross at this rate, EUR
    vat_account: int | None  # the account the invoice booked this rate's VAT to


@dataclass(frozen=True)
class Adjustment:
    """What settles the invoice besides the money, in EUR (both positive or zero)."""

    skonto: Decimal = ZERO
    write_off: Decimal = ZERO
    write_off_kind: str = WriteOff.LOSS

    @property
    def total(self) -> Decimal:
        return self.skonto + self.write_off


def rate_shares(lines: Iterable[PlanLine]) -> list[RateShare]:
    """The invoice's gross per VAT rate (revenue, shipping, discounts and vouchers; credit
    positive), highest rate first, with the VAT account of each rate."""
    gross: dict[Decimal, Decimal] = {}
    vat: dict[Decimal, int] = {}
    for ln in lines:
        if ln.rate is None:
            continue
        if ln.role in NET_ROLES:
            signed = ln.amount + ln.tax
            gross[ln.rate] = gross.get(ln.rate, ZERO) + (signed if ln.side == "H" else -signed)
        elif ln.role == "vat":
            vat[ln.rate] = ln.account
    return [
        RateShare(rate, total, vat.get(rate))
        for rate, total in sorted(gross.items(), reverse=True)
        if total > 0
    ]


def split_by_rate(total: Decimal, shares: list[RateShare]) -> list[Decimal]:
    """``total`` in proportion to the shares' gross, in cents; the rounding rest goes to the
    largest share, so that the parts add up to ``total`` exactly."""
    whole = sum((s.gross for s in shares), ZERO)
    parts = [(total * s.gross / whole).quantize(CENT, ROUND_HALF_UP) for s in shares]
    largest = max(range(len(shares)), key=lambda i: shares[i].gross)
    parts[largest] += total - sum(parts, ZERO)
    return parts


def vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a gross amount at ``rate`` percent, to cents half up."""
    return (gross * rate / (HUNDRED + rate)).quantize(CENT, ROUND_HALF_UP)


def adjustment_lines(
    total: Decimal,
    shares: list[RateShare],
    accounts: Mapping[Decimal, int],
    automatic: frozenset[int],
    *,
    role: str,
    label: str,
) -> list[PlanLine]:
    """The debit lines that book ``total`` (gross) to ``accounts`` (per rate) with the VAT
    correction of each rate."""
    if total <= 0:
        raise BookkeepingError(
            Text("The {label} must be a positive amount, not {total}.", label=label, total=total)
        )
    if not shares:
        raise BookkeepingError(
            Text(
                "The invoice has no revenue at a VAT rate: its {label} cannot be split by rate.",
                label=label,
            )
        )
    lines = []
    for share, gross in zip(shares, split_by_rate(total, shares), strict=True):
        if not gross:
            continue
        account = accounts.get(share.rate)
        if not account:
            raise BookkeepingError(
                Text(
                    "There is no {label} account for {rate} % VAT: set one in the bookkeeping "
                    "settings, or book this one by hand.",
                    label=label,
                    rate=Percent(share.rate),
                )
            )
        tax = vat_in(gross, share.rate)
        if tax and share.vat_account is None:
            raise BookkeepingError(
                Text("The invoice has no VAT line at {rate} %.", rate=Percent(share.rate))
            )
        lines.append(
            PlanLine(role, account, "S", gross - tax, share.rate, tax, "", account in automatic)
        )
        if tax:
            lines.append(PlanLine("vat", share.vat_account or 0, "S", tax, share.rate))
    return lines


def payment_adjustments_for(invoice: JournalEntry, adjustment: Adjustment) -> tuple[PlanLine, ...]:
    """The Skonto and write-off lines of a payment of ``invoice``, with the connection's
    accounts."""
    if not adjustment.total:
        return ()
    if invoice.case not in GERMAN_VAT_CASES:
        raise BookkeepingError(
            Text(
                "{number} is taxed as {case}: Skonto and write-offs are booked here only for "
                "invoices with German VAT. Book this one by hand.",
                number=invoice.number,
                case=case_text(invoice.case),
            )
        )
    if adjustment.write_off_kind not in WriteOff.ALL:
        raise BookkeepingError(
            Text("Unknown kind of write-off: {kind}.", kind=repr(adjustment.write_off_kind))
        )
    connection = invoice.connection
    settings = bookkeeping_settings(connection)
    chart = chart_of(connection)
    shares = rate_shares(plan_lines_of(invoice))
    automatic = _automatic_accounts(connection.pk, chart.accounts)
    lines: list[PlanLine] = []
    if adjustment.skonto:
        preset = dict(chart.skonto)
        accounts = {
            Decimal(19): settings.skonto_account_19 or preset.get(Decimal(19), 0),
            Decimal(7): settings.skonto_account_7 or preset.get(Decimal(7), 0),
        }
        lines += adjustment_lines(
            adjustment.skonto, shares, accounts, automatic, role="skonto", label=Text("Skonto")
        )
    if adjustment.write_off:
        if adjustment.write_off_kind == WriteOff.LOSS:
            preset = dict(chart.write_off)
            accounts = {
                Decimal(19): settings.write_off_account_19 or preset.get(Decimal(19), 0),
                Decimal(7): settings.write_off_account_7 or preset.get(Decimal(7), 0),
            }
        else:
            accounts = _sales_deduction_accounts(invoice)
        lines += adjustment_lines(
            adjustment.write_off,
            shares,
            accounts,
            automatic,
            role="writeoff",
            label=Text("write-off"),
        )
    return tuple(lines)


def _automatic_accounts(connection_id: int, preset: Iterable[Any]) -> frozenset[int]:
    """The connection's automatic accounts; a preset account the connection does not list
    (one set up before the preset had it) counts as the preset says, as DATEV's chart does."""
    listed = dict(
        Account.objects.filter(connection_id=connection_id).values_list("number", "automatic")
    )
    preset_automatic = {a.number for a in preset if a.automatic and a.number not in listed}
    return frozenset({n for n, auto in listed.items() if auto} | preset_automatic)


def _sales_deduction_accounts(invoice: JournalEntry) -> dict[Decimal, int]:
    """Per rate: the treatment's discount account (Erlösschmälerungen), else its revenue
    account."""
    return {
        rate: discount or revenue
        for rate, discount, revenue in TaxAccount.objects.filter(
            connection_id=invoice.connection_id, case=invoice.case, rate__isnull=False
        ).values_list("rate", "discount_account", "revenue_account")
        if rate is not None
    }


def payment_settle(posting: PaymentPosting, adjustment: Adjustment, now: datetime) -> JournalEntry:
    """Post a payment together with its Skonto and write-off: one entry that clears the
    invoice's open item (payment + Skonto + write-off)."""
    lines = payment_adjustments_for(posting.invoice, adjustment)
    text = posting.text
    if not text and adjustment.skonto:
        text = f"Zahlung {posting.invoice.number} abzgl. Skonto"
    elif not text and adjustment.write_off:
        text = f"Zahlung {posting.invoice.number}, Rest ausgebucht"
    return payment_post(replace(posting, adjustments=lines, text=text), now)
