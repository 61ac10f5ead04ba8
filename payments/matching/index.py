"""Indexes over the open items, built once per ``match_lines`` call, so that each statement line
costs a few dictionary look-ups: by reference key, by amount in cents, by the customer's
remembered IBANs and by the customer's name."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache, partial
from operator import attrgetter
from typing import NamedTuple

from connector.texts import Joined, Text

from .references import key_of, keys_of, prefix_pattern
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


# ``ReferenceHit(...)`` goes through a ``__new__`` written in Python; hits are made for every
# reference found in a text, so this calls the tuple constructor directly.
_hit = partial(tuple.__new__, ReferenceHit)
_BY_DATE = attrgetter("invoice_date")
_BY_ID = attrgetter("id")
# The fields that name an item, in the order its hits are listed.
REFERENCE_FIELDS = (
    ("invoice number", "invoice_number"),
    ("order number", "order_number"),
    ("payment reference", "payment_reference"),
)


def reference_keys(items: Sequence[OpenItem], prefixes: tuple[str, ...]) -> list[list[str]]:
    """The keys of the items' references, one list per field of ``REFERENCE_FIELDS``, position
    by position; "" where an item has none or repeats the key of an earlier field (an order
    number equal to the invoice number is one reference), as ``references_of`` lists them."""
    invoice, order, payment = (
        keys_of([getattr(item, name) or "" for item in items], prefixes)
        for _, name in REFERENCE_FIELDS
    )
    order = [key if key != first else "" for first, key in zip(invoice, order, strict=True)]
    payment = [
        key if key != first and key != second else ""
        for first, second, key in zip(invoice, order, payment, strict=True)
    ]
    return [invoice, order, payment]


def repeated_keys(columns: list[list[str]], by_key: list[dict[str, OpenItem]]) -> set[str]:
    """The keys that more than one reference has (of different items)."""
    repeated: set[str] = set()
    for keys, found in zip(columns, by_key, strict=True):
        if len(found) != len(keys) - keys.count(""):  # a key twice in this field
            repeated.update(key for key, count in Counter(keys).items() if count > 1 and key)
    for position, found in enumerate(by_key):
        for other in by_key[position + 1 :]:
            repeated.update(found.keys() & other.keys())
    return repeated


def shared_hits(
    items: Sequence[OpenItem], columns: list[list[str]], repeated: set[str]
) -> dict[str, list[ReferenceHit]]:
    """Every hit of the repeated keys, in the order of the items and their fields."""
    positions = sorted(
        {position for keys in columns for position, key in enumerate(keys) if key in repeated}
    )
    hits: dict[str, list[ReferenceHit]] = {}
    for position in positions:
        item = items[position]
        for (label, name), keys in zip(REFERENCE_FIELDS, columns, strict=True):
            key = keys[position]
            if key in repeated:
                hits.setdefault(key, []).append(_hit((item, label, getattr(item, name), key)))
    return hits


@dataclass
class ItemIndex:
    prefixes: re.Pattern[str]
    items: Sequence[OpenItem]
    # item id → its position in ``items``
    position: dict[int, int]
    # the keys of the items' references, one list per field of ``REFERENCE_FIELDS``, by position
    keys: list[list[str]]
    # reference key → the only item with a reference of that key, one dictionary per field of
    # ``REFERENCE_FIELDS``: no object per reference (a connection has hundreds of thousands)
    by_key: list[dict[str, OpenItem]]
    # reference key that more than one reference has → all of them
    shared: dict[str, list[ReferenceHit]]
    # (currency, cents) → open items with that open amount, ordered by invoice date and id
    by_open_amount: dict[tuple[str, int], list[OpenItem]]
    by_iban: dict[str, list[OpenItem]]
    by_name: dict[str, list[OpenItem]]
    # item id → its references, filled as items are weighed for a typing error
    _references: dict[int, list[ReferenceHit]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Sequence[OpenItem], prefixes: tuple[str, ...]) -> ItemIndex:
        columns = reference_keys(items, prefixes)
        by_key = [dict(zip(keys, items, strict=True)) for keys in columns]
        for found in by_key:
            found.pop("", None)
        repeated = repeated_keys(columns, by_key)
        for found in by_key:
            for key in repeated:
                found.pop(key, None)
        by_iban, by_name, by_open_amount = group_items(items)
        return cls(
            prefixes=prefix_pattern(prefixes),
            items=items,
            position={item.id: position for position, item in enumerate(items)},
            keys=columns,
            by_key=by_key,
            shared=shared_hits(items, columns, repeated) if repeated else {},
            by_open_amount=by_open_amount,
            by_iban=by_iban,
            by_name=by_name,
        )

    def references(self, item: OpenItem) -> list[ReferenceHit]:
        """The item's references with their keys (``references_of``), kept once made."""
        found = self._references.get(item.id)
        if found is None:
            position = self.position.get(item.id)
            if position is None or self.items[position] is not item:
                found = references_of(item, self.prefixes)
            else:  # keyed when the index was built
                found = [
                    _hit((item, label, getattr(item, name), keys[position]))
                    for (label, name), keys in zip(REFERENCE_FIELDS, self.keys, strict=True)
                    if keys[position]
                ]
            self._references[item.id] = found
        return found

    def referenced(self, tokens: set[str]) -> tuple[dict[int, list[ReferenceHit]], bool]:
        """The items whose references occur in the text, with how; and whether some key found
        belongs to more than one item (then no reference identifies an item alone)."""
        hits: dict[int, list[ReferenceHit]] = {}
        shared = False
        invoice, order, payment = self.by_key
        for token in tokens:  # most are no key: looked up in each dictionary, no call made
            if token in invoice:
                item = invoice[token]
                found = [_hit((item, "invoice number", item.invoice_number, token))]
            elif token in order:
                item = order[token]
                found = [_hit((item, "order number", item.order_number, token))]
            elif token in payment:
                item = payment[token]
                found = [_hit((item, "payment reference", item.payment_reference, token))]
            elif token in self.shared:
                found = self.shared[token]
                if len({hit.item.id for hit in found}) > 1:
                    shared = True
            else:
                continue
            for hit in found:
                hits.setdefault(hit.item.id, []).append(hit)
        return hits, shared

    def label(self, item_ids: tuple[int, ...]) -> str:
        """How a person names these items: "invoice RE-2026-10440, invoice RE-2026-10441"."""
        return str(self.labels(item_ids))

    def labels(self, item_ids: tuple[int, ...]) -> Joined:
        """``label``, said in the reader's language."""
        return Joined(
            tuple(
                self.items[self.position[item_id]].label_text
                if item_id in self.position
                else Text("open item {id}", id=item_id)
                for item_id in item_ids
            )
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


def group_items(
    items: Sequence[OpenItem],
) -> tuple[
    dict[str, list[OpenItem]], dict[str, list[OpenItem]], dict[tuple[str, int], list[OpenItem]]
]:
    """The items by the customer's remembered IBANs and name, and the open items by their open
    amount in cents, in the order of invoice date and id."""
    by_raw_iban: dict[str, list[OpenItem]] = defaultdict(list)
    by_raw_name: dict[str, list[OpenItem]] = defaultdict(list)
    # Grouped by the names and IBANs as written first: far fewer keys to normalise.
    for item in items:
        for iban in item.customer_ibans:
            by_raw_iban[iban].append(item)
        if item.customer_name:
            by_raw_name[item.customer_name].append(item)
    by_iban: dict[str, list[OpenItem]] = defaultdict(list)
    by_name: dict[str, list[OpenItem]] = defaultdict(list)
    for raw, grouped in by_raw_iban.items():
        by_iban[iban_key(raw)].extend(grouped)
    for raw, grouped in by_raw_name.items():
        by_name[name_key(raw)].extend(grouped)
    # An IBAN remembered twice for a customer (written with and without spaces) must not count
    # an item twice.
    unique_iban = {
        key: list({item.id: item for item in bucket}.values()) if len(bucket) > 1 else bucket
        for key, bucket in by_iban.items()
    }
    return unique_iban, dict(by_name), open_by_amount(items)


def open_by_amount(items: Sequence[OpenItem]) -> dict[tuple[str, int], list[OpenItem]]:
    """The open items by currency and open amount in cents, each amount's in the order of
    invoice date and id."""
    # Sorted by id, then by date (stable): the order of both without a pair made per item.
    ordered = sorted(items, key=_BY_ID)
    ordered.sort(key=_BY_DATE)
    by_raw_amount: dict[tuple[str, Decimal], list[OpenItem]] = defaultdict(list)
    for item in ordered:
        if not item.settled:
            by_raw_amount[(item.currency, item.amount)].append(item)
    # Converted to cents once per amount, not once per item.
    by_cents: dict[tuple[str, int], list[OpenItem]] = {}
    merged: set[tuple[str, int]] = set()
    for (currency, amount), grouped in by_raw_amount.items():
        key = (currency, cents(amount))
        if key in by_cents:
            merged.add(key)
        else:
            by_cents[key] = grouped
    if merged:  # amounts apart by less than a cent ("9.99", "9.994"): one list, in order
        for key in merged:
            by_cents[key] = []
        for item in ordered:
            key = (item.currency, cents(item.amount))
            if key in merged and not item.settled:
                by_cents[key].append(item)
    return by_cents
