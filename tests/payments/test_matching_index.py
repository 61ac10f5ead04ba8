"""The matching engine's index and reference keys, built for speed, against plain reference
implementations (one object per reference, one call per key, one pass per line) on generated
data: the same keys, the same hits in the same order, the same groups, and so the same result
for every statement line."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from connector.texts import Joined, Text
from payments.matching import MatchConfig, OpenItem, match_lines
from payments.matching import engine as matching_engine
from payments.matching.index import (
    ItemIndex,
    ReferenceHit,
    cents,
    iban_key,
    name_key,
    references_of,
)
from payments.matching.references import (
    _CHUNK,
    _DOTTED_DATE,
    _HASH_TOKEN,
    _SEGMENT,
    MAX_CHUNKS,
    MAX_KEY_LENGTH,
    MAX_LEADING_WORD,
    MIN_KEY_LENGTH,
    key_of,
    keys_of,
    prefix_pattern,
    reference_tokens,
)
from payments.matching.types import DEFAULT_REFERENCE_PREFIXES
from tests.payments.test_matching import line, load_bench

PREFIX_SETS = [
    DEFAULT_REFERENCE_PREFIXES,
    ("R2", "RE", "Best."),  # a prefix with a digit: the pattern decides alone
    (),
]
# Letters, digits and the characters references are written with, upper and lower case,
# umlauts and letters whose upper case is longer or plain ASCII ("ß", "ſ", "ﬀ"), hashes and
# kinds of white space.
ALPHABET = "RENrebstBESTNO0123456789 -/#.:,;äÄßſıﬀ\t\x1c\u2028\u3000X_"


def random_texts(rng: random.Random, count: int) -> list[str]:
    texts = [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30))) for _ in range(count)
    ]
    spaces = ["", "", " ", "\t", "\u3000", " a"]
    shop_numbers = [
        f"{rng.choice(spaces)}#{rng.choice(spaces)}{rng.randrange(10 ** rng.randrange(1, 6))}"
        f"{rng.choice(spaces)}"
        for _ in range(count // 4)
    ]
    written = [
        "RE-2026-10440",
        "Rechnung RE-2026-10440",
        "re 2026 10440",
        "Rechnungsnr.: RE/2026/10440",
        "Best.-Nr. 302-1234567-7654321",
        "#1001",
        " # 2459 ",
        "#100234",
        "BB-3004711",
        "RENR12345",
        "Straße 12345",
        "",
        "-",
        "ABCDEF",
        "RE" + "1" * 45,
    ]
    return texts + shop_numbers + written


@pytest.mark.parametrize("prefixes", PREFIX_SETS)
def test_keys_of_many_texts_are_the_keys_of_each(prefixes):
    texts = random_texts(random.Random(3), 4_000)
    pattern = prefix_pattern(prefixes)

    expected = [key_of(text, pattern) for text in texts]

    assert keys_of(texts, prefixes) == expected
    # A text with a line break of its own is keyed one by one, with the same keys.
    assert keys_of([*texts, "RE-2026\n10440"], prefixes) == [
        *expected,
        key_of("RE-2026\n10440", pattern),
    ]
    assert sum(1 for key in expected if key.startswith("#")) > 10  # shop numbers were tried


def plain_reference_tokens(text: str, prefixes: tuple[str, ...]) -> set[str]:
    """Every run of chunks, keyed by the prefix pattern one by one."""
    pattern = prefix_pattern(prefixes)

    def key(joined: str) -> str:
        if joined[0].isalpha():
            joined = pattern.sub("", joined, count=1)
        return joined if MIN_KEY_LENGTH <= len(joined) <= MAX_KEY_LENGTH else ""

    tokens = {f"#{digits}" for digits in _HASH_TOKEN.findall(text)}
    for segment in _SEGMENT.split(_DOTTED_DATE.sub(",", text.upper())):
        chunks = _CHUNK.findall(segment)
        for start, first in enumerate(chunks):
            if first.isalpha() and len(first) > MAX_LEADING_WORD:
                continue
            joined = first
            if not first.isalpha() and key(joined):
                tokens.add(key(joined))
            for chunk in chunks[start + 1 : start + MAX_CHUNKS]:
                if chunk.isalpha():
                    break
                joined += chunk
                if len(joined) > MAX_KEY_LENGTH + MAX_LEADING_WORD:
                    break
                if key(joined):
                    tokens.add(key(joined))
    return tokens


@pytest.mark.parametrize("prefixes", PREFIX_SETS)
def test_reference_tokens_are_those_of_the_plain_reading(prefixes):
    rng = random.Random(11)
    words = ["Rechnung", "RE", "Best.", "Nr", "R2", "vom", "04.10.2026", "49,90", "#2459", "-"]
    texts = random_texts(rng, 2_000) + [
        " ".join(rng.choice([*words, str(rng.randrange(10**7))]) for _ in range(rng.randrange(9)))
        for _ in range(2_000)
    ]
    for text in texts:
        assert reference_tokens(text, prefixes) == plain_reference_tokens(text, prefixes), text


# --- the index ----------------------------------------------------------------------------


@dataclass
class PlainIndex:
    """The index as first written: a list of hits per reference key, every item's references
    keyed one by one, the open items sorted by (invoice date, id) once."""

    prefixes: re.Pattern[str]
    by_id: dict[int, OpenItem]
    by_reference: dict[str, list[ReferenceHit]]
    by_open_amount: dict[tuple[str, int], list[OpenItem]]
    by_iban: dict[str, list[OpenItem]]
    by_name: dict[str, list[OpenItem]]
    _references: dict[int, list[ReferenceHit]] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Sequence[OpenItem], prefixes: tuple[str, ...]) -> PlainIndex:
        pattern = prefix_pattern(prefixes)
        by_reference: dict[str, list[ReferenceHit]] = defaultdict(list)
        by_raw_iban: dict[str, list[OpenItem]] = defaultdict(list)
        by_raw_name: dict[str, list[OpenItem]] = defaultdict(list)
        for item in items:
            for hit in references_of(item, pattern):
                by_reference[hit.key].append(hit)
            for iban in item.customer_ibans:
                by_raw_iban[iban].append(item)
            if item.customer_name:
                by_raw_name[item.customer_name].append(item)
        by_open_amount: dict[tuple[str, int], list[OpenItem]] = defaultdict(list)
        for item in sorted(items, key=lambda item: (item.invoice_date, item.id)):
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
            by_iban={
                key: list({item.id: item for item in bucket}.values())
                for key, bucket in by_iban.items()
            },
            by_name=dict(by_name),
        )

    def references(self, item: OpenItem) -> list[ReferenceHit]:
        if item.id not in self._references:
            self._references[item.id] = references_of(item, self.prefixes)
        return self._references[item.id]

    def referenced(self, tokens: set[str]) -> tuple[dict[int, list[ReferenceHit]], bool]:
        hits: dict[int, list[ReferenceHit]] = {}
        shared = False
        for token in tokens:
            found = self.by_reference.get(token, [])
            if len({hit.item.id for hit in found}) > 1:
                shared = True
            for hit in found:
                hits.setdefault(hit.item.id, []).append(hit)
        return hits, shared

    def label(self, item_ids: tuple[int, ...]) -> str:
        return ", ".join(
            self.by_id[item_id].label if item_id in self.by_id else f"open item {item_id}"
            for item_id in item_ids
        )

    def labels(self, item_ids: tuple[int, ...]) -> Joined:
        return Joined(
            tuple(
                self.by_id[item_id].label_text
                if item_id in self.by_id
                else Text("open item {id}", id=item_id)
                for item_id in item_ids
            )
        )

    def customer_items(self, iban: str, name: str) -> list[OpenItem]:
        if iban and self.by_iban.get(iban_key(iban)):
            return self.by_iban[iban_key(iban)]
        return self.by_name.get(name_key(name), []) if name else []

    def open_by_amount(
        self, currency: str, amount_cents: int, earliest: date, latest: date, limit: int
    ) -> list[OpenItem]:
        found = [
            item
            for item in self.by_open_amount.get((currency, amount_cents), [])
            if earliest <= item.invoice_date <= latest
        ]
        return found[-limit:] if limit else []


def tangled_items(rng: random.Random, count: int, duplicate_ids: bool = False) -> list[OpenItem]:
    """Items whose references collide in every way the index must keep apart: order numbers
    shared by several items or equal to the item's own invoice number, payment references
    equal to another item's order number, shop numbers with a hash, references that are no
    key; IBANs remembered twice; amounts apart by less than a cent; two currencies."""
    shared_orders = [f"ORD-{n}" for n in range(count // 20)]
    ibans = ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "DE02120300000000202051"]
    items = []
    for n in range(count):
        invoice = rng.choice([f"RE-2026-{10000 + n}", "", f"Rechnung {20000 + n}", "RE-1"])
        order = rng.choice(
            [f"302-{n:07d}-1", rng.choice(shared_orders), invoice, f"#{1000 + n % 50}", ""]
        )
        payment = rng.choice(["", f"BB{n:08d}", order, rng.choice(shared_orders), "x"])
        amount = Decimal(rng.choice(["9.99", "9.990", "9.994", "19.90", "49.90", "100"]))
        items.append(
            OpenItem(
                id=rng.randrange(count // 2) + 1 if duplicate_ids else n + 1,
                order_number=order,
                invoice_number=invoice,
                payment_reference=payment,
                amount=amount,
                total=amount,
                currency=rng.choice(["EUR", "EUR", "CHF"]),
                invoice_date=date(2026, 10, 1) + timedelta(days=rng.randrange(40)),
                customer_name=rng.choice(["Hans Müller", "MÜLLER, HANS", "Erika Weber", ""]),
                customer_ibans=tuple(rng.sample(ibans, rng.randrange(3))),
                settled=rng.random() < 0.1,
            )
        )
    return items


@pytest.mark.parametrize("duplicate_ids", [False, True])
def test_the_index_finds_what_the_plain_index_finds(duplicate_ids):
    rng = random.Random(5)
    items = tangled_items(rng, 3_000, duplicate_ids)
    index = ItemIndex.build(items, DEFAULT_REFERENCE_PREFIXES)
    plain = PlainIndex.build(items, DEFAULT_REFERENCE_PREFIXES)
    keys = [*plain.by_reference, "2026", "999999", "ORD17", "#1001"]

    assert index.shared  # the data has keys of several items
    for key in keys:
        assert index.referenced({key}) == plain.referenced({key}), key
    for _ in range(500):
        tokens = set(rng.sample(keys, 4))
        assert list(index.referenced(tokens)[0].items()) == list(
            plain.referenced(tokens)[0].items()
        )
        assert index.referenced(tokens)[1] == plain.referenced(tokens)[1]
    for item in items:
        assert index.references(item) == plain.references(item)
    assert index.by_open_amount == plain.by_open_amount
    assert index.by_iban == plain.by_iban
    assert index.by_name == plain.by_name
    ids = (*(item.id for item in items[:50]), 10**9)
    assert index.label(ids) == plain.label(ids)


def test_every_line_is_matched_as_with_the_plain_index(monkeypatch):
    bench = load_bench()
    items, lines, _truths = bench.generate(6_000, 1_500, seed=3)
    items += tangled_items(random.Random(8), 1_000)
    lines += [line(text=f"Bestellung ORD-{n} RE-2026-1{n:04d}") for n in range(0, 200, 3)]

    results = match_lines(lines, items, bench.CONFIG)
    monkeypatch.setattr(matching_engine, "ItemIndex", PlainIndex)
    plain = match_lines(lines, items, bench.CONFIG)

    assert results == plain
    states = {result.state for result in results}
    assert {"matched", "ambiguous", "no_match", "partially_paid"} <= states


def test_an_own_configuration_is_matched_as_with_the_plain_index(monkeypatch):
    rng = random.Random(2)
    items = tangled_items(rng, 2_000)
    # "R2" holds a digit: keys are cut by the pattern itself, not by the letters before a digit.
    config = MatchConfig(reference_prefixes=("R2", "ORD", "Rechnung"), tolerance=Decimal("0.01"))
    lines = [
        line(
            amount=rng.choice(["9.99", "9.98", "19.90", "49.90", "-49.90"]),
            text=f"ORD {rng.randrange(100)} R2-{rng.randrange(10**5)} Rechnung {20000 + n}",
            counterparty_name=rng.choice(["Hans Müller", "Weber, Erika", ""]),
        )
        for n in range(300)
    ]

    results = match_lines(lines, items, config)
    monkeypatch.setattr(matching_engine, "ItemIndex", PlainIndex)

    assert match_lines(lines, items, config) == results
    assert sum(1 for result in results if result.candidates) > 100
