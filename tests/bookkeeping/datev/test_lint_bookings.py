"""``lint_bookings``: the same rules on the structures before writing, traced by ``ref``; one
negative case per rule that applies to structures, each yielding exactly its finding."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bookkeeping.datev import DatevBooking, lint_bookings

from .samples import (
    BOOKINGS,
    DOMESTIC_19,
    EXPORT_CHF,
    HEADER,
    INTRA_EU_B2B,
    OSS_AT,
    OSS_FROM_PL,
)


@dataclass(frozen=True)
class Case:
    rule: str
    column: int | None
    booking: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    base: DatevBooking = DOMESTIC_19
    severity: str = "error"

    @property
    def line(self) -> int:
        return 1 if self.header else 3


D = Decimal
HEADER_CASES = [
    Case("header-consultant", 11, header={"consultant_number": 1000}),
    Case("header-consultant", 11, header={"consultant_number": 10_000_000}),
    Case("header-client", 12, header={"client_number": 100_000}),
    Case("header-account-length", 14, header={"account_length": 9}),
    Case(
        "header-period-order",
        15,
        header={"period_from": date(2026, 1, 31), "period_to": date(2026, 1, 1)},
    ),
    Case(
        "header-period-year",
        16,
        header={"fiscal_year_start": date(2025, 7, 1), "period_from": date(2025, 12, 1)},
    ),
    Case("header-period-fiscal-year", 15, header={"fiscal_year_start": date(2026, 2, 1)}),
    Case("header-label", 17, header={"label": "x" * 31}, severity="warning"),
    Case("header-initials", 18, header={"initials": "BBB"}),
    Case("header-exported-by", 9, header={"exported_by": "x" * 26}, severity="warning"),
    Case("header-origin", 8, header={"origin": "RES"}),
    Case("header-app-info", 31, header={"app_info": "x" * 17}, severity="warning"),
    Case("header-currency", 22, header={"currency": "eur"}),
    Case("header-chart", 27, header={"chart": "3"}),
]
BOOKING_CASES = [
    Case("umsatz-format", 1, {"amount": D("12345678901.00")}),
    Case("umsatz-format", 1, {"amount": D("NaN")}),
    Case("umsatz-negative", 1, {"amount": D("-119.00")}),
    Case("umsatz-zero", 1, {"amount": D("0")}),
    Case("umsatz-zero", 1, {"amount": D("0.004")}),
    Case("umsatz-precision", 1, {"amount": D("119.004")}, severity="warning"),
    Case("side", 2, {"side": "s"}),
    Case("currency", 3, {"currency": "chf"}, base=EXPORT_CHF),
    Case("currency", 6, {"base_currency": "EU"}, base=EXPORT_CHF),
    Case("kurs-format", 4, {"exchange_rate": D("10000")}, base=EXPORT_CHF),
    Case("kurs-format", 4, {"exchange_rate": D("-0.935")}, base=EXPORT_CHF),
    Case("kurs-zero", 4, {"exchange_rate": D("0")}, base=EXPORT_CHF),
    Case("basis-umsatz-format", 5, {"base_amount": D("-267.38")}, base=EXPORT_CHF),
    Case("basis-pair", 6, {"base_currency": ""}, base=EXPORT_CHF),
    Case("basis-pair", 5, {"base_amount": None}, base=EXPORT_CHF),
    Case("account-format", 7, {"account": 0}),
    Case("account-format", 8, {"contra_account": -8400}),
    Case("account-length", 8, {"contra_account": 123_456}),
    Case("bu-key", 9, {"bu_key": "2a"}, base=OSS_AT),
    Case("bu-key", 9, {"bu_key": "240"}, base=OSS_AT),
    Case("bu-key", 9, {"bu_key": "3"}, base=OSS_AT),
    Case("belegdatum-period", 10, {"document_date": date(2026, 2, 1)}),
    Case("belegdatum-period", 10, {"document_date": date(2025, 12, 31)}),
    Case("belegfeld1-empty", 11, {"document_field1": ""}),
    Case("belegfeld1-length", 11, {"document_field1": "RE-" + "1" * 34}),
    Case("belegfeld1-chars", 11, {"document_field1": "RE 2026_7"}),
    Case("belegfeld1-chars", 11, {"document_field1": "RE-2026\n0001"}),
    Case("belegfeld1-underscore", 11, {"document_field1": "RE_2026_0001"}, severity="warning"),
    Case("belegfeld2-length", 12, {"document_field2": "RE-2026-00001"}),
    Case("buchungstext-length", 14, {"text": "x" * 61}, severity="warning"),
    Case("beleginfo-count", 21, {"doc_info": (("Art", "Inhalt"),) * 9}),
    Case("beleginfo-art-length", 21, {"doc_info": (("x" * 21, "y"),)}, severity="warning"),
    Case(
        "beleginfo-inhalt-length",
        24,
        {"doc_info": (("a", "b"), ("x", "y" * 211))},
        severity="warning",
    ),
    Case("auftragsnummer-length", 95, {"order_number": "x" * 31}),
    Case("eu-destination-length", 40, {"eu_destination": "ATU1234567890123"}, base=INTRA_EU_B2B),
    Case("eu-destination-country", 40, {"eu_destination": "GR"}, base=OSS_AT),
    Case("eu-rate-format", 41, {"eu_rate": D("20.125")}, base=OSS_AT),
    Case("eu-rate-format", 41, {"eu_rate": D("100")}, base=OSS_AT),
    Case("eu-rate-without-destination", 41, {"eu_rate": D("19")}),
    Case("eu-rate-missing", 41, {"eu_rate": None}, base=OSS_AT),
    Case("eu-origin-length", 123, {"eu_origin": "PL12345678901234"}, base=OSS_FROM_PL),
    Case("eu-origin-country", 123, {"eu_origin": "CH1234567"}, base=OSS_FROM_PL),
    Case("origin-rate-format", 124, {"origin_rate": D("-23")}, base=OSS_FROM_PL),
    Case("origin-rate-without-origin", 124, {"origin_rate": D("19")}),
]
STRUCTURE_CASES = HEADER_CASES + BOOKING_CASES


def test_the_golden_bookings_have_no_findings():
    assert lint_bookings(HEADER, BOOKINGS) == []


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=f"{case.rule}-{n}") for n, case in enumerate(STRUCTURE_CASES)],
)
def test_each_rule_yields_exactly_its_finding(case: Case):
    header = replace(HEADER, **case.header)
    findings = lint_bookings(header, [replace(case.base, **case.booking)])
    summary = [(f.rule, f.line, f.column, f.severity) for f in findings]
    assert summary == [(case.rule, case.line, case.column, case.severity)]
    assert findings[0].message


def test_findings_point_at_the_line_the_booking_will_get_and_carry_its_ref():
    bad = replace(OSS_AT, document_field1="RE 2026_7", ref="300000000999")
    findings = lint_bookings(HEADER, [DOMESTIC_19, EXPORT_CHF, bad])
    assert [(f.line, f.column, f.field, f.rule, f.ref) for f in findings] == [
        (5, 11, "Belegfeld 1", "belegfeld1-chars", "300000000999"),
    ]
    assert findings[0].message == (
        "Belegfeld 1 'RE 2026_7' contains ' ' (allowed: A–Z a–z 0–9 $ & % * + - /)"
    )


def test_bookings_may_be_a_generator():
    findings = lint_bookings(HEADER, (replace(b, side="X") for b in BOOKINGS))
    assert [(f.line, f.rule) for f in findings] == [(n, "side") for n in range(3, 11)]


def test_header_findings_are_on_line_1_with_the_header_field_name():
    (finding,) = lint_bookings(replace(HEADER, consultant_number=42), [])
    assert (finding.line, finding.column, finding.field) == (1, 11, "Beraternummer")
    assert finding.message == "Beraternummer '42' must be a number from 1001 to 9999999"
