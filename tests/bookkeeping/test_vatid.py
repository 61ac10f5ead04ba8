"""Offline VAT-ID check: format and checksum through python-stdnum, reasons in words."""

from __future__ import annotations

import pytest

from bookkeeping.vat.vatid import VatIdCheck, check_vat_id

CASES = [
    ("ATU13585627", VatIdCheck(True, "ATU13585627", "AT", "")),
    ("DE 136.695.976", VatIdCheck(True, "DE136695976", "DE", "")),
    ("de136695976", VatIdCheck(True, "DE136695976", "DE", "")),
    ("  PL-526-000-12-46 ", VatIdCheck(True, "PL5260001246", "PL", "")),
    ("BE697449992", VatIdCheck(True, "BE0697449992", "BE", "")),
    ("NL004495445B01", VatIdCheck(True, "NL004495445B01", "NL", "")),
    ("FR40303265045", VatIdCheck(True, "FR40303265045", "FR", "")),
    ("EL094014201", VatIdCheck(True, "EL094014201", "GR", "")),
    ("el 094014201", VatIdCheck(True, "EL094014201", "GR", "")),
    ("GR094014201", VatIdCheck(True, "EL094014201", "GR", "")),
    ("XI123456782", VatIdCheck(True, "XI123456782", "XI", "")),
    (
        "ATU12345678",
        VatIdCheck(
            False, "ATU12345678", "AT", "ATU12345678 is not a valid Austrian VAT ID (checksum)"
        ),
    ),
    (
        "DE136695977",
        VatIdCheck(
            False, "DE136695977", "DE", "DE136695977 is not a valid German VAT ID (checksum)"
        ),
    ),
    (
        "EL094014202",
        VatIdCheck(
            False, "EL094014202", "GR", "EL094014202 is not a valid Greek VAT ID (checksum)"
        ),
    ),
    (
        "ATU1234567",
        VatIdCheck(False, "ATU1234567", "AT", "ATU1234567 is not a valid Austrian VAT ID (length)"),
    ),
    (
        "FR4030326504X",
        VatIdCheck(
            False, "FR4030326504X", "FR", "FR4030326504X is not a valid French VAT ID (format)"
        ),
    ),
    (None, VatIdCheck(False, "", "", "no VAT ID")),
    ("", VatIdCheck(False, "", "", "no VAT ID")),
    (" . ", VatIdCheck(False, "", "", "no VAT ID")),
    ("XY123", VatIdCheck(False, "XY123", "", "XY123 has no EU country prefix")),
    ("136695976", VatIdCheck(False, "136695976", "", "136695976 has no EU country prefix")),
    (
        "CHE-123.456.788",
        VatIdCheck(False, "CHE123456788", "", "CHE123456788 has no EU country prefix"),
    ),
    ("GB980780684", VatIdCheck(False, "GB980780684", "", "GB980780684 has no EU country prefix")),
]


@pytest.mark.parametrize(("value", "expected"), CASES, ids=[repr(value) for value, _ in CASES])
def test_check_vat_id(value: str | None, expected: VatIdCheck) -> None:
    assert check_vat_id(value) == expected
