"""The payments app's exception family."""

from __future__ import annotations


class PaymentsError(Exception):
    """A payments operation was refused; the message says why and what to do."""


class StatementRefused(PaymentsError):
    """A statement file cannot be imported into this source (nothing was written)."""
