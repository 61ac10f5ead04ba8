"""Gaps in invoice numbers: pure functions over the numbers of a month.

A series is what stands before and after the trailing number ("RE-2026-" in
"RE-2026-1045"); within a series every number between the month's lowest and highest should
be there. A missing one is a voided number, a document the import never saw, or an invoice
deleted in Billbee: the accountant asks about each.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class NumberSeries:
    """One invoice-number series (prefix + number + postfix) of a month and its gaps."""

    source: str  # "Billbee" | "upload log"
    prefix: str
    postfix: str
    lowest: int
    highest: int
    present: int
    missing_count: int
    missing: tuple[str, ...]  # compact ranges, e.g. "RE-2026-1045–1047"

    @property
    def label(self) -> str:
        return f"{self.prefix}…{self.postfix}" if self.postfix else f"{self.prefix}…"


# The trailing number of an invoice number, with what stands before and after it.
_NUMBERED = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)(?P<postfix>\D*)$")


def invoice_number_gaps(numbers: Iterable[str], source: str) -> tuple[NumberSeries, ...]:
    """Per series (the text before and after the trailing number, e.g. "RE-2026-"), the
    numbers missing between the lowest and the highest, as compact ranges."""
    series: dict[tuple[str, str], list[str]] = defaultdict(list)
    for number in numbers:
        found = _NUMBERED.match((number or "").strip())
        if found:
            series[(found["prefix"], found["postfix"])].append(found["number"])
    return tuple(
        _series(source, prefix, postfix, digits)
        for (prefix, postfix), digits in sorted(series.items())
    )


def _series(source: str, prefix: str, postfix: str, digits: list[str]) -> NumberSeries:
    values = sorted({int(d) for d in digits})
    # Zero-padded numbers ("RE-00045") keep their width in the ranges shown.
    width = min(len(d) for d in digits) if any(d.startswith("0") for d in digits) else 0
    gaps = number_ranges_missing(values)
    shown = tuple(_range_text(prefix, postfix, a, b, width) for a, b in gaps)
    return NumberSeries(
        source=source,
        prefix=prefix,
        postfix=postfix,
        lowest=values[0],
        highest=values[-1],
        present=len(values),
        missing_count=sum(b - a + 1 for a, b in gaps),
        missing=shown,
    )


def number_ranges_missing(values: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct numbers → the (first, last) of every run of numbers missing between."""
    return [(a + 1, b - 1) for a, b in pairwise(values) if b - a > 1]


def _range_text(prefix: str, postfix: str, first: int, last: int, width: int) -> str:
    a, b = str(first).zfill(width), str(last).zfill(width)
    if first == last:
        return f"{prefix}{a}{postfix}"
    if postfix:
        return f"{prefix}{a}{postfix}–{prefix}{b}{postfix}"
    return f"{prefix}{a}–{b}"
