"""Pure VAT logic for a German-established online seller (bookkeeping.md §3–§5).

No Django and no database here: plain functions over plain, frozen data, so that every rule
can be tested with exact ``Decimal`` values.

- :mod:`.rates`: dated rates of the 27 member states (``rates_on``, ``allowed_rates``).
- :mod:`.vatid`: offline VAT-ID check (``check_vat_id``).
- :mod:`.treatment`: the VAT case and amounts of one document (``vat_treatment``).
"""

from __future__ import annotations

from .countries import EU_MEMBER_STATES
from .errors import UnknownRate, VatError, VatHeld, VatRejected
from .rates import RatePeriod, allowed_rates, rates_on
from .treatment import (
    Case,
    Line,
    RateTotal,
    Share,
    Treatment,
    VatInput,
    eu_rate_for,
    vat_treatment,
)
from .vatid import VatIdCheck, check_vat_id

__all__ = [
    "EU_MEMBER_STATES",
    "Case",
    "Line",
    "RatePeriod",
    "RateTotal",
    "Share",
    "Treatment",
    "UnknownRate",
    "VatError",
    "VatHeld",
    "VatIdCheck",
    "VatInput",
    "VatRejected",
    "allowed_rates",
    "check_vat_id",
    "eu_rate_for",
    "rates_on",
    "vat_treatment",
]
