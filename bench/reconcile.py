"""Benchmark: matching bank and PSP statement lines against open items.

A seeded generator builds N open items (invoice numbers RE-<year>-<n>, order numbers of several
shop formats, Billbee payment references, customers with names and IBANs with valid check
digits, amounts) and M statement lines with realistic remittance texts, together with the truth
(which item or items each line belongs to). It times ``match_lines`` (matching only: building
the indexes and matching every line), measures peak RSS and compares the result with the truth:
- matched correctly / wrongly: lines matched without a person (``auto``), right or wrong items;
- ignored correctly / wrongly: fees, payouts and lines caught by an ignore rule;
- left for review: everything else, with how often the best candidate is the right one.

Typos in references are generated so that they never name another item of the same open
amount: such a line names a real invoice with its exact amount, and no engine could tell.

With ``--store`` it measures the whole run instead (``bench/reconcile_store.py``): the items
stored in a PostgreSQL database (DATABASE_URL) as booked invoices, the lines written as one
CAMT.053 file, then, timed, the file imported (parsed and stored) and its lines matched with
the results stored, as the app does it; the stored results are compared with the truth.

Usage: python bench/reconcile.py [--items 200000] [--lines 50000] [--seed 1] [--json out.json]
       DATABASE_URL=postgres://… python bench/reconcile.py --store [--items …] [--lines …]
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rss import peak_rss_mb  # noqa: E402
from stdnum import iban as stdnum_iban  # noqa: E402

from payments.matching import (  # noqa: E402
    IgnoreRule,
    LineMatch,
    MatchConfig,
    OpenItem,
    match_lines,
    normalise,
)
from payments.parsers.base import LineKind, StatementLine  # noqa: E402

YEAR = 2026
FIRST_INVOICE_DATE = date(2026, 8, 1)
INVOICE_DAYS = 100
CENT = Decimal("0.01")
POPULAR_PRICES = [Decimal(p) for p in ("9.99", "19.99", "24.90", "29.90", "49.90", "99.00")]
FIRST_NAMES = [
    "Hans",
    "Erika",
    "Jürgen",
    "Anna",
    "Peter",
    "Sabine",
    "Klaus",
    "Monika",
    "Thomas",
    "Petra",
    "Stefan",
    "Julia",
    "Michael",
    "Katrin",
    "Andreas",
    "Claudia",
    "Frank",
    "Sandra",
    "Uwe",
    "Birgit",
    "Jörg",
    "Ute",
    "Dieter",
    "Heike",
    "Lukas",
    "Lea",
    "Jonas",
    "Mia",
    "Finn",
    "Emma",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
]
UNRELATED_TEXTS = (
    "Miete Lager November",
    "Erstattung Finanzamt USt-VA",
    "Lieferant Kartonagen GmbH Rechnung 4711-889",
    "Versicherungsbeitrag Police 55-102938",
    "Gehalt",
    "Zinsen",
    "Telekom Kundenkonto 1234567890",
)
PAYPAL = "PayPal Europe S.a.r.l. et Cie S.C.A"
CONFIG = MatchConfig(
    skonto_rate=Decimal("0.02"),
    skonto_days=14,
    ignore_rules=(
        IgnoreRule("name", "PayPal Europe", "PayPal payout to the bank account: a transfer."),
    ),
)
# Share of each kind of line; a split payment gives two lines.
SCENARIOS = {
    "clean_reference": 40,
    "prefix_and_line_break": 8,
    "typo": 5,
    "name_only": 7,
    "iban_only": 3,
    "split": 3,
    "several_invoices": 4,
    "partial": 3,
    "skonto": 3,
    "overpayment": 2,
    "refund": 3,
    "chargeback": 1,
    "psp_payout": 2,
    "fee": 3,
    "bank_payout": 2,
    "already_paid": 3,
    "unrelated": 8,
}
IGNORED_SCENARIOS = {"psp_payout", "fee", "bank_payout"}


@dataclass(frozen=True)
class Truth:
    scenario: str
    item_ids: tuple[int, ...]  # empty: the line belongs to no item


@dataclass
class Customer:
    name: str
    ibans: tuple[str, ...]


# --- the generator ------------------------------------------------------------------------


def make_iban(rng: random.Random) -> str:
    bban = f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**9, 10**10)}"
    return f"DE{stdnum_iban.calc_check_digits(f'DE00{bban}')}{bban}"


def make_name(rng: random.Random) -> str:
    """About 25,000 different names, so that many customers share one, as in a real shop."""
    last = rng.choice(LAST_NAMES)
    if rng.random() < 0.5:
        last = f"{last}-{rng.choice(LAST_NAMES)}"
    return f"{rng.choice(FIRST_NAMES)} {last}"


def make_order_number(rng: random.Random, n: int) -> str:
    shape = n % 4
    if shape == 0:  # Amazon
        return f"{rng.choice((302, 303, 304, 305))}-{rng.randrange(10**6, 10**7)}-{n:07d}"
    if shape == 1:  # eBay
        return f"{rng.randrange(10, 99)}-{n:05d}-{rng.randrange(10**4, 10**5)}"
    if shape == 2:  # Shopify
        return f"#{100000 + n}"
    return f"BB-{3000000 + n}"  # Billbee's own numbering


def generate_items(count: int, rng: random.Random) -> list[OpenItem]:
    customers = [
        Customer(make_name(rng), (make_iban(rng),) if rng.random() < 0.6 else ())
        for _ in range(max(count // 4, 1))
    ]
    items = []
    for n in range(count):
        customer_number = rng.randrange(len(customers))
        customer = customers[customer_number]
        if rng.random() < 0.3:
            total = rng.choice(POPULAR_PRICES)
        else:
            total = Decimal(rng.randrange(500, 40000)) * CENT
        amount = total
        if rng.random() < 0.05:  # partly paid before
            amount = (total * Decimal(rng.choice(("0.5", "0.3")))).quantize(CENT)
        items.append(
            OpenItem(
                id=n + 1,
                order_number=make_order_number(rng, n),
                invoice_number=f"RE-{YEAR}-{100000 + n}",
                payment_reference=f"BB{rng.randrange(10**9, 10**10)}" if n % 3 == 0 else "",
                amount=amount,
                total=total,
                currency="EUR",
                invoice_date=FIRST_INVOICE_DATE + timedelta(days=rng.randrange(INVOICE_DAYS)),
                customer_name=customer.name,
                customer_id=f"K{customer_number}",
                customer_ibans=customer.ibans,
                group=rng.choice(("prepayment", "invoice", "cod")),
                settled=rng.random() < 0.08,
            )
        )
    return items


class LineMaker:
    """Builds the statement lines of each scenario from items not used by another line."""

    def __init__(self, items: list[OpenItem], rng: random.Random) -> None:
        self.rng = rng
        self.items = items
        self.open = [item for item in items if not item.settled]
        self.settled = [item for item in items if item.settled]
        rng.shuffle(self.open)
        rng.shuffle(self.settled)
        self.used: set[int] = set()
        self.by_key: dict[str, list[OpenItem]] = {}
        self.by_customer: dict[str, list[OpenItem]] = {}
        for item in items:
            self.by_key.setdefault(normalise(item.invoice_number), []).append(item)
            if not item.settled:
                self.by_customer.setdefault(item.customer_id, []).append(item)

    def take(self, settled: bool = False, full: bool = False) -> OpenItem:
        pool = self.settled if settled else self.open
        while True:
            item = pool.pop()
            if item.id not in self.used and (not full or item.amount == item.total):
                self.used.add(item.id)
                return item

    def paid_on(self, item: OpenItem, within: int = 30) -> date:
        return item.invoice_date + timedelta(days=self.rng.randrange(within))

    def reference(self, item: OpenItem) -> str:
        choices = [
            item.invoice_number,
            f"Rechnung {item.invoice_number}",
            item.invoice_number.replace("-", " ").lower(),
            item.invoice_number.replace("-", "", 1),
            f"Bestellung {item.order_number}",
            f"Ihre Bestellung {item.order_number} vom {item.invoice_date:%d.%m.%Y}",
            f"{item.customer_name} {item.invoice_number}",
        ]
        if item.payment_reference:
            choices.append(item.payment_reference)
        return self.rng.choice(choices)

    def payer_name(self, name: str) -> str:
        first, last = name.split(" ", 1)
        variant = self.rng.randrange(4)
        if variant == 0:
            return f"{last}, {first}"
        if variant == 1:
            return name.upper().replace("Ü", "UE").replace("Ö", "OE").replace("Ä", "AE")
        if variant == 2:
            return f"{first[0]}. {last}"
        return name

    def line(
        self, item: OpenItem | None, amount: Decimal, text: str, **extra: Any
    ) -> StatementLine:
        booking = extra.pop("booking_date", None) or (
            self.paid_on(item) if item else FIRST_INVOICE_DATE + timedelta(days=60)
        )
        if item is not None and "counterparty_name" not in extra:
            extra["counterparty_name"] = self.payer_name(item.customer_name)
            if item.customer_ibans and self.rng.random() < 0.7:
                extra["counterparty_iban"] = item.customer_ibans[0]
        return StatementLine(
            booking_date=booking, amount=amount, currency="EUR", remittance=text, **extra
        )


def scenario_lines(maker: LineMaker, scenario: str) -> list[tuple[StatementLine, Truth]]:
    """The line(s) of one scenario with their truth."""
    rng = maker.rng
    if scenario in ("fee", "psp_payout", "bank_payout", "unrelated"):
        return [(unattached_line(maker, scenario), Truth(scenario, ()))]
    if scenario == "several_invoices":
        return several_invoices(maker)
    settled = scenario in ("refund", "chargeback", "already_paid")
    item = maker.take(settled=settled, full=scenario == "skonto")
    truth = Truth(scenario, (item.id,))
    text = maker.reference(item)
    if scenario == "prefix_and_line_break":
        number = item.invoice_number
        cut = rng.randrange(len(number) - 3, len(number) - 1)
        text = f"Rechnungsnr.: {number[:cut]} {number[cut:]} Kd.-Nr. {item.customer_id}"
    elif scenario == "typo":
        text = typo(maker, item)
    elif scenario in ("name_only", "iban_only"):
        text = rng.choice(("Danke", "Zahlung", "", "Überweisung Onlineshop"))
    amount = item.amount
    extra: dict[str, Any] = {}
    if scenario == "iban_only" and item.customer_ibans:
        extra = {"counterparty_name": "Haushaltskonto", "counterparty_iban": item.customer_ibans[0]}
    elif scenario == "split":
        first = (amount / 2).quantize(CENT)
        return [
            (maker.line(item, first, text), truth),
            (maker.line(item, amount - first, text), truth),
        ]
    elif scenario == "partial":
        amount = (amount * Decimal(rng.choice(("0.5", "0.25", "0.8")))).quantize(CENT)
    elif scenario == "skonto":
        amount = amount - (item.total * Decimal("0.02")).quantize(CENT)
        extra["booking_date"] = maker.paid_on(item, within=14)
    elif scenario == "overpayment":
        amount += Decimal(rng.randrange(1, 500)) * CENT
    elif scenario == "already_paid":
        amount = item.total
    elif scenario == "refund":
        amount, text = -item.total, f"Erstattung {text}"
        extra["kind"] = LineKind.REFUND
    elif scenario == "chargeback":
        amount, text = -item.total, f"Rueckbuchung {text} MD06"
        extra["kind"] = LineKind.CHARGEBACK
    return [(maker.line(item, amount, text, **extra), truth)]


def typo(maker: LineMaker, item: OpenItem) -> str:
    """The invoice number with one digit changed or two swapped, never naming another item of
    the same open amount."""
    number = item.invoice_number
    while True:
        digits = list(number)
        position = maker.rng.randrange(len(number) - 6, len(number))
        if maker.rng.random() < 0.5 and position + 1 < len(number):
            digits[position], digits[position + 1] = digits[position + 1], digits[position]
        else:
            digits[position] = str((int(digits[position]) + maker.rng.randrange(1, 10)) % 10)
        wrong = "".join(digits)
        named = maker.by_key.get(normalise(wrong), [])
        if wrong != number and all(other.amount != item.amount for other in named):
            return f"Rechnung {wrong}"


def several_invoices(maker: LineMaker) -> list[tuple[StatementLine, Truth]]:
    while True:
        first = maker.take()
        siblings = [
            other
            for other in maker.by_customer.get(first.customer_id, [])
            if other.id != first.id and other.id not in maker.used
        ]
        if siblings:
            break
    chosen = [first, *siblings[: maker.rng.choice((1, 2))]]
    maker.used.update(item.id for item in chosen)
    total = sum((item.amount for item in chosen), Decimal("0"))
    text = "Rechnungen " + ", ".join(item.invoice_number for item in chosen)
    latest = max(chosen, key=lambda item: item.invoice_date)
    line = maker.line(latest, total, text)
    return [(line, Truth("several_invoices", tuple(sorted(item.id for item in chosen))))]


def unattached_line(maker: LineMaker, scenario: str) -> StatementLine:
    rng = maker.rng
    amount = Decimal(rng.randrange(100, 500000)) * CENT
    if scenario == "fee":
        return maker.line(None, -Decimal(rng.randrange(10, 300)) * CENT, "", kind=LineKind.FEE)
    if scenario == "psp_payout":
        return maker.line(None, -amount, "Payout", kind=LineKind.PAYOUT)
    if scenario == "bank_payout":
        text = f"PAYPAL AUSZAHLUNG {rng.randrange(10**9, 10**10)}"
        return maker.line(None, amount, text, counterparty_name=PAYPAL)
    sign = rng.choice((1, -1))
    return maker.line(
        None, sign * amount, rng.choice(UNRELATED_TEXTS), counterparty_name="Stadtwerke"
    )


def generate(
    item_count: int, line_count: int, seed: int = 1
) -> tuple[list[OpenItem], list[StatementLine], list[Truth]]:
    rng = random.Random(seed)
    items = generate_items(item_count, rng)
    maker = LineMaker(items, rng)
    names, weights = list(SCENARIOS), list(SCENARIOS.values())
    lines: list[StatementLine] = []
    truths: list[Truth] = []
    while len(lines) < line_count:
        for line, truth in scenario_lines(maker, rng.choices(names, weights)[0]):
            lines.append(line)
            truths.append(truth)
    return items, lines[:line_count], truths[:line_count]


# --- evaluation ---------------------------------------------------------------------------


def evaluate(results: list[LineMatch], truths: list[Truth]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    review_by_scenario: Counter[str] = Counter()
    wrong_examples: list[str] = []
    for result, truth in zip(results, truths, strict=True):
        best = result.candidates[0].item_ids if result.candidates else ()
        if result.auto:
            right = best == truth.item_ids
            counts["matched_correctly" if right else "matched_wrongly"] += 1
            if not right and len(wrong_examples) < 5:
                wrong_examples.append(f"{truth.scenario}: {result.reason}")
        elif result.state == "ignored":
            right = truth.scenario in IGNORED_SCENARIOS
            counts["ignored_correctly" if right else "ignored_wrongly"] += 1
        else:
            counts["left_for_review"] += 1
            review_by_scenario[truth.scenario] += 1
            if truth.item_ids and best == truth.item_ids:
                counts["review_best_candidate_right"] += 1
    total = len(results)
    shares = {key: round(value / total, 4) for key, value in counts.items()}
    return {
        "lines": total,
        "counts": dict(counts),
        "shares": shares,
        "review_by_scenario": dict(review_by_scenario.most_common()),
        "states": dict(Counter(result.state for result in results).most_common()),
        "wrong_examples": wrong_examples,
    }


def run_matching(item_count: int, line_count: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    items, lines, truths = generate(item_count, line_count, seed)
    generated = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    results = match_lines(lines, items, CONFIG)
    matching = time.perf_counter() - started
    matching_cpu = time.process_time() - cpu_started
    return {
        "items": item_count,
        "seed": seed,
        "generate_s": round(generated, 2),
        "matching_s": round(matching, 2),
        # CPU time of this process: what the matching costs when other processes share the
        # cores (the wall-clock time then includes waiting for a core).
        "matching_cpu_s": round(matching_cpu, 2),
        "lines_per_s": round(line_count / matching),
        "peak_rss_mb": peak_rss_mb(),
        **evaluate(results, truths),
    }


def run_store(item_count: int, line_count: int, seed: int) -> dict[str, Any]:
    """The whole run on PostgreSQL (``reconcile_store``): set up, then the timed run in a
    process of its own, then its stored results against the truth."""
    import reconcile_store as store

    problem = store.refusal(os.environ.get("DATABASE_URL", ""))
    if problem:
        raise SystemExit(problem)
    store.django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    items, lines, truths = generate(item_count, line_count, seed)
    started = time.perf_counter()
    name = f"bench {time.strftime('%Y-%m-%d %H:%M:%S')}"
    connection_id, source_id = store.create_connection(name, CONFIG)
    documents = store.store_items(connection_id, items)
    folder = Path(tempfile.mkdtemp(prefix="reconcile-"))
    path = folder / "statement.camt053.xml"
    path.write_bytes(store.camt053(lines))
    setup = time.perf_counter() - started
    load = [round(value, 2) for value in os.getloadavg()]
    figures = store.run_child(connection_id, source_id, path)
    results = store.stored_results(figures["statement_id"], documents)
    path.unlink()
    folder.rmdir()
    return {
        "items": item_count,
        "seed": seed,
        "setup_s (not timed)": round(setup, 1),
        "load_average_before_run": load,
        **figures,
        **evaluate(results, truths),
    }


def store_child(payload: str) -> None:
    """The timed part of ``--store``, in the process that ``run_store`` starts."""
    import reconcile_store as store

    arguments = json.loads(payload)
    store.django_setup()
    figures = store.run_timed(
        arguments["connection"], arguments["source"], Path(arguments["file"]), CONFIG
    )
    print(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--store",
        action="store_true",
        help="the whole run on PostgreSQL (DATABASE_URL): parse, match, store",
    )
    parser.add_argument("--store-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.store_child:
        store_child(args.store_child)
        return
    result = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "load_average_before": [round(load, 2) for load in os.getloadavg()],
        "date": date.today().isoformat(),
    }
    if args.store:
        result["whole_run"] = run_store(args.items, args.lines, args.seed)
    else:
        result["matching"] = run_matching(args.items, args.lines, args.seed)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
