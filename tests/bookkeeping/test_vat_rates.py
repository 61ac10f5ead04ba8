"""The dated rate table: every member state, every change on its first day and the day before."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from bookkeeping.vat.rates import (
    EU_MEMBER_STATES,
    RATE_TABLE,
    UnknownRate,
    allowed_rates,
    rates_on,
)

D = Decimal

# bookkeeping.md §3.1 (snapshot ibericode/vat-rates 2025-08-12): standard | reduced.
SNAPSHOT_DAY = date(2025, 8, 12)
SECTION_3_1 = {
    "AT": ("20", {"13", "10"}),
    "BE": ("21", {"12", "6"}),
    "BG": ("20", {"9"}),
    "CY": ("19", {"9", "5"}),
    "CZ": ("21", {"12"}),
    "DE": ("19", {"7"}),
    "DK": ("25", set()),
    "EE": ("24", {"13", "9"}),
    "ES": ("21", {"10", "4"}),
    "FI": ("25.5", {"14", "10"}),
    "FR": ("20", {"10", "5.5", "2.1"}),
    "GR": ("24", {"13", "6"}),
    "HR": ("25", {"13", "5"}),
    "HU": ("27", {"18", "5"}),
    "IE": ("23", {"13.5", "9", "4.8"}),
    "IT": ("22", {"10", "5", "4"}),
    "LT": ("21", {"9", "5"}),
    "LU": ("17", {"14", "8", "3"}),
    "LV": ("21", {"12", "5"}),
    "MT": ("18", {"7", "5"}),
    "NL": ("21", {"9"}),
    "PL": ("23", {"8", "5"}),
    "PT": ("23", {"13", "6"}),
    "RO": ("21", {"11"}),
    "SE": ("25", {"12", "6"}),
    "SI": ("22", {"9.5", "5"}),
    "SK": ("23", {"19", "5"}),
}
# Where the table knowingly differs from §3.1's snapshot (see the comments in rates.py).
DEVIATIONS = {"MT": {"12"}}  # Malta's third reduced rate since 2024 [unconfirmed]
TODAY = date(2026, 12, 1)
CHANGES_SINCE_SNAPSHOT = {"FI": {"13.5", "10"}, "LT": {"12", "5"}}  # 2026 changes


def decimals(values: set[str]) -> set[Decimal]:
    return {D(value) for value in values}


def test_the_27_member_states() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert "GR" in EU_MEMBER_STATES
    assert "EL" not in EU_MEMBER_STATES
    assert "GB" not in EU_MEMBER_STATES
    assert set(SECTION_3_1) == EU_MEMBER_STATES


@pytest.mark.parametrize("country", sorted(SECTION_3_1))
def test_standard_rate_matches_bookkeeping_3_1(country: str) -> None:
    standard, _ = SECTION_3_1[country]
    assert rates_on(country, SNAPSHOT_DAY).standard == D(standard)
    assert rates_on(country, TODAY).standard == D(standard)


@pytest.mark.parametrize("country", sorted(SECTION_3_1))
def test_reduced_rates_match_bookkeeping_3_1(country: str) -> None:
    _, reduced = SECTION_3_1[country]
    expected = decimals(reduced | DEVIATIONS.get(country, set()))
    assert set(rates_on(country, SNAPSHOT_DAY).reduced) == expected


@pytest.mark.parametrize("country", sorted(SECTION_3_1))
def test_reduced_rates_today(country: str) -> None:
    _, reduced = SECTION_3_1[country]
    expected = CHANGES_SINCE_SNAPSHOT.get(country, reduced) | DEVIATIONS.get(country, set())
    assert set(rates_on(country, TODAY).reduced) == decimals(expected)


@pytest.mark.parametrize("country", sorted(EU_MEMBER_STATES))
def test_periods_are_contiguous_from_the_oss_start(country: str) -> None:
    periods = sorted((p for p in RATE_TABLE if p.country == country), key=lambda p: p.valid_from)
    first_day = date(2020, 7, 1) if country == "DE" else date(2021, 7, 1)
    assert periods[0].valid_from == first_day
    for before, after in pairwise(periods):
        assert before.valid_until == after.valid_from - timedelta(days=1)
    assert periods[-1].valid_until is None
    for period in periods:
        assert isinstance(period.standard, Decimal)
        assert all(isinstance(rate, Decimal) for rate in period.reduced)
        assert period.standard not in period.reduced


# Each change on its first day and the day before (bookkeeping.md §5: the date of supply decides).
CHANGES = [
    ("DE", date(2020, 7, 1), "16", ("5",)),
    ("DE", date(2020, 12, 31), "16", ("5",)),
    ("DE", date(2021, 1, 1), "19", ("7",)),
    ("EE", date(2023, 12, 31), "20", ("9", "5")),
    ("EE", date(2024, 1, 1), "22", ("9", "5")),
    ("EE", date(2024, 12, 31), "22", ("9", "5")),
    ("EE", date(2025, 1, 1), "22", ("13", "9")),
    ("EE", date(2025, 6, 30), "22", ("13", "9")),
    ("EE", date(2025, 7, 1), "24", ("13", "9")),
    ("FI", date(2024, 8, 31), "24", ("14", "10")),
    ("FI", date(2024, 9, 1), "25.5", ("14", "10")),
    ("FI", date(2025, 12, 31), "25.5", ("14", "10")),
    ("FI", date(2026, 1, 1), "25.5", ("13.5", "10")),
    ("SK", date(2024, 12, 31), "20", ("10", "5")),
    ("SK", date(2025, 1, 1), "23", ("19", "5")),
    ("LU", date(2022, 12, 31), "17", ("14", "8", "3")),
    ("LU", date(2023, 1, 1), "16", ("13", "7", "3")),
    ("LU", date(2023, 12, 31), "16", ("13", "7", "3")),
    ("LU", date(2024, 1, 1), "17", ("14", "8", "3")),
    ("CZ", date(2023, 12, 31), "21", ("15", "10")),
    ("CZ", date(2024, 1, 1), "21", ("12",)),
    ("RO", date(2025, 7, 31), "19", ("9", "5")),
    ("RO", date(2025, 8, 1), "21", ("11",)),
    ("LT", date(2025, 12, 31), "21", ("9", "5")),
    ("LT", date(2026, 1, 1), "21", ("12", "5")),
    ("AT", date(2021, 12, 31), "20", ("13", "10", "5")),
    ("AT", date(2022, 1, 1), "20", ("13", "10")),
    ("ES", date(2024, 9, 30), "21", ("10", "5", "4")),
    ("ES", date(2024, 10, 1), "21", ("10", "7.5", "4", "2")),
    ("ES", date(2025, 1, 1), "21", ("10", "4")),
    ("IE", date(2021, 7, 1), "23", ("13.5", "9", "4.8")),
    ("NL", date(2026, 1, 1), "21", ("9",)),
    ("BE", date(2026, 3, 1), "21", ("12", "6")),
]


@pytest.mark.parametrize(
    ("country", "day", "standard", "reduced"),
    CHANGES,
    ids=[f"{c}-{d.isoformat()}" for c, d, _, _ in CHANGES],
)
def test_rate_changes(country: str, day: date, standard: str, reduced: tuple[str, ...]) -> None:
    period = rates_on(country, day)
    assert period.country == country
    assert period.covers(day)
    assert period.standard == D(standard)
    assert period.reduced == tuple(D(rate) for rate in reduced)


def test_greece_accepts_the_vat_prefix_el() -> None:
    assert rates_on("EL", TODAY) == rates_on("GR", TODAY)
    assert rates_on("gr", TODAY).country == "GR"


def test_allowed_rates_include_zero() -> None:
    assert allowed_rates("DE", TODAY) == frozenset({D("19"), D("7"), D("0")})
    assert allowed_rates("DK", TODAY) == frozenset({D("25"), D("0")})
    assert allowed_rates("FI", date(2024, 9, 1)) == frozenset({D("25.5"), D("14"), D("10"), D(0)})


@pytest.mark.parametrize(
    ("country", "day", "message"),
    [
        (
            "AT",
            date(2021, 6, 30),
            "no VAT rates for AT on 30.06.2021 in the rate table: add the period to "
            "bookkeeping/vat/rates.py or book this document manually",
        ),
        (
            "DE",
            date(2020, 6, 30),
            "no VAT rates for DE on 30.06.2020 in the rate table: add the period to "
            "bookkeeping/vat/rates.py or book this document manually",
        ),
        (
            "CH",
            TODAY,
            "no VAT rates for CH on 01.12.2026 in the rate table: add the period to "
            "bookkeeping/vat/rates.py or book this document manually",
        ),
        (
            "",
            TODAY,
            "no VAT rates for (no country) on 01.12.2026 in the rate table: add the period to "
            "bookkeeping/vat/rates.py or book this document manually",
        ),
    ],
    ids=["before-oss-start", "before-de-table", "third-country", "no-country"],
)
def test_unknown_rate_names_country_and_day(country: str, day: date, message: str) -> None:
    with pytest.raises(UnknownRate) as caught:
        rates_on(country, day)
    assert str(caught.value) == message
    assert caught.value.country == country
    assert caught.value.day == day
