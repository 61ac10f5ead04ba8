"""Sales in the countries of foreign warehouses: not German turnover, declared in each
country's own VAT return (and EC sales list). Pure functions over the month's line facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ..posting import NET_ROLES
from ..vat.model import NOT_TAXABLE_AT_HOME

ZERO = Decimal(0)
NOT_HOME = frozenset(case.value for case in NOT_TAXABLE_AT_HOME)


class LineLike(Protocol):
    """A journal line with its entry's facts (``period.LineFact``), read only."""

    @property
    def entry(self) -> int: ...

    @property
    def case(self) -> str: ...

    @property
    def eu_origin(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def rate(self) -> Decimal | None: ...

    @property
    def signed(self) -> Decimal: ...


@dataclass(frozen=True)
class ForeignRow:
    country: str  # the registration's country (where the warehouse is)
    vat_id: str  # the merchant's VAT ID there, as booked (DATEV field 123)
    case: str
    rate: Decimal  # that country's rate, 0 for its tax-free supplies
    net: Decimal
    vat: Decimal
    entries: int


def foreign_rows(lines: Iterable[LineLike]) -> tuple[ForeignRow, ...]:
    """Net and VAT per warehouse country, case and rate (credit positive)."""
    net: dict[tuple[str, str, str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    vat: dict[tuple[str, str, str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    entries: dict[tuple[str, str, str, Decimal], set[int]] = defaultdict(set)
    for line in lines:
        if line.case not in NOT_HOME or line.rate is None:
            continue
        if line.role not in NET_ROLES and line.role != "vat":
            continue
        country = country_of(line.eu_origin)
        key = (country, line.eu_origin if len(line.eu_origin) > 2 else "", line.case, line.rate)
        entries[key].add(line.entry)
        (net if line.role in NET_ROLES else vat)[key] += line.signed
    return tuple(
        ForeignRow(*key, net=net[key], vat=vat[key], entries=len(entries[key]))
        for key in sorted(entries)
    )


def country_of(value: str) -> str:
    """DATEV field 40/123 holds a country code or a VAT ID; its first two letters are the
    country (Greek VAT IDs say EL)."""
    code = (value or "")[:2].upper()
    return "GR" if code == "EL" else code
