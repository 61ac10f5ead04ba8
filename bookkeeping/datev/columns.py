"""Column lists and field rules of the DATEV-Format (EXTF), shared by writer, reader and linter.

The column order is what matters: DATEV's importer reads by position (bookkeeping.md §1.1), so a
missing or extra column shifts every field after it. The headings follow the spelling of DATEV's
own sample files (bookkeeping.md §1.3 / §1.5; the same lists as seamless-engineering/datev-extf
``src/columns.ts``). Which columns are quoted text follows the field types of DATEV's
Formatbeschreibung (Text vs. Zahl/Betrag/Konto/Datum), as also used by OCA ``datev.py``.

Only data and small predicates live here; formatting belongs to the writer, parsing to the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

TEXT = "text"
AMOUNT = "amount"
NUMBER = "number"
ACCOUNT = "account"
DATE = "date"


@dataclass(frozen=True)
class Column:
    number: int  # 1-based position, as DATEV counts
    name: str
    kind: str
    max_length: int | None = None  # only where a rule of bookkeeping.md §1.4/§1.5 needs it

    @property
    def is_text(self) -> bool:
        return self.kind == TEXT


def _numbered(spec: list[tuple[str, str, int | None]]) -> tuple[Column, ...]:
    return tuple(Column(i, name, kind, limit) for i, (name, kind, limit) in enumerate(spec, 1))


def _pairs(art: str, inhalt: str, count: int) -> list[tuple[str, str, int | None]]:
    # Beleginfo and Zusatzinformation come as Art ≤20 / Inhalt ≤210 pairs (bookkeeping.md §1.4).
    spec: list[tuple[str, str, int | None]] = []
    for n in range(1, count + 1):
        spec += [(f"{art} {n}", TEXT, 20), (f"{inhalt} {n}", TEXT, 210)]
    return spec


# --- Buchungsstapel, Formatversion 13: 125 columns (bookkeeping.md §1.3) -----------------------
_BOOKING_SPEC: list[tuple[str, str, int | None]] = [
    ("Umsatz (ohne Soll/Haben-Kz)", AMOUNT, None),
    ("Soll/Haben-Kennzeichen", TEXT, 1),
    ("WKZ Umsatz", TEXT, 3),
    ("Kurs", NUMBER, None),
    ("Basis-Umsatz", AMOUNT, None),
    ("WKZ Basis-Umsatz", TEXT, 3),
    ("Konto", ACCOUNT, None),
    ("Gegenkonto (ohne BU-Schlüssel)", ACCOUNT, None),
    ("BU-Schlüssel", TEXT, 4),
    ("Belegdatum", DATE, None),
    ("Belegfeld 1", TEXT, 36),
    ("Belegfeld 2", TEXT, 12),
    ("Skonto", AMOUNT, None),
    ("Buchungstext", TEXT, 60),
    ("Postensperre", NUMBER, None),
    ("Diverse Adressnummer", TEXT, None),
    ("Geschäftspartnerbank", NUMBER, None),
    ("Sachverhalt", NUMBER, None),
    ("Zinssperre", NUMBER, None),
    ("Beleglink", TEXT, 210),
    *_pairs("Beleginfo - Art", "Beleginfo - Inhalt", 8),  # 21–36
    ("KOST1 - Kostenstelle", TEXT, 36),
    ("KOST2 - Kostenstelle", TEXT, 36),
    ("Kost-Menge", NUMBER, None),
    ("EU-Land u. UStID (Bestimmung)", TEXT, 15),  # 40
    ("EU-Steuersatz (Bestimmung)", NUMBER, None),  # 41
    ("Abw. Versteuerungsart", TEXT, None),
    ("Sachverhalt L+L", NUMBER, None),
    ("Funktionsergänzung L+L", NUMBER, None),
    ("BU 49 Hauptfunktionstyp", NUMBER, None),
    ("BU 49 Hauptfunktionsnummer", NUMBER, None),
    ("BU 49 Funktionsergänzung", NUMBER, None),
    # DATEV's sample heading really lacks the space before "Inhalt" here.
    *_pairs("Zusatzinformation - Art", "Zusatzinformation- Inhalt", 20),  # 48–87
    ("Stück", NUMBER, None),
    ("Gewicht", NUMBER, None),
    ("Zahlweise", NUMBER, None),
    ("Forderungsart", TEXT, None),
    ("Veranlagungsjahr", NUMBER, None),
    ("Zugeordnete Fälligkeit", DATE, None),
    ("Skontotyp", NUMBER, None),
    ("Auftragsnummer", TEXT, 30),  # 95
    ("Buchungstyp", TEXT, None),
    ("USt-Schlüssel (Anzahlungen)", NUMBER, None),
    ("EU-Land (Anzahlungen)", TEXT, None),
    ("Sachverhalt L+L (Anzahlungen)", NUMBER, None),
    ("EU-Steuersatz (Anzahlungen)", NUMBER, None),
    ("Erlöskonto (Anzahlungen)", ACCOUNT, None),
    ("Herkunft-Kz", TEXT, None),
    ("Buchungs GUID", TEXT, None),
    ("KOST-Datum", DATE, None),
    ("SEPA-Mandatsreferenz", TEXT, None),
    ("Skontosperre", NUMBER, None),
    ("Gesellschaftername", TEXT, None),
    ("Beteiligtennummer", NUMBER, None),
    ("Identifikationsnummer", TEXT, None),
    ("Zeichnernummer", TEXT, None),
    ("Postensperre bis", DATE, None),
    ("Bezeichnung SoBil-Sachverhalt", TEXT, None),
    ("Kennzeichen SoBil-Buchung", NUMBER, None),
    ("Festschreibung", NUMBER, None),  # 114
    ("Leistungsdatum", DATE, None),  # 115
    ("Datum Zuord. Steuerperiode", DATE, None),  # 116
    ("Fälligkeit", DATE, None),
    ("Generalumkehr (GU)", TEXT, None),  # 118: DATEV types it as text ("0"/"1")
    ("Steuersatz", NUMBER, None),
    ("Land", TEXT, None),
    ("Abrechnungsreferenz", TEXT, None),
    ("BVV-Position", NUMBER, None),
    ("EU-Land u. UStID (Ursprung)", TEXT, 15),  # 123
    ("EU-Steuersatz (Ursprung)", NUMBER, None),  # 124
    ("Abw. Skontokonto", ACCOUNT, None),
]
BOOKING_COLUMNS: tuple[Column, ...] = _numbered(_BOOKING_SPEC)

# Column numbers the connector fills or the linter checks (1-based, as in bookkeeping.md §1.3).
B_AMOUNT, B_SIDE, B_CURRENCY, B_RATE, B_BASE_AMOUNT, B_BASE_CURRENCY = 1, 2, 3, 4, 5, 6
B_ACCOUNT, B_CONTRA, B_BU_KEY, B_DOC_DATE, B_DOC1, B_DOC2, B_TEXT = 7, 8, 9, 10, 11, 12, 14
B_DOC_INFO_FIRST = 21  # Art 1; Inhalt n = 22 + 2(n-1)
DOC_INFO_PAIRS = 8
B_EU_DESTINATION, B_EU_RATE, B_ORDER_NUMBER = 40, 41, 95
B_LOCKED, B_SERVICE_DATE, B_TAX_PERIOD_DATE, B_REVERSAL = 114, 115, 116, 118
B_EU_ORIGIN, B_ORIGIN_RATE = 123, 124


def _bank_block(n: int) -> list[tuple[str, str, int | None]]:
    names = ["Bankleitzahl", "Bankbezeichnung", "Bank-Kontonummer", "Länderkennzeichen", "IBAN-Nr."]
    spec: list[tuple[str, str, int | None]] = [(f"{name} {n}", TEXT, None) for name in names]
    spec += [("Leerfeld", TEXT, None), (f"SWIFT-Code {n}", TEXT, None)]
    spec += [(f"Abw. Kontoinhaber {n}", TEXT, None), (f"Kennz. Hauptbankverb. {n}", TEXT, None)]
    return [
        *spec,
        (f"Bankverb {n} Gültig von", DATE, None),
        (f"Bankverb {n} Gültig bis", DATE, None),
    ]


def _texts(*names: str) -> list[tuple[str, str, int | None]]:
    return [(name, TEXT, None) for name in names]


def _numbers(*names: str) -> list[tuple[str, str, int | None]]:
    return [(name, NUMBER, None) for name in names]


_RA = " (Rechnungsadresse)"
# --- Debitoren/Kreditoren, Formatversion 5: 254 columns (bookkeeping.md §1.5) -----------------
_DEBTOR_SPEC: list[tuple[str, str, int | None]] = [
    ("Konto", ACCOUNT, None),
    ("Name (Adressattyp Unternehmen)", TEXT, 50),
    ("Unternehmensgegenstand", TEXT, 50),
    ("Name (Adressattyp natürl. Person)", TEXT, 30),
    ("Vorname (Adressattyp natürl. Person)", TEXT, 30),
    ("Name (Adressattyp keine Angabe)", TEXT, 50),
    ("Adressattyp", TEXT, 1),
    ("Kurzbezeichnung", TEXT, 15),
    ("EU-Land", TEXT, 2),
    ("EU-UStID", TEXT, 13),
    *_texts("Anrede", "Titel/Akad. Grad", "Adelstitel", "Namensvorsatz", "Adressart"),
    ("Straße", TEXT, 36),
    ("Postfach", TEXT, None),
    ("Postleitzahl", TEXT, 10),
    ("Ort", TEXT, 30),
    ("Land", TEXT, 2),  # 20
    *_texts("Versandzusatz", "Adresszusatz", "Abweichende Anrede"),
    *_texts("Abw. Zustellbezeichnung 1", "Abw. Zustellbezeichnung 2"),
    ("Kennz. Korrespondenzadresse", NUMBER, None),
    ("Adresse Gültig von", DATE, None),
    ("Adresse Gültig bis", DATE, None),
    *_texts("Telefon", "Bemerkung (Telefon)", "Telefon GL", "Bemerkung (Telefon GL)"),
    *_texts("E-Mail", "Bemerkung (E-Mail)", "Internet", "Bemerkung (Internet)"),  # 33–36
    *_texts("Fax", "Bemerkung (Fax)", "Sonstige", "Bemerkung (Sonstige)"),
    *(field for n in range(1, 6) for field in _bank_block(n)),  # 41–95
    *_texts("Leerfeld", "Briefanrede", "Grußformel", "Kunden-/Lief.-Nr.", "Steuernummer"),
    ("Sprache", NUMBER, None),
    *_texts("Ansprechpartner", "Vertreter", "Sachbearbeiter"),
    *_numbers("Diverse-Konto", "Ausgabeziel"),
    ("Währungssteuerung", TEXT, None),
    ("Kreditlimit (Debitor)", AMOUNT, None),
    *_numbers("Zahlungsbedingung", "Fälligkeit in Tagen (Debitor)", "Skonto in Prozent (Debitor)"),
    *_numbers("Kreditoren-Ziel 1 Tg.", "Kreditoren-Skonto 1 %", "Kreditoren-Ziel 2 Tg."),
    *_numbers("Kreditoren-Skonto 2 %", "Kreditoren-Ziel 3 Brutto Tg.", "Kreditoren-Ziel 4 Tg."),
    *_numbers("Kreditoren-Skonto 4 %", "Kreditoren-Ziel 5 Tg.", "Kreditoren-Skonto 5 %"),
    *_numbers("Mahnung", "Kontoauszug", "Mahntext 1", "Mahntext 2", "Mahntext 3"),
    ("Kontoauszugstext", NUMBER, None),
    ("Mahnlimit Betrag", AMOUNT, None),
    *_numbers("Mahnlimit %", "Zinsberechnung", "Mahnzinssatz 1", "Mahnzinssatz 2"),
    ("Mahnzinssatz 3", NUMBER, None),
    ("Lastschrift", TEXT, None),
    *_numbers("Leerfeld", "Mandantenbank"),
    ("Zahlungsträger", TEXT, None),
    *_texts(*(f"Indiv. Feld {n}" for n in range(1, 16))),  # 137–151
    *_texts(f"Abweichende Anrede{_RA}", f"Adressart{_RA}", f"Straße{_RA}", f"Postfach{_RA}"),
    *_texts(f"Postleitzahl{_RA}", f"Ort{_RA}", f"Land{_RA}", f"Versandzusatz{_RA}"),
    *_texts(f"Adresszusatz{_RA}", f"Abw. Zustellbezeichnung 1{_RA}"),
    *_texts(f"Abw. Zustellbezeichnung 2{_RA}"),
    (f"Adresse Gültig von{_RA}", DATE, None),
    (f"Adresse Gültig bis{_RA}", DATE, None),  # 164
    *(field for n in range(6, 11) for field in _bank_block(n)),  # 165–219
    ("Nummer Fremdsystem", TEXT, None),
    ("Insolvent", NUMBER, None),
    *_texts(*(f"SEPA-Mandatsreferenz {n}" for n in range(1, 11))),  # 222–231
    ("Verknüpftes OPOS-Konto", ACCOUNT, None),
    *[(name, DATE, None) for name in ("Mahnsperre bis", "Lastschriftsperre bis")],
    ("Zahlungssperre bis", DATE, None),
    ("Gebührenberechnung", NUMBER, None),
    *[(f"Mahngebühr {n}", AMOUNT, None) for n in range(1, 4)],
    ("Pauschalenberechnung", NUMBER, None),
    *[(f"Verzugspauschale {n}", AMOUNT, None) for n in range(1, 4)],
    ("Alternativer Suchname", TEXT, None),
    ("Status", NUMBER, None),
    ("Anschrift manuell geändert (Korrespondenzadresse)", NUMBER, None),
    ("Anschrift individuell (Korrespondenzadresse)", TEXT, None),
    ("Anschrift manuell geändert (Rechnungsadresse)", NUMBER, None),
    ("Anschrift individuell (Rechnungsadresse)", TEXT, None),
    *_numbers("Fristberechnung bei Debitor", "Mahnfrist 1", "Mahnfrist 2", "Mahnfrist 3"),
    ("Letzte Frist", NUMBER, None),  # 254
]
DEBTOR_COLUMNS: tuple[Column, ...] = _numbered(_DEBTOR_SPEC)

D_ACCOUNT, D_COMPANY, D_LAST_NAME, D_FIRST_NAME, D_ADDRESS_TYPE = 1, 2, 4, 5, 7
D_SHORT_NAME, D_EU_COUNTRY, D_VAT_ID, D_STREET, D_ZIP, D_CITY, D_COUNTRY = 8, 9, 10, 16, 18, 19, 20
D_EMAIL = 33

# --- Header line ("Vorlauf", 31 fields, bookkeeping.md §1.2) -----------------------------------
HEADER_FIELD_NAMES: tuple[str, ...] = (
    "Kennzeichen", "Versionsnummer", "Formatkategorie", "Formatname", "Formatversion",
    "Erzeugt am", "Importiert", "Herkunft", "Exportiert von", "Importiert von",
    "Beraternummer", "Mandantennummer", "WJ-Beginn", "Sachkontenlänge", "Datum vom",
    "Datum bis", "Bezeichnung", "Diktatkürzel", "Buchungstyp", "Rechnungslegungszweck",
    "Festschreibung", "WKZ", "reserviert", "Derivatskennzeichen", "reserviert",
    "reserviert", "Sachkontenrahmen", "Branchenlösungs-ID", "reserviert", "reserviert",
    "Anwendungsinformation",
)  # fmt: skip
HEADER_FIELD_COUNT = 31
H_KIND, H_VERSION, H_CATEGORY, H_FORMAT_NAME, H_FORMAT_VERSION, H_CREATED = 1, 2, 3, 4, 5, 6
H_ORIGIN, H_EXPORTED_BY, H_CONSULTANT, H_CLIENT, H_FY_START, H_ACCOUNT_LENGTH = 8, 9, 11, 12, 13, 14
H_FROM, H_TO, H_LABEL, H_INITIALS, H_LOCKED, H_CURRENCY, H_CHART, H_APP_INFO = (
    15,
    16,
    17,
    18,
    21,
    22,
    27,
    31,
)

HEADER_KIND = "EXTF"  # third-party programs; "DTVF" is reserved for DATEV's own exports
HEADER_VERSION = 700
BOOKINGS_CATEGORY, BOOKINGS_FORMAT_NAME, BOOKINGS_FORMAT_VERSION = 21, "Buchungsstapel", 13
DEBTORS_CATEGORY, DEBTORS_FORMAT_NAME, DEBTORS_FORMAT_VERSION = 16, "Debitoren/Kreditoren", 5
FORMATS: dict[int, tuple[str, int, tuple[Column, ...]]] = {
    BOOKINGS_CATEGORY: (BOOKINGS_FORMAT_NAME, BOOKINGS_FORMAT_VERSION, BOOKING_COLUMNS),
    DEBTORS_CATEGORY: (DEBTORS_FORMAT_NAME, DEBTORS_FORMAT_VERSION, DEBTOR_COLUMNS),
}

# --- Field rules (bookkeeping.md §1.1, §1.2, §1.4) ---------------------------------------------
MAX_BOOKING_ROWS = 99_999
CONSULTANT_RANGE = (1001, 9_999_999)
CLIENT_RANGE = (1, 99_999)
ACCOUNT_LENGTH_RANGE = (4, 8)
CHARTS = ("03", "04")
LABEL_MAX, INITIALS_MAX, EXPORTED_BY_MAX, APP_INFO_MAX, ORIGIN_LENGTH = 30, 2, 25, 16, 2
DOC1_MAX, DOC2_MAX, TEXT_MAX, EU_ID_MAX, ORDER_NUMBER_MAX = 36, 12, 60, 15, 30
DOC_INFO_ART_MAX, DOC_INFO_CONTENT_MAX = 20, 210
AMOUNT_MAX_INTEGER_DIGITS, RATE_MAX_INTEGER_DIGITS, RATE_MAX_DECIMALS = 10, 4, 6

# All patterns are meant for ``fullmatch``; re.ASCII keeps \d to 0–9 (no other scripts' digits).
AMOUNT_RE = re.compile(r"\d{1,10},\d{2}", re.ASCII)
ZERO_AMOUNT_RE = re.compile(r"0+,0+", re.ASCII)
RATE_RE = re.compile(r"\d{1,4},\d{1,6}", re.ASCII)  # Kurs: 1 EUR = x foreign currency
# EU-Steuersatz 41/124: DATEV's documented pattern is two digits, comma, two digits ("05,50").
PERCENT_RE = re.compile(r"\d{2},\d{2}", re.ASCII)
# BU-Schlüssel: DATEV's documented pattern is four digits (developer.datev.de, Buchungsstapel:
# ^(["]\d{4}["])$). A shorter key is ambiguous: in the classic two-digit scheme the first digit
# is the correction key (2 = Generalumkehr), so "240" could read as Generalumkehr of key 40.
# Since 2018 the Generalumkehr has its own field (118), and keys are written zero-padded:
# "0003" (USt 19 %), "0240" (OSS distance sale), "0241" (OSS from a foreign warehouse).
BU_KEY_RE = re.compile(r"\d{4}", re.ASCII)
ACCOUNT_RE = re.compile(r"\d{1,9}", re.ASCII)
DDMM_RE = re.compile(r"\d{4}", re.ASCII)
DDMMYYYY_RE = re.compile(r"\d{8}", re.ASCII)
YYYYMMDD_RE = re.compile(r"\d{8}", re.ASCII)
CREATED_AT_RE = re.compile(r"\d{17}", re.ASCII)
DIGITS_RE = re.compile(r"\d+", re.ASCII)
CURRENCY_RE = re.compile(r"[A-Z]{3}")
COUNTRY_RE = re.compile(r"[A-Z]{2}")
SIDES = ("S", "H")
FLAGS = ("0", "1")
# Belegfeld 1 is the open-item key: A–Z a–z 0–9 $ & % * + - / (bookkeeping.md §1.4); the
# underscore is tolerated by DATEV with a warning, so it is not part of the forbidden set.
DOC1_FORBIDDEN_RE = re.compile(r"[^A-Za-z0-9$&%*+\-/_]")
DOC1_ALLOWED_TEXT = "A–Z a–z 0–9 $ & % * + - /"

# EU member states as DATEV spells them in VAT IDs: Greece is EL, not GR (bookkeeping.md §1.4).
# XI = Northern Ireland, which stays in the EU VAT area for goods (Windsor Framework).
EU_COUNTRY_CODES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
})  # fmt: skip


def bu_key_form(value: str) -> str:
    """A BU key in DATEV's documented four-digit form: ``"240"`` → ``"0240"``, ``""`` stays.
    Anything but one to four digits raises: a key must never be guessed."""
    value = (value or "").strip()
    if not value:
        return ""
    if not re.fullmatch(r"\d{1,4}", value, re.ASCII):
        raise ValueError(f"a BU key has one to four digits, not {value!r}")
    return value.zfill(4)


def forbidden_doc1_chars(value: str) -> str:
    """The characters of a Belegfeld 1 that DATEV rejects, each once, in order of appearance."""
    return "".join(dict.fromkeys(DOC1_FORBIDDEN_RE.findall(value)))


def has_eu_prefix(value: str) -> bool:
    return value[:2] in EU_COUNTRY_CODES


def account_length_ok(digits: int, account_length: int) -> bool:
    # G/L accounts have the Sachkontenlänge, personal accounts exactly one digit more (§1.2 #14).
    return digits in (account_length, account_length + 1)


def fiscal_year_end(start: date) -> date:
    """Last day of the fiscal year that begins on ``start`` (WJ-Beginn)."""
    try:
        next_start = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: the next fiscal year starts on 1 March
        next_start = date(start.year + 1, 3, 1)
    return date.fromordinal(next_start.toordinal() - 1)


def is_real_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
