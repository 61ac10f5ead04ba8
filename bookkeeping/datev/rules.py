"""The lint rule catalogue and the checks that ``lint_file`` and ``lint_bookings`` share.

Each rule has a stable name (used by callers and tests) and cites the part of bookkeeping.md it
comes from. Checks here work on values that look the same in a file and in a ``DatevBooking``
(strings such as Belegfeld 1, typed header values such as the period); format checks of raw file
fields live in ``lint_rows.py``, checks of typed booking values in ``lint_structures.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .columns import (
    APP_INFO_MAX,
    B_BU_KEY,
    B_DOC1,
    B_EU_RATE,
    B_ORIGIN_RATE,
    BU_KEY_RE,
    CHARTS,
    COUNTRY_RE,
    CURRENCY_RE,
    DOC1_ALLOWED_TEXT,
    DOC1_MAX,
    EU_ID_MAX,
    EXPORTED_BY_MAX,
    H_APP_INFO,
    H_CHART,
    H_CURRENCY,
    H_EXPORTED_BY,
    H_FROM,
    H_INITIALS,
    H_LABEL,
    H_ORIGIN,
    H_TO,
    INITIALS_MAX,
    LABEL_MAX,
    ORIGIN_LENGTH,
    fiscal_year_end,
    forbidden_doc1_chars,
    has_eu_prefix,
)

ERROR = "error"  # blocks the download (the caller decides)
WARNING = "warning"  # shown, does not block


@dataclass(frozen=True)
class Finding:
    line: int | None  # line in the file (1 = header, 2 = headings, 3+ = rows)
    column: int | None  # DATEV field number, 1-based
    field: str  # DATEV field name
    rule: str  # key of RULES
    message: str
    ref: str = ""  # the caller's key of the booking (e.g. Billbee order id)
    severity: str = ERROR


class Issue(NamedTuple):
    """A finding before it knows its line and ref."""

    column: int | None
    rule: str
    message: str
    severity: str = ERROR


RULES: dict[str, str] = {
    # File (bookkeeping.md §1.1)
    "file-empty": "the file has no content",
    "line-ending": "every line ends with CR LF; no bare LF or CR",
    "encoding": "the bytes decode as cp1252 (or UTF-8 behind a BOM) and round-trip",
    "encoding-utf8-no-bom": "UTF-8 without BOM is read as cp1252 by DATEV (warning)",
    "encoding-utf8-bom": "UTF-8 with BOM is accepted, but cp1252 is the default (warning)",
    "quoting": "text in double quotes, inner quotes doubled",
    "text-control": "no control characters or line breaks inside a field",
    "too-many-rows": "at most 99,999 bookings per file",
    # Header (§1.2)
    "header-kind": "#1 Kennzeichen is EXTF",
    "header-version": "#2 Versionsnummer is 700",
    "header-category": "#3 Formatkategorie is 21 or 16",
    "header-format-name": "#4 Formatname matches the category",
    "header-format-version": "#5 Formatversion is 13 (Buchungsstapel) or 5 (Debitoren/Kreditoren)",
    "header-field-count": "the header has 31 fields",
    "header-created-at": "#6 Erzeugt am is YYYYMMDDHHMMSSFFF",
    "header-consultant": "#11 Beraternummer 1001–9999999",
    "header-client": "#12 Mandantennummer 1–99999",
    "header-fiscal-year-start": "#13 WJ-Beginn is a date YYYYMMDD",
    "header-account-length": "#14 Sachkontenlänge 4–8",
    "header-period-format": "#15/#16 Datum vom/bis are dates YYYYMMDD",
    "header-period-order": "Datum vom is not after Datum bis",
    "header-period-year": "Datum vom and bis lie in one calendar year",
    "header-period-fiscal-year": "Datum vom and bis lie in the fiscal year from WJ-Beginn",
    "header-label": "#17 Bezeichnung ≤30",
    "header-initials": "#18 Diktatkürzel ≤2",
    "header-exported-by": "#9 Exportiert von ≤25",
    "header-origin": "#8 Herkunft ≤2",
    "header-app-info": "#31 Anwendungsinformation ≤16",
    "header-locked": "#21 Festschreibung 0 or 1",
    "header-currency": "#22 WKZ is a 3-letter ISO code",
    "header-chart": "#27 Sachkontenrahmen 03 or 04",
    # Headings and rows (§1.1, §1.3, §1.5)
    "heading-count": "the heading line has 125 (Buchungsstapel) or 254 columns",
    "row-column-count": "every row has 125 (Buchungsstapel) or 254 columns",
    # Booking fields (§1.4)
    "umsatz-format": "1 Umsatz is 1234,56: up to 10 digits, decimal comma, 2 decimals",
    "umsatz-negative": "1 Umsatz is positive; the sign goes into S/H",
    "umsatz-zero": "1 Umsatz is not 0,00",
    "umsatz-precision": "1 Umsatz has at most 2 decimals (warning: the writer rounds)",
    "side": "2 Soll/Haben-Kennzeichen is S or H",
    "currency": "3/6 WKZ is a 3-letter ISO code",
    "kurs-format": "4 Kurs is 1234,123456",
    "kurs-zero": "4 Kurs is not 0",
    "basis-umsatz-format": "5 Basis-Umsatz is 1234,56 and positive",
    "basis-pair": "5 Basis-Umsatz and 6 WKZ Basis-Umsatz come together",
    "account-format": "7/8 Konto/Gegenkonto: digits only, at most 9",
    "account-length": "7/8 Konto/Gegenkonto have Sachkontenlänge or Sachkontenlänge+1 digits",
    "bu-key": "9 BU-Schlüssel is empty or four digits, DATEV's documented form (0240, not 240)",
    "belegdatum-format": "10 Belegdatum is TTMM",
    "belegdatum-day": "10 Belegdatum is a real day in the header's year",
    "belegdatum-period": "10 Belegdatum lies inside Datum vom–bis",
    "belegfeld1-empty": "11 Belegfeld 1 holds the document number (open-item key)",
    "belegfeld1-length": "11 Belegfeld 1 ≤36",
    "belegfeld1-chars": "11 Belegfeld 1 uses only A–Z a–z 0–9 $ & % * + - /",
    "belegfeld1-underscore": "11 Belegfeld 1 with an underscore (warning)",
    "belegfeld2-length": "12 Belegfeld 2 ≤12",
    "buchungstext-length": "14 Buchungstext ≤60",
    "beleginfo-count": "21–36 at most 8 Beleginfo pairs",
    "beleginfo-art-length": "21–36 Beleginfo-Art ≤20",
    "beleginfo-inhalt-length": "21–36 Beleginfo-Inhalt ≤210",
    "eu-destination-length": "40 EU-Land u. UStID (Bestimmung) ≤15",
    "eu-destination-country": "40 starts with an EU country code (Greece EL)",
    "eu-rate-format": "41 EU-Steuersatz (Bestimmung) is 99,99 (two digits, e.g. 05,50)",
    "eu-rate-without-destination": "41 EU-Steuersatz only together with 40",
    "eu-rate-missing": "40 with a country code only (OSS B2C) needs 41",
    "auftragsnummer-length": "95 Auftragsnummer ≤30",
    "locked-flag": "114 Festschreibung is written, 0 or 1",
    "service-date-format": "115/116 Leistungsdatum / Datum Zuord. Steuerperiode are TTMMJJJJ",
    "tax-period-missing": "116 is set whenever 115 is",
    "reversal-flag": "118 Generalumkehr is empty, 0 or 1",
    "eu-origin-length": "123 EU-Land u. UStID (Ursprung) ≤15",
    "eu-origin-country": "123 starts with an EU country code (Greece EL)",
    "origin-rate-format": "124 EU-Steuersatz (Ursprung) is 99,99 (two digits, e.g. 08,00)",
    "origin-rate-without-origin": "124 EU-Steuersatz (Ursprung) only together with 123",
    # Debitoren/Kreditoren fields (§1.5)
    "debtor-account-format": "1 Konto: digits only, no leading zero",
    "debtor-account-length": "1 Konto has Sachkontenlänge+1 digits",
    "debtor-address-type": "7 Adressattyp is empty, 0, 1 or 2",
    "debtor-field-length": "names ≤50/30, Kurzbezeichnung ≤15, Straße ≤36, PLZ ≤10, Ort ≤30",
    "debtor-eu-country": "9 EU-Land is an EU country code (Greece EL)",
    "debtor-vat-id-length": "10 EU-UStID ≤13, without the country prefix",
    "debtor-vat-id-country": "10 EU-UStID needs 9 EU-Land",
    "debtor-country": "20 Land is an ISO-2 code",
}


def to_finding(line: int | None, found: Issue, names: Sequence[str], ref: str = "") -> Finding:
    """Place an issue on a line; ``names`` are the field names by DATEV number (1-based)."""
    name = names[found.column - 1] if found.column else ""
    return Finding(line, found.column, name, found.rule, found.message, ref, found.severity)


def issue(column: int | None, rule: str, message: str, severity: str = ERROR) -> Issue:
    if rule not in RULES:  # a typo in a rule name must fail the tests, not ship
        raise KeyError(f"unknown lint rule {rule!r}")
    return Issue(column, rule, message, severity)


def too_long(
    column: int, name: str, value: str, limit: int, rule: str, severity: str = ERROR
) -> list[Issue]:
    if len(value) <= limit:
        return []
    tail = " (the writer cuts it)" if severity == WARNING else ""
    message = f"{name} '{value}' has {len(value)} characters, at most {limit} are allowed{tail}"
    return [issue(column, rule, message, severity)]


def doc1_issues(value: str) -> list[Issue]:
    """Belegfeld 1 is the open-item key: a payment clears an invoice only if they match (§1.4)."""
    if not value:
        message = "Belegfeld 1 is empty: it must hold the invoice or credit-note number"
        return [issue(B_DOC1, "belegfeld1-empty", message)]
    found = too_long(B_DOC1, "Belegfeld 1", value, DOC1_MAX, "belegfeld1-length")
    bad = forbidden_doc1_chars(value)
    if bad:
        shown = ", ".join(repr(char) for char in bad)
        message = f"Belegfeld 1 '{value}' contains {shown} (allowed: {DOC1_ALLOWED_TEXT})"
        found.append(issue(B_DOC1, "belegfeld1-chars", message))
    elif "_" in value:
        message = f"Belegfeld 1 '{value}' contains '_': DATEV accepts it only with a warning"
        found.append(issue(B_DOC1, "belegfeld1-underscore", message, WARNING))
    return found


def bu_key_issues(value: str) -> list[Issue]:
    if not value or BU_KEY_RE.fullmatch(value):
        return []
    message = (
        f"BU-Schlüssel '{value}' must be empty or four digits (DATEV's documented form, "
        "e.g. 0240): a shorter key is ambiguous, its first digit reads as a correction key"
    )
    return [issue(B_BU_KEY, "bu-key", message)]


def currency_issues(column: int, name: str, value: str) -> list[Issue]:
    if not value or CURRENCY_RE.fullmatch(value):
        return []
    return [issue(column, "currency", f"{name} '{value}' is not a 3-letter ISO currency code")]


def eu_id_issues(column: int, name: str, value: str, rule_prefix: str) -> list[Issue]:
    """Fields 40/123: a country code (B2C) or a VAT ID (B2B), ≤15, EU prefix; Greece is EL."""
    if not value:
        return []
    found = too_long(column, name, value, EU_ID_MAX, f"{rule_prefix}-length")
    if not has_eu_prefix(value):
        hint = " (Greece is EL)" if value.startswith("GR") else ""
        message = f"{name} '{value}' does not start with an EU country code{hint}"
        found.append(issue(column, f"{rule_prefix}-country", message))
    return found


def range_issues(
    column: int, name: str, value: int | None, bounds: tuple[int, int], rule: str, shown: str = ""
) -> list[Issue]:
    """A number inside ``bounds``; ``None`` (not a number at all) fails with ``shown``."""
    low, high = bounds
    if value is not None and low <= value <= high:
        return []
    text = shown if value is None else str(value)
    return [issue(column, rule, f"{name} '{text}' must be a number from {low} to {high}")]


def header_text_issues(
    origin: str, exported_by: str, label: str, initials: str, app_info: str, severity: str
) -> list[Issue]:
    """Header texts (§1.2). ``severity`` is WARNING for what the writer cuts to length."""
    found = too_long(H_ORIGIN, "Herkunft", origin, ORIGIN_LENGTH, "header-origin")
    found += too_long(H_INITIALS, "Diktatkürzel", initials, INITIALS_MAX, "header-initials")
    found += too_long(
        H_EXPORTED_BY,
        "Exportiert von",
        exported_by,
        EXPORTED_BY_MAX,
        "header-exported-by",
        severity,
    )
    found += too_long(H_LABEL, "Bezeichnung", label, LABEL_MAX, "header-label", severity)
    found += too_long(
        H_APP_INFO, "Anwendungsinformation", app_info, APP_INFO_MAX, "header-app-info", severity
    )
    return found


def header_code_issues(currency: str, chart: str, currency_required: bool) -> list[Issue]:
    found: list[Issue] = []
    if (currency or currency_required) and not CURRENCY_RE.fullmatch(currency):
        message = f"WKZ '{currency}' is not a 3-letter ISO currency code"
        found.append(issue(H_CURRENCY, "header-currency", message))
    if chart not in CHARTS:
        message = f"Sachkontenrahmen '{chart}' must be 03 (SKR03) or 04 (SKR04)"
        found.append(issue(H_CHART, "header-chart", message))
    return found


def eu_rate_issues(
    destination: str, rate: bool | None, origin: str, origin_rate: bool | None
) -> list[Issue]:
    """Fields 41/124 next to 40/123. A rate is None (absent), True (well-formed) or False."""
    found: list[Issue] = []
    if rate is False:
        message = "EU-Steuersatz (Bestimmung) must be a rate like 20,00 or 05,50"
        found.append(issue(B_EU_RATE, "eu-rate-format", message))
    if rate is not None and not destination:
        message = "EU-Steuersatz (Bestimmung) is set, but field 40 EU-Land u. UStID is empty"
        found.append(issue(B_EU_RATE, "eu-rate-without-destination", message))
    if rate is None and COUNTRY_RE.fullmatch(destination):
        # A bare country code means an OSS B2C sale: DATEV needs the destination rate (§2.2).
        message = f"Field 40 holds only the country '{destination}' (OSS), but 41 has no rate"
        found.append(issue(B_EU_RATE, "eu-rate-missing", message))
    if origin_rate is False:
        message = "EU-Steuersatz (Ursprung) must be a rate like 23,00 or 08,00"
        found.append(issue(B_ORIGIN_RATE, "origin-rate-format", message))
    if origin_rate is not None and not origin:
        message = "EU-Steuersatz (Ursprung) is set, but field 123 EU-Land u. UStID is empty"
        found.append(issue(B_ORIGIN_RATE, "origin-rate-without-origin", message))
    return found


def period_issues(fiscal_year_start: date | None, start: date, end: date) -> list[Issue]:
    """Datum vom/bis (§1.2 #15/16): ordered, one calendar year, inside the fiscal year."""
    shown = f"{start:%Y%m%d}–{end:%Y%m%d}"
    if start > end:
        return [issue(H_FROM, "header-period-order", f"Datum vom is after Datum bis: {shown}")]
    found: list[Issue] = []
    if start.year != end.year:
        message = (
            f"The period {shown} spans two calendar years: DATEV takes the year of every "
            "Belegdatum from the header, so one file must stay inside one year"
        )
        found.append(issue(H_TO, "header-period-year", message))
    if fiscal_year_start is not None:
        fy_end = fiscal_year_end(fiscal_year_start)
        if start < fiscal_year_start or end > fy_end:
            message = (
                f"The period {shown} is not inside the fiscal year "
                f"{fiscal_year_start:%Y%m%d}–{fy_end:%Y%m%d} that starts at WJ-Beginn"
            )
            found.append(issue(H_FROM, "header-period-fiscal-year", message))
    return found
