"""Indexes over the open items, built once per ``match_lines`` call, so that each statement line
costs a few dictionary look-ups: by reference key, by amount in cents, by the customer's
remembered IBANs and by the customer's name."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache, partial
from operator import attrgetter
from typing import NamedTuple

from .references import key_of, prefix_pattern
from .types import OpenItem

_NAME_WORD = re.compile(r"\w+")


_HUNDRED = Decimal(100)


def cents(amount: Decimal) -> int:
    return int((amount * _HUNDRED).to_integral_value())


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A payer's or customer's name as an order-free key: "Müller, Hans" = "HANS MÜLLER"."""
    return " ".join(sorted(_NAME_WORD.findall(name.casefold())))


@lru_cache(maxsize=65536)
def iban_key(iban: str) -> str:
    return "".join(iban.split()).upper()


class ReferenceHit(NamedTuple):
    item: OpenItem
    field_label: str  # "invoice number", "order number", "payment reference"
    reference: str  # as the item has it
    key: str  # as normalised


def references_of(item: OpenItem, prefixes: re.Pattern[str]) -> list[ReferenceHit]:
    """The item's references with their keys; a key the item has twice (an order number equal
    to the invoice number) once."""
    hits: list[ReferenceHit] = []
    invoice, order, payment = item.invoice_number, item.order_number, item.payment_reference
    invoice_key = key_of(invoice, prefixes) if invoice else ""
    if invoice_key:
        hits.append(_hit((item, "invoice number", invoice, invoice_key)))
    order_key = key_of(order, prefixes) if order else ""
    if order_key and order_key != invoice_key:
        hits.append(_hit((item, "order number", order, order_key)))
    payment_key = key_of(payment, prefixes) if payment else ""
    if payment_key and payment_key not in (invoice_key, order_key):
        hits.append(_hit((item, "payment reference", payment, payment_key)))
    return hits


# ``ReferenceHit(...)`` goes through a ``__new__`` written in Python; the index makes one hit per
# reference of every item, so it calls the tuple constructor directly.
_hit = partial(tuple.__new__, ReferenceHit)
_BY_DATE = attrgetter("invoice_date")


@dataclass
class ItemIndex:
    prefixes: re.Pattern[str]
    by_id: dict[int, OpenItem] = field(default_factory=dict)
    by_reference: dict[str, list[ReferenceHit]] = field(default_factory=dict)
    # (currency, cents) → open items with that open amount, ordered by invoice date and id
    by_open_amount: dict[tuple[str, int], list[OpenItem]] = field(default_factory=dict)
    by_iban: dict[str, list[OpenItem]] = field(default_factory=dict)
    by_name: dict[str, list[OpenItem]] = field(default_factory=dict)
    # item id → its references, filled as items are weighed for a typing error
    _references: dict[int, list[ReferenceHit]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Sequence[OpenItem], prefixes: tuple[str, ...]) -> ItemIndex:
        pattern = prefix_pattern(prefixes)
        by_reference: dict[str, list[ReferenceHit]] = defaultdict(list)
        by_open_amount: dict[tuple[str, int], list[OpenItem]] = defaultdict(list)
        by_raw_iban: dict[str, list[OpenItem]] = defaultdict(list)
        by_raw_name: dict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            for hit in references_of(item, pattern):
                by_reference[hit.key].append(hit)
            # Grouped by the names and IBANs as written first: far fewer keys to normalise.
            for iban in item.customer_ibans:
                by_raw_iban[iban].append(item)
            if item.customer_name:
                by_raw_name[item.customer_name].append(item)
        # Sorted once, so that every amount's items are in date order as they are appended.
        for item in sorted(items, key=attrgetter("invoice_date", "id")):
            if not item.settled:
                by_open_amount[(item.currency, cents(item.amount))].append(item)
        by_iban: dict[str, list[OpenItem]] = defaultdict(list)
        by_name: dict[str, list[OpenItem]] = defaultdict(list)
        for raw, grouped in by_raw_iban.items():
            by_iban[iban_key(raw)].extend(grouped)
        for raw, grouped in by_raw_name.items():
            by_name[name_key(raw)].extend(grouped)
        return cls(
            prefixes=pattern,
            by_id={item.id: item for item in items},
            by_reference=dict(by_reference),
            by_open_amount=dict(by_open_amount),
            # An IBAN remembered twice for a customer (written with and without spaces) must
            # not count an item twice.
            by_iban={
                key: list({item.id: item for item in bucket}.values())
                for key, bucket in by_iban.items()
            },
            by_name=dict(by_name),
        )

    def references(self, item: OpenItem) -> list[ReferenceHit]:
        """The item's references with their keys (``references_of``), kept once computed."""
        found = self._references.get(item.id)
        if found is None:
            found = self._references[item.id] = references_of(item, self.prefixes)
        return found

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

    def label(self, item_ids: tuple[int, ...]) -> str:
        """How a person names these items: "invoice RE-2026-10440, invoice RE-2026-10441"."""
        return ", ".join(
            self.by_id[item_id].label if item_id in self.by_id else f"open item {item_id}"
            for item_id in item_ids
        )

    def customer_items(self, iban: str, name: str) -> list[OpenItem]:
        """The items of the payer: by a remembered IBAN, else by exactly the same name."""
        if iban:
            by_iban = self.by_iban.get(iban_key(iban))
            if by_iban:
                return by_iban
        if name:
            return self.by_name.get(name_key(name), [])
        return []

    def open_by_amount(
        self, currency: str, amount_cents: int, earliest: date, latest: date, limit: int
    ) -> list[OpenItem]:
        """Open items of this open amount invoiced between the two dates: the ``limit`` latest
        (the nearest to a payment made after them)."""
        found = self.by_open_amount.get((currency, amount_cents))
        if not found:
            return []
        low = bisect_left(found, earliest, key=_BY_DATE)
        high = bisect_right(found, latest, key=_BY_DATE)
        return found[max(low, high - limit) : high]
