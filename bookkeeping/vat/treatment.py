"""VAT treatment of one Billbee document (invoice or credit note): pure, no Django, no database.

``vat_treatment`` decides the case (cases.py, bookkeeping.md §3), takes the taxed country's
rates on the date of supply (rates.py, §5), prices the lines (amounts.py: shipping follows the
goods, §2.1; one VAT amount per rate, §4.3), and compares the result with Billbee's TaxAmount.
A credit note gets the treatment of a mirrored invoice (§4.2: same case and rates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from .amounts import (
    ZERO,
    build_shares,
    build_totals,
    compare_with_billbee,
    coupon_total,
    money,
    pct,
    price_lines,
)
from .cases import Decision, Notes, decide
from .errors import VatRejected
from .model import (
    COUPON,
    OSS_CASES,
    Case,
    Line,
    RateTotal,
    Share,
    Treatment,
    VatInput,
)
from .rates import RatePeriod

__all__ = [
    "Case",
    "Line",
    "RateTotal",
    "Share",
    "Treatment",
    "VatInput",
    "VatRejected",
    "choose_rate",
    "eu_rate_for",
    "vat_treatment",
]


def vat_treatment(doc: VatInput) -> Treatment:
    """The treatment of ``doc``; raises :class:`VatRejected` when it cannot be booked as is."""
    notes = Notes()
    decision = decide(doc, notes)
    rate_of, fallback = _rate_chooser(decision, doc.service_date, notes)
    priced, split_notes = price_lines(doc.lines, rate_of, fallback)
    notes.trace.extend(split_notes)
    shares = build_shares(priced)
    totals = build_totals(shares)
    coupons = coupon_total(doc.lines)
    if coupons:
        notes.trace.append(f"coupons {money(coupons)}: a means of payment, not revenue")
    comparison = compare_with_billbee(priced, [line for line in doc.lines if line.kind == COUPON])
    notes.warnings.extend(comparison.warnings)
    return Treatment(
        case=decision.case,
        taxed_in=decision.taxed_in,
        shares=shares,
        totals=totals,
        coupons=coupons,
        eu_destination=decision.eu_destination,
        eu_rate=_document_eu_rate(decision.case, totals),
        eu_origin=decision.eu_origin,
        origin_rate=decision.origin_rate,
        bu_key=decision.bu_key,
        billbee_vat=comparison.billbee_vat,
        our_vat_on_billbee_lines=comparison.ours,
        vat_difference=comparison.difference,
        trace=tuple(notes.trace),
        warnings=tuple(dict.fromkeys(notes.warnings)),  # once each, in order
    )


def eu_rate_for(treatment: Treatment, rate: Decimal) -> Decimal | None:
    """DATEV field 41 for a booking line at ``rate``: the destination rate in OSS cases."""
    if treatment.case in OSS_CASES and rate:
        return rate
    return None


def _document_eu_rate(case: Case, totals: tuple[RateTotal, ...]) -> Decimal | None:
    rates = {total.rate for total in totals if total.rate}
    if case in OSS_CASES and len(rates) == 1:
        return rates.pop()
    return None


def _rate_chooser(
    decision: Decision, day: date, notes: Notes
) -> tuple[Callable[[Line], Decimal], Decimal]:
    """How goods and discount lines get their rate, and the rate of shipping without goods."""
    period = decision.period
    if period is None:
        return (lambda line: ZERO), ZERO  # tax-free cases: every share at 0 %
    notes.trace.append(_describe(period, day))

    def rate_of(line: Line) -> Decimal:
        rate, warnings = choose_rate(line, period, day)
        notes.warnings.extend(warnings)
        return rate

    return rate_of, period.standard


def _describe(period: RatePeriod, day: date) -> str:
    reduced = ", ".join(f"{pct(rate)} %" for rate in period.reduced) or "none"
    return (
        f"rates of {period.country} on {day:%d.%m.%Y}: standard {pct(period.standard)} %, "
        f"reduced {reduced}"
    )


def choose_rate(line: Line, period: RatePeriod, day: date) -> tuple[Decimal, tuple[str, ...]]:
    """A goods or discount line's rate from its Billbee TaxIndex (billbee-api.md §4.4).

    The TaxIndex says *which* rate (none, standard, reduced); the taxed country's period says
    how much, because Billbee's TaxRate1/TaxRate2 may belong to another country (§4.4 note).
    """
    when = f"{period.country} on {day:%d.%m.%Y}"
    if line.tax_index == 2:
        return _reduced_rate(line, period, when)
    warnings: list[str] = []
    if line.tax_index == 0:
        rate = ZERO
    elif line.tax_index == 1:
        rate = period.standard
    else:
        rate = period.standard
        what = "no TaxIndex" if line.tax_index is None else f"an unknown TaxIndex {line.tax_index}"
        warnings.append(
            f"a {line.kind} line {money(line.gross)} has {what}: booked at the standard rate "
            f"{pct(rate)} % of {when}"
        )
    warnings.extend(_billbee_rate_differs(line, rate, period, when))
    return rate, tuple(warnings)


def _reduced_rate(line: Line, period: RatePeriod, when: str) -> tuple[Decimal, tuple[str, ...]]:
    offered = line.billbee_rate
    for rate in period.reduced:
        if rate == offered:
            return rate, ()
    subject = f"a {line.kind} line {money(line.gross)} with TaxIndex 2 (reduced rate)"
    if not period.reduced:
        rate = period.standard
        problem = f"{period.country} has no reduced rate"
        return rate, (f"{subject}, but {problem}: booked at the standard rate {pct(rate)} %",)
    rate = period.reduced[0]
    table = _rate_list(period.reduced)
    if offered is None:
        problem = "Billbee sent no rate"
    else:
        problem = f"Billbee's {pct(offered)} % is not a reduced rate of {when} ({table})"
    return rate, (f"{subject}: {problem}; booked at {pct(rate)} %, the first reduced rate",)


def _billbee_rate_differs(
    line: Line, rate: Decimal, period: RatePeriod, when: str
) -> tuple[str, ...]:
    offered = line.billbee_rate
    if offered is None or offered == rate:
        return ()
    unknown = "" if offered in _all_rates(period) else f"; {pct(offered)} % is no rate of {when}"
    return (
        f"Billbee applied {pct(offered)} % to a {line.kind} line {money(line.gross)}, but "
        f"TaxIndex {line.tax_index} means {pct(rate)} % in {when}: booked at {pct(rate)} %"
        f"{unknown}",
    )


def _all_rates(period: RatePeriod) -> frozenset[Decimal]:
    return frozenset({period.standard, *period.reduced, ZERO})


def _rate_list(rates: Iterable[Decimal]) -> str:
    return ", ".join(f"{pct(rate)} %" for rate in rates)
