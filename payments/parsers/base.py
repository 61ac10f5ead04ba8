"""The plain data every statement parser produces.

Amounts are signed from the account holder's view: money in (a customer's payment, a payout
received) is positive, money out (a fee, a refund, a chargeback, a payout sent to the bank) is
negative. One ``StatementLine`` is one transaction as the bank or provider lists it (a CAMT
batch entry with several transaction details becomes several lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


class LineKind:
    """What a line is, as far as the statement says."""

    PAYMENT = "payment"  # money received from or sent to a counterparty
    FEE = "fee"  # a charge of the bank or provider
    PAYOUT = "payout"  # a transfer between the provider's balance and the bank account
    REFUND = "refund"  # money returned to a customer
    REVERSAL = "reversal"  # a returned direct debit or transfer, a storno of the bank
    CHARGEBACK = "chargeback"  # a card or PayPal dispute taking money back
    CONVERSION = "conversion"  # one side of a currency conversion
    OTHER = "other"

    ALL = (PAYMENT, FEE, PAYOUT, REFUND, REVERSAL, CHARGEBACK, CONVERSION, OTHER)


@dataclass(frozen=True, slots=True)
class StatementLine:
    booking_date: date
    amount: Decimal  # signed, in ``currency``; for PSPs the net unless ``gross`` is given
    currency: str  # ISO 4217, upper case
    kind: str = LineKind.PAYMENT
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    remittance: str = ""  # the free text (Verwendungszweck), parts joined with a space
    end_to_end_id: str = ""  # SEPA EndToEndId, PayPal invoice id, Stripe payment id …
    mandate_id: str = ""
    creditor_id: str = ""
    # The bank's or provider's own id of this transaction where one exists (CAMT AcctSvcrRef
    # or TxId, MT940 bank reference, PayPal transaction id, Stripe balance transaction id);
    # empty when the statement has none: the line is then keyed by its content.
    bank_reference: str = ""
    related_reference: str = ""  # the transaction this one refers to (refund of, fee of …)
    gross: Decimal | None = None  # PSPs: the gross amount before the fee
    fee: Decimal | None = None  # PSPs: the fee (negative, money out) taken from this line
    return_reason: str = ""  # ISO return reason code (AC04, MD06 …) or the bank's text
    status: str = ""  # "booked", "pending", or the provider's own word
    transaction_code: str = ""  # bank transaction code (CAMT domain/family, MT940 GVC)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)  # as read, for audit


@dataclass(frozen=True)
class LineError:
    position: int  # 1-based position of the line/entry in the file
    reason: str  # a sentence a person understands
    raw: str = ""  # the offending text, shortened


@dataclass
class ParsedStatement:
    format: str  # "camt.053", "camt.052", "camt.054", "mt940", "paypal", "stripe", "csv"
    lines: list[StatementLine] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    account_iban: str = ""
    account_currency: str = ""
    statement_id: str = ""
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    period_from: date | None = None
    period_to: date | None = None
    # The account as the statement names it when that is not an IBAN (MT940 ``:25:``
    # "BLZ/Kontonummer"); empty when ``account_iban`` is given.
    account_number: str = ""
    format_version: str = ""  # the format's own version where it has one ("001.08" for CAMT)
