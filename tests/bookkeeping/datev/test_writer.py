"""The EXTF writer, compared byte for byte with golden files, and its field formatting.

The golden files were generated once with this writer and then checked by hand: decoded and
printed field by field against the column list of seamless-engineering/datev-extf
``src/columns.ts`` (DATEV's sample headings, = bookkeeping.md §1.3/§1.5), the DATEV header samples
of bookkeeping.md §1.2/§1.5, and the text/number quoting of OCA/l10n-germany
``datev_export_dtvf/datev.py``. They are stored as raw bytes (cp1252, CRLF; ``-text`` in
.gitattributes), so any change in the output shows up here.
"""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

import pytest

from bookkeeping.datev import DatevDebtor, write_bookings, write_debtors
from bookkeeping.datev.debtors import split_vat_id
from bookkeeping.datev.writer import clean_text, rate_field, text_field

from .samples import (
    BOOKINGS,
    BOOKINGS_GOLDEN,
    DEBTORS,
    DEBTORS_GOLDEN,
    DOMESTIC_19,
    EXPORT_CHF,
    HEADER,
)


def _bookings_bytes(bookings, header=HEADER) -> bytes:
    out = io.BytesIO()
    write_bookings(header, bookings, out)
    return out.getvalue()


def _row(data: bytes, index: int = 0) -> list[str]:
    """Raw fields of the index-th booking row (the tests below use no ';' in texts)."""
    return data.split(b"\r\n")[2 + index].decode("cp1252").split(";")


def test_bookings_match_the_golden_file_byte_for_byte():
    out = io.BytesIO()
    count = write_bookings(HEADER, iter(BOOKINGS), out)
    assert count == 8
    assert out.getvalue() == BOOKINGS_GOLDEN.read_bytes()


def test_debtors_match_the_golden_file_byte_for_byte():
    out = io.BytesIO()
    assert write_debtors(HEADER, iter(DEBTORS), out) == 3
    assert out.getvalue() == DEBTORS_GOLDEN.read_bytes()


def test_header_lines_follow_the_datev_samples():
    bookings = BOOKINGS_GOLDEN.read_bytes().split(b"\r\n")[0]
    assert bookings == (
        b'"EXTF";700;21;"Buchungsstapel";13;20260203140506789;;"RE";"billbee-connector";"";'
        b'29098;55003;20260101;4;20260101;20260131;"Billbee Januar 2026";"BB";1;0;0;"EUR";;"";;;'
        b'"03";;;"";"billbee-conn"'
    )
    # §1.5: empty Datum vom/bis, Bezeichnung, Buchungstyp (and no Festschreibung/WKZ).
    debtors = DEBTORS_GOLDEN.read_bytes().split(b"\r\n")[0]
    assert debtors == (
        b'"EXTF";700;16;"Debitoren/Kreditoren";5;20260203140506789;;"RE";"billbee-connector";"";'
        b'29098;55003;20260101;4;;;"";"BB";;;;"";;"";;;"03";;;"";"billbee-conn"'
    )


def test_every_line_ends_with_crlf_and_the_file_is_cp1252():
    data = BOOKINGS_GOLDEN.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == data.count(b"\r") == 10
    assert data.endswith(b"\r\n")
    assert "Österreich".encode("cp1252") in data
    assert "Österreich".encode() not in data


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('Möbel "Kiefer"', '"Möbel ""Kiefer"""'),
        ("Łódź, Paweł", '"Lódz, Pawel"'),  # ó is in cp1252, Ł ł ź are not
        ("Győr Ő", '"Gyor O"'),
        ("Pfeil → Ziel", '"Pfeil ? Ziel"'),  # no ASCII stand-in: "?"
        ("a\tb\rc\nd\u2028e\x7ff", '"a b c d e f"'),
        ("ﬁx € – ½", '"fix € – ½"'),  # ligature decomposed, cp1252 characters kept
        ("", '""'),
    ],
)
def test_text_fields_are_quoted_cleaned_and_cp1252(text, written):
    assert text_field(text) == written
    written.encode("cp1252")


def test_truncation_counts_characters_after_mapping_and_before_quote_doubling():
    assert clean_text("ẞ" * 40, 60) == "SS" * 30
    field = text_field('"' * 70, 60)
    assert field == '"' + '""' * 60 + '"'


def test_buchungstext_is_cut_to_60_but_belegfeld1_is_written_as_given():
    long_doc1 = "RE-2026-" + "1" * 32  # 40 characters: invalid, but it is the open-item key
    booking = replace(DOMESTIC_19, text="x" * 70, document_field1=long_doc1)
    row = _row(_bookings_bytes([booking]))
    assert row[13] == '"' + "x" * 60 + '"'
    assert row[10] == f'"{long_doc1}"'


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (Decimal("119"), "119,00"),
        (Decimal("10.005"), "10,01"),  # ROUND_HALF_UP at the boundary
        (Decimal("1234567.8"), "1234567,80"),
        (Decimal("0.01"), "0,01"),
    ],
)
def test_amounts_have_a_decimal_comma_and_two_places(amount, written):
    row = _row(_bookings_bytes([replace(DOMESTIC_19, amount=amount)]))
    assert row[0] == written


@pytest.mark.parametrize("amount", ["0", "-119.00", "0.004", "NaN", "-Infinity"])
def test_a_non_positive_amount_is_refused(amount):
    with pytest.raises(ValueError, match="positive"):
        _bookings_bytes([replace(DOMESTIC_19, amount=Decimal(amount))])


@pytest.mark.parametrize(
    ("rate", "written"),
    [
        (Decimal("0.9350"), "0,935"),
        (Decimal("1"), "1,00"),
        (Decimal("1.23456789"), "1,234568"),
        (Decimal("1234.5"), "1234,50"),
    ],
)
def test_kurs_has_up_to_six_decimals(rate, written):
    assert rate_field(rate) == written


def test_foreign_currency_fields_in_positions_3_to_6():
    row = _row(_bookings_bytes([EXPORT_CHF]))
    assert row[2:6] == ['"CHF"', "0,935", "267,38", '"EUR"']


def test_festschreibung_is_always_written_and_follows_the_header_unless_overridden():
    locked_header = replace(HEADER, locked=True)
    bookings = [DOMESTIC_19, replace(DOMESTIC_19, locked=False)]
    data = _bookings_bytes(bookings, locked_header)
    assert data.split(b"\r\n")[0].split(b";")[20] == b"1"
    assert [_row(data, 0)[113], _row(data, 1)[113]] == ["1", "0"]
    assert _row(_bookings_bytes([DOMESTIC_19]))[113] == "0"


def test_tax_period_defaults_to_the_service_date():
    data = _bookings_bytes([DOMESTIC_19, replace(DOMESTIC_19, service_date=None)])
    assert _row(data, 0)[114:116] == ["03012026", "03012026"]
    assert _row(data, 1)[114:116] == ["", ""]


def test_short_gl_accounts_are_padded_to_the_account_length():
    row = _row(_bookings_bytes([replace(DOMESTIC_19, contra_account=400)]))
    assert row[6:8] == ["10000", "0400"]


def test_more_than_eight_beleginfo_pairs_are_refused():
    booking = replace(DOMESTIC_19, doc_info=(("Art", "Inhalt"),) * 9)
    with pytest.raises(ValueError, match="Beleginfo"):
        _bookings_bytes([booking])


def test_beleginfo_pairs_fill_fields_21_to_36():
    pairs = tuple((f"Art {n}", f"Inhalt {n}") for n in range(1, 9))
    row = _row(_bookings_bytes([replace(DOMESTIC_19, doc_info=pairs)]))
    assert row[20:36] == [f'"{text}"' for pair in pairs for text in pair]
    assert row[36] == '""'  # KOST1 stays empty


@pytest.mark.parametrize(
    ("eu_country", "vat_id", "split"),
    [
        ("", "ATU12345678", ("AT", "U12345678")),
        ("AT", "U12345678", ("AT", "U12345678")),
        ("", "EL 123 456 789", ("EL", "123456789")),
        ("", "", ("", "")),
        ("", "CHE-123.456.789", ("", "CHE-123.456.789")),  # not an EU prefix: left alone
    ],
)
def test_vat_ids_are_split_into_country_and_number(eu_country, vat_id, split):
    assert split_vat_id(eu_country, vat_id) == split


def test_debtor_free_texts_are_cut_keys_are_not():
    debtor = DatevDebtor(account=10009, company="K" * 60, zip="12345678901", city="O" * 40)
    out = io.BytesIO()
    write_debtors(HEADER, [debtor], out)
    row = out.getvalue().split(b"\r\n")[2].decode("cp1252").split(";")
    assert len(row) == 254
    assert row[0] == "10009"
    assert row[1] == '"' + "K" * 50 + '"'
    assert row[6] == '""'  # no address type given
    assert row[17] == '"12345678901"'
    assert row[18] == '"' + "O" * 30 + '"'


@pytest.mark.parametrize(
    ("rate", "written"),
    [(Decimal("20"), "20,00"), (Decimal("5.5"), "05,50"), (Decimal("0"), "00,00")],
)
def test_eu_rates_are_written_in_datevs_two_digit_form(rate, written):
    booking = replace(
        BOOKINGS[0], eu_destination="FR", eu_rate=rate, eu_origin="PL", origin_rate=rate
    )
    fields = _row(_bookings_bytes([booking]))

    assert (fields[40], fields[123]) == (written, written)
