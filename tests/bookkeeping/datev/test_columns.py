"""Column lists of the two EXTF formats: counts, positions and text/number types.

Positions are checked against seamless-engineering/datev-extf ``src/columns.ts`` (headings
copied from DATEV's sample files) and bookkeeping.md §1.3/§1.5; which columns are quoted text
against OCA/l10n-germany ``datev_export_dtvf/datev.py`` (the quote flag of each column).
"""

from __future__ import annotations

from datetime import date

import pytest

from bookkeeping.datev.columns import (
    BOOKING_COLUMNS,
    DEBTOR_COLUMNS,
    EU_COUNTRY_CODES,
    HEADER_FIELD_NAMES,
    fiscal_year_end,
    forbidden_doc1_chars,
)


def test_booking_columns_are_the_125_of_format_version_13():
    assert len(BOOKING_COLUMNS) == 125
    assert [c.number for c in BOOKING_COLUMNS] == list(range(1, 126))
    by_number = {c.number: c.name for c in BOOKING_COLUMNS}
    assert by_number[1] == "Umsatz (ohne Soll/Haben-Kz)"
    assert by_number[8] == "Gegenkonto (ohne BU-Schlüssel)"
    assert by_number[11] == "Belegfeld 1"
    assert by_number[14] == "Buchungstext"
    assert by_number[21] == "Beleginfo - Art 1"
    assert by_number[36] == "Beleginfo - Inhalt 8"
    assert by_number[40] == "EU-Land u. UStID (Bestimmung)"
    assert by_number[41] == "EU-Steuersatz (Bestimmung)"
    assert by_number[48] == "Zusatzinformation - Art 1"
    assert by_number[87] == "Zusatzinformation- Inhalt 20"
    assert by_number[95] == "Auftragsnummer"
    assert by_number[114] == "Festschreibung"
    assert by_number[115] == "Leistungsdatum"
    assert by_number[116] == "Datum Zuord. Steuerperiode"
    assert by_number[118] == "Generalumkehr (GU)"
    assert by_number[123] == "EU-Land u. UStID (Ursprung)"
    assert by_number[124] == "EU-Steuersatz (Ursprung)"
    assert by_number[125] == "Abw. Skontokonto"


def test_booking_text_columns_follow_datev_types():
    text = {c.number for c in BOOKING_COLUMNS if c.is_text}
    expected = {2, 3, 6, 9, 11, 12, 14, 16, 20, *range(21, 37), 37, 38, 40, 42}
    expected |= {*range(48, 88), 91, 95, 96, 98, 102, 103, 105, 107, 109, 110, 112, 118}
    expected |= {120, 121, 123}
    assert text == expected


def test_debtor_columns_are_the_254_of_format_version_5():
    assert len(DEBTOR_COLUMNS) == 254
    by_number = {c.number: c.name for c in DEBTOR_COLUMNS}
    first_20 = [by_number[n] for n in range(1, 21)]
    assert first_20 == [
        "Konto", "Name (Adressattyp Unternehmen)", "Unternehmensgegenstand",
        "Name (Adressattyp natürl. Person)", "Vorname (Adressattyp natürl. Person)",
        "Name (Adressattyp keine Angabe)", "Adressattyp", "Kurzbezeichnung", "EU-Land",
        "EU-UStID", "Anrede", "Titel/Akad. Grad", "Adelstitel", "Namensvorsatz", "Adressart",
        "Straße", "Postfach", "Postleitzahl", "Ort", "Land",
    ]  # fmt: skip
    assert by_number[33] == "E-Mail"
    assert by_number[45] == "IBAN-Nr. 1"
    assert by_number[95] == "Bankverb 5 Gültig bis"
    assert by_number[96] == "Leerfeld"
    assert by_number[133] == "Lastschrift"
    assert by_number[165] == "Bankleitzahl 6"
    assert by_number[220] == "Nummer Fremdsystem"
    assert by_number[231] == "SEPA-Mandatsreferenz 10"
    assert by_number[254] == "Letzte Frist"


def test_header_has_31_named_fields():
    assert len(HEADER_FIELD_NAMES) == 31
    assert HEADER_FIELD_NAMES[10] == "Beraternummer"
    assert HEADER_FIELD_NAMES[20] == "Festschreibung"
    assert HEADER_FIELD_NAMES[26] == "Sachkontenrahmen"


def test_eu_country_codes_spell_greece_el():
    assert "EL" in EU_COUNTRY_CODES
    assert "GR" not in EU_COUNTRY_CODES
    assert "CH" not in EU_COUNTRY_CODES
    assert len(EU_COUNTRY_CODES - {"XI"}) == 27


@pytest.mark.parametrize(
    ("value", "forbidden"),
    [("RE-2026/0001", ""), ("RE 2026_7", " "), ("RE#1 ä#", "# ä"), ("$&%*+-/", "")],
)
def test_forbidden_doc1_chars_lists_each_once(value, forbidden):
    assert forbidden_doc1_chars(value) == forbidden


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2025, 7, 1), date(2026, 6, 30)),
        (date(2024, 3, 1), date(2025, 2, 28)),
    ],
)
def test_fiscal_year_end(start, end):
    assert fiscal_year_end(start) == end
