"""CAMT.052/053/054 parser: golden files written for these tests, plus a conformance run over
third-party samples from other open-source projects when ``../shared/fixtures`` is present."""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from payments.parsers.base import LineKind, ParsedStatement, StatementLine
from payments.parsers.camt import parse_camt
from payments.parsers.errors import StatementFormatError
from tests.payments.conftest import SHARED_ALTERNATIVES

SAMPLES = Path(__file__).parent / "samples" / "camt"


def _fixtures() -> Path:
    """``../shared/fixtures/payments`` beside the checkout (or ``PAYMENT_FIXTURES``)."""
    if os.environ.get("PAYMENT_FIXTURES"):
        return Path(os.environ["PAYMENT_FIXTURES"])
    for parent in Path(__file__).resolve().parents[2].parents:
        candidate = parent / "shared" / "fixtures" / "payments"
        if candidate.is_dir():
            return candidate
    for candidate in SHARED_ALTERNATIVES:  # where the other conformance tests look too
        if candidate.is_dir():
            return candidate
    return Path("../shared/fixtures/payments")


CONFORMANCE = _fixtures() / "camt"

GOLDEN = sorted(path.name for path in SAMPLES.glob("0*.xml"))
STATEMENT_FIELDS = (
    "format",
    "format_version",
    "account_iban",
    "account_currency",
    "statement_id",
    "opening_balance",
    "closing_balance",
    "period_from",
    "period_to",
)
LINE_DEFAULTS = {f.name: f.default for f in dataclasses.fields(StatementLine)}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def as_golden(parsed: ParsedStatement) -> dict[str, Any]:
    """The parsed statement as plain data: every line field that differs from its default."""
    lines = []
    for line in parsed.lines:
        row = {
            name: _plain(getattr(line, name))
            for name in LINE_DEFAULTS
            if name != "raw"
            and (
                name in ("booking_date", "amount", "currency", "kind")
                or getattr(line, name) != LINE_DEFAULTS[name]
            )
        }
        lines.append(row)
    return {
        **{name: _plain(getattr(parsed, name)) for name in STATEMENT_FIELDS},
        "lines": lines,
        "errors": [{"position": e.position, "reason": e.reason} for e in parsed.errors],
    }


def parse_sample(name: str) -> ParsedStatement:
    return parse_camt((SAMPLES / name).read_bytes())


@pytest.mark.parametrize("name", GOLDEN)
def test_sample_parses_to_its_golden_file(name: str) -> None:
    expected = yaml.safe_load((SAMPLES / name).with_suffix(".expected.yml").read_text("utf-8"))
    assert as_golden(parse_sample(name)) == expected


def test_golden_files_cover_every_shape_the_parser_promises() -> None:
    assert set(GOLDEN) >= {
        "053_v02_simple.xml",
        "053_v08_batch.xml",
        "053_reversal_return.xml",
        "053_charges.xml",
        "052_intraday.xml",
        "054_notification.xml",
        "053_two_statements.xml",
        "053_broken_entry.xml",
    }


def test_simple_v02_statement_signs_amounts_and_keeps_balances() -> None:
    parsed = parse_sample("053_v02_simple.xml")
    assert (parsed.format, parsed.format_version) == ("camt.053", "001.02")
    assert [line.amount for line in parsed.lines] == [Decimal("59.90"), Decimal("-26.50")]
    assert parsed.opening_balance + sum(line.amount for line in parsed.lines) == (
        parsed.closing_balance
    )
    payment, transfer = parsed.lines
    assert payment.counterparty_iban == "DE89370400440532013000"  # spaces removed
    assert payment.remittance == "Rechnung RE-2026-10041 Bestellung 4711-0815 vielen Dank"
    assert transfer.end_to_end_id == ""  # NOTPROVIDED is no id
    assert transfer.raw["transaction_id"] == "ZV0123456789"
    assert transfer.remittance == "RF18539007547034"  # the structured creditor reference
    assert transfer.counterparty_name == "Verpackungshandel Süd KG"  # the creditor of a debit


def test_batch_of_three_becomes_three_lines_that_add_up_to_the_entry() -> None:
    parsed = parse_sample("053_v08_batch.xml")
    assert parsed.format_version == "001.08"
    assert [line.amount for line in parsed.lines] == [
        Decimal("99.95"),
        Decimal("45.50"),
        Decimal("39.90"),
    ]
    assert sum(line.amount for line in parsed.lines) == Decimal("185.35")
    assert [line.bank_reference for line in parsed.lines] == [
        "2026111700777001/1",
        "2026111700777001/2",
        "2026111700777001/3",
    ]
    assert [line.counterparty_name for line in parsed.lines] == [
        "Markus Brandt",
        "Sabine Wolff",  # no debtor name: the ultimate debtor
        "Zahlungsdienst Beispiel AB",
    ]
    assert parsed.lines[2].raw["ultimate_party"] == "Otto Fischer"
    assert parsed.lines[0].booking_date == date(2026, 11, 17)  # from <DtTm>
    assert not parsed.errors


def test_text_status_and_code_status_read_alike() -> None:
    text_status = parse_sample("053_v02_simple.xml").lines[0]  # <Sts>BOOK</Sts>
    code_status = parse_sample("053_v08_batch.xml").lines[0]  # <Sts><Cd>BOOK</Cd></Sts>
    assert text_status.status == code_status.status == "booked"
    pending = parse_sample("052_intraday.xml").lines[1]  # <Sts><Cd>PDNG</Cd></Sts>
    assert pending.status == "pending"
    assert pending.booking_date == date(2026, 11, 21)  # no BookgDt yet: the value date


def test_reversal_and_return_carry_the_reason_and_the_customer() -> None:
    returned_debit, returned_transfer = parse_sample("053_reversal_return.xml").lines
    assert returned_debit.kind == returned_transfer.kind == LineKind.REVERSAL
    assert returned_debit.amount == Decimal("-129.00")  # sign as CdtDbtInd says
    assert returned_debit.return_reason == "MD06"
    assert returned_debit.counterparty_name == "Peter Hansen"  # the debtor, not ourselves
    assert returned_debit.mandate_id == "KD-20931-01"
    assert returned_debit.creditor_id == "DE98ZZZ09999999999"
    assert returned_transfer.amount == Decimal("26.50")
    assert returned_transfer.return_reason == "AC04"
    assert returned_transfer.counterparty_name == "Erika Mustermann"


def test_charges_included_are_the_fee_and_a_charges_entry_is_a_fee_line() -> None:
    payment, charge, transfer = parse_sample("053_charges.xml").lines
    assert (payment.amount, payment.fee, payment.gross) == (
        Decimal("98.50"),
        Decimal("-1.50"),
        Decimal("100.00"),
    )
    assert payment.kind == LineKind.PAYMENT
    assert (charge.kind, charge.amount, charge.fee) == (LineKind.FEE, Decimal("-12.90"), None)
    # Charges the bank books separately (ChrgInclInd false) are not taken from this amount.
    assert (transfer.amount, transfer.fee, transfer.gross) == (Decimal("-250.00"), None, None)


def test_camt_052_and_054_are_read_with_their_format() -> None:
    report = parse_sample("052_intraday.xml")
    notification = parse_sample("054_notification.xml")
    assert (report.format, report.format_version) == ("camt.052", "001.08")
    assert (notification.format, notification.format_version) == ("camt.054", "001.02")
    assert [line.bank_reference for line in notification.lines] == [
        "2026112000070001-A",
        "2026112000070001-B",
    ]


def test_bank_transaction_code_iso_first_and_the_proprietary_code_kept() -> None:
    payment = parse_sample("053_v02_simple.xml").lines[0]
    assert payment.transaction_code == "PMNT/RCDT/ESCT"
    assert payment.raw["proprietary_code"] == "NTRF+166+9310"  # the German GVC 166
    b2b, core = parse_sample("054_notification.xml").lines
    assert (b2b.transaction_code, b2b.raw["proprietary_code"]) == (
        "PMNT/RDDT/BBDD",  # the detail's code wins over the entry's
        "NDDT+105+9932",
    )
    assert core.transaction_code == "PMNT/RDDT/ESDD"
    assert "proprietary_code" not in core.raw


def test_two_statements_in_one_file_give_all_lines_in_order() -> None:
    parsed = parse_sample("053_two_statements.xml")  # ISO-8859-1 encoded
    assert [line.booking_date for line in parsed.lines] == [date(2026, 11, 21), date(2026, 11, 23)]
    assert parsed.lines[0].counterparty_name == "Jürgen Groß"
    assert parsed.lines[0] == dataclasses.replace(
        parsed.lines[1], booking_date=date(2026, 11, 21), value_date=date(2026, 11, 21)
    )
    assert (parsed.opening_balance, parsed.closing_balance) == (Decimal("-10.00"), Decimal("50.00"))
    assert (parsed.period_from, parsed.period_to) == (date(2026, 11, 21), date(2026, 11, 23))
    assert parsed.statement_id == "2026-11-21-0218, 2026-11-23-0219"
    (error,) = parsed.errors
    assert error.position == 3
    assert "DE89370400440532013000" in error.reason


def test_a_broken_entry_gets_a_reason_and_the_rest_goes_on() -> None:
    parsed = parse_sample("053_broken_entry.xml")
    assert [line.bank_reference for line in parsed.lines] == [
        "OK-1",
        "SUM-DIFFERS/1",
        "SUM-DIFFERS/2",
        "ONE-AMOUNT-MISSING/1",
        "ONE-AMOUNT-MISSING/2",
        "TWO-AMOUNTS-MISSING",
        "OK-2",
    ]
    assert [error.position for error in parsed.errors] == [2, 3, 4, 5, 6, 8]
    assert "(difference 10.00 EUR)" in parsed.errors[4].reason
    assert parsed.lines[4].amount == Decimal("25.00")  # the one detail without amount: the rest
    assert parsed.lines[5].raw["unsplit_batch"] == 2
    assert all(error.reason.endswith(".") for error in parsed.errors)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((SAMPLES / "not_camt.xml").read_bytes(), "CstmrCdtTrfInitn"),
        (b"Buchungstag;Betrag\n16.11.2026;59,90\n", "not readable XML"),
        (b"<html><body>Login</body></html>", "<html>"),
        (b"", "not readable XML"),
    ],
)
def test_a_file_that_is_no_camt_is_refused_with_a_sentence(data: bytes, expected: str) -> None:
    with pytest.raises(StatementFormatError, match="not a CAMT statement") as caught:
        parse_camt(data)
    assert expected in str(caught.value)


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_attacks_are_refused_without_expanding_anything(name: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(StatementFormatError, match="not read, for safety"):
        parse_camt((SAMPLES / name).read_bytes())
    assert time.monotonic() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_a_dtd_behind_a_utf16_encoding_is_refused_too() -> None:
    data = (
        (SAMPLES / "billion_laughs.xml")
        .read_text("utf-8")
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    )
    with pytest.raises(StatementFormatError, match="not read, for safety"):
        parse_camt(data.encode("utf-16"))


# --- conformance: third-party samples -------------------------------------------------------

# Per file, the LineErrors its content calls for (position: why).
DOCUMENTED_ERRORS = {
    # The batch entry is 200000 SEK, its details are in CHF: no unambiguous split.
    "genkgo_camt054.v8.xml": {1},
}


def _conformance_files() -> list[Path]:
    return sorted(CONFORMANCE.glob("*.xml")) if CONFORMANCE.is_dir() else []


def _entry_sums(data: bytes) -> dict[str, Decimal]:
    """The entries' sums per CdtDbtInd, read with plain lxml (independent of the parser)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for entry in etree.fromstring(data).iter("{*}Ntry"):
        sums[entry.findtext("{*}CdtDbtInd")] += Decimal(entry.findtext("{*}Amt"))
    return sums


@pytest.mark.skipif(
    not CONFORMANCE.is_dir(), reason=f"third-party CAMT samples not present at {CONFORMANCE}"
)
@pytest.mark.parametrize("path", _conformance_files(), ids=lambda p: p.name)
def test_third_party_sample_conforms(path: Path) -> None:
    data = path.read_bytes()
    parsed = parse_camt(data)
    assert parsed.lines, "every sample has at least one entry"
    assert {e.position for e in parsed.errors} == DOCUMENTED_ERRORS.get(path.name, set())
    line_sums = {
        "CRDT": sum((line.amount for line in parsed.lines if line.amount > 0), Decimal(0)),
        "DBIT": -sum((line.amount for line in parsed.lines if line.amount < 0), Decimal(0)),
    }
    entry_sums = _entry_sums(data)
    assert line_sums["CRDT"] == entry_sums.get("CRDT", Decimal(0))
    assert line_sums["DBIT"] == entry_sums.get("DBIT", Decimal(0))
    expected = path.with_name(path.stem + ".expected.yml")
    if expected.exists():
        assert as_golden(parsed) == yaml.safe_load(expected.read_text("utf-8"))


def test_a_reference_two_different_entries_share_is_no_id() -> None:
    parsed = parse_sample("053_v08_unqualified_shared_reference.xml")
    assert (parsed.format, parsed.format_version) == ("camt.053", "001.08")  # un-namespaced
    payment, fee, repeated, transfer = parsed.lines
    # Keyed by this reference, the fee (or any second entry) would vanish as a duplicate of
    # the payment; without it the import keys the lines by their content.
    assert payment.bank_reference == fee.bank_reference == repeated.bank_reference == ""
    assert payment.raw["shared_bank_reference"] == "047200003598/0002000001"
    assert transfer.bank_reference == "2026112600000099"
    assert fee.kind == LineKind.FEE


def test_an_entry_without_details_shows_its_entry_text() -> None:
    fee = parse_sample("053_v08_unqualified_shared_reference.xml").lines[1]
    assert fee.remittance == "Entgelt Auslandszahlung"
    charge = parse_sample("053_charges.xml").lines[1]
    assert charge.remittance == "Kontoführung November 2026"


def test_prefixed_namespace_and_datetime_with_fraction_are_read() -> None:
    parsed = parse_sample("054_v06_prefixed.xml")
    assert (parsed.format, parsed.format_version) == ("camt.054", "001.06")
    (line,) = parsed.lines
    assert (line.booking_date, line.amount, line.status) == (
        date(2026, 11, 27),
        Decimal("18.40"),
        "booked",
    )
    assert line.counterparty_name == "Felix Hartmann"


MEMORY_PROBE = """
import resource, sys
from payments.parsers.camt import parse_camt
sample = open(sys.argv[1], encoding="utf-8").read()
head, rest = sample.split("<Ntry>", 1)
entry = "<Ntry>" + rest.split("</Ntry>", 1)[0] + "</Ntry>"
tail = sample[sample.rindex("</Ntry>") + len("</Ntry>"):]
data = (head + "".join(entry.replace("2026111600012345", f"R{i:08d}") for i in range(10_000))
        + tail).encode()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
parsed = parse_camt(data)
assert len(parsed.lines) == 10_000, len(parsed.lines)
print(len(data) // 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_large_statement_is_read_without_holding_its_whole_tree() -> None:
    # In a fresh process, so that the peak is this parse's own. A whole lxml tree of the
    # 13 MB file would take about ten times its size; streamed, the growth is the lines.
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(SAMPLES / "053_v02_simple.xml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    file_kib, growth_kib = map(int, probe.stdout.split())
    assert file_kib > 12_000
    assert growth_kib < file_kib * 2, f"{growth_kib} KiB more for a {file_kib} KiB file"
