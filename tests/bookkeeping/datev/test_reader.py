"""The EXTF reader: exact structures of the golden files, DATEV quoting, encodings, line ends."""

from __future__ import annotations

import ast
import codecs
from datetime import date
from pathlib import Path

from bookkeeping.datev import read_extf
from bookkeeping.datev import reader as reader_module
from bookkeeping.datev.columns import BOOKING_COLUMNS, DEBTOR_COLUMNS

from .samples import BOOKINGS_GOLDEN, DEBTORS_GOLDEN, LINE


def _row(parsed, name: str) -> list[str]:
    row = parsed.rows[LINE[name] - 3]
    assert row.line == LINE[name]
    return row.fields


def _col(fields: list[str], column: int) -> str:
    return fields[column - 1]  # DATEV numbers columns from 1


def test_golden_bookings_header():
    parsed = read_extf(BOOKINGS_GOLDEN.read_bytes())
    header = parsed.header
    assert header is not None
    assert header.fields == [
        "EXTF", "700", "21", "Buchungsstapel", "13", "20260203140506789", "", "RE",
        "billbee-connector", "", "29098", "55003", "20260101", "4", "20260101", "20260131",
        "Billbee Januar 2026", "BB", "1", "0", "0", "EUR", "", "", "", "", "03", "", "", "",
        "billbee-conn",
    ]  # fmt: skip
    assert (header.kind, header.version, header.category) == ("EXTF", 700, 21)
    assert (header.format_name, header.format_version) == ("Buchungsstapel", 13)
    assert (header.consultant_number, header.client_number) == (29098, 55003)
    assert header.fiscal_year_start == date(2026, 1, 1)
    assert (header.period_from, header.period_to) == (date(2026, 1, 1), date(2026, 1, 31))
    assert (header.account_length, header.chart, header.locked) == (4, "03", "0")
    assert (header.label, header.currency) == ("Billbee Januar 2026", "EUR")


def test_golden_bookings_file_shape():
    parsed = read_extf(BOOKINGS_GOLDEN.read_bytes())
    assert parsed.encoding == "cp1252"
    assert parsed.line_endings == {"CRLF": 10}
    assert parsed.bad_endings == {}
    assert parsed.undecodable_lines == [] and parsed.broken_lines == []
    assert parsed.headings == [column.name for column in BOOKING_COLUMNS]
    assert [row.line for row in parsed.rows] == list(range(3, 11))
    assert [len(row.fields) for row in parsed.rows] == [125] * 8
    assert all(row.well_formed for row in parsed.rows)
    assert [_col(row.fields, 114) for row in parsed.rows] == ["0"] * 8


def test_golden_bookings_values_by_position():
    parsed = read_extf(BOOKINGS_GOLDEN.read_bytes())
    domestic = _row(parsed, "DOMESTIC_19")
    assert _col(domestic, 1) == "119,00" and _col(domestic, 2) == "S"
    assert (_col(domestic, 7), _col(domestic, 8), _col(domestic, 10)) == ("10000", "8400", "0501")
    assert _col(domestic, 14) == 'Möbel "Kiefer" für Müller'  # doubled quotes undone
    assert (_col(domestic, 21), _col(domestic, 22)) == ("Billbee-Auftrag", "300000000100001")
    assert _col(domestic, 95) == "BB-100001"

    oss = _row(parsed, "OSS_AT")
    assert (_col(oss, 9), _col(oss, 40), _col(oss, 41)) == ("0240", "AT", "20,00")
    assert (_col(oss, 115), _col(oss, 116)) == ("15012026", "15012026")

    warehouse = _row(parsed, "OSS_FROM_PL")
    assert (_col(warehouse, 9), _col(warehouse, 40)) == ("0241", "AT")
    assert (_col(warehouse, 123), _col(warehouse, 124)) == ("PL1234567890", "23,00")
    assert _col(warehouse, 14) == "Lager Lódz, Kunde Pawel Nowak"

    b2b = _row(parsed, "INTRA_EU_B2B")
    assert (_col(b2b, 8), _col(b2b, 40), _col(b2b, 41)) == ("8125", "ATU12345678", "")

    export = _row(parsed, "EXPORT_CHF")
    assert [_col(export, n) for n in range(3, 7)] == ["CHF", "0,935", "267,38", "EUR"]

    credit = _row(parsed, "CREDIT_NOTE")
    assert (_col(credit, 2), _col(credit, 11), _col(credit, 12)) == (
        "H",
        "GS-2026-0001",
        "RE-2026-0001",
    )
    assert (_col(credit, 115), _col(credit, 116)) == ("03012026", "26012026")

    reversal = _row(parsed, "REVERSAL")
    assert (_col(reversal, 118), _col(domestic, 118)) == ("1", "0")
    assert _col(reversal, 14) == "Storno RE-2026-0002  Bestellung storniert"


def test_golden_debtors():
    parsed = read_extf(DEBTORS_GOLDEN.read_bytes())
    header = parsed.header
    assert header is not None
    assert (header.category, header.format_name, header.format_version) == (
        16,
        "Debitoren/Kreditoren",
        5,
    )
    assert (header.period_from, header.period_to, header.label) == (None, None, "")
    assert [header.field(n) for n in (15, 16, 19, 20, 21, 22)] == [""] * 6
    assert parsed.headings == [column.name for column in DEBTOR_COLUMNS]
    assert [len(row.fields) for row in parsed.rows] == [254] * 3
    schmidt = parsed.rows[1].fields
    assert [schmidt[n - 1] for n in (1, 2, 7, 9, 10, 16, 18, 19, 20, 33)] == [
        "10001", "Schmidt Handels KG", "2", "AT", "U12345678", "Mariahilfer Straße 12",
        "1060", "Wien", "AT", "einkauf@schmidt-kg.example",
    ]  # fmt: skip
    person = parsed.rows[2].fields
    assert [person[n - 1] for n in (1, 2, 4, 5, 7)] == ["10002", "", "Zürcher", "Bärbel", "1"]


def _file(*rows: str, ending: str = "\r\n") -> bytes:
    head = ['"EXTF";700;21', "Umsatz;Text;Wert"]
    return (ending.join([*head, *rows]) + ending).encode("cp1252")


def test_quoted_fields_may_hold_separators_and_doubled_quotes():
    parsed = read_extf(_file('1;"a;b";"say ""hi""";;"";""""'))
    assert parsed.rows[0].fields == ["1", "a;b", 'say "hi"', "", "", '"']
    assert parsed.rows[0].well_formed


def test_malformed_quoting_is_recorded_with_a_best_guess():
    parsed = read_extf(_file('1;"RE-1"x;2', '1;ab"c;2'))
    assert [row.well_formed for row in parsed.rows] == [False, False]
    assert parsed.rows[0].fields == ["1", "RE-1x", "2"]
    assert parsed.rows[1].fields == ["1", 'ab"c', "2"]


def test_an_open_quote_continues_on_the_next_line():
    parsed = read_extf(_file('1;"first\r\nsecond";2', "3;x;4"))
    assert parsed.broken_lines == [3]
    assert [(row.line, row.fields) for row in parsed.rows] == [
        (3, ["1", "first\r\nsecond", "2"]),
        (5, ["3", "x", "4"]),
    ]


def test_every_kind_of_line_ending_is_recorded():
    data = b'"EXTF";700\r\nA;B\n1;2\r3;4\r\n5;6'
    parsed = read_extf(data)
    assert parsed.line_endings == {"CRLF": 2, "LF": 1, "CR": 1, "none": 1}
    assert parsed.bad_endings == {"LF": [2], "CR": [3], "none": [5]}
    assert [row.fields for row in parsed.rows] == [["1", "2"], ["3", "4"], ["5", "6"]]


def test_utf8_is_read_only_behind_a_bom():
    text = '"EXTF";700\r\nA\r\n"Müller"\r\n'
    with_bom = read_extf(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert with_bom.encoding == "utf-8"
    assert with_bom.rows[0].fields == ["Müller"]
    without_bom = read_extf(text.encode("utf-8"))
    assert without_bom.encoding == "cp1252"
    assert without_bom.rows[0].fields == ["MÃ¼ller"]


def test_bytes_cp1252_cannot_decode_are_located():
    parsed = read_extf(b'"EXTF";700\r\nA\r\n"B\x81cher"\r\n')
    assert parsed.undecodable_lines == [3]
    assert parsed.rows[0].fields == ["B\ufffdcher"]


def test_empty_and_truncated_files():
    empty = read_extf(b"")
    assert (empty.header, empty.headings, empty.rows) == (None, [], [])
    header_only = read_extf(b'"EXTF";700;21\r\n')
    assert header_only.header is not None and header_only.header.category == 21
    assert header_only.header.field(31) == ""
    assert (header_only.headings, header_only.rows) == ([], [])


def test_the_reader_is_independent_of_the_writer_and_the_column_lists():
    # So that the linter, which reads back what the writer wrote, can catch the writer's bugs.
    tree = ast.parse(Path(reader_module.__file__).read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "dataclasses", "datetime"}
