"""Candidates for a statement line, each with its kind, score and reasons.

Scores order the candidates and say how sure the engine is; only the exact 1:1 rule is ever
confirmed without a person (see ``engine``). Reasons are sentences for the accountant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from payments.parsers.base import LineKind, StatementLine

from .index import ItemIndex, ReferenceHit, cents, iban_key, name_key
from .types import Candidate, CandidateKind, MatchConfig, OpenItem

# Amount look-ups with a tolerance wider than this (in cents) look at the exact amount only.
MAX_TOLERANCE_CENTS_SCANNED = 500
# At most this many open items of the same amount, not of the payer, are weighed per line (the
# latest invoiced).
MAX_AMOUNT_POOL = 25
# Open items of one payer considered for one transfer paying several invoices.
MAX_CUSTOMER_ITEMS = 12
NAME_RATIO_MIN = 85.0


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def reference_reason(hits: Iterable[ReferenceHit]) -> str:
    found = sorted({f"{hit.field_label} {hit.reference}" for hit in hits})
    return f"{' and '.join(found)} in the remittance text"


def days_after_invoice(line: StatementLine, item: OpenItem) -> int:
    return (line.booking_date - item.invoice_date).days


def in_date_window(line: StatementLine, item: OpenItem, config: MatchConfig) -> bool:
    days = days_after_invoice(line, item)
    return -config.days_before_invoice <= days <= config.date_window_days


def within(difference: Decimal, config: MatchConfig) -> bool:
    return abs(difference) <= config.tolerance


def amount_reason(line: StatementLine, difference: Decimal, config: MatchConfig) -> str:
    if difference == 0:
        return "amount equal"
    if within(difference, config):
        return (
            f"amount differs by {money(difference, line.currency)}, within the tolerance of "
            f"{money(config.tolerance, line.currency)}"
        )
    return f"amount differs by {money(difference, line.currency)}"


def subsets_with_sum(
    items: list[OpenItem], target: Decimal, config: MatchConfig, limit: int = 3
) -> list[tuple[OpenItem, ...]]:
    """Sets of 2 to ``max_items_per_transfer`` items whose open amounts add up to the target
    (within the tolerance); a depth-first search over the amounts, largest first."""
    ordered = sorted(items, key=lambda item: (-item.amount, item.id))[:MAX_CUSTOMER_ITEMS]
    target_cents, tolerance = cents(target), cents(config.tolerance)
    amounts = [cents(item.amount) for item in ordered]
    remaining = [sum(amounts[index:]) for index in range(len(amounts) + 1)]
    found: list[tuple[OpenItem, ...]] = []

    def search(start: int, chosen: list[int], total: int) -> None:
        if len(found) >= limit:
            return
        if len(chosen) >= 2 and abs(total - target_cents) <= tolerance:
            found.append(tuple(ordered[i] for i in chosen))
            return
        if len(chosen) >= config.max_items_per_transfer:
            return
        if total + remaining[start] < target_cents - tolerance:
            return  # even all the rest would not reach the amount
        for index in range(start, len(ordered)):
            if total + amounts[index] <= target_cents + tolerance:
                search(index + 1, [*chosen, index], total + amounts[index])

    search(0, [], 0)
    return found


def several_invoices(
    items: tuple[OpenItem, ...], line: StatementLine, score: float, why: str
) -> Candidate:
    labels = ", ".join(item.label for item in items)
    total = sum((item.amount for item in items), Decimal("0"))
    return Candidate(
        item_ids=tuple(sorted(item.id for item in items)),
        kind=CandidateKind.SEVERAL_INVOICES,
        score=score,
        amount_difference=line.amount - total,
        reasons=(
            f"one transfer for {len(items)} invoices ({labels}) {why}",
            f"the open amounts add up to {money(total, line.currency)}, the amount of the line",
        ),
    )


def reference_candidates(
    line: StatementLine,
    hits: dict[int, list[ReferenceHit]],
    config: MatchConfig,
) -> list[Candidate]:
    """Candidates for a payment whose text names one or more items (not the exact 1:1 case)."""
    candidates: list[Candidate] = []
    open_items: list[OpenItem] = []
    for item_hits in hits.values():
        item = item_hits[0].item
        found = reference_reason(item_hits)
        if item.currency != line.currency:
            candidates.append(currency_differs(line, item, found))
        elif item.settled:
            candidates.append(already_paid(line, item, found, config))
        else:
            open_items.append(item)
            candidates.append(amount_checked(line, item, found, config, len(hits) > 1))
    if len(open_items) >= 2:
        for subset in subsets_with_sum(open_items, line.amount, config):
            candidates.append(several_invoices(subset, line, 0.95, "named in the remittance text"))
    return candidates


def currency_differs(line: StatementLine, item: OpenItem, found: str) -> Candidate:
    return Candidate(
        item_ids=(item.id,),
        kind=CandidateKind.REFERENCE_CURRENCY_DIFFERS,
        score=0.3,
        amount_difference=line.amount - item.amount,
        reasons=(
            found,
            f"but the line is in {line.currency} and {item.label} in {item.currency}",
        ),
    )


def already_paid(line: StatementLine, item: OpenItem, found: str, config: MatchConfig) -> Candidate:
    difference = line.amount - item.total
    return Candidate(
        item_ids=(item.id,),
        kind=CandidateKind.ALREADY_PAID,
        # Below an open item named with the same amount: that one is the likelier.
        score=0.85 if within(difference, config) else 0.6,
        amount_difference=difference,
        reasons=(
            found,
            f"{item.label} is already paid: a second payment of it, to be refunded or kept "
            "as credit",
            f"{amount_reason(line, difference, config)} compared with the invoice total",
        ),
    )


def amount_checked(
    line: StatementLine, item: OpenItem, found: str, config: MatchConfig, several_named: bool
) -> Candidate:
    """One open item named in the text: equal, partial payment, Skonto or overpayment."""
    difference = line.amount - item.amount
    reasons = [found, amount_reason(line, difference, config)]
    if within(difference, config):
        if several_named:
            reasons.append("the text names other open items too")
        return Candidate((item.id,), CandidateKind.EXACT_REFERENCE, 0.9, difference, tuple(reasons))
    if difference > 0:
        reasons.append(
            f"overpayment: {money(difference, line.currency)} more than the open amount of "
            f"{money(item.amount, item.currency)}"
        )
        return Candidate((item.id,), CandidateKind.OVERPAYMENT, 0.75, difference, tuple(reasons))
    skonto = skonto_candidate(line, item, difference, config, reasons)
    if skonto is not None:
        return skonto
    reasons.append(f"partial payment: {money(-difference, item.currency)} remain open")
    return Candidate((item.id,), CandidateKind.PARTIAL, 0.8, difference, tuple(reasons))


def skonto_candidate(
    line: StatementLine,
    item: OpenItem,
    difference: Decimal,
    config: MatchConfig,
    reasons: list[str],
) -> Candidate | None:
    """A payment short by at most the Skonto rate of the total, within the Skonto term."""
    if config.skonto_rate <= 0 or item.amount != item.total:
        return None
    days = days_after_invoice(line, item)
    allowed = (item.total * config.skonto_rate).quantize(Decimal("0.01"))
    if not (0 <= days <= config.skonto_days) or -difference > allowed + config.tolerance:
        return None
    discount = -difference
    reasons.append(
        f"cash discount (Skonto): {money(discount, item.currency)} = "
        f"{discount / item.total:.2%} of the total, paid {days} days after the invoice date "
        f"(allowed {config.skonto_rate:.2%} within {config.skonto_days} days)"
    )
    return Candidate(
        (item.id,), CandidateKind.SKONTO, 0.85, difference, tuple(reasons), skonto=discount
    )


def payer_candidates(
    line: StatementLine,
    config: MatchConfig,
    index: ItemIndex,
    exclude: set[int],
    tokens: set[str],
) -> list[Candidate]:
    """Candidates without a reference: same amount in the date window, the payer's IBAN
    remembered for a customer, the payer's name; and several invoices of that payer."""
    payer_name = name_key(line.counterparty_name)
    payer_iban = iban_key(line.counterparty_iban)
    known = {item.id for item in index.by_iban.get(payer_iban, ())} if payer_iban else set()
    customer = [
        item
        for item in index.customer_items(line.counterparty_iban, line.counterparty_name)
        if not item.settled
        and item.currency == line.currency
        and item.id not in exclude
        and in_date_window(line, item, config)
    ]
    # The payer's own items of this amount first, then others of the amount (the latest).
    of_payer = {item.id for item in customer}
    pool = [item for item in customer if within(line.amount - item.amount, config)]
    pool += [
        item
        for item in amount_pool(line, config, index)
        if item.id not in exclude and item.id not in of_payer
    ]
    candidates = by_amount(line, pool, payer_name, known, config, (by_length(tokens), index))
    if len(customer) > MAX_CUSTOMER_ITEMS:
        customer.sort(key=lambda item: (abs(days_after_invoice(line, item)), item.id))
        customer = customer[:MAX_CUSTOMER_ITEMS]
    if len(customer) >= 2:
        why = "of the same payer (IBAN or name)"
        candidates.extend(
            several_invoices(subset, line, 0.7, why)
            for subset in subsets_with_sum(customer, line.amount, config)
        )
    return candidates


def amount_pool(line: StatementLine, config: MatchConfig, index: ItemIndex) -> list[OpenItem]:
    """Open items of the line's amount (within the tolerance) invoiced in the date window."""
    target, tolerance = cents(line.amount), cents(config.tolerance)
    if tolerance > MAX_TOLERANCE_CENTS_SCANNED:
        tolerance = 0
    earliest = line.booking_date - timedelta(days=config.date_window_days)
    latest = line.booking_date + timedelta(days=config.days_before_invoice)
    pool = [
        item
        for amount in range(target - tolerance, target + tolerance + 1)
        for item in index.open_by_amount(line.currency, amount, earliest, latest, MAX_AMOUNT_POOL)
    ]
    if len(pool) > MAX_AMOUNT_POOL:
        pool.sort(key=lambda item: (abs(days_after_invoice(line, item)), item.id))
        pool = pool[:MAX_AMOUNT_POOL]
    return pool


class _Scored(NamedTuple):
    score: float
    kind: str
    ratio: float
    item: OpenItem
    typo: tuple[ReferenceHit, str] | None


def near_reference(
    tokens: dict[int, list[str]], item: OpenItem, index: ItemIndex
) -> tuple[ReferenceHit, str] | None:
    """A token of the text one typing error (a character changed, added, dropped, or two
    swapped) away from one of the item's references. ``tokens`` by their length."""
    for hit in index.keys_of.get(item.id, ()):
        size = len(hit.key)
        near = tokens.get(size, []) + tokens.get(size - 1, []) + tokens.get(size + 1, [])
        if not near:
            continue
        found = process.extractOne(hit.key, near, scorer=OSA.distance, score_cutoff=1)
        if found is not None:
            return hit, found[0]
    return None


def by_length(tokens: set[str]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for token in sorted(tokens):
        grouped.setdefault(len(token), []).append(token)
    return grouped


def by_amount(
    line: StatementLine,
    pool: list[OpenItem],
    payer_name: str,
    known: set[int],
    config: MatchConfig,
    context: tuple[dict[int, list[str]], ItemIndex],
) -> list[Candidate]:
    """The items of the line's amount, scored by a reference with a typing error, the payer's
    IBAN and name, and the date; only the best few are written out with their reasons."""
    tokens, index = context
    scored = []
    for item in pool:
        days = days_after_invoice(line, item)
        # Nearer dates rank first among otherwise equal candidates.
        closeness = 0.05 * min(abs(days), config.date_window_days) / max(config.date_window_days, 1)
        ratio = 0.0
        if payer_name and item.customer_name:
            ratio = fuzz.token_set_ratio(
                payer_name, name_key(item.customer_name), score_cutoff=NAME_RATIO_MIN
            )
        if item.id in known:
            score, kind = 0.85 - closeness, CandidateKind.PAYER_IBAN
        elif ratio >= NAME_RATIO_MIN:
            score = 0.6 + 0.2 * (ratio - NAME_RATIO_MIN) / (100 - NAME_RATIO_MIN) - closeness
            kind = CandidateKind.PAYER_NAME
        else:
            score, kind = 0.4 - closeness, CandidateKind.AMOUNT_DATE
        typo = near_reference(tokens, item, index) if tokens else None
        if typo is not None:
            score, kind = min(max(score, 0.75) + 0.1, 0.95), CandidateKind.REFERENCE_TYPO
        scored.append(_Scored(score, kind, ratio, item, typo))
    scored.sort(key=lambda entry: (-entry.score, entry.item.id))
    return [explain_by_amount(line, entry, config) for entry in scored[: config.max_candidates + 1]]


def explain_by_amount(line: StatementLine, entry: _Scored, config: MatchConfig) -> Candidate:
    item = entry.item
    difference = line.amount - item.amount
    reasons = []
    if entry.typo is not None:
        hit, token = entry.typo
        reasons.append(
            f"{token} in the remittance text is one typing error away from {hit.field_label} "
            f"{hit.reference}"
        )
    reasons.append(
        f"{amount_reason(line, difference, config)} with {item.label}, paid "
        f"{days_after_invoice(line, item)} days after the invoice date"
    )
    if line.counterparty_iban and iban_key(line.counterparty_iban) in {
        iban_key(iban) for iban in item.customer_ibans
    }:
        reasons.append(
            f"the payer's IBAN {iban_key(line.counterparty_iban)} is remembered for this customer"
        )
    if entry.ratio >= NAME_RATIO_MIN:
        reasons.append(
            f"the payer {line.counterparty_name!r} resembles the customer "
            f"{item.customer_name!r} ({entry.ratio:.0f} %)"
        )
    return Candidate((item.id,), entry.kind, entry.score, difference, tuple(reasons))


def money_out_candidates(
    line: StatementLine,
    hits: dict[int, list[ReferenceHit]],
    config: MatchConfig,
    index: ItemIndex,
) -> list[Candidate]:
    """Refunds and chargebacks: money back to a customer for an item named in the text, else
    for an item of the payer with that total."""
    chargeback = line.kind in (LineKind.CHARGEBACK, LineKind.REVERSAL)
    amount = -line.amount
    candidates: list[Candidate] = []
    for item_hits in hits.values():
        item = item_hits[0].item
        if item.currency == line.currency and amount <= item.total + config.tolerance:
            candidates.append(
                money_out(line, item, reference_reason(item_hits), chargeback, config, 0.9)
            )
    if candidates:
        return candidates
    for item in index.customer_items(line.counterparty_iban, line.counterparty_name):
        if item.currency == line.currency and within(amount - item.total, config):
            found = "no reference in the remittance text; the payer is this customer (IBAN or name)"
            candidates.append(money_out(line, item, found, chargeback, config, 0.6))
    return candidates


def money_out(
    line: StatementLine,
    item: OpenItem,
    found: str,
    chargeback: bool,
    config: MatchConfig,
    score: float,
) -> Candidate:
    amount = -line.amount
    difference = amount - item.total
    full = within(difference, config)
    if chargeback:
        what = (
            f"chargeback of {money(amount, line.currency)} for {item.label}: the payment is "
            "taken back and the item is open again"
        )
        kind = CandidateKind.CHARGEBACK
    else:
        extent = "in full" if full else f"in part (total {money(item.total, item.currency)})"
        what = f"refund of {money(amount, line.currency)} for {item.label}, {extent}"
        kind = CandidateKind.REFUND
    return Candidate((item.id,), kind, score if full else score - 0.1, difference, (found, what))
