"""Transfers between the merchant's own accounts, and payments that come back.

A payout of a payment provider to the bank is two movements on two statements: the provider's
balance goes down on the day of the payout, the bank receives the money a day or more later.
Each is booked on its own date against the transit account (Geldtransit, SKR03 1360 /
SKR04 1460): provider → transit, then transit → bank. Once both halves are booked the transit
account is clear again; a half whose partner has not arrived stays visible as its balance.
A transfer entry belongs to no document; its Belegfeld 1 is the payout's id (or the
statement's reference) and, as for every entry, the account the money leaves is the entry's
account (Konto) in the DATEV export, the account it reaches the contra account.

A payment that comes back (a returned direct debit, a chargeback, a bank's reversal) is a
payment entry of its own on the day the money left: the debtor is charged again with what the
customer had paid, the bank or provider account gives what actually left it, and a return fee
goes to the fee account. The invoice is open again because its paid sum drops
(``payments.selectors.open_items``). bookkeeping.md §7 and docs/payments.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from connector.texts import Money, Text

from ..errors import BookkeepingError
from ..models import JournalEntry, JournalLine
from ..posting import Plan, PlanLine
from ..vat.model import Case
from .entries import EntryValues, entry_post

ZERO = Decimal(0)
CENT = Decimal("0.01")
NUMBER_MAX = 36  # JournalEntry.number (Belegfeld 1 itself takes 36 characters)


@dataclass(frozen=True)
class TransferPosting:
    connection_id: int
    day: date  # the statement's booking date of this half
    amount: Decimal  # positive, EUR
    from_account: int  # the account the money leaves (Konto in DATEV)
    to_account: int  # the account it reaches (Gegenkonto)
    transit_account: int  # which of the two is the transit account (Geldtransit)
    number: str  # Belegfeld 1: the payout id, else the statement's reference
    text: str  # booking text, e.g. "Auszahlung PayPal"
    reference: str = ""  # the statement line's key, kept in the note


def transfer_post(posting: TransferPosting, now: datetime) -> JournalEntry:
    """Post one half of a transfer between own accounts; returns the new entry."""
    amount = posting.amount.quantize(CENT, ROUND_HALF_UP)
    if amount <= 0:
        raise BookkeepingError(
            Text(
                "A transfer of {amount} cannot be booked: give it positive.",
                amount=Money(amount, "EUR"),
            )
        )
    if posting.transit_account not in (posting.from_account, posting.to_account):
        raise BookkeepingError(
            Text(
                "A transfer from {source} to {target} does not go through the transit account "
                "{transit} (Geldtransit).",
                source=posting.from_account,
                target=posting.to_account,
                transit=posting.transit_account,
            )
        )
    if posting.from_account == posting.to_account:
        raise BookkeepingError(
            Text(
                "A transfer from account {account} to itself books nothing: check the transit "
                "account (Geldtransit) of the payment provider.",
                account=posting.from_account,
            )
        )
    lines = [
        PlanLine(_role(posting.to_account, posting), posting.to_account, "S", amount),
        PlanLine(_role(posting.from_account, posting), posting.from_account, "H", amount),
    ]
    number = posting.number[:NUMBER_MAX] or posting.day.strftime("%Y%m%d")
    values = EntryValues(
        kind=JournalEntry.Kind.TRANSFER,
        number=number,
        document_date=posting.day,
        service_date=None,
        text=posting.text[:60],
        origin="",
        order_number="",
        billbee_order_id=0,
        case=Case.DOMESTIC.value,
        debtor=posting.from_account,
        document_total=amount,
        source_hash=_hash("transfer", posting.reference, posting.day, amount, number),
        plan_hash=Plan(lines, ZERO).fingerprint(posting.day),
        note=Text(
            "money in transit from the statement, line {reference}", reference=posting.reference
        )
        if posting.reference
        else "",
    )
    return entry_post(posting.connection_id, None, values, lines, now)


def _role(account: int, posting: TransferPosting) -> str:
    return JournalLine.Role.TRANSIT if account == posting.transit_account else JournalLine.Role.BANK


@dataclass(frozen=True)
class ReturnPosting:
    invoice: JournalEntry  # the standing entry of the invoice whose payment came back
    day: date  # the booking date of the return on the statement
    returned: Decimal  # what the customer had paid and gets back (positive, EUR)
    account: int  # the bank or provider account the money left
    fee: Decimal = ZERO  # the return's fee (positive: a cost; negative: a fee refunded)
    fee_account: int | None = None
    reference: str = ""  # the statement line's key
    text: str = ""


def payment_return_post(posting: ReturnPosting, now: datetime) -> JournalEntry:
    """Book a payment that came back: the debtor owes the returned amount again."""
    invoice = posting.invoice
    returned = posting.returned.quantize(CENT, ROUND_HALF_UP)
    fee = posting.fee.quantize(CENT, ROUND_HALF_UP)
    if returned <= 0:
        raise BookkeepingError(
            Text("The return for {number} has no amount: nothing to book.", number=invoice.number)
        )
    if invoice.kind != JournalEntry.Kind.INVOICE:
        raise BookkeepingError(
            Text(
                "Entry {id} ({kind}) is no invoice: a returned payment is booked against the "
                "invoice it had paid.",
                id=invoice.pk,
                kind=invoice.kind,
            )
        )
    if fee and posting.fee_account is None:
        raise BookkeepingError(
            Text(
                "The return for {number} carries a fee of {fee} but the account has no fee "
                "account: set one on the bank or PSP account.",
                number=invoice.number,
                fee=Money(fee, "EUR"),
            )
        )
    left = returned + fee  # what left the bank or provider account
    if left <= 0:
        raise BookkeepingError(
            Text(
                "The return for {number} ({returned}, fee {fee}) moves no money.",
                number=invoice.number,
                returned=Money(returned, "EUR"),
                fee=Money(fee, "EUR"),
            )
        )
    lines = [PlanLine("debtor", invoice.debtor, "S", returned)]
    if fee:
        lines.append(PlanLine("fee", posting.fee_account or 0, "S" if fee > 0 else "H", abs(fee)))
    lines.append(PlanLine("bank", posting.account, "H", left))
    values = EntryValues(
        kind=JournalEntry.Kind.PAYMENT,
        number=invoice.number,
        document_date=posting.day,
        service_date=None,
        text=(posting.text or f"Rückbuchung {invoice.number}")[:60],
        origin=invoice.origin,
        order_number=invoice.order_number,
        billbee_order_id=invoice.billbee_order_id,
        case=invoice.case,
        debtor=invoice.debtor,
        document_total=-returned,
        source_hash=_hash("return", invoice.pk, posting.reference, posting.day, returned),
        plan_hash=Plan(lines, ZERO).fingerprint(posting.day),
        note=Text("return debit from the statement, line {reference}", reference=posting.reference)
        if posting.reference
        else "",
    )
    return entry_post(invoice.connection_id, invoice.document_id, values, lines, now)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
