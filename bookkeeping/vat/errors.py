"""The VAT exception family: every error says in words what is wrong and what to do."""

from __future__ import annotations

from datetime import date

from sentences import Text


class VatError(Exception):
    """Base class of the VAT package's errors."""


class UnknownRate(VatError):
    """No rate period of the table covers this country on this day."""

    def __init__(self, country: str, day: date) -> None:
        self.country = country
        self.day = day
        self.text = Text(
            "no VAT rates for {country} on {day} in the rate table: add the period to "
            "bookkeeping/vat/rates.py or book this document manually",
            country=country or Text("(no country)"),
            day=day,
        )
        super().__init__(self.text)


class VatHeld(VatError):
    """The document waits: the VAT decided here differs from the VAT on Billbee's invoice, and
    only the merchant can say which is right (a setting, or a corrected invoice).

    Booking it anyway would put VAT in the books that differs silently from the invoice."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code}: {reason}")


class VatRejected(VatError):
    """The document cannot be booked automatically.

    ``code`` is stable for programs (filters, statistics); ``reason`` is for the person who
    has to fix it: what is wrong and what to do.
    """

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{code}: {reason}")
