"""The bookkeeping side of the operator console. Each page calls services and selectors;
no business rules live here."""

from .exports import ExportBatchAdmin
from .journal import DocumentBookingAdmin, JournalEntryAdmin
from .setup import (
    AccountAdmin,
    BookkeepingSettingsAdmin,
    CustomerDebtorAdmin,
    DebtorMappingAdmin,
    ExchangeRateAdmin,
    TaxAccountAdmin,
)

__all__ = [
    "AccountAdmin",
    "BookkeepingSettingsAdmin",
    "CustomerDebtorAdmin",
    "DebtorMappingAdmin",
    "DocumentBookingAdmin",
    "ExchangeRateAdmin",
    "ExportBatchAdmin",
    "JournalEntryAdmin",
    "TaxAccountAdmin",
]
