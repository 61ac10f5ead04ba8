"""Candidates for a payment whose text names no open item that fits: open items of the same
amount in the date window, weighed by the payer's remembered IBAN, the payer's name (rapidfuzz)
and a reference with a typing error; and several invoices of one payer adding up exactly."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from connector.texts import Text
from payments.parsers.base import StatementLine

from .candidates import (
    MAX_CUSTOMER_ITEMS,
    amount_reason,
    date_window,
    days_after_invoice,
    reference_text,
    several_invoices,
    subsets_with_sum,
)
from .index import ItemIndex, ReferenceHit, cents, iban_key, name_key
from .types import Candidate, CandidateKind, MatchConfig, OpenItem

# Amount look-ups with a tolerance wider than this (in cents) look at the exact amount only.
MAX_TOLERANCE_CENTS_SCANNED = 500
# At most this many open items of the same amount, not of the payer, are weighed per line (the
# latest invoiced).
MAX_AMOUNT_POOL = 25
NAME_RATIO_MIN = 85.0


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
    earliest, latest = date_window(line, config)
    customer = [
        item
        for item in index.customer_items(line.counterparty_iban, line.counterparty_name)
        if earliest <= item.invoice_date <= latest
        and not item.settled
        and item.currency == line.currency
        and item.id not in exclude
    ]
    # The payer's own items of this amount first, then others of the amount (the latest).
    of_payer = {item.id for item in customer}
    amount, tolerance = line.amount, config.tolerance
    pool = [item for item in customer if abs(amount - item.amount) <= tolerance]  # ``within``
    pool += [
        item
        for item in amount_pool(line, config, index)
        if item.id not in exclude and item.id not in of_payer
    ]
    candidates = by_amount(line, pool, payer_name, known, config, (NearTokens(tokens), index))
    if len(customer) > MAX_CUSTOMER_ITEMS:
        customer.sort(key=lambda item: (abs(days_after_invoice(line, item)), item.id))
        customer = customer[:MAX_CUSTOMER_ITEMS]
    if len(customer) >= 2:
        candidates.extend(
            several_invoices(subset, line, 0.7, of_payer=True)
            for subset in subsets_with_sum(customer, line.amount, config)
        )
    return candidates


def amount_pool(line: StatementLine, config: MatchConfig, index: ItemIndex) -> list[OpenItem]:
    """Open items of the line's amount (within the tolerance) invoiced in the date window."""
    target, tolerance = cents(line.amount), cents(config.tolerance)
    if tolerance > MAX_TOLERANCE_CENTS_SCANNED:
        tolerance = 0
    earliest, latest = date_window(line, config)
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


# ``_Scored(...)`` goes through a ``__new__`` written in Python; one is made per item weighed.
_scored = partial(tuple.__new__, _Scored)


class NearTokens:
    """The tokens of one remittance text by length: those that may be one typing error away
    from a key of a given length, gathered once per length for all the items weighed."""

    def __init__(self, tokens: set[str]) -> None:
        self.by_length: dict[int, list[str]] = {}
        for token in sorted(tokens):
            self.by_length.setdefault(len(token), []).append(token)
        self._near: dict[int, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_length)

    def near(self, length: int) -> list[str]:
        found = self._near.get(length)
        if found is None:
            get = self.by_length.get
            found = get(length, []) + get(length - 1, []) + get(length + 1, [])
            self._near[length] = found
        return found


def near_reference(
    tokens: NearTokens, item: OpenItem, index: ItemIndex
) -> tuple[ReferenceHit, str] | None:
    """A token of the text one typing error (a character changed, added, dropped, or two
    swapped) away from one of the item's references."""
    for hit in index.references(item):
        near = tokens.near(len(hit.key))
        if not near:
            continue
        found = process.extractOne(hit.key, near, scorer=OSA.distance, score_cutoff=1)
        if found is not None:
            return hit, found[0]
    return None


def by_amount(
    line: StatementLine,
    pool: list[OpenItem],
    payer_name: str,
    known: set[int],
    config: MatchConfig,
    context: tuple[NearTokens, ItemIndex],
) -> list[Candidate]:
    """The items of the line's amount, scored by a reference with a typing error, the payer's
    IBAN and name, and the date; only the best few are written out with their reasons."""
    tokens, index = context
    scored = []
    booking, window, spread = (
        line.booking_date,
        config.date_window_days,
        max(config.date_window_days, 1),
    )
    for item in pool:
        # Nearer dates rank first among otherwise equal candidates.
        closeness = 0.05 * min(abs((booking - item.invoice_date).days), window) / spread
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
        scored.append(_scored((score, kind, ratio, item, typo)))
    scored.sort(key=lambda entry: (-entry.score, entry.item.id))
    return [explain_by_amount(line, entry, config) for entry in scored[: config.max_candidates + 1]]


def _with_item(item: OpenItem, amount: Text, days: int) -> Text:
    """The amount compared with the item's, said per kind of label (one sentence each: there
    is one for most of the lines)."""
    if item.invoice_number:
        return Text(
            "{amount} with invoice {number}, paid {days} days after the invoice date",
            amount=amount,
            number=item.invoice_number,
            days=days,
        )
    if item.order_number:
        return Text(
            "{amount} with order {number}, paid {days} days after the invoice date",
            amount=amount,
            number=item.order_number,
            days=days,
        )
    return Text(
        "{amount} with open item {number}, paid {days} days after the invoice date",
        amount=amount,
        number=item.id,
        days=days,
    )


def explain_by_amount(line: StatementLine, entry: _Scored, config: MatchConfig) -> Candidate:
    item = entry.item
    difference = line.amount - item.amount
    reasons = []
    if entry.typo is not None:
        hit, token = entry.typo
        reasons.append(
            Text(
                "{token} in the remittance text is one typing error away from {reference}",
                token=token,
                reference=reference_text(hit),
            )
        )
    reasons.append(
        _with_item(item, amount_reason(line, difference, config), days_after_invoice(line, item))
    )
    if line.counterparty_iban and iban_key(line.counterparty_iban) in {
        iban_key(iban) for iban in item.customer_ibans
    }:
        reasons.append(
            Text(
                "the payer's IBAN {iban} is remembered for this customer",
                iban=iban_key(line.counterparty_iban),
            )
        )
    if entry.ratio >= NAME_RATIO_MIN:
        reasons.append(
            Text(
                "the payer {payer} resembles the customer {customer} ({ratio} %)",
                payer=repr(line.counterparty_name),
                customer=repr(item.customer_name),
                ratio=f"{entry.ratio:.0f}",
            )
        )
    return Candidate((item.id,), entry.kind, entry.score, difference, tuple(reasons))
