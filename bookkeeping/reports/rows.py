"""The plain rows of the period report's lists (frozen dataclasses, ``Decimal`` amounts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class CreditNoteRow:
    entry_id: int
    number: str
    reference: str  # the original invoice's number
    document_date: date
    origin: str
    total: Decimal  # the document's total in its currency (negative, as on the document)
    currency: str


@dataclass(frozen=True)
class ReceiptRow:
    """Payments booked in the month on one bank or payment-provider account (refunds
    negative; a reversed payment counts neither itself nor its reversal)."""

    account: int
    payments: int  # entries, refunds included
    received: Decimal  # what customers paid less refunds (gross, before fees)
    fees: Decimal  # the providers' fees taken from it
    skonto: Decimal = Decimal(0)  # cash discounts granted with these payments (gross)
    written_off: Decimal = Decimal(0)  # rests of invoices written off with them (gross)


@dataclass(frozen=True)
class TransferRow:
    """Money moved between own accounts in the month (payouts of a payment provider to the
    bank via the transit account, Geldtransit), per pair of accounts; reversed transfers are
    left out. A pair with the transit account on one side only is a half still waiting for
    its partner when the transit account's balance is not zero."""

    from_account: int
    to_account: int
    transfers: int  # entries
    amount: Decimal  # EUR


@dataclass(frozen=True)
class OpenItemRow:
    """An invoice not cleared at the month's end (Offener Posten): its debtor's balance from
    the invoice, its credit notes, payments, returns and reversals dated up to that day.
    Negative: the customer paid more than the invoice (a credit of the customer)."""

    document_id: int
    number: str
    document_date: date
    order_number: str
    debtor: int
    total: Decimal  # the invoice's total, EUR
    open: Decimal  # still open at the month's end, EUR
    days: int  # from the invoice date to the month's end


@dataclass(frozen=True)
class OpenItemAgeRow:
    """The open items at the month's end by age (days since the invoice date)."""

    bucket: str
    items: int
    open: Decimal


@dataclass(frozen=True)
class CorrectionRow:
    """A reversal, or an entry posted after its period had been exported."""

    entry_id: int
    kind: str
    number: str
    document_date: date
    reverses_id: int | None
    late_change: bool
    booked_after_export: bool
    total: Decimal
    currency: str
    note: str  # why
    posted_on: date


@dataclass(frozen=True)
class RoundingRow:
    entry_id: int
    number: str
    kind: str
    document_date: date
    origin: str
    account: int
    amount: Decimal  # Billbee's total minus the rounded lines: credit positive, in EUR


@dataclass(frozen=True)
class ReasonDetail:
    """A part of a group with its own count: one channel rule, one origin."""

    label: str
    count: int


@dataclass(frozen=True)
class ReasonGroup:
    status: str
    reason_code: str
    reason: str  # the group's name (its reason code's label), never one document's reason
    count: int
    details: tuple[ReasonDetail, ...] = ()


@dataclass(frozen=True)
class HeldDocument:
    """A document of the month that the journal does not hold, and why."""

    status: str
    reason_code: str
    reason: str
    document_id: int
    invoice_number: str
    order_number: str
    billbee_id: int
    document_date: date | None
    origin: str


@dataclass(frozen=True)
class VatDifferenceRow:
    document_id: int
    invoice_number: str
    order_number: str
    document_date: date | None
    origin: str
    case: str
    status: str
    difference: Decimal  # our VAT minus Billbee's, on the lines Billbee gave a tax for


@dataclass(frozen=True)
class StatusCount:
    side: str  # "upload log" | "bookkeeping"
    status: str
    count: int
