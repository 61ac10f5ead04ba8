"""The EU-wide delivery threshold of § 3c (4) UStG: pure functions over the books' figures.

A seller established in one member state taxes its intra-community distance sales (goods
sent from home to consumers in other member states) at home while the total of such sales,
net, stayed at or below 10,000 € in the previous calendar year and has not exceeded it in the
current one. The sale that exceeds it is already taxed in the destination country, and so is
every later one; the seller may also waive the threshold (an OSS registration from the start).
Sales from a warehouse abroad do not count: they are not dispatched from the home state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext

from connector import formatting
from connector.texts import Text

from .model import Case

THRESHOLD = Decimal("10000.00")
# The VAT cases that are intra-community distance sales dispatched from home (bookkeeping.md §3).
DISTANCE_SALE_CASES = frozenset({Case.EU_B2C_HOME_TAXED.value, Case.OSS.value})
ZERO = Decimal(0)


@dataclass(frozen=True)
class DistanceSale:
    """One entry's net distance sales (credit positive; a reversal or credit note negative)."""

    day: date  # date of supply, else the document date
    number: str
    net: Decimal


@dataclass(frozen=True)
class ThresholdStatus:
    year: int
    previous_year: Decimal  # net distance sales of the previous calendar year
    current_year: Decimal  # … of this year up to the day asked for
    crossed_on: date | None  # the day of the sale that exceeded the threshold this year
    crossed_by: str  # that sale's document number

    @property
    def exceeded_last_year(self) -> bool:
        return self.previous_year > THRESHOLD

    @property
    def exceeded(self) -> bool:
        return self.exceeded_last_year or self.crossed_on is not None

    @property
    def text(self) -> str:
        """The status in words, with the figures and the rule: in the reader's language, its
        amounts and dates in that language's format (the report and the work queue)."""
        values = {
            "last_year": self.year - 1,
            "year": self.year,
            "last": formatting.money(self.previous_year, "EUR"),
            "current": formatting.money(self.current_year, "EUR"),
            "threshold": formatting.money(THRESHOLD, "EUR"),
        }
        figures = (
            gettext(
                "net EU distance sales %(last_year)s: %(last)s, %(year)s: %(current)s "
                "(threshold %(threshold)s, § 3c (4) UStG)"
            )
            % values
        )
        if self.exceeded_last_year:
            return gettext(
                "%(figures)s: exceeded in %(last_year)s, so every distance sale of %(year)s is "
                "taxed in the destination country (OSS)"
            ) % {**values, "figures": figures}
        if self.crossed_on is not None:
            return gettext(
                "%(figures)s: exceeded on %(day)s by %(number)s; from that sale on, distance "
                "sales are taxed in the destination country (OSS)"
            ) % {
                "figures": figures,
                "day": formatting.day(self.crossed_on),
                "number": self.crossed_by,
            }
        left = formatting.money(THRESHOLD - self.current_year, "EUR")
        return gettext("%(figures)s: below the threshold (%(left)s left this year)") % {
            "figures": figures,
            "left": left,
        }


def threshold_status(
    year: int, previous_year: Decimal, sales: Iterable[DistanceSale]
) -> ThresholdStatus:
    """The status of ``year`` from the previous year's total and this year's sales so far.
    The crossing sale is found in the order of the dates of supply."""
    total = ZERO
    crossed: DistanceSale | None = None
    for sale in sorted(sales, key=lambda s: (s.day, s.number)):
        before, total = total, total + sale.net
        if crossed is None and before <= THRESHOLD < total:
            crossed = sale
    return ThresholdStatus(
        year=year,
        previous_year=previous_year,
        current_year=total,
        crossed_on=crossed.day if crossed else None,
        crossed_by=crossed.number if crossed else "",
    )


def crossing_note(
    year: int, previous_year: Decimal, before: Decimal, after: Decimal, home_taxed: bool
) -> str:
    """What a new distance sale must say about the threshold, or "" (nothing to say).
    ``before``/``after``: the year's net distance sales without and with this sale."""
    if previous_year > THRESHOLD:
        if not home_taxed:
            return ""
        return Text(
            "the EU-wide threshold of {threshold} (§ 3c (4) UStG) was exceeded in {last_year} "
            "({previous} net distance sales): this sale is taxed in the destination country; "
            "register for OSS and enter the date in the bookkeeping settings",
            threshold=_euro(THRESHOLD),
            last_year=year - 1,
            previous=_euro(previous_year),
        )
    if before <= THRESHOLD < after:
        consequence = (
            Text(
                "this sale is already taxed in the destination country: register for OSS and "
                "enter the date in the bookkeeping settings"
            )
            if home_taxed
            else Text("the OSS registration is required from now on")
        )
        return Text(
            "this sale crosses the EU-wide threshold of {threshold} (§ 3c (4) UStG): net "
            "distance sales of {year} rise from {before} to {after}; {consequence}",
            threshold=_euro(THRESHOLD),
            year=year,
            before=_euro(before),
            after=_euro(after),
            consequence=consequence,
        )
    if after > THRESHOLD and home_taxed:
        return Text(
            "the EU-wide threshold of {threshold} (§ 3c (4) UStG) was exceeded earlier in "
            "{year}: this sale is taxed in the destination country; register for OSS",
            threshold=_euro(THRESHOLD),
            year=year,
        )
    return ""


def _euro(amount: Decimal) -> str:
    """The stored notes' format ("10.000,00 €"): booking notes are English data, written
    once and shown as stored, whatever the reader's language."""
    text = f"{amount:,.2f}".replace(",", "#").replace(".", ",").replace("#", ".")
    return f"{text} €"
