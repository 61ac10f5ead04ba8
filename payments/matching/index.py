"""Indexes over the open items, built once per ``match_lines`` call, so that each statement line
costs a few dictionary look-ups: by reference key, by amount in cents, by the customer's
remembered IBANs and by the customer's name."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .references import normalise
from .types import OpenItem

REFERENCE_FIELDS = (
    ("invoice_number", "invoice number"),
    ("order_number", "order number"),
    ("payment_reference", "payment reference"),
)

_NAME_WORD = re.compile(r"\w+")


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def name_key(name: str) -> str:
    """A payer's or customer's name as an order-free key: "Müller, Hans" = "HANS MÜLLER"."""
    return " ".join(sorted(_NAME_WORD.findall(name.casefold())))


def iban_key(iban: str) -> str:
    return "".join(iban.split()).upper()


@dataclass(frozen=True)
class ReferenceHit:
    item: OpenItem
    field_label: str  # "invoice number", "order number", "payment reference"
    reference: str  # as the item has it


@dataclass
class ItemIndex:
    items: dict[int, OpenItem] = field(default_factory=dict)
    by_reference: dict[str, list[ReferenceHit]] = field(default_factory=dict)
    # (currency, cents) → open items with that open amount / settled items with that total
    by_open_amount: dict[tuple[str, int], list[OpenItem]] = field(default_factory=dict)
    by_settled_total: dict[tuple[str, int], list[OpenItem]] = field(default_factory=dict)
    by_iban: dict[str, list[OpenItem]] = field(default_factory=dict)
    by_name: dict[str, list[OpenItem]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Sequence[OpenItem], prefixes: tuple[str, ...]) -> ItemIndex:
        by_reference: dict[str, list[ReferenceHit]] = defaultdict(list)
        by_open_amount: dict[tuple[str, int], list[OpenItem]] = defaultdict(list)
        by_settled_total: dict[tuple[str, int], list[OpenItem]] = defaultdict(list)
        by_iban: dict[str, list[OpenItem]] = defaultdict(list)
        by_name: dict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            seen: set[str] = set()
            for attribute, label in REFERENCE_FIELDS:
                reference = getattr(item, attribute)
                key = normalise(reference, prefixes) if reference else ""
                if key and key not in seen:
                    seen.add(key)
                    by_reference[key].append(ReferenceHit(item, label, reference))
            if item.settled:
                by_settled_total[(item.currency, cents(item.total))].append(item)
            else:
                by_open_amount[(item.currency, cents(item.amount))].append(item)
            for iban in {iban_key(i) for i in item.customer_ibans if i}:
                by_iban[iban].append(item)
            if item.customer_name:
                by_name[name_key(item.customer_name)].append(item)
        return cls(
            items={item.id: item for item in items},
            by_reference=dict(by_reference),
            by_open_amount=dict(by_open_amount),
            by_settled_total=dict(by_settled_total),
            by_iban=dict(by_iban),
            by_name=dict(by_name),
        )

    def referenced(self, tokens: set[str]) -> tuple[dict[int, list[ReferenceHit]], bool]:
        """The items whose references occur in the text, with how; and whether some key found
        belongs to more than one item (then no reference identifies an item alone)."""
        hits: dict[int, list[ReferenceHit]] = {}
        shared = False
        for token in tokens:
            found = self.by_reference.get(token)
            if not found:
                continue
            if len({hit.item.id for hit in found}) > 1:
                shared = True
            for hit in found:
                hits.setdefault(hit.item.id, []).append(hit)
        return hits, shared

    def customer_items(self, iban: str, name: str) -> list[OpenItem]:
        """The items of the payer: by a remembered IBAN, else by exactly the same name."""
        found: dict[int, OpenItem] = {}
        if iban:
            for item in self.by_iban.get(iban_key(iban), ()):
                found[item.id] = item
        if name:
            for item in self.by_name.get(name_key(name), ()):
                found[item.id] = item
        return list(found.values())
