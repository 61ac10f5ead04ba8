"""The bookkeeping app's exception family: each message says what to do."""

from __future__ import annotations


class BookkeepingError(Exception):
    """An operator-facing error."""


class Hold(BookkeepingError):
    """A document that cannot be booked now: it waits (something the operator or Billbee
    can supply) or is rejected (it needs booking by hand)."""

    def __init__(self, status: str, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


class BookingAlreadyRunning(BookkeepingError):
    pass


class ExportRefused(BookkeepingError):
    """The DATEV file has findings that block it; ``findings`` lists them."""

    def __init__(self, message: str, findings: list) -> None:
        super().__init__(message)
        self.findings = findings


class ExportIncomplete(BookkeepingError):
    """A month that is not over, or that still has documents waiting, is exported only on
    explicit confirmation; ``months`` says what is open in each."""

    def __init__(self, message: str, months: list) -> None:
        super().__init__(message)
        self.months = months
