"""Field checks for the data rows of a parsed EXTF file (bookkeeping.md §1.4 and §1.5).

They work on the raw strings the reader returns, so they judge exactly what DATEV will read.
Each row is checked by a handful of grouped functions (not one call per field) because a file
may hold 99,999 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .columns import (
    ACCOUNT_RE,
    AMOUNT_RE,
    B_ACCOUNT,
    B_AMOUNT,
    B_BASE_AMOUNT,
    B_BASE_CURRENCY,
    B_BU_KEY,
    B_CONTRA,
    B_CURRENCY,
    B_DOC1,
    B_DOC2,
    B_DOC_DATE,
    B_DOC_INFO_FIRST,
    B_EU_DESTINATION,
    B_EU_ORIGIN,
    B_EU_RATE,
    B_LOCKED,
    B_ORDER_NUMBER,
    B_ORIGIN_RATE,
    B_RATE,
    B_REVERSAL,
    B_SERVICE_DATE,
    B_SIDE,
    B_TAX_PERIOD_DATE,
    B_TEXT,
    COUNTRY_RE,
    D_ACCOUNT,
    D_ADDRESS_TYPE,
    D_COUNTRY,
    D_EU_COUNTRY,
    D_VAT_ID,
    DDMM_RE,
    DDMMYYYY_RE,
    DEBTOR_COLUMNS,
    DOC2_MAX,
    DOC_INFO_ART_MAX,
    DOC_INFO_CONTENT_MAX,
    DOC_INFO_PAIRS,
    EU_COUNTRY_CODES,
    FLAGS,
    ORDER_NUMBER_MAX,
    PERCENT_RE,
    RATE_RE,
    SIDES,
    TEXT_MAX,
    ZERO_AMOUNT_RE,
    account_length_ok,
    is_real_day,
)
from .rules import (
    Issue,
    bu_key_issues,
    currency_issues,
    doc1_issues,
    eu_id_issues,
    eu_rate_issues,
    issue,
    too_long,
)

_LEAP_YEAR = 2024  # without a usable header year, 2902 is given the benefit of the doubt


@dataclass(frozen=True)
class RowContext:
    """What the rows need from the header; None where the header itself is broken."""

    account_length: int | None
    year: int | None  # DATEV takes the Belegdatum's year from Datum vom (§1.4)
    period: tuple[date, date] | None


def booking_row_issues(f: list[str], ctx: RowContext) -> list[Issue]:
    """All field rules of one Buchungsstapel row of exactly 125 fields."""
    found = _amount_issues(f)
    found += _currency_issues(f)
    found += _account_issues(f, ctx.account_length)
    found += _date_issues(f, ctx)
    found += _document_issues(f)
    found += _eu_issues(f)
    found += _flag_issues(f)
    return found


def _amount_issues(f: list[str]) -> list[Issue]:
    amount = f[B_AMOUNT - 1]
    found: list[Issue] = []
    if not AMOUNT_RE.fullmatch(amount):
        if amount.startswith("-"):
            message = f"Umsatz '{amount}' is negative: write it positive and put the sign in S/H"
            found.append(issue(B_AMOUNT, "umsatz-negative", message))
        else:
            message = (
                f"Umsatz '{amount}' is not like 1234,56 (decimal comma, 2 decimals, no "
                "thousands separator, at most 10 digits before the comma)"
            )
            found.append(issue(B_AMOUNT, "umsatz-format", message))
    elif ZERO_AMOUNT_RE.fullmatch(amount):
        found.append(issue(B_AMOUNT, "umsatz-zero", f"Umsatz is {amount}: DATEV rejects 0"))
    if f[B_SIDE - 1] not in SIDES:
        message = f"Soll/Haben-Kennzeichen '{f[B_SIDE - 1]}' must be S or H"
        found.append(issue(B_SIDE, "side", message))
    return found


def _currency_issues(f: list[str]) -> list[Issue]:
    rate, base, base_currency = f[B_RATE - 1], f[B_BASE_AMOUNT - 1], f[B_BASE_CURRENCY - 1]
    found = currency_issues(B_CURRENCY, "WKZ Umsatz", f[B_CURRENCY - 1])
    if rate:
        if not RATE_RE.fullmatch(rate):
            message = f"Kurs '{rate}' is not like 1234,123456 (decimal comma, ≤6 decimals)"
            found.append(issue(B_RATE, "kurs-format", message))
        elif ZERO_AMOUNT_RE.fullmatch(rate):
            found.append(issue(B_RATE, "kurs-zero", f"Kurs is {rate}: 0 is not a rate"))
    if base and (not AMOUNT_RE.fullmatch(base) or ZERO_AMOUNT_RE.fullmatch(base)):
        message = f"Basis-Umsatz '{base}' is not a positive amount like 1234,56"
        found.append(issue(B_BASE_AMOUNT, "basis-umsatz-format", message))
    if bool(base) != bool(base_currency):
        message = "Basis-Umsatz and WKZ Basis-Umsatz must be given together or not at all"
        found.append(issue(B_BASE_AMOUNT if not base else B_BASE_CURRENCY, "basis-pair", message))
    found += currency_issues(B_BASE_CURRENCY, "WKZ Basis-Umsatz", base_currency)
    return found


def _account_issues(f: list[str], account_length: int | None) -> list[Issue]:
    found: list[Issue] = []
    for column, name in ((B_ACCOUNT, "Konto"), (B_CONTRA, "Gegenkonto")):
        value = f[column - 1]
        if not ACCOUNT_RE.fullmatch(value) or not value.strip("0"):
            message = f"{name} '{value}' must be an account number: digits only, at most 9"
            found.append(issue(column, "account-format", message))
        elif account_length is not None and not account_length_ok(len(value), account_length):
            message = (
                f"{name} '{value}' has {len(value)} digits: with Sachkontenlänge "
                f"{account_length} a G/L account has {account_length} digits and a personal "
                f"account {account_length + 1}"
            )
            found.append(issue(column, "account-length", message))
    return found + bu_key_issues(f[B_BU_KEY - 1])


def _date_issues(f: list[str], ctx: RowContext) -> list[Issue]:
    found: list[Issue] = []
    raw = f[B_DOC_DATE - 1]
    if not DDMM_RE.fullmatch(raw):
        message = f"Belegdatum '{raw}' must be TTMM, 4 digits (0501 = 5 January)"
        found.append(issue(B_DOC_DATE, "belegdatum-format", message))
    elif not is_real_day(ctx.year or _LEAP_YEAR, int(raw[2:]), int(raw[:2])):
        message = f"Belegdatum {raw} is not a real day in {ctx.year or 'any year'}"
        found.append(issue(B_DOC_DATE, "belegdatum-day", message))
    elif ctx.year is not None and ctx.period is not None:
        day = date(ctx.year, int(raw[2:]), int(raw[:2]))
        start, end = ctx.period
        if not start <= day <= end:
            message = (
                f"Belegdatum {day:%d.%m.%Y} is outside the period {start:%d.%m.%Y}–{end:%d.%m.%Y}"
            )
            found.append(issue(B_DOC_DATE, "belegdatum-period", message))
    service, tax_period = f[B_SERVICE_DATE - 1], f[B_TAX_PERIOD_DATE - 1]
    for column, name, value in (
        (B_SERVICE_DATE, "Leistungsdatum", service),
        (B_TAX_PERIOD_DATE, "Datum Zuord. Steuerperiode", tax_period),
    ):
        if value and not _is_ddmmyyyy(value):
            message = f"{name} '{value}' must be a real date TTMMJJJJ (15012026 = 15 Jan 2026)"
            found.append(issue(column, "service-date-format", message))
    if service and not tax_period:
        message = "Leistungsdatum is set, so Datum Zuord. Steuerperiode (116) must be set too"
        found.append(issue(B_TAX_PERIOD_DATE, "tax-period-missing", message))
    return found


def _is_ddmmyyyy(value: str) -> bool:
    if not DDMMYYYY_RE.fullmatch(value):
        return False
    return is_real_day(int(value[4:]), int(value[2:4]), int(value[:2]))


def _document_issues(f: list[str]) -> list[Issue]:
    found = doc1_issues(f[B_DOC1 - 1])
    found += too_long(B_DOC2, "Belegfeld 2", f[B_DOC2 - 1], DOC2_MAX, "belegfeld2-length")
    found += too_long(B_TEXT, "Buchungstext", f[B_TEXT - 1], TEXT_MAX, "buchungstext-length")
    first = B_DOC_INFO_FIRST - 1
    if any(f[first : first + 2 * DOC_INFO_PAIRS]):
        for n in range(DOC_INFO_PAIRS):
            art, content = f[first + 2 * n], f[first + 2 * n + 1]
            found += too_long(
                first + 2 * n + 1,
                f"Beleginfo-Art {n + 1}",
                art,
                DOC_INFO_ART_MAX,
                "beleginfo-art-length",
            )
            found += too_long(
                first + 2 * n + 2,
                f"Beleginfo-Inhalt {n + 1}",
                content,
                DOC_INFO_CONTENT_MAX,
                "beleginfo-inhalt-length",
            )
    order = f[B_ORDER_NUMBER - 1]
    return found + too_long(
        B_ORDER_NUMBER, "Auftragsnummer", order, ORDER_NUMBER_MAX, "auftragsnummer-length"
    )


def _eu_issues(f: list[str]) -> list[Issue]:
    destination, rate = f[B_EU_DESTINATION - 1], f[B_EU_RATE - 1]
    origin, origin_rate = f[B_EU_ORIGIN - 1], f[B_ORIGIN_RATE - 1]
    if not (destination or rate or origin or origin_rate):
        return []
    found = eu_id_issues(
        B_EU_DESTINATION, "EU-Land u. UStID (Bestimmung)", destination, "eu-destination"
    )
    found += eu_id_issues(B_EU_ORIGIN, "EU-Land u. UStID (Ursprung)", origin, "eu-origin")
    return found + eu_rate_issues(
        destination,
        bool(PERCENT_RE.fullmatch(rate)) if rate else None,
        origin,
        bool(PERCENT_RE.fullmatch(origin_rate)) if origin_rate else None,
    )


def _flag_issues(f: list[str]) -> list[Issue]:
    found: list[Issue] = []
    locked = f[B_LOCKED - 1]
    if locked not in FLAGS:
        # An empty field locks the batch since DATEV's 2016/2017 version (§1.4).
        shown = "empty (DATEV then locks the batch)" if not locked else f"'{locked}'"
        message = f"Festschreibung is {shown}: write 0 or 1 explicitly"
        found.append(issue(B_LOCKED, "locked-flag", message))
    reversal = f[B_REVERSAL - 1]
    if reversal and reversal not in FLAGS:
        message = f"Generalumkehr '{reversal}' must be empty, 0 or 1"
        found.append(issue(B_REVERSAL, "reversal-flag", message))
    return found


_DEBTOR_LENGTH_COLUMNS = tuple(
    column
    for column in DEBTOR_COLUMNS
    if column.max_length is not None
    and column.number not in (D_ADDRESS_TYPE, D_EU_COUNTRY, D_VAT_ID, D_COUNTRY)
)


def debtor_row_issues(f: list[str], ctx: RowContext) -> list[Issue]:
    """The §1.5 rules of one Debitoren/Kreditoren row of exactly 254 fields."""
    found: list[Issue] = []
    account = f[D_ACCOUNT - 1]
    if not ACCOUNT_RE.fullmatch(account) or account.startswith("0"):
        message = f"Konto '{account}' must be digits only, without a leading zero"
        found.append(issue(D_ACCOUNT, "debtor-account-format", message))
    elif ctx.account_length is not None and len(account) != ctx.account_length + 1:
        message = (
            f"Konto '{account}' has {len(account)} digits: a personal account has "
            f"Sachkontenlänge + 1 = {ctx.account_length + 1}"
        )
        found.append(issue(D_ACCOUNT, "debtor-account-length", message))
    if f[D_ADDRESS_TYPE - 1] not in ("", "0", "1", "2"):
        message = f"Adressattyp '{f[D_ADDRESS_TYPE - 1]}' must be empty, 0, 1 or 2"
        found.append(issue(D_ADDRESS_TYPE, "debtor-address-type", message))
    for column in _DEBTOR_LENGTH_COLUMNS:
        value = f[column.number - 1]
        found += too_long(
            column.number, column.name, value, column.max_length or 0, "debtor-field-length"
        )
    return found + _debtor_tax_issues(f)


def _debtor_tax_issues(f: list[str]) -> list[Issue]:
    found: list[Issue] = []
    eu_country, vat_id, country = f[D_EU_COUNTRY - 1], f[D_VAT_ID - 1], f[D_COUNTRY - 1]
    if eu_country and eu_country not in EU_COUNTRY_CODES:
        message = f"EU-Land '{eu_country}' is not an EU country code (Greece is EL)"
        found.append(issue(D_EU_COUNTRY, "debtor-eu-country", message))
    limit = DEBTOR_COLUMNS[D_VAT_ID - 1].max_length or 0
    found += too_long(D_VAT_ID, "EU-UStID", vat_id, limit, "debtor-vat-id-length")
    if vat_id and not eu_country:
        message = f"EU-UStID '{vat_id}' needs EU-Land (field 9) for its country prefix"
        found.append(issue(D_VAT_ID, "debtor-vat-id-country", message))
    if country and not COUNTRY_RE.fullmatch(country):
        message = f"Land '{country}' must be an ISO 3166 two-letter code"
        found.append(issue(D_COUNTRY, "debtor-country", message))
    return found
