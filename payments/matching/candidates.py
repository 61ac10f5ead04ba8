"""Candidates for a statement line, each with its kind, score and reasons: the items its text
names (partial payment, Skonto, overpayment, already paid, several invoices), refunds and
chargebacks; the shared helpers. Candidates by amount and payer are in ``payers``.

Scores order the candidates and say how sure the engine is; only the exact 1:1 rule is ever
confirmed without a person (see ``engine``). Reasons are sentences for the accountant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from connector.texts import Joined, Money, Percent, Text
from payments.parsers.base import LineKind, StatementLine

from .index import ItemIndex, ReferenceHit, cents
from .types import Candidate, CandidateKind, MatchConfig, OpenItem

# Open items of one payer considered for one transfer paying several invoices.
MAX_CUSTOMER_ITEMS = 12


CENT = Decimal("0.01")
# Sentences said again and again (a Text without values is one shared object anyway).
AMOUNT_EQUAL = Text("amount equal")
OTHERS_NAMED = Text("the text names other open items too")


def money(amount: Decimal, currency: str) -> Money:
    """An amount to the cent, as the reasons write it ("12.50 EUR")."""
    exponent = amount.as_tuple().exponent
    return Money(amount if exponent == -2 else amount.quantize(CENT), currency)


def both(first: object, second: object) -> Text:
    return Text("{first} and {second}", first=first, second=second)


def all_of(parts: Iterable[object]) -> object:
    """Parts joined with "and" ("a and b and c"), said in the reader's language."""
    ordered = list(parts)
    joined = ordered[-1]
    for part in reversed(ordered[:-1]):
        joined = both(part, joined)
    return joined


def reference_text(hit: ReferenceHit) -> Text:
    if hit.field_label == "invoice number":
        return Text("invoice number {reference}", reference=hit.reference)
    if hit.field_label == "order number":
        return Text("order number {reference}", reference=hit.reference)
    return Text("payment reference {reference}", reference=hit.reference)


def reference_reason(hits: Iterable[ReferenceHit]) -> Text:
    found = {f"{hit.field_label} {hit.reference}": hit for hit in hits}
    if len(found) == 1:  # most often: one sentence, not one inside another
        hit = next(iter(found.values()))
        if hit.field_label == "invoice number":
            return Text(
                "invoice number {reference} in the remittance text", reference=hit.reference
            )
        if hit.field_label == "order number":
            return Text("order number {reference} in the remittance text", reference=hit.reference)
        return Text("payment reference {reference} in the remittance text", reference=hit.reference)
    named = all_of(reference_text(found[key]) for key in sorted(found))
    return Text("{found} in the remittance text", found=named)


def days_after_invoice(line: StatementLine, item: OpenItem) -> int:
    return (line.booking_date - item.invoice_date).days


def date_window(line: StatementLine, config: MatchConfig) -> tuple[date, date]:
    """The earliest and the latest invoice date of an item this line may pay."""
    return (
        line.booking_date - timedelta(days=config.date_window_days),
        line.booking_date + timedelta(days=config.days_before_invoice),
    )


def within(difference: Decimal, config: MatchConfig) -> bool:
    return abs(difference) <= config.tolerance


def amount_reason(line: StatementLine, difference: Decimal, config: MatchConfig) -> Text:
    if difference == 0:
        return AMOUNT_EQUAL
    if within(difference, config):
        return Text(
            "amount differs by {difference}, within the tolerance of {tolerance}",
            difference=money(difference, line.currency),
            tolerance=money(config.tolerance, line.currency),
        )
    return Text("amount differs by {difference}", difference=money(difference, line.currency))


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
    items: tuple[OpenItem, ...], line: StatementLine, score: float, of_payer: bool
) -> Candidate:
    """One transfer for these items: named in the remittance text, or (``of_payer``) the
    payer's own."""
    labels = Joined(tuple(item.label_text for item in items))
    total = sum((item.amount for item in items), Decimal("0"))
    if of_payer:
        transfer = Text(
            "one transfer for {count} invoices ({labels}) of the same payer (IBAN or name)",
            count=len(items),
            labels=labels,
        )
    else:
        transfer = Text(
            "one transfer for {count} invoices ({labels}) named in the remittance text",
            count=len(items),
            labels=labels,
        )
    return Candidate(
        item_ids=tuple(sorted(item.id for item in items)),
        kind=CandidateKind.SEVERAL_INVOICES,
        score=score,
        amount_difference=line.amount - total,
        reasons=(
            transfer,
            Text(
                "the open amounts add up to {total}, the amount of the line",
                total=money(total, line.currency),
            ),
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
            keys = {hit.key for hit in item_hits}
            others = any(
                hit.key not in keys
                for other_hits in hits.values()
                if other_hits is not item_hits
                for hit in other_hits
            )
            candidates.append(amount_checked(line, item, found, config, others))
    if len(open_items) >= 2:
        for subset in subsets_with_sum(open_items, line.amount, config):
            candidates.append(several_invoices(subset, line, 0.95, of_payer=False))
    return candidates


def currency_differs(line: StatementLine, item: OpenItem, found: Text) -> Candidate:
    return Candidate(
        item_ids=(item.id,),
        kind=CandidateKind.REFERENCE_CURRENCY_DIFFERS,
        score=0.3,
        amount_difference=line.amount - item.amount,
        reasons=(
            found,
            Text(
                "but the line is in {currency} and {item} in {item_currency}",
                currency=line.currency,
                item=item.label_text,
                item_currency=item.currency,
            ),
        ),
    )


def already_paid(
    line: StatementLine, item: OpenItem, found: Text, config: MatchConfig
) -> Candidate:
    difference = line.amount - item.total
    return Candidate(
        item_ids=(item.id,),
        kind=CandidateKind.ALREADY_PAID,
        # Below an open item named with the same amount: that one is the likelier.
        score=0.85 if within(difference, config) else 0.6,
        amount_difference=difference,
        reasons=(
            found,
            Text(
                "{item} is already paid: a second payment of it, to be refunded or kept as credit",
                item=item.label_text,
            ),
            Text(
                "{amount} compared with the invoice total",
                amount=amount_reason(line, difference, config),
            ),
        ),
    )


def amount_checked(
    line: StatementLine, item: OpenItem, found: Text, config: MatchConfig, others_named: bool
) -> Candidate:
    """One open item named in the text: equal, partial payment, Skonto or overpayment."""
    difference = line.amount - item.amount
    reasons: list[Text] = [found, amount_reason(line, difference, config)]
    if within(difference, config):
        if others_named:  # by a reference of their own, not one this item shares
            reasons.append(OTHERS_NAMED)
        return Candidate((item.id,), CandidateKind.EXACT_REFERENCE, 0.9, difference, tuple(reasons))
    if difference > 0:
        reasons.append(
            Text(
                "overpayment: {difference} more than the open amount of {open}",
                difference=money(difference, line.currency),
                open=money(item.amount, item.currency),
            )
        )
        return Candidate((item.id,), CandidateKind.OVERPAYMENT, 0.75, difference, tuple(reasons))
    skonto = skonto_candidate(line, item, difference, config, reasons)
    if skonto is not None:
        return skonto
    reasons.append(
        Text("partial payment: {rest} remain open", rest=money(-difference, item.currency))
    )
    return Candidate((item.id,), CandidateKind.PARTIAL, 0.8, difference, tuple(reasons))


def skonto_candidate(
    line: StatementLine,
    item: OpenItem,
    difference: Decimal,
    config: MatchConfig,
    reasons: list[Text],
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
        Text(
            "cash discount (Skonto): {discount} = {share} of the total, paid {days} days after "
            "the invoice date (allowed {rate} within {term} days)",
            discount=money(discount, item.currency),
            share=Percent(discount / item.total * 100, places=2, sign=True),
            days=days,
            rate=Percent(config.skonto_rate * 100, places=2, sign=True),
            term=config.skonto_days,
        )
    )
    return Candidate(
        (item.id,), CandidateKind.SKONTO, 0.85, difference, tuple(reasons), skonto=discount
    )


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
            found = Text(
                "no reference in the remittance text; the payer is this customer (IBAN or name)"
            )
            candidates.append(money_out(line, item, found, chargeback, config, 0.6))
    return candidates


def money_out(
    line: StatementLine,
    item: OpenItem,
    found: Text,
    chargeback: bool,
    config: MatchConfig,
    score: float,
) -> Candidate:
    amount = -line.amount
    difference = amount - item.total
    full = within(difference, config)
    if chargeback:
        what = Text(
            "chargeback of {amount} for {item}: the payment is taken back and the item is open "
            "again",
            amount=money(amount, line.currency),
            item=item.label_text,
        )
        kind = CandidateKind.CHARGEBACK
    elif full:
        what = Text(
            "refund of {amount} for {item}, in full",
            amount=money(amount, line.currency),
            item=item.label_text,
        )
        kind = CandidateKind.REFUND
    else:
        what = Text(
            "refund of {amount} for {item}, in part (total {total})",
            amount=money(amount, line.currency),
            item=item.label_text,
            total=money(item.total, item.currency),
        )
        kind = CandidateKind.REFUND
    return Candidate((item.id,), kind, score if full else score - 0.1, difference, (found, what))
