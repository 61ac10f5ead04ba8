"""Volume: the writer streams 100,000 bookings in flat memory, and the 99,999-row limit."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bookkeeping.datev import DatevBooking, lint_bookings, lint_file, write_bookings
from bookkeeping.datev.columns import MAX_BOOKING_ROWS

from .samples import DOMESTIC_19, HEADER

MEMORY_LIMIT = 20_000_000


def many_bookings(count: int) -> Iterator[DatevBooking]:
    """Distinct bookings made on the fly, so that only the writer could hold them all."""
    for n in range(count):
        yield replace(
            DOMESTIC_19,
            amount=Decimal(n % 50_000 + 1) / 100,
            document_date=date(2026, 1, n % 31 + 1),
            document_field1=f"RE-2026-{n:06d}",
            text=f"Bestellung {n} für Müller",
            service_date=date(2026, 1, n % 31 + 1),
            ref=str(n),
        )


@pytest.mark.slow
def test_writing_100000_bookings_keeps_memory_flat(tmp_path):
    path = tmp_path / "EXTF_Buchungsstapel.csv"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            count = write_bookings(HEADER, many_bookings(100_000), out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert count == 100_000
    # The file is far larger than the limit, so holding it (or its lines) would break it.
    assert size > 30_000_000 > MEMORY_LIMIT
    assert peak < MEMORY_LIMIT
    with path.open("rb") as written:
        written.seek(-600, 2)
        tail = written.read()
    assert tail.endswith(b"\r\n")
    assert b'"RE-2026-099999"' in tail and "für".encode("cp1252") in tail


@pytest.mark.slow
def test_100000_rows_in_a_file_produce_exactly_the_too_many_rows_finding():
    out = io.BytesIO()
    write_bookings(HEADER, many_bookings(MAX_BOOKING_ROWS + 1), out)
    findings = lint_file(out.getvalue())
    assert [(f.rule, f.line, f.severity) for f in findings] == [("too-many-rows", None, "error")]
    assert "100000 bookings" in findings[0].message


def test_the_row_limit_on_structures_is_99999():
    assert lint_bookings(HEADER, many_bookings(MAX_BOOKING_ROWS)) == []
    findings = lint_bookings(HEADER, many_bookings(MAX_BOOKING_ROWS + 1))
    assert [(f.rule, f.line) for f in findings] == [("too-many-rows", None)]
