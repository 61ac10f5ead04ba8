"""VAT treatment of one Billbee document (invoice or credit note): pure, no Django, no database.

``vat_treatment`` decides the case (cases.py, bookkeeping.md §3), takes the taxed country's
rates on the date of supply (rates.py, §5), prices the lines (amounts.py: shipping follows the
goods, §2.1; one VAT amount per rate, §4.3), and compares the result with Billbee's TaxAmount.
A credit note gets the treatment of a mirrored invoice (§4.2: same case and rates).

The VAT booked never differs silently from the invoice: when the rate decided here is not
the rate Billbee charged on a line, the document waits (``VatHeld``) with a reason that says
what the merchant must set — typically the OSS registration, when Billbee charged the
destination's rate and no registration is configured, or the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sentences import Joined, Percent, Text

from .amounts import (
    ZERO,
    build_shares,
    build_totals,
    compare_with_billbee,
    coupon_total,
    price_lines,
    to_cents,
)
from .cases import Decision, Notes, decide
from .countries import EU_MEMBER_STATES, adjective
from .errors import UnknownRate, VatHeld, VatRejected
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
from .rates import RatePeriod, rates_on

__all__ = [
    "Case",
    "Line",
    "RateTotal",
    "Share",
    "Treatment",
    "VatHeld",
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
    mismatches: list[Mismatch] = []
    rate_of, fallback = _rate_chooser(decision, doc, notes, mismatches)
    priced, split_notes = price_lines(doc.lines, rate_of, fallback)
    if mismatches:
        raise VatHeld("vat_differs_from_invoice", mismatch_reason(doc, decision, mismatches))
    notes.trace.extend(split_notes)
    shares = build_shares(priced)
    totals = build_totals(shares)
    coupons = coupon_total(doc.lines)
    if coupons:
        notes.trace.append(
            Text("coupons {amount}: a means of payment, not revenue", amount=to_cents(coupons))
        )
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


@dataclass(frozen=True)
class Mismatch:
    """A line on which Billbee charged another rate than the one decided here."""

    kind: str
    gross: Decimal
    billbee: Decimal
    ours: Decimal


def _rate_chooser(
    decision: Decision, doc: VatInput, notes: Notes, mismatches: list[Mismatch]
) -> tuple[Callable[[Line], Decimal], Decimal]:
    """How goods and discount lines get their rate, and the rate of shipping without goods.
    Lines whose Billbee rate differs from the rate chosen are collected in ``mismatches``
    (or only warned about, for documents that mirror another)."""
    period = decision.period
    day = doc.service_date
    if period is None:
        return (lambda line: ZERO), ZERO  # tax-free cases: every share at 0 %
    notes.trace.append(_describe(period, day))

    def rate_of(line: Line) -> Decimal:
        rate, warnings = choose_rate(line, period, day)
        offered = line.billbee_rate
        if doc.hold_differences and offered is not None and offered != rate:
            mismatches.append(Mismatch(line.kind, line.gross, offered, rate))
        else:
            notes.warnings.extend(warnings)
        return rate

    return rate_of, period.standard


def mismatch_reason(doc: VatInput, decision: Decision, mismatches: list[Mismatch]) -> str:
    """Why the document waits, in the merchant's terms: what Billbee charged, what this
    connection's settings make of it, and what to set."""
    day = doc.service_date
    home, destination = doc.home_country.upper(), (doc.destination or "").upper()
    charged = _rate_list(sorted({m.billbee for m in mismatches}, reverse=True))
    ours = _rate_list(sorted({m.ours for m in mismatches}, reverse=True))
    # The values both sentences of a sale taxed in the wrong country name.
    sale = {
        "destination": destination,
        "destination_adjective": adjective(destination),
        "home": home,
        "home_adjective": adjective(home),
        "charged": charged,
        "ours": ours,
        "day": day,
    }
    if decision.case == Case.EU_B2C_HOME_TAXED and _all_rates_of(destination, day, mismatches):
        since = (
            Text("no OSS registration is configured")
            if doc.oss_since is None
            else Text("the OSS registration is set from {day} only", day=doc.oss_since)
        )
        # The adjectives stay English; a translation names the countries by their codes.
        return Text(
            "Billbee charged {destination} {charged} ({destination_adjective} VAT) on a sale "
            "to {destination} (date of supply {day}), but {since}, so {home_adjective} VAT "
            "{ours} would be due. Registered for OSS since …? Enter the date under 'OSS "
            "registered since' in the bookkeeping settings, and every waiting document is "
            "decided again; if you are not registered, correct the invoice in Billbee (credit "
            "note and new invoice)",
            since=since,
            **sale,
        )
    if decision.case == Case.OSS and _all_rates_of(home, day, mismatches):
        return Text(
            "Billbee charged {home} {charged} ({home_adjective} VAT) on a sale to {destination} "
            "(date of supply {day}), but the connection is registered for OSS since {since}, "
            "so {destination_adjective} VAT {ours} is due. Did the OSS registration begin "
            "later? Correct 'OSS registered since' in the bookkeeping settings, and every "
            "waiting document is decided again; otherwise correct the invoice in Billbee",
            since=doc.oss_since or "?",
            **sale,
        )
    lines = Joined(
        tuple(
            Text(
                "{kind} {amount} at {billbee} % (here {ours} %)",
                kind=_kind_word(m.kind),
                amount=to_cents(m.gross),
                billbee=Percent(m.billbee),
                ours=Percent(m.ours),
            )
            for m in mismatches
        )
    )
    taxed = decision.taxed_in or home
    return Text(
        "Billbee charged other VAT rates than the treatment decided here ({case}: {adjective} "
        "VAT on {day}): {lines}. Check the VAT settings of the shop in Billbee and the "
        "connection's OSS registration; the document waits until the rates agree or the "
        "invoice is corrected",
        case=decision.case.value,
        adjective=adjective(taxed),
        day=day,
        lines=lines,
    )


def _all_rates_of(country: str, day: date, mismatches: list[Mismatch]) -> bool:
    """Whether every rate Billbee charged is a rate of ``country`` on ``day``."""
    if country not in EU_MEMBER_STATES:
        return False
    try:
        period = rates_on(country, day)
    except UnknownRate:
        return False
    return all(m.billbee in _all_rates(period) for m in mismatches)


def _describe(period: RatePeriod, day: date) -> Text:
    if not period.reduced:
        return Text(
            "rates of {country} on {day}: standard {standard} %, reduced none",
            country=period.country,
            day=day,
            standard=Percent(period.standard),
        )
    return Text(
        "rates of {country} on {day}: standard {standard} %, reduced {reduced}",
        country=period.country,
        day=day,
        standard=Percent(period.standard),
        reduced=_rate_list(period.reduced),
    )


def choose_rate(line: Line, period: RatePeriod, day: date) -> tuple[Decimal, tuple[str, ...]]:
    """A goods or discount line's rate from its Billbee TaxIndex (billbee-api.md §4.4).

    The TaxIndex says *which* rate (none, standard, reduced); the taxed country's period says
    how much, because Billbee's TaxRate1/TaxRate2 may belong to another country (§4.4 note).
    """
    when = Text("{country} on {day}", country=period.country, day=day)
    if line.tax_index == 2:
        return _reduced_rate(line, period, when)
    warnings: list[str] = []
    if line.tax_index == 0:
        rate = ZERO
    elif line.tax_index == 1:
        rate = period.standard
    else:
        rate = period.standard
        what = (
            Text("no TaxIndex")
            if line.tax_index is None
            else Text("an unknown TaxIndex {index}", index=line.tax_index)
        )
        warnings.append(
            # A rate is one value with its "%": "% of" would read as a printf directive.
            Text(
                "a {kind} line {amount} has {what}: booked at the standard rate {rate} of {when}",
                kind=_kind_word(line.kind),
                amount=to_cents(line.gross),
                what=what,
                rate=Percent(rate, sign=True),
                when=when,
            )
        )
    warnings.extend(_billbee_rate_differs(line, rate, period, when))
    return rate, tuple(warnings)


def _reduced_rate(line: Line, period: RatePeriod, when: Text) -> tuple[Decimal, tuple[str, ...]]:
    offered = line.billbee_rate
    for rate in period.reduced:
        if rate == offered:
            return rate, ()
    kind, amount = _kind_word(line.kind), to_cents(line.gross)
    if not period.reduced:
        rate = period.standard
        return rate, (
            Text(
                "a {kind} line {amount} with TaxIndex 2 (reduced rate), but {country} has no "
                "reduced rate: booked at the standard rate {rate} %",
                kind=kind,
                amount=amount,
                country=period.country,
                rate=Percent(rate),
            ),
        )
    rate = period.reduced[0]
    if offered is None:
        problem = Text("Billbee sent no rate")
    else:
        problem = Text(
            "Billbee's {offered} is not a reduced rate of {when} ({table})",
            offered=Percent(offered, sign=True),
            when=when,
            table=_rate_list(period.reduced),
        )
    return rate, (
        Text(
            "a {kind} line {amount} with TaxIndex 2 (reduced rate): {problem}; booked at "
            "{rate} %, the first reduced rate",
            kind=kind,
            amount=amount,
            problem=problem,
            rate=Percent(rate),
        ),
    )


def _billbee_rate_differs(
    line: Line, rate: Decimal, period: RatePeriod, when: Text
) -> tuple[str, ...]:
    offered = line.billbee_rate
    if offered is None or offered == rate:
        return ()
    values = {
        "offered": Percent(offered, sign=True),
        "kind": _kind_word(line.kind),
        "amount": to_cents(line.gross),
        "index": line.tax_index,
        "rate": Percent(rate, sign=True),
        "when": when,
    }
    if offered in _all_rates(period):
        return (
            Text(
                "Billbee applied {offered} to a {kind} line {amount}, but TaxIndex {index} "
                "means {rate} in {when}: booked at {rate}",
                **values,
            ),
        )
    return (
        Text(
            "Billbee applied {offered} to a {kind} line {amount}, but TaxIndex {index} means "
            "{rate} in {when}: booked at {rate}; {offered} is no rate of {when}",
            **values,
        ),
    )


def _all_rates(period: RatePeriod) -> frozenset[Decimal]:
    return frozenset({period.standard, *period.reduced, ZERO})


def _rate_list(rates: Iterable[Decimal]) -> Joined:
    return Joined(tuple(Percent(rate, sign=True) for rate in rates))


# A line's kind as the stored sentences name it.
_KIND_WORDS = {
    str(word): word
    for word in (
        Text("goods"),
        Text("discount"),
        Text("shipping"),
        Text("adjustment"),
        Text("discount_code"),
        Text("voucher"),
        Text("coupon"),
    )
}


def _kind_word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)
