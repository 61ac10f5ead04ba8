"""From a VAT treatment to the lines of a journal entry: plain functions over plain data.

The entry of an invoice is the debtor (gross, debit) against revenue per rate (net, credit)
and VAT per rate (credit). Discount codes reduce revenue and VAT at the goods' rates; a
redeemed single-purpose voucher is debited (net, per rate) to its own account and takes its
VAT off the entry's, because that VAT was due when the voucher was sold (§ 3 (14) UStG); a
redeemed multi-purpose voucher is a payment, a debit to its account without VAT. The cents
between Billbee's total and the rounded lines go to the rounding account, an account of its
own, up to a tolerance (bookkeeping.md §4.3). A credit note is the same with every sign
turned, so its lines are the mirror of an invoice's. Amounts are signed while computing
(debit positive) and become a side and a positive amount at the end.

Every amount is whole cents, rounded once and half up: each position as Billbee prints it on
the invoice, and the debtor at Billbee's total (which Billbee computes from four-place lines
and may send with seven decimals). The difference between the two is the rounding difference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from connector.texts import Percent, Text

from .datev.columns import bu_key_form
from .vat import Case, Treatment
from .vat.amounts import to_cents

CENT = Decimal("0.01")
ZERO = Decimal(0)
ZERO2 = Decimal("0.00")  # "0.00", as the reason writes it
# The line roles that carry net revenue (credit positive): what reports and the delivery
# threshold sum up. VAT, debtor, rounding and multi-purpose vouchers are not revenue.
NET_ROLES = frozenset({"revenue", "shipping", "discount", "voucher"})


def net_revenue(lines: Iterable[PlanLine]) -> Decimal:
    """Σ net revenue of an entry's lines, credit positive."""
    return sum(
        (ln.amount if ln.side == "H" else -ln.amount for ln in lines if ln.role in NET_ROLES),
        ZERO,
    )


class PlanProblem(Exception):
    """The document cannot be booked as it is; ``reason`` says what to do."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Accounts:
    """Which accounts one treatment and rate books to (a ``TaxAccount`` row)."""

    revenue: int
    vat: int | None
    bu_key: str = ""
    shipping: int | None = None
    discount: int | None = None
    voucher: int | None = None  # single-purpose vouchers redeemed (empty: the discount account)


@dataclass(frozen=True)
class PlanInput:
    treatment: Treatment
    total: Decimal  # Billbee's TotalCost, signed (credit notes negative)
    debtor: int
    accounts: Mapping[tuple[str, Decimal | None], Accounts]  # (case, rate or None) → accounts
    automatic: frozenset[int]  # accounts on which DATEV derives the VAT itself
    rounding_account: int
    coupon_account: int
    tolerance: Decimal
    separate_lines: bool = False
    exchange_rate: Decimal | None = None  # 1 EUR = x units of the document's currency


@dataclass(frozen=True)
class PlanLine:
    role: str
    account: int
    side: str  # "S" | "H"
    amount: Decimal
    rate: Decimal | None = None
    tax: Decimal = ZERO
    bu_key: str = ""
    datev_gross: bool = False


@dataclass
class Plan:
    lines: list[PlanLine]
    rounding: Decimal  # in the document's currency
    trace: list[str] = field(default_factory=list)

    def fingerprint(self, *parts: object) -> str:
        """What the entry books: its lines and the header values given. Two plans with the
        same fingerprint are the same booking (a re-read document is not booked again)."""
        rows = [
            (
                ln.role,
                ln.account,
                ln.side,
                str(ln.amount),
                str(ln.rate),
                str(ln.tax),
                bu_key_form(ln.bu_key),  # "240" and "0240" are one key
            )
            for ln in self.lines
        ]
        return hashlib.sha256(repr((rows, [str(p) for p in parts])).encode()).hexdigest()

    @property
    def balanced(self) -> bool:
        debit = sum((ln.amount for ln in self.lines if ln.side == "S"), ZERO)
        credit = sum((ln.amount for ln in self.lines if ln.side == "H"), ZERO)
        return debit == credit


@dataclass
class _Signed:
    role: str
    account: int
    amount: Decimal  # debit positive
    rate: Decimal | None = None
    tax: Decimal = ZERO  # signed like amount
    bu_key: str = ""
    datev_gross: bool = False


def accounts_for(
    accounts: Mapping[tuple[str, Decimal | None], Accounts], case: Case, rate: Decimal
) -> Accounts:
    found = accounts.get((case.value, rate)) or accounts.get((case.value, None))
    if found is None:
        raise PlanProblem(
            "no_revenue_account",
            Text(
                "assign revenue and VAT accounts to the treatment {case} at {rate} % "
                "(Bookkeeping → Revenue and VAT accounts)",
                case=case.value,
                rate=Percent(rate),
            ),
        )
    return found


def entry_plan(data: PlanInput) -> Plan:
    treatment = data.treatment
    trace: list[str] = []
    document_total = to_cents(data.total)
    signed = [_Signed("debtor", data.debtor, document_total)]
    if document_total == data.total:
        trace.append(
            Text(
                "debtor {debtor}: {total} (document total)",
                debtor=data.debtor,
                total=document_total,
            )
        )
    else:
        trace.append(
            Text(
                "debtor {debtor}: {total} (document total) (Billbee's {billbee}, to cents)",
                debtor=data.debtor,
                total=document_total,
                billbee=str(data.total),
            )
        )
    for rate_total in treatment.totals:
        signed.extend(_rate_lines(data, rate_total.rate, rate_total.vat, trace))
    if treatment.coupons:
        signed.append(_Signed("coupon", data.coupon_account, -treatment.coupons))
        trace.append(
            Text(
                "multi-purpose vouchers {amount} → {account}",
                amount=-treatment.coupons,
                account=data.coupon_account,
            )
        )
    rounding = -sum((s.amount for s in signed), ZERO)
    _check_rounding(rounding, data.tolerance)
    if rounding:
        signed.append(_Signed("rounding", data.rounding_account, rounding))
        trace.append(
            Text(
                "rounding difference {amount} → {account}",
                amount=-rounding,
                account=data.rounding_account,
            )
        )
    if data.exchange_rate is not None:
        signed = _in_euro(signed, data.exchange_rate, data.rounding_account, trace)
    lines = [_unsigned(s) for s in signed if s.amount]
    if len(lines) < 2:
        raise PlanProblem(
            "nothing_to_book", Text("nothing to book: the document's total is {total}", total=ZERO2)
        )
    return Plan(lines, -rounding, trace)


def _check_rounding(rounding: Decimal, tolerance: Decimal) -> None:
    if abs(rounding) > tolerance:
        raise PlanProblem(
            "rounding_above_tolerance",
            Text(
                "the document total differs from its rounded lines by {difference}, more than "
                "the tolerance of {tolerance}: check the document in Billbee (or raise the "
                "tolerance in the bookkeeping settings)",
                difference=abs(rounding),
                tolerance=tolerance,
            ),
        )


# The revenue lines' roles as the trace names them.
ROLE_WORDS = {
    str(word): word
    for word in (Text("revenue"), Text("shipping"), Text("discount"), Text("voucher"))
}


def _rate_lines(data: PlanInput, rate: Decimal, vat: Decimal, trace: list[str]) -> list[_Signed]:
    case = data.treatment.case
    accounts = accounts_for(data.accounts, case, rate)
    shares = [s for s in data.treatment.shares if s.rate == rate and s.gross]
    groups = _group_shares(shares, accounts, data.separate_lines)
    taxes = _allocate(vat, [gross for _, _, gross in groups])
    lines = []
    for (role, account, gross), tax in zip(groups, taxes, strict=True):
        datev_gross = bool(accounts.bu_key) or account in data.automatic
        lines.append(
            _Signed(role, account, -(gross - tax), rate, -tax, accounts.bu_key, datev_gross)
        )
        trace.append(
            Text(
                "{role} {rate} %: net {amount} → {account}",
                role=ROLE_WORDS.get(role, role),
                rate=Percent(rate),
                amount=gross - tax,
                account=account,
            )
        )
    if vat:
        if accounts.vat is None:
            raise PlanProblem(
                "no_vat_account",
                Text(
                    "assign a VAT account to the treatment {case} at {rate} %",
                    case=case.value,
                    rate=Percent(rate),
                ),
            )
        # The export leaves out the part of this line that DATEV derives from gross lines.
        lines.append(_Signed("vat", accounts.vat, -vat, rate))
        trace.append(
            Text(
                "VAT {rate} %: {amount} → {account}",
                rate=Percent(rate),
                amount=vat,
                account=accounts.vat,
            )
        )
    return lines


def _group_shares(
    shares: list, accounts: Accounts, separate: bool
) -> list[tuple[str, int, Decimal]]:
    """(role, account, gross) per revenue line: one per rate, or (separate-lines option)
    one per kind with shipping and discounts on their own accounts. Redeemed single-purpose
    vouchers always stand on their own line and account."""
    grouped: dict[tuple[str, int], Decimal] = {}
    for share in shares:
        if share.kind == "voucher":
            key = ("voucher", accounts.voucher or accounts.discount or accounts.revenue)
        elif not separate:
            key = ("revenue", accounts.revenue)
        elif share.kind in ("shipping", "adjustment"):
            key = ("shipping", accounts.shipping or accounts.revenue)
        elif share.kind in ("discount", "discount_code"):
            key = ("discount", accounts.discount or accounts.revenue)
        else:
            key = ("revenue", accounts.revenue)
        grouped[key] = grouped.get(key, ZERO) + share.gross
    return [(role, account, gross) for (role, account), gross in grouped.items()]


def _allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in cents, exactly (the last part takes the rest)."""
    whole = sum(weights, ZERO)
    if not weights or not whole:
        return [total] + [ZERO] * (len(weights) - 1) if weights else []
    parts = [(total * w / whole).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, total - sum(parts, ZERO)]


def _in_euro(
    signed: list[_Signed], rate: Decimal, rounding_account: int, trace: list[str]
) -> list[_Signed]:
    """Foreign-currency documents are booked in euro at the reference rate; the cents the
    conversion leaves go to the rounding account, so the entry still balances."""
    converted = []
    for s in signed:
        amount = (s.amount / rate).quantize(CENT, ROUND_HALF_UP)
        tax = (s.tax / rate).quantize(CENT, ROUND_HALF_UP)
        converted.append(_Signed(s.role, s.account, amount, s.rate, tax, s.bu_key, s.datev_gross))
    rest = -sum((s.amount for s in converted), ZERO)
    trace.append(Text("converted to EUR at 1 EUR = {rate}", rate=str(rate)))
    if rest:
        for s in converted:
            if s.role == "rounding":
                s.amount += rest
                break
        else:
            converted.append(_Signed("rounding", rounding_account, rest))
        trace.append(
            Text(
                "conversion difference {amount} → {account}", amount=-rest, account=rounding_account
            )
        )
    return converted


def _unsigned(s: _Signed) -> PlanLine:
    side = "S" if s.amount > 0 else "H"
    sign = 1 if s.amount > 0 else -1
    return PlanLine(
        s.role, s.account, side, abs(s.amount), s.rate, s.tax * sign, s.bu_key, s.datev_gross
    )


def mirror(lines: list[PlanLine]) -> list[PlanLine]:
    """The lines of a reversal: every side turned."""
    turned = {"S": "H", "H": "S"}
    return [
        PlanLine(
            ln.role,
            ln.account,
            turned[ln.side],
            ln.amount,
            ln.rate,
            ln.tax,
            ln.bu_key,
            ln.datev_gross,
        )
        for ln in lines
    ]


def month_of(day: date | None) -> str:
    return f"{day:%Y-%m}" if day else ""
