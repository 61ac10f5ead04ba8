"""The exchange-rate file parser, compared with golden files kept next to this test.

Each sample ``NAME`` has ``NAME.expected.json``: the kind, the layout and every rate as
[currency, day, rate, line], or the problems the parser must name. The BMF samples follow
the layout of the BMF's published tables of Umsatzsteuer-Umrechnungskurse (country,
"1 Euro", January … December with "0,9368 CHF" cells; the Gesamtübersicht of a past year
with abbreviated month names), with made-up rates. To regenerate after a deliberate change:
``UPDATE_GOLDEN=1 pytest tests/bookkeeping/parsers`` and review the diff.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bookkeeping.parsers.exchange_rates import (
    RateFileError,
    exchange_rates_parse,
    parse_rate,
)

HERE = Path(__file__).parent

CASES = [
    ("bmf_2026_running.csv", {"year": 2026}),
    ("bmf_2025_overview.tsv", {"year": 2025}),
    ("monthly_long.csv", {}),
    ("daily_long.csv", {"kind": "daily"}),
    ("bad_long.csv", {}),
    ("bad_bmf.csv", {"year": 2026}),
]


def parsed(name: str, options: dict[str, Any]) -> dict[str, Any]:
    try:
        result = exchange_rates_parse((HERE / name).read_bytes(), **options)
    except RateFileError as exc:
        return {"problems": exc.problems}
    return {
        "kind": result.kind,
        "layout": result.layout,
        "rates": [[r.currency, r.day.isoformat(), str(r.rate), r.line] for r in result.rates],
    }


def readable_json(data: dict[str, Any]) -> str:
    """One rate or problem per line, so that a diff of a golden file reads like the file."""
    items = data.get("rates", data.get("problems", []))
    head = {k: v for k, v in data.items() if k not in ("rates", "problems")}
    key = "rates" if "rates" in data else "problems"
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    body = ",\n".join(f"    {json.dumps(item, ensure_ascii=False)}" for item in items)
    return "{\n" + "\n".join(lines) + ("\n" if lines else "") + f'  "{key}": [\n{body}\n  ]\n}}\n'


@pytest.mark.parametrize(("name", "options"), CASES, ids=[c[0] for c in CASES])
def test_the_sample_parses_to_its_golden_structure(name, options):
    golden = HERE / f"{name}.expected.json"
    actual = parsed(name, options)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(readable_json(actual))
    assert actual == json.loads(golden.read_text())


def test_the_running_bmf_table_gives_every_published_month_as_its_first_day():
    result = exchange_rates_parse((HERE / "bmf_2026_running.csv").read_bytes(), year=2026)

    chf = {r.day.month: r.rate for r in result.rates if r.currency == "CHF"}
    assert sorted(chf) == list(range(1, 11))  # November and December not published yet
    assert chf[10] == Decimal("0.9342")
    assert {r.day.day for r in result.rates} == {1}
    assert "RUB" not in {r.currency for r in result.rates}  # "**": no rate published
    idr = next(r for r in result.rates if r.currency == "IDR")
    assert idr.rate == Decimal("17049.43")  # thousands separator and decimal comma


def test_the_bmf_table_needs_its_year_and_holds_no_daily_rates():
    data = (HERE / "bmf_2026_running.csv").read_bytes()

    with pytest.raises(RateFileError) as no_year:
        exchange_rates_parse(data)
    assert no_year.value.problems == ["the BMF table does not name its year: give it (--year YYYY)"]
    with pytest.raises(RateFileError) as daily:
        exchange_rates_parse(data, kind="daily", year=2026)
    assert daily.value.problems == ["the BMF table holds monthly rates, not daily ones"]


def test_the_kind_and_the_year_given_must_match_the_long_file():
    with pytest.raises(RateFileError) as kind:
        exchange_rates_parse((HERE / "daily_long.csv").read_bytes(), kind="monthly")
    assert kind.value.problems == [
        "line 1: the file holds daily rates (a date column), not monthly ones"
    ]
    with pytest.raises(RateFileError) as year:
        exchange_rates_parse("currency;month;rate\nCHF;2025-12;0,94\n", year=2026)
    assert year.value.problems == ["line 2: 12/2025 is not in 2026 (the year given)"]


def test_a_file_without_a_known_header_or_rates_is_refused():
    with pytest.raises(RateFileError) as unknown:
        exchange_rates_parse("Kurs;Monat\n0,94;2026-11\n")
    assert unknown.value.problems[0].startswith("line 1: expected a header currency;month;rate")
    with pytest.raises(RateFileError) as empty:
        exchange_rates_parse(b"currency;month;rate\n\n")
    assert empty.value.problems == ["the file holds no rates"]
    with pytest.raises(RateFileError) as comma:
        exchange_rates_parse("currency,month,rate\nCHF,2026-11,0,9368\n")
    assert comma.value.problems == [
        "line 2: more columns than the header (a decimal comma in a comma-separated file "
        "needs quotes)"
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0,9368", Decimal("0.9368")),
        ("1.0800", Decimal("1.0800")),
        ("12.457,30", Decimal("12457.30")),
        ("1,234.5", Decimal("1234.5")),
        ("12 457,30", Decimal("12457.30")),
        ("1\u00a0160,78", Decimal("1160.78")),
        ("1.234", Decimal("1.234")),  # one separator is the decimal separator
        ("-0,5", Decimal("-0.5")),
        ("382", Decimal("382")),
    ],
)
def test_numbers_are_read_in_either_notation(text, value):
    assert parse_rate(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.234.56", "0,5 €", "1e3", "1.234.567,8.9"])
def test_anything_else_is_not_a_number(text):
    with pytest.raises(ValueError, match="is not a number"):
        parse_rate(text)


def test_a_german_reader_gets_the_problems_in_german_in_the_order_of_their_lines():
    from django.utils import translation

    data = (
        "currency;month;rate\nCHF;2026-10;x\nUSD;2026-13;1,08\nEUR;2026-10;1\n"
        + "".join(f"CHF;2026-{month:02d};0,94\n" for month in range(1, 9))
        + "GBP;2026-10;0\n"
    )

    with translation.override("de"), pytest.raises(RateFileError) as refused:
        exchange_rates_parse(data)

    assert refused.value.problems == [
        "Zeile 2: 'x' ist kein Kurs",
        "Zeile 3: '2026-13' ist kein Monat (JJJJ-MM oder MM/JJJJ)",
        "Zeile 4: EUR braucht keinen Umrechnungskurs",
        "Zeile 13: der Kurs muss größer als null sein, nicht 0",
    ]
    assert str(refused.value).startswith("4 Probleme in der Datei, nichts wurde importiert:")
