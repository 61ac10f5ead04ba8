"""``match_lines``: one ``LineMatch`` per statement line, in the order given.

Order of the rules for each line: lines that are no payment of ours (ignore rules, fees,
payouts, conversions) are ``ignored``; a line that cannot be weighed is an ``error``; then
AccountOne's exact 1:1 rule (the only one confirmed without a person); then ranked candidates.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from connector.texts import Joined, Text
from payments.parsers.base import LineKind, StatementLine

from . import candidates as c
from .index import ItemIndex, ReferenceHit, iban_key
from .payers import payer_candidates
from .references import reference_tokens
from .types import Candidate, CandidateKind, LineMatch, MatchConfig, MatchState, OpenItem

FEE_REASON = Text(
    "Fee of the bank or payment provider: booked to the fee account, not matched against an "
    "open item."
)
PAYOUT_REASON = Text(
    "Payout, booked as a transfer between the provider's balance and the bank account; not "
    "matched against an open item."
)
CONVERSION_REASON = Text(
    "One side of a currency conversion, booked as a transfer; not matched against an open item."
)
# Sentences said of many lines (a Text without values is one shared object anyway).
ZERO_AMOUNT = Text("The line has an amount of zero; there is nothing to match.")
NO_CURRENCY = Text("The line has no currency; the amount cannot be compared with open items.")
NAMED_NONE_FITS = Text("The remittance text names open items, but none fits this payment.")
NOTHING_NAMED = Text(
    "No invoice, order or payment reference of an open item in the remittance text."
)
MONEY_OUT_TOO_MUCH = Text(
    "Money out naming an item of ours, but for more than its total; check the refund by hand."
)
MONEY_OUT_UNNAMED = Text(
    "Money out without a reference to one of our invoices (a supplier payment or a refund "
    "without reference); book it by hand."
)
_NOT_MATCHED_KINDS: dict[str, str] = {
    LineKind.FEE: FEE_REASON,
    LineKind.PAYOUT: PAYOUT_REASON,
    LineKind.CONVERSION: CONVERSION_REASON,
}
# The state a line takes from its best candidate.
_STATE_OF_KIND = {
    CandidateKind.EXACT_REFERENCE: MatchState.MATCHED,
    CandidateKind.SEVERAL_INVOICES: MatchState.MATCHED,
    CandidateKind.REFUND: MatchState.MATCHED,
    CandidateKind.CHARGEBACK: MatchState.MATCHED,
    CandidateKind.PARTIAL: MatchState.PARTIALLY_PAID,
    CandidateKind.SKONTO: MatchState.AMOUNT_DIFFERS,
    CandidateKind.OVERPAYMENT: MatchState.AMOUNT_DIFFERS,
    CandidateKind.REFERENCE_AMOUNT_DIFFERS: MatchState.AMOUNT_DIFFERS,
    CandidateKind.REFERENCE_CURRENCY_DIFFERS: MatchState.AMOUNT_DIFFERS,
    CandidateKind.ALREADY_PAID: MatchState.ALREADY_PAID,
    CandidateKind.REFERENCE_TYPO: MatchState.NO_MATCH,
    CandidateKind.AMOUNT_DATE: MatchState.NO_MATCH,
}
_TIE = 1e-9


def match_lines(
    lines: Sequence[StatementLine],
    items: Sequence[OpenItem],
    config: MatchConfig = MatchConfig(),  # noqa: B008 - frozen, so one shared default is safe
) -> list[LineMatch]:
    """Match each statement line against the open items; one result per line, same order."""
    lines = [paid_by_customer(line) for line in lines]
    # The indexes are hundreds of thousands of small objects and none of them form cycles: the
    # cyclic garbage collector, run again and again while they are built, only costs time. The
    # index is dropped before the collector runs again: the first collection after it is enabled
    # walks every object allocated meanwhile, and the index would be most of them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        index = ItemIndex.build(items, config.reference_prefixes)
        tokens: dict[str, set[str]] = {}  # by remittance text: many lines share theirs
        results = [match_line(line, index, config, tokens) for line in lines]
        del index
        point_out_split_payments(lines, results, config)
    finally:
        if collecting:
            gc.enable()
    return results


def paid_by_customer(line: StatementLine) -> StatementLine:
    """A payment provider's line as the customer paid it: PayPal and Stripe credit the amount
    less their fee (net); the invoice was paid with the gross, and the fee is the provider's
    (booked to the fee account when the line is confirmed)."""
    if line.gross is None or line.gross == line.amount or not line.gross.is_finite():
        return line
    return replace(line, amount=line.gross)


def point_out_split_payments(
    lines: Sequence[StatementLine], results: list[LineMatch], config: MatchConfig
) -> None:
    """Partial payments of one item on several lines that together pay its open amount: each
    line's best candidate says so (each line is still confirmed by a person)."""
    partial: dict[int, list[int]] = {}
    for position, result in enumerate(results):
        best = result.candidates[0] if result.candidates else None
        if (
            result.state == MatchState.PARTIALLY_PAID
            and best
            and best.kind == CandidateKind.PARTIAL
        ):
            partial.setdefault(best.item_ids[0], []).append(position)
    for positions in partial.values():
        if not 2 <= len(positions) <= config.max_items_per_transfer:
            continue
        first = positions[0]
        open_amount = lines[first].amount - results[first].candidates[0].amount_difference
        paid = sum((lines[position].amount for position in positions), Decimal("0"))
        if not c.within(paid - open_amount, config):
            continue
        for position in positions:
            others = c.all_of(
                Text(
                    "the line of {date} over {amount}",
                    date=lines[other].booking_date.isoformat(),
                    amount=c.money(lines[other].amount, lines[other].currency),
                )
                for other in positions
                if other != position
            )
            result = results[position]
            best = result.candidates[0]
            together = Text("together with {others} the open amount is paid in full", others=others)
            best = replace(best, reasons=(*best.reasons, together))
            results[position] = replace(
                result, reason=proposal(best), candidates=(best, *result.candidates[1:])
            )


def why(candidate: Candidate) -> Joined:
    return Joined(candidate.reasons, "; ")


def proposal(candidate: Candidate) -> Text:
    return Text("Proposed, to be confirmed: {reasons}.", reasons=why(candidate))


def match_line(
    line: StatementLine,
    index: ItemIndex,
    config: MatchConfig,
    known_tokens: dict[str, set[str]] | None = None,
) -> LineMatch:
    """One line's result; ``known_tokens`` keeps the reference tokens of the texts seen (they
    are only read)."""
    ignored = ignore_reason(line, config)
    if ignored:
        return LineMatch(MatchState.IGNORED, ignored)
    error = error_reason(line)
    if error:
        return LineMatch(MatchState.ERROR, error)
    text = f"{line.remittance} {line.end_to_end_id}"
    tokens = None if known_tokens is None else known_tokens.get(text)
    if tokens is None:
        tokens = reference_tokens(text, config.reference_prefixes)
        if known_tokens is not None:
            known_tokens[text] = tokens
    hits, shared = index.referenced(tokens)
    if line.amount < 0:
        found = c.money_out_candidates(line, hits, config, index)
        return decide(found, config, money_out_no_match(line, hits), index)
    exact = exact_match(line, hits, shared, config)
    if exact is not None:
        return exact
    found = c.reference_candidates(line, hits, config) if hits else []
    if not any(c.within(candidate.amount_difference, config) for candidate in found):
        found += payer_candidates(line, config, index, set(hits), tokens)
    return decide(found, config, payment_no_match(line, hits), index)


def ignore_reason(line: StatementLine, config: MatchConfig) -> str:
    for rule in config.ignore_rules:
        if rule.field == "iban":
            hit = bool(line.counterparty_iban) and (
                iban_key(line.counterparty_iban) == iban_key(rule.pattern)
            )
        elif rule.field == "name":
            hit = rule.pattern.casefold() in line.counterparty_name.casefold()
        else:
            hit = rule.pattern.casefold() in line.remittance.casefold()
        if hit:
            return rule.reason
    return _NOT_MATCHED_KINDS.get(line.kind, "")


def error_reason(line: StatementLine) -> str:
    if not isinstance(line.amount, Decimal) or not line.amount.is_finite():
        return Text(
            "The amount {amount} is not a number; the line cannot be matched.",
            amount=repr(line.amount),
        )
    if line.amount == 0:
        return ZERO_AMOUNT
    if not line.currency:
        return NO_CURRENCY
    return ""


def exact_match(
    line: StatementLine,
    hits: dict[int, list[ReferenceHit]],
    shared: bool,
    config: MatchConfig,
) -> LineMatch | None:
    """AccountOne's rule: exactly one item named in the text, by a reference no other item
    has, open, in the line's currency, with the amount equal within the tolerance."""
    if len(hits) != 1 or shared:
        return None
    item_hits = next(iter(hits.values()))
    item = item_hits[0].item
    difference = line.amount - item.amount
    if item.settled or item.currency != line.currency or not c.within(difference, config):
        return None
    found = c.reference_reason(item_hits)
    amount = c.amount_reason(line, difference, config)
    candidate = Candidate(
        (item.id,), CandidateKind.EXACT_REFERENCE, 1.0, difference, (found, amount)
    )
    reason = _matched_to(item, found, amount)
    return LineMatch(MatchState.MATCHED, reason, (candidate,), auto=True)


def _matched_to(item: OpenItem, found: Text, amount: Text) -> Text:
    """One sentence per kind of label: it is said for most of the lines."""
    if item.invoice_number:
        return Text(
            "Matched to invoice {number}: {found}; {amount}.",
            number=item.invoice_number,
            found=found,
            amount=amount,
        )
    if item.order_number:
        return Text(
            "Matched to order {number}: {found}; {amount}.",
            number=item.order_number,
            found=found,
            amount=amount,
        )
    return Text(
        "Matched to open item {number}: {found}; {amount}.",
        number=item.id,
        found=found,
        amount=amount,
    )


def decide(
    found: list[Candidate],
    config: MatchConfig,
    no_match: str,
    index: ItemIndex | None = None,
) -> LineMatch:
    """The state and reason of a line from its ranked candidates (never confirmed alone)."""
    ranked = rank(found)[: config.max_candidates]
    if not ranked:
        return LineMatch(MatchState.NO_MATCH, no_match)
    best = ranked[0]
    rivals = [
        candidate
        for candidate in ranked[1:]
        if best.score - candidate.score < _TIE and candidate.item_ids != best.item_ids
    ]
    if rivals:
        names: object
        if index is not None:
            names = c.all_of(index.labels(cand.item_ids) for cand in (best, *rivals))
        else:
            names = Text("{count} candidates", count=len(rivals) + 1)
        reason = Text(
            "{names} fit equally well ({reasons}); choose the right one by hand.",
            names=names,
            reasons=why(best),
        )
        return LineMatch(MatchState.AMBIGUOUS, reason, tuple(ranked))
    state = state_of(best, config)
    if state == MatchState.NO_MATCH:
        reason = Text(
            "{no_match} Closest candidate: {reasons}.", no_match=no_match, reasons=why(best)
        )
    else:
        reason = proposal(best)
    return LineMatch(state, reason, tuple(ranked))


def rank(found: list[Candidate]) -> list[Candidate]:
    unique: dict[tuple[tuple[int, ...], str], Candidate] = {}
    for candidate in found:
        key = (candidate.item_ids, candidate.kind)
        if key not in unique or unique[key].score < candidate.score:
            unique[key] = candidate
    return sorted(unique.values(), key=lambda cand: (-cand.score, cand.item_ids))


def state_of(candidate: Candidate, config: MatchConfig) -> str:
    if candidate.kind in (CandidateKind.PAYER_IBAN, CandidateKind.PAYER_NAME):
        equal = c.within(candidate.amount_difference, config)
        return MatchState.MATCHED if equal else MatchState.NO_MATCH
    return _STATE_OF_KIND.get(candidate.kind, MatchState.NO_MATCH)


def payment_no_match(line: StatementLine, hits: dict[int, list[ReferenceHit]]) -> str:
    return NAMED_NONE_FITS if hits else NOTHING_NAMED


def money_out_no_match(line: StatementLine, hits: dict[int, list[ReferenceHit]]) -> str:
    return MONEY_OUT_TOO_MUCH if hits else MONEY_OUT_UNNAMED
