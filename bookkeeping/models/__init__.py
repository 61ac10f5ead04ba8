"""Models of the ledger side: settings, accounts and mappings, the journal, DATEV exports."""

from .accounts import (
    CASE_CHOICES,
    CASE_LABELS,
    Account,
    CouponRule,
    CustomerDebtor,
    DebtorMapping,
    ExchangeRate,
    ForeignRegistration,
    TaxAccount,
    case_text,
)
from .exports import ExportBatch, ExportedEntry
from .journal import DocumentBooking, ImmutableError, JournalEntry, JournalLine
from .settings import BookkeepingSettings

__all__ = [
    "CASE_CHOICES",
    "CASE_LABELS",
    "Account",
    "BookkeepingSettings",
    "CouponRule",
    "CustomerDebtor",
    "DebtorMapping",
    "DocumentBooking",
    "ExchangeRate",
    "ExportBatch",
    "ExportedEntry",
    "ForeignRegistration",
    "ImmutableError",
    "JournalEntry",
    "JournalLine",
    "TaxAccount",
    "case_text",
]
