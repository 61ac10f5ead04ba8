"""``lint_file``: zero findings on the golden files, and for every rule a hand-made file that
breaks exactly that rule and yields exactly that one finding (line, column, severity)."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pytest

from bookkeeping.datev import lint_file, write_bookings

from .edit import drop_field, golden_bookings, golden_debtors, set_field
from .samples import DOMESTIC_19, HEADER, LINE, REFS

DOMESTIC, OSS, WAREHOUSE = LINE["DOMESTIC_19"], LINE["OSS_AT"], LINE["OSS_FROM_PL"]
B2B, EXPORT, CREDIT = LINE["INTRA_EU_B2B"], LINE["EXPORT_CHF"], LINE["CREDIT_NOTE"]


@dataclass(frozen=True)
class Case:
    rule: str
    make: Callable[[], bytes]
    line: int | None
    column: int | None
    severity: str = "error"


def booking(line: int, column: int, raw: str) -> Callable[[], bytes]:
    return lambda: set_field(golden_bookings(), line, column, raw)


def debtor(line: int, column: int, raw: str) -> Callable[[], bytes]:
    return lambda: set_field(golden_debtors(), line, column, raw)


def quoted(length: int, start: str = "") -> str:
    return '"' + (start + "x" * length)[:length] + '"'


def written(header=HEADER, bookings=(DOMESTIC_19,)) -> Callable[[], bytes]:
    def make() -> bytes:
        out = io.BytesIO()
        write_bookings(header, bookings, out)
        return out.getvalue()

    return make


def _utf8(bom: bool) -> Callable[[], bytes]:
    return lambda: (codecs.BOM_UTF8 if bom else b"") + golden_bookings().decode("cp1252").encode()


# A batch from December 2025 to January 2026 inside a fiscal year starting in July.
SPANNING = replace(
    HEADER,
    fiscal_year_start=date(2025, 7, 1),
    period_from=date(2025, 12, 1),
    period_to=date(2026, 1, 31),
)
DECEMBER = replace(DOMESTIC_19, document_date=date(2025, 12, 15))

FILE_CASES = [
    # File (§1.1)
    Case("line-ending", lambda: golden_bookings().replace(b"\r\n", b"\n"), 1, None),
    Case("line-ending", lambda: golden_bookings().replace(b"\r\n", b"\r", 1), 1, None),
    Case("line-ending", lambda: golden_bookings()[:-2], 10, None),
    Case("encoding", lambda: golden_bookings().replace(b"B\xfccher", b"B\x81cher"), 4, None),
    Case("encoding-utf8-no-bom", _utf8(bom=False), None, None, "warning"),
    Case("encoding-utf8-bom", _utf8(bom=True), None, None, "warning"),
    Case("quoting", booking(DOMESTIC, 11, '"RE-2026-0001"x'), DOMESTIC, None),
    Case("text-control", booking(LINE["DOMESTIC_7"], 14, '"Bücher\t7 % USt"'), 4, 14),
    # Header (§1.2)
    Case("header-kind", booking(1, 1, '"DTVF"'), 1, 1),
    Case("header-version", booking(1, 2, "510"), 1, 2),
    Case("header-category", booking(1, 3, "20"), 1, 3),
    Case("header-format-name", booking(1, 4, '"Debitoren/Kreditoren"'), 1, 4),
    Case("header-format-version", booking(1, 5, "12"), 1, 5),
    Case("header-format-version", debtor(1, 5, "4"), 1, 5),
    Case("header-field-count", lambda: drop_field(golden_bookings(), 1, 31), 1, None),
    Case("header-created-at", booking(1, 6, "2026020314050678"), 1, 6),
    Case("header-created-at", booking(1, 6, "20261302140506789"), 1, 6),
    Case("header-consultant", booking(1, 11, "1000"), 1, 11),
    Case("header-consultant", booking(1, 11, "29O98"), 1, 11),
    Case("header-client", booking(1, 12, "0"), 1, 12),
    Case("header-client", booking(1, 12, "100000"), 1, 12),
    Case("header-fiscal-year-start", booking(1, 13, "20260132"), 1, 13),
    Case("header-account-length", booking(1, 14, "9"), 1, 14),
    Case("header-period-format", booking(1, 16, "2026013"), 1, 16),
    Case("header-period-order", booking(1, 15, "20260201"), 1, 15),
    Case("header-period-year", written(SPANNING, [DECEMBER]), 1, 16),
    Case("header-period-fiscal-year", booking(1, 13, "20260201"), 1, 15),
    Case("header-label", booking(1, 17, quoted(31)), 1, 17),
    Case("header-initials", booking(1, 18, '"BBB"'), 1, 18),
    Case("header-exported-by", booking(1, 9, quoted(26)), 1, 9),
    Case("header-origin", booking(1, 8, '"RES"'), 1, 8),
    Case("header-app-info", booking(1, 31, quoted(17)), 1, 31),
    Case("header-locked", booking(1, 21, "2"), 1, 21),
    Case("header-locked", booking(1, 21, ""), 1, 21),
    Case("header-currency", booking(1, 22, '"EURO"'), 1, 22),
    Case("header-chart", booking(1, 27, '"05"'), 1, 27),
    Case("header-chart", debtor(1, 27, '""'), 1, 27),
    # Headings and rows
    Case("heading-count", lambda: drop_field(golden_bookings(), 2, 125), 2, None),
    Case("heading-count", lambda: drop_field(golden_debtors(), 2, 254), 2, None),
    Case("row-column-count", lambda: drop_field(golden_bookings(), DOMESTIC, 125), 3, None),
    Case("row-column-count", lambda: drop_field(golden_debtors(), 4, 40), 4, None),
    # Booking fields (§1.4)
    Case("umsatz-format", booking(DOMESTIC, 1, "119.00"), DOMESTIC, 1),
    Case("umsatz-format", booking(B2B, 1, "1.500,00"), B2B, 1),
    Case("umsatz-format", booking(B2B, 1, "12345678901,00"), B2B, 1),
    Case("umsatz-format", booking(B2B, 1, "500"), B2B, 1),
    Case("umsatz-negative", booking(DOMESTIC, 1, "-119,00"), DOMESTIC, 1),
    Case("umsatz-zero", booking(DOMESTIC, 1, "0,00"), DOMESTIC, 1),
    Case("side", booking(DOMESTIC, 2, '"X"'), DOMESTIC, 2),
    Case("side", booking(DOMESTIC, 2, '""'), DOMESTIC, 2),
    Case("currency", booking(DOMESTIC, 3, '"EURO"'), DOMESTIC, 3),
    Case("kurs-format", booking(EXPORT, 4, "0.935"), EXPORT, 4),
    Case("kurs-zero", booking(EXPORT, 4, "0,000000"), EXPORT, 4),
    Case("basis-umsatz-format", booking(EXPORT, 5, "267.38"), EXPORT, 5),
    Case("basis-pair", booking(EXPORT, 6, '""'), EXPORT, 6),
    Case("basis-pair", booking(EXPORT, 5, ""), EXPORT, 5),
    Case("account-format", booking(DOMESTIC, 7, "10A00"), DOMESTIC, 7),
    Case("account-format", booking(DOMESTIC, 8, "1234567890"), DOMESTIC, 8),
    Case("account-length", booking(DOMESTIC, 8, "840"), DOMESTIC, 8),
    Case("account-length", booking(DOMESTIC, 7, "100000"), DOMESTIC, 7),
    Case("bu-key", booking(OSS, 9, '"12345"'), OSS, 9),
    Case("bu-key", booking(OSS, 9, '"24O"'), OSS, 9),
    # A three-digit key is ambiguous (its 2 reads as Generalumkehr): only "0240" is accepted.
    Case("bu-key", booking(OSS, 9, '"240"'), OSS, 9),
    Case("eu-rate-format", booking(OSS, 41, "5,50"), OSS, 41),
    Case("belegdatum-format", booking(DOMESTIC, 10, "501"), DOMESTIC, 10),
    Case("belegdatum-format", booking(DOMESTIC, 10, "05012026"), DOMESTIC, 10),
    Case("belegdatum-day", booking(DOMESTIC, 10, "3102"), DOMESTIC, 10),
    Case("belegdatum-day", booking(DOMESTIC, 10, "2902"), DOMESTIC, 10),  # 2026: no leap year
    Case("belegdatum-period", booking(DOMESTIC, 10, "0102"), DOMESTIC, 10),
    Case("belegfeld1-empty", booking(DOMESTIC, 11, '""'), DOMESTIC, 11),
    Case("belegfeld1-length", booking(DOMESTIC, 11, quoted(37, "RE-")), DOMESTIC, 11),
    Case("belegfeld1-chars", booking(DOMESTIC, 11, '"RE 2026_7"'), DOMESTIC, 11),
    Case("belegfeld1-chars", booking(DOMESTIC, 11, '"RE-2026-0001ä"'), DOMESTIC, 11),
    Case("belegfeld1-underscore", booking(DOMESTIC, 11, '"RE_2026_0001"'), DOMESTIC, 11, "warning"),
    Case("belegfeld2-length", booking(CREDIT, 12, '"RE-2026-00001"'), CREDIT, 12),
    Case("buchungstext-length", booking(DOMESTIC, 14, quoted(61)), DOMESTIC, 14),
    Case("beleginfo-art-length", booking(DOMESTIC, 21, quoted(21)), DOMESTIC, 21),
    Case("beleginfo-inhalt-length", booking(DOMESTIC, 22, quoted(211)), DOMESTIC, 22),
    Case("beleginfo-inhalt-length", booking(DOMESTIC, 36, quoted(211)), DOMESTIC, 36),
    Case("eu-destination-length", booking(B2B, 40, '"ATU1234567890123"'), B2B, 40),
    Case("eu-destination-country", booking(OSS, 40, '"GR"'), OSS, 40),
    Case("eu-destination-country", booking(B2B, 40, '"CHE123456789"'), B2B, 40),
    Case("eu-rate-format", booking(OSS, 41, "20"), OSS, 41),
    Case("eu-rate-format", booking(OSS, 41, "20.00"), OSS, 41),
    Case("eu-rate-without-destination", booking(DOMESTIC, 41, "19,00"), DOMESTIC, 41),
    Case("eu-rate-missing", booking(OSS, 41, ""), OSS, 41),
    Case("auftragsnummer-length", booking(DOMESTIC, 95, quoted(31)), DOMESTIC, 95),
    Case("locked-flag", booking(DOMESTIC, 114, ""), DOMESTIC, 114),
    Case("locked-flag", booking(DOMESTIC, 114, "2"), DOMESTIC, 114),
    Case("service-date-format", booking(DOMESTIC, 115, "32012026"), DOMESTIC, 115),
    Case("service-date-format", booking(DOMESTIC, 116, "2026-01-03"), DOMESTIC, 116),
    Case("tax-period-missing", booking(DOMESTIC, 116, ""), DOMESTIC, 116),
    Case("reversal-flag", booking(DOMESTIC, 118, '"2"'), DOMESTIC, 118),
    Case("eu-origin-length", booking(WAREHOUSE, 123, '"PL12345678901234"'), WAREHOUSE, 123),
    Case("eu-origin-country", booking(WAREHOUSE, 123, '"CH1234567"'), WAREHOUSE, 123),
    Case("origin-rate-format", booking(WAREHOUSE, 124, "23"), WAREHOUSE, 124),
    Case("origin-rate-without-origin", booking(DOMESTIC, 124, "19,00"), DOMESTIC, 124),
    # Debitoren/Kreditoren fields (§1.5)
    Case("debtor-account-format", debtor(3, 1, "1000A"), 3, 1),
    Case("debtor-account-format", debtor(3, 1, "01000"), 3, 1),
    Case("debtor-account-length", debtor(3, 1, "1000"), 3, 1),
    Case("debtor-address-type", debtor(3, 7, '"3"'), 3, 7),
    Case("debtor-field-length", debtor(3, 8, '"Amazon Marketplace"'), 3, 8),
    Case("debtor-field-length", debtor(4, 2, quoted(51)), 4, 2),
    Case("debtor-eu-country", debtor(4, 9, '"GR"'), 4, 9),
    Case("debtor-vat-id-length", debtor(4, 10, '"U1234567890123"'), 4, 10),
    Case("debtor-vat-id-country", debtor(4, 9, '""'), 4, 10),
    Case("debtor-country", debtor(3, 20, '"DEU"'), 3, 20),
]


def _summary(findings) -> list[tuple]:
    return [(f.rule, f.line, f.column, f.severity) for f in findings]


def test_the_golden_files_have_no_findings():
    assert lint_file(golden_bookings(), REFS) == []
    assert lint_file(golden_debtors()) == []


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=f"{case.rule}-{n}") for n, case in enumerate(FILE_CASES)]
)
def test_each_rule_yields_exactly_its_finding(case: Case):
    findings = lint_file(case.make())
    assert _summary(findings) == [(case.rule, case.line, case.column, case.severity)]
    assert findings[0].message


def test_an_empty_file_is_one_finding():
    assert _summary(lint_file(b"")) == [("file-empty", None, None, "error")]


def test_findings_name_the_field_and_carry_the_callers_ref():
    data = set_field(golden_bookings(), LINE["OSS_AT"], 11, '"RE 2026_7"')
    (finding,) = lint_file(data, REFS)
    assert finding.field == "Belegfeld 1"
    assert finding.ref == REFS[LINE["OSS_AT"] - 3] == "300000000100003"
    assert finding.message == (
        "Belegfeld 1 'RE 2026_7' contains ' ' (allowed: A–Z a–z 0–9 $ & % * + - /)"
    )


def test_messages_explain_what_to_do():
    def message(data: bytes) -> str:
        (finding,) = lint_file(data)
        return finding.message

    assert "locks the batch" in message(booking(DOMESTIC, 114, "")())
    assert "sign in S/H" in message(booking(DOMESTIC, 1, "-119,00")())
    assert "Greece is EL" in message(booking(OSS, 40, '"GR"')())
    assert message(booking(DOMESTIC, 10, "3102")()) == "Belegdatum 3102 is not a real day in 2026"
    assert "spans two calendar years" in message(written(SPANNING, [DECEMBER])())
    assert "LF instead of CR LF" in message(golden_bookings().replace(b"\r\n", b"\n"))


def test_a_wrong_column_count_suppresses_the_field_checks_of_that_row():
    # Dropping field 2 shifts every later field; only the count is reported, not 100 errors.
    data = drop_field(golden_bookings(), DOMESTIC, 2)
    assert _summary(lint_file(data)) == [("row-column-count", DOMESTIC, None, "error")]


def test_several_rules_on_one_row_are_all_reported():
    data = set_field(golden_bookings(), DOMESTIC, 1, "0,00")
    data = set_field(data, DOMESTIC, 11, '"RE 1"')
    data = set_field(data, LINE["REVERSAL"], 114, "")
    assert [(f.rule, f.line, f.ref) for f in lint_file(data, REFS)] == [
        ("umsatz-zero", 3, "300000000100001"),
        ("belegfeld1-chars", 3, "300000000100001"),
        ("locked-flag", 10, "300000000100002"),
    ]
