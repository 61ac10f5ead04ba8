"""Payments in the journal.

A confirmed payment is posted like an invoice: one immutable, balanced entry, undone only by a
reversal. It books the bank account (or a payment provider's account, which works like a bank)
against the invoice's debtor, with the invoice number as Belegfeld 1, so that DATEV's open-item
matching (OPOS) clears the invoice; a provider's fee goes to the fee account, so that the
debtor is credited with what the customer paid (gross) while the account receives the net.
A refund is the same with the sides turned. The entry belongs to the invoice's document and
keeps its VAT treatment for reference; it has no revenue or VAT lines, so the period's revenue
is untouched.

bookkeeping.md §7. Skonto and write-offs (with their VAT correction) are further lines of the
same entry, computed by ``payment_adjustments.py``; payouts between accounts have their own
functions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from connector.texts import Text

from ..errors import BookkeepingError
from ..models import ExportedEntry, JournalEntry
from ..posting import Plan, PlanLine
from .entries import EntryValues, entry_post, entry_reverse

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PaymentPosting:
    invoice: JournalEntry  # the standing entry of the invoice (or credit note) paid
    day: date  # the statement's booking date
    amount: Decimal  # what the customer paid, in EUR; negative: a refund to the customer
    account: int  # the bank account, or the provider's account that works like a bank
    fee: Decimal = ZERO  # the provider's fee taken from this payment (positive)
    fee_account: int | None = None
    reference: str = ""  # the statement line's key, kept in the entry's note
    text: str = ""
    # What settles the invoice besides the money: Skonto and write-off lines with their VAT
    # correction (payment_adjustments.py), debited; the debtor is credited with them too.
    adjustments: tuple[PlanLine, ...] = ()


def payment_post(posting: PaymentPosting, now: datetime) -> JournalEntry:
    """Post a confirmed payment (or refund) of an invoice; returns the new entry."""
    invoice = posting.invoice
    amount = posting.amount.quantize(CENT, ROUND_HALF_UP)
    fee = posting.fee.quantize(CENT, ROUND_HALF_UP)
    if not amount:
        raise BookkeepingError(
            Text("The payment for {number} has no amount: nothing to book.", number=invoice.number)
        )
    if invoice.kind not in (JournalEntry.Kind.INVOICE, JournalEntry.Kind.CREDIT_NOTE):
        raise BookkeepingError(
            Text(
                "Entry {id} ({kind}) is no invoice or credit note: a payment is booked against "
                "the invoice it pays.",
                id=invoice.pk,
                kind=invoice.kind,
            )
        )
    if JournalEntry.objects.filter(reverses=invoice).exists():
        raise BookkeepingError(
            Text(
                "The entry of {number} was reversed: book the payment against the entry that "
                "stands for the document now.",
                number=invoice.number,
            )
        )
    if fee < 0 or (fee and posting.fee_account is None) or fee >= abs(amount):
        raise BookkeepingError(
            Text(
                "The fee {fee} of the payment for {number} must be positive, smaller than the "
                "payment, and have a fee account.",
                fee=fee,
                number=invoice.number,
            )
        )
    if posting.adjustments and (amount < 0 or any(a.side != "S" for a in posting.adjustments)):
        raise BookkeepingError(
            Text(
                "Skonto and write-offs of {number} settle a payment, not a refund.",
                number=invoice.number,
            )
        )
    settled = sum((a.amount for a in posting.adjustments), ZERO)
    received, paid_out = ("S", "H") if amount > 0 else ("H", "S")
    lines = [PlanLine("bank", posting.account, received, abs(amount) - fee)]
    if fee:
        lines.append(PlanLine("fee", posting.fee_account or 0, received, fee))
    lines.extend(posting.adjustments)
    lines.append(PlanLine("debtor", invoice.debtor, paid_out, abs(amount) + settled))
    word = "Zahlung" if amount > 0 else "Erstattung"
    values = EntryValues(
        kind=JournalEntry.Kind.PAYMENT,
        number=invoice.number,
        document_date=posting.day,
        service_date=None,
        text=(posting.text or f"{word} {invoice.number}")[:60],
        origin=invoice.origin,
        order_number=invoice.order_number,
        billbee_order_id=invoice.billbee_order_id,
        case=invoice.case,
        debtor=invoice.debtor,
        # A refund of a credit note carries the credit note's key (the original invoice),
        # so that DATEV clears them against each other as it does the credit note.
        reference=invoice.reference if invoice.kind == JournalEntry.Kind.CREDIT_NOTE else "",
        # What the debtor is credited with: the open item it clears, Skonto included.
        document_total=amount + settled,
        source_hash=_hash("payment", invoice.pk, posting.reference, posting.day, amount),
        plan_hash=Plan(lines, ZERO).fingerprint(posting.day),
        note=_statement_note(amount > 0, posting.reference),
    )
    return entry_post(invoice.connection_id, invoice.document_id, values, lines, now)


def _statement_note(received: bool, reference: str) -> str:
    """Which statement line the payment or refund comes from (said in the reader's language)."""
    if not reference:
        return ""
    if received:
        return Text("payment from the statement, line {reference}", reference=reference)
    return Text("refund from the statement, line {reference}", reference=reference)


def payment_reverse(payment: JournalEntry, now: datetime, *, note: str) -> JournalEntry:
    """Undo a posted payment by its reversal (a wrong match, a returned transfer)."""
    if payment.kind != JournalEntry.Kind.PAYMENT:
        raise BookkeepingError(Text("Entry {id} is no payment.", id=payment.pk))
    if JournalEntry.objects.filter(reverses=payment).exists():
        raise BookkeepingError(Text("The payment entry {id} is already reversed.", id=payment.pk))
    exported = ExportedEntry.objects.filter(entry=payment).exists()
    return entry_reverse(payment, now, late_change=exported, note=note)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
