"""Money arithmetic of the VAT treatment: rounding, shipping split, shares, totals, comparison.

Every function is sign-symmetric, so a credit note (negative lines) gives the exact mirror of
the same invoice: ROUND_HALF_UP rounds half away from zero, and the shipping split works on
absolute cents and puts the sign back afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sentences import Joined, Percent, Text

from .model import (
    ADJUSTMENT,
    COUPON,
    DISCOUNT,
    DISCOUNT_CODE,
    GOODS,
    LINE_KINDS,
    SHIPPING,
    VOUCHER,
    Line,
    RateTotal,
    Share,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Billbee prints VAT rounded to the cent; a larger gap per rate means a different rate or base
# (bookkeeping.md §4.3: DATEV recomputes VAT per booking line, ±1 ct is expected).
TOLERANCE = CENT

# Lines taxed at the goods' rates, split in proportion to them: shipping and surcharges
# (Nebenleistungen, bookkeeping.md §2.1), and discount codes and single-purpose vouchers, which
# reduce the price of the goods they are redeemed on (§ 17 UStG; § 3 (14) UStG).
_FOLLOWERS = (SHIPPING, ADJUSTMENT, DISCOUNT_CODE, VOUCHER)
_FOLLOWER_WORDS = {
    SHIPPING: Text("shipping"),
    ADJUSTMENT: Text("surcharge"),
    DISCOUNT_CODE: Text("discount code"),
    VOUCHER: Text("single-purpose voucher"),
}
_KIND_ORDER = {kind: position for position, kind in enumerate(LINE_KINDS)}

Parts = tuple[tuple[Decimal, Decimal], ...]  # (rate, gross) pairs, rate descending


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_in_gross(gross: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a gross amount, rounded once (bookkeeping.md §4.3)."""
    return to_cents(gross * rate / (HUNDRED + rate))


def money(amount: Decimal) -> str:
    return format(to_cents(amount), "f")


@dataclass(frozen=True)
class Priced:
    """A document line, rounded to cents like Billbee's invoice, with the rates it is taxed at."""

    line: Line
    gross: Decimal
    parts: Parts  # one part for goods and discounts; shipping may be split over several


def billbee_charged_vat(lines: Iterable[Line]) -> bool:
    """Whether Billbee charged VAT on any revenue line: a TaxAmount other than 0, or a rate
    above 0 where Billbee gives no amount. Third-country deliveries under VatMode 0 depend on
    it (bookkeeping.md §3), and so do the warnings on tax-free documents."""
    for line in lines:
        if line.kind == COUPON:
            continue
        if line.billbee_tax if line.billbee_tax is not None else line.billbee_rate:
            return True
    return False


def billbee_tax_sum(lines: Iterable[Line]) -> Decimal:
    return to_cents(sum((line.billbee_tax or ZERO for line in lines if line.kind != COUPON), ZERO))


def price_lines(
    lines: Sequence[Line], rate_of: Callable[[Line], Decimal], fallback_rate: Decimal
) -> tuple[list[Priced], list[str]]:
    """Round each line, give goods and discounts their rate, split shipping over the goods.

    ``fallback_rate`` taxes shipping when there are no goods to follow (the taxed country's
    standard rate, 0 when tax-free). Returns the priced lines (coupons excluded) and trace notes.
    """
    for line in lines:
        if line.kind not in LINE_KINDS:
            raise ValueError(f"unknown line kind {line.kind!r}; expected one of {LINE_KINDS}")
    priced = [
        Priced(line, to_cents(line.gross), ((rate_of(line), to_cents(line.gross)),))
        for line in lines
        if line.kind in (GOODS, DISCOUNT)
    ]
    weights, notes = _split_basis(priced)
    for line in lines:
        if line.kind in _FOLLOWERS:
            gross = to_cents(line.gross)
            parts = split(gross, weights) if weights else ((fallback_rate, gross),)
            priced.append(Priced(line, gross, parts))
            notes.append(_split_note(line.kind, gross, parts, bool(weights)))
    return priced, notes


def _split_basis(goods: list[Priced]) -> tuple[dict[Decimal, Decimal], list[str]]:
    """Per-rate weights for the shipping split: goods and discounts together (bookkeeping.md
    §2.1 "split proportionally to the goods values"); goods alone when the discounts outweigh
    the goods at some rate, because a negative weight would push shipping over 100 %."""
    both = _sum_by_rate(goods)
    if _usable(both):
        return both, []
    alone = _sum_by_rate(p for p in goods if p.line.kind == GOODS)
    if _usable(alone):
        return alone, [
            Text("discounts outweigh the goods at a rate: shipping split by goods alone")
        ]
    return {}, []


def _sum_by_rate(priced: Iterable[Priced]) -> dict[Decimal, Decimal]:
    sums: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for item in priced:
        for rate, gross in item.parts:
            sums[rate] += gross
    return {rate: gross for rate, gross in sums.items() if gross}


def _usable(weights: dict[Decimal, Decimal]) -> bool:
    signs = {gross > 0 for gross in weights.values()}
    return len(signs) == 1


def split(amount: Decimal, weights: dict[Decimal, Decimal]) -> Parts:
    """Split ``amount`` (cents) in proportion to ``weights`` (all of one sign), cent-exact.

    Largest remainder: every part gets the floor of its share, the cents left over go to the
    largest fractional remainders (ties to the higher rate), so the parts sum to ``amount``.
    """
    cents = int(abs(amount) / CENT)
    units = {rate: int(abs(weight) / CENT) for rate, weight in weights.items()}
    total = sum(units.values())
    floors: dict[Decimal, int] = {}
    remainders: dict[Decimal, int] = {}
    for rate, unit in units.items():
        floors[rate], remainders[rate] = divmod(cents * unit, total)
    left = cents - sum(floors.values())
    for rate in sorted(units, key=lambda r: (-remainders[r], -r))[:left]:
        floors[rate] += 1
    sign = -1 if amount < 0 else 1
    return tuple(
        (rate, sign * Decimal(floors[rate]) * CENT)
        for rate in sorted(floors, reverse=True)
        if floors[rate]
    )


def _split_note(kind: str, gross: Decimal, parts: Parts, followed_goods: bool) -> str:
    word = _FOLLOWER_WORDS[kind]
    if not followed_goods:
        rate = parts[0][0] if parts else ZERO
        return Text(
            "{what} {amount} without goods to follow: taxed at {rate} %",
            what=word,
            amount=to_cents(gross),
            rate=Percent(rate),
        )
    pieces = Joined(
        tuple(
            Text("{amount} at {rate} %", amount=to_cents(part), rate=Percent(rate))
            for rate, part in parts
        )
    )
    if kind in (SHIPPING, ADJUSTMENT):
        return Text(
            "{what} {amount} follows the goods (a Nebenleistung): {pieces}",
            what=word,
            amount=to_cents(gross),
            pieces=pieces,
        )
    return Text(
        "{what} {amount} follows the goods (it reduces their price): {pieces}",
        what=word,
        amount=to_cents(gross),
        pieces=pieces,
    )


def build_shares(priced: Iterable[Priced]) -> tuple[Share, ...]:
    sums: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for item in priced:
        for rate, gross in item.parts:
            sums[(item.line.kind, rate)] += gross
    keys = sorted(sums, key=lambda key: (_KIND_ORDER[key[0]], -key[1]))
    return tuple(Share(kind, rate, sums[(kind, rate)]) for kind, rate in keys if sums[(kind, rate)])


def build_totals(shares: Iterable[Share]) -> tuple[RateTotal, ...]:
    """One total per rate, VAT rounded once per rate: one booking per invoice per rate is what
    minimises cent differences against DATEV's recomputation (bookkeeping.md §4.3)."""
    sums: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for share in shares:
        sums[share.rate] += share.gross
    totals = []
    for rate in sorted(sums, reverse=True):
        if sums[rate]:
            vat = vat_in_gross(sums[rate], rate)
            totals.append(RateTotal(rate=rate, gross=sums[rate], net=sums[rate] - vat, vat=vat))
    return tuple(totals)


def coupon_total(lines: Iterable[Line]) -> Decimal:
    """Coupons (Billbee IsCoupon) are a VAT-free means of payment, not revenue."""
    return sum((to_cents(line.gross) for line in lines if line.kind == COUPON), ZERO)


@dataclass(frozen=True)
class Comparison:
    billbee_vat: Decimal
    ours: Decimal
    warnings: tuple[str, ...]

    @property
    def difference(self) -> Decimal:
        return self.ours - self.billbee_vat


def compare_with_billbee(priced: Iterable[Priced], coupons: Iterable[Line]) -> Comparison:
    """Our VAT vs Billbee's TaxAmount, per rate, on exactly the lines that carry one.

    Both sides are rounded once per rate, like the VAT lines of Billbee's invoice. A line that
    is split over several rates (shipping) is compared as one group of its own.
    """
    groups: dict[Decimal | None, list[Priced]] = defaultdict(list)
    for item in priced:
        if item.line.billbee_tax is not None:
            groups[item.parts[0][0] if len(item.parts) == 1 else None].append(item)
    billbee_vat = ours = ZERO
    warnings = [_coupon_warning(line) for line in coupons if line.billbee_tax]
    for key in sorted(groups, key=lambda k: (k is None, -(k or ZERO))):
        theirs = to_cents(sum((item.line.billbee_tax or ZERO for item in groups[key]), ZERO))
        mine = sum((vat_in_gross(g, r) for r, g in _sum_by_rate(groups[key]).items()), ZERO)
        billbee_vat, ours = billbee_vat + theirs, ours + mine
        if abs(mine - theirs) > TOLERANCE:
            warnings.append(_difference_warning(key, mine, theirs))
    return Comparison(billbee_vat=billbee_vat, ours=ours, warnings=tuple(warnings))


def _difference_warning(rate: Decimal | None, ours: Decimal, theirs: Decimal) -> str:
    where = (
        Text("{rate} %", rate=Percent(rate))
        if rate is not None
        else Text("lines split over the goods' rates")
    )
    return Text(
        "{where}: our VAT {ours} vs Billbee's {theirs} (difference {difference}, more than "
        "{tolerance}): check the rate and the rounding on Billbee's invoice before booking",
        where=where,
        ours=to_cents(ours),
        theirs=to_cents(theirs),
        difference=to_cents(ours - theirs),
        tolerance=to_cents(TOLERANCE),
    )


def _coupon_warning(line: Line) -> str:
    return Text(
        "a coupon line {amount} carries Billbee VAT {tax}: Billbee treated it as a discount (a "
        "price reduction with VAT) while it is booked here as a VAT-free means of payment; "
        "check which kind of voucher it is",
        amount=to_cents(line.gross),
        tax=to_cents(line.billbee_tax or ZERO),
    )
