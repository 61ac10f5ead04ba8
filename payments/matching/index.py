"""Indexes over the open items, built once per ``match_lines`` call, so that each statement line
costs a few dictionary look-ups: by reference key, by amount in cents, by the customer's
remembered IBANs and by the customer's name."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from .references import key_of, prefix_pattern
from .types import OpenItem

_NAME_WORD = re.compile(r"\w+")


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


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


@dataclass
class ItemIndex:
    by_id: dict[int, OpenItem] = field(default_factory=dict)
    by_reference: dict[str, list[ReferenceHit]] = field(default_factory=dict)
    keys_of: dict[int, list[ReferenceHit]] = field(default_factory=dict)  # by item id
    # (currency, cents) → open items with that open amount, ordered by invoice date, with
    # their invoice dates as ordinals beside them for bisecting the date window
    by_open_amount: dict[tuple[str, int], tuple[list[int], list[OpenItem]]] = field(
        default_factory=dict
    )
    # (currency, cents) → settled items with that total
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
        by_raw_iban: dict[str, list[OpenItem]] = defaultdict(list)
        by_raw_name: dict[str, list[OpenItem]] = defaultdict(list)
        pattern = prefix_pattern(prefixes)
        keys_of: dict[int, list[ReferenceHit]] = {}
        for item in items:
            # Unrolled over the three references: this loop runs once per open item.
            own: list[ReferenceHit] = []
            invoice, order, payment = item.invoice_number, item.order_number, item.payment_reference
            invoice_key = key_of(invoice, pattern) if invoice else ""
            if invoice_key:
                own.append(ReferenceHit(item, "invoice number", invoice, invoice_key))
            order_key = key_of(order, pattern) if order else ""
            if order_key and order_key != invoice_key:
                own.append(ReferenceHit(item, "order number", order, order_key))
            payment_key = key_of(payment, pattern) if payment else ""
            if payment_key and payment_key not in (invoice_key, order_key):
                own.append(ReferenceHit(item, "payment reference", payment, payment_key))
            for hit in own:
                by_reference[hit.key].append(hit)
            keys_of[item.id] = own
            if item.settled:
                by_settled_total[(item.currency, cents(item.total))].append(item)
            else:
                by_open_amount[(item.currency, cents(item.amount))].append(item)
            # Grouped by the names and IBANs as written first: far fewer keys to normalise.
            for iban in item.customer_ibans:
                by_raw_iban[iban].append(item)
            if item.customer_name:
                by_raw_name[item.customer_name].append(item)
        for raw, grouped in by_raw_iban.items():
            by_iban[iban_key(raw)].extend(grouped)
        for raw, grouped in by_raw_name.items():
            by_name[name_key(raw)].extend(grouped)
        for bucket in by_open_amount.values():
            bucket.sort(key=lambda item: (item.invoice_date, item.id))
        return cls(
            by_id={item.id: item for item in items},
            by_reference=dict(by_reference),
            keys_of=keys_of,
            by_open_amount={
                key: ([item.invoice_date.toordinal() for item in bucket], bucket)
                for key, bucket in by_open_amount.items()
            },
            by_settled_total=dict(by_settled_total),
            # An IBAN remembered twice for a customer (written with and without spaces) must
            # not count an item twice.
            by_iban={
                key: list({item.id: item for item in bucket}.values())
                for key, bucket in by_iban.items()
            },
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
        ordinals, bucket = found
        low = bisect_right(ordinals, earliest.toordinal() - 1)
        high = bisect_right(ordinals, latest.toordinal())
        return bucket[max(low, high - limit) : high]
