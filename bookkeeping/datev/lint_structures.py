"""``lint_bookings``: the rules of bookkeeping.md §1.2/§1.4 checked on the structures before
anything is written, so that the caller can name the Billbee order behind each finding.

Rules that only make sense in a file (line endings, quoting, column counts, 114 written) cannot
fail here; rules the writer takes care of by cutting free text to length are warnings.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .columns import (
    ACCOUNT_LENGTH_RANGE,
    AMOUNT_MAX_INTEGER_DIGITS,
    B_ACCOUNT,
    B_AMOUNT,
    B_BASE_AMOUNT,
    B_BASE_CURRENCY,
    B_CONTRA,
    B_CURRENCY,
    B_DOC2,
    B_DOC_DATE,
    B_DOC_INFO_FIRST,
    B_EU_DESTINATION,
    B_EU_ORIGIN,
    B_ORDER_NUMBER,
    B_RATE,
    B_SIDE,
    B_TEXT,
    BOOKING_COLUMNS,
    CLIENT_RANGE,
    CONSULTANT_RANGE,
    DOC2_MAX,
    DOC_INFO_ART_MAX,
    DOC_INFO_CONTENT_MAX,
    DOC_INFO_PAIRS,
    H_ACCOUNT_LENGTH,
    H_CLIENT,
    H_CONSULTANT,
    HEADER_FIELD_NAMES,
    MAX_BOOKING_ROWS,
    ORDER_NUMBER_MAX,
    RATE_MAX_INTEGER_DIGITS,
    SIDES,
    TEXT_MAX,
)
from .records import DatevBooking, DatevHeader
from .rules import (
    WARNING,
    Finding,
    Issue,
    bu_key_issues,
    currency_issues,
    doc1_issues,
    eu_id_issues,
    eu_rate_issues,
    header_code_issues,
    header_text_issues,
    issue,
    period_issues,
    range_issues,
    to_finding,
    too_long,
)

_CENT = Decimal("0.01")
_FIRST_ROW_LINE = 3  # line 1 header, line 2 headings
_BOOKING_NAMES = tuple(column.name for column in BOOKING_COLUMNS)


def lint_booking(header: DatevHeader, booking: DatevBooking, line: int) -> list[Finding]:
    """Findings for one booking that will be written on ``line`` (for callers that lint while
    they stream bookings to the writer)."""
    return [
        to_finding(line, found, _BOOKING_NAMES, booking.ref)
        for found in booking_issues(booking, header)
    ]


def lint_header(header: DatevHeader) -> list[Finding]:
    return [to_finding(1, found, HEADER_FIELD_NAMES) for found in header_issues(header)]


def lint_bookings(header: DatevHeader, bookings: Iterable[DatevBooking]) -> list[Finding]:
    """Findings for a batch before writing; a booking's line is the one it will get (index + 3)."""
    findings = [to_finding(1, found, HEADER_FIELD_NAMES) for found in header_issues(header)]
    count = 0
    for index, booking in enumerate(bookings):
        count += 1
        line = index + _FIRST_ROW_LINE
        for found in booking_issues(booking, header):
            findings.append(to_finding(line, found, _BOOKING_NAMES, booking.ref))
    if count > MAX_BOOKING_ROWS:
        message = f"{count} bookings do not fit one file: DATEV takes at most {MAX_BOOKING_ROWS}"
        findings.append(Finding(None, None, "", "too-many-rows", message))
    return findings


def header_issues(header: DatevHeader) -> list[Issue]:
    found = range_issues(
        H_CONSULTANT,
        "Beraternummer",
        header.consultant_number,
        CONSULTANT_RANGE,
        "header-consultant",
    )
    found += range_issues(
        H_CLIENT, "Mandantennummer", header.client_number, CLIENT_RANGE, "header-client"
    )
    found += range_issues(
        H_ACCOUNT_LENGTH,
        "Sachkontenlänge",
        header.account_length,
        ACCOUNT_LENGTH_RANGE,
        "header-account-length",
    )
    found += period_issues(header.fiscal_year_start, header.period_from, header.period_to)
    found += header_text_issues(
        header.origin,
        header.exported_by,
        header.label,
        header.initials,
        header.app_info,
        WARNING,
    )
    return found + header_code_issues(header.currency, header.chart, True)


def booking_issues(booking: DatevBooking, header: DatevHeader) -> list[Issue]:
    found = _amount_issues(booking)
    found += _currency_issues(booking)
    found += _account_issues(booking, header.account_length)
    # A reversed header period is reported once on the header, not again on every booking.
    start, end = header.period_from, header.period_to
    if start <= end and not start <= booking.document_date <= end:
        message = (
            f"Belegdatum {booking.document_date:%d.%m.%Y} is outside the period "
            f"{header.period_from:%d.%m.%Y}–{header.period_to:%d.%m.%Y}"
        )
        found.append(issue(B_DOC_DATE, "belegdatum-period", message))
    found += _document_issues(booking)
    return found + _eu_issues(booking)


def _amount_issues(booking: DatevBooking) -> list[Issue]:
    amount = booking.amount
    found: list[Issue] = []
    if not amount.is_finite():
        found.append(issue(B_AMOUNT, "umsatz-format", f"Umsatz {amount} is not a number"))
    elif amount < 0:
        message = f"Umsatz {amount} is negative: pass it positive and put the sign in S/H"
        found.append(issue(B_AMOUNT, "umsatz-negative", message))
    elif amount.quantize(_CENT) == 0:
        found.append(issue(B_AMOUNT, "umsatz-zero", f"Umsatz {amount} is 0: DATEV rejects it"))
    else:
        if amount != amount.quantize(_CENT):
            message = f"Umsatz {amount} has more than 2 decimals: the writer rounds it"
            found.append(issue(B_AMOUNT, "umsatz-precision", message, WARNING))
        if amount.adjusted() >= AMOUNT_MAX_INTEGER_DIGITS:
            message = f"Umsatz {amount} has more than {AMOUNT_MAX_INTEGER_DIGITS} digits"
            found.append(issue(B_AMOUNT, "umsatz-format", message))
    if booking.side not in SIDES:
        message = f"Soll/Haben-Kennzeichen '{booking.side}' must be S or H"
        found.append(issue(B_SIDE, "side", message))
    return found


def _currency_issues(booking: DatevBooking) -> list[Issue]:
    found = currency_issues(B_CURRENCY, "WKZ Umsatz", booking.currency)
    rate, base = booking.exchange_rate, booking.base_amount
    if rate is not None:
        if rate == 0:
            found.append(issue(B_RATE, "kurs-zero", "Kurs is 0: 0 is not a rate"))
        elif not rate.is_finite() or rate < 0 or rate.adjusted() >= RATE_MAX_INTEGER_DIGITS:
            message = f"Kurs {rate} must be positive with at most 4 digits before the comma"
            found.append(issue(B_RATE, "kurs-format", message))
    if base is not None and not (
        base.is_finite()
        and base.quantize(_CENT) > 0
        and base.adjusted() < AMOUNT_MAX_INTEGER_DIGITS
    ):
        message = f"Basis-Umsatz {base} is not a positive amount like 1234,56"
        found.append(issue(B_BASE_AMOUNT, "basis-umsatz-format", message))
    if (base is None) != (not booking.base_currency):
        message = "Basis-Umsatz and WKZ Basis-Umsatz must be given together or not at all"
        column = B_BASE_AMOUNT if base is None else B_BASE_CURRENCY
        found.append(issue(column, "basis-pair", message))
    return found + currency_issues(B_BASE_CURRENCY, "WKZ Basis-Umsatz", booking.base_currency)


def _account_issues(booking: DatevBooking, account_length: int) -> list[Issue]:
    found: list[Issue] = []
    for column, name, value in (
        (B_ACCOUNT, "Konto", booking.account),
        (B_CONTRA, "Gegenkonto", booking.contra_account),
    ):
        if value <= 0:
            message = f"{name} {value} must be a positive account number"
            found.append(issue(column, "account-format", message))
        elif len(str(value)) > account_length + 1:
            # Shorter numbers are padded with leading zeros by the writer (SKR03 0400).
            message = (
                f"{name} {value} has {len(str(value))} digits: with Sachkontenlänge "
                f"{account_length} at most {account_length + 1} (personal account)"
            )
            found.append(issue(column, "account-length", message))
    return found + bu_key_issues(booking.bu_key)


def _document_issues(booking: DatevBooking) -> list[Issue]:
    found = doc1_issues(booking.document_field1)
    found += too_long(B_DOC2, "Belegfeld 2", booking.document_field2, DOC2_MAX, "belegfeld2-length")
    found += too_long(
        B_TEXT, "Buchungstext", booking.text, TEXT_MAX, "buchungstext-length", WARNING
    )
    if len(booking.doc_info) > DOC_INFO_PAIRS:
        message = f"{len(booking.doc_info)} Beleginfo pairs given, {DOC_INFO_PAIRS} fit"
        found.append(issue(B_DOC_INFO_FIRST, "beleginfo-count", message))
    for n, (art, content) in enumerate(booking.doc_info[:DOC_INFO_PAIRS]):
        column = B_DOC_INFO_FIRST + 2 * n
        found += too_long(
            column,
            f"Beleginfo-Art {n + 1}",
            art,
            DOC_INFO_ART_MAX,
            "beleginfo-art-length",
            WARNING,
        )
        found += too_long(
            column + 1,
            f"Beleginfo-Inhalt {n + 1}",
            content,
            DOC_INFO_CONTENT_MAX,
            "beleginfo-inhalt-length",
            WARNING,
        )
    return found + too_long(
        B_ORDER_NUMBER,
        "Auftragsnummer",
        booking.order_number,
        ORDER_NUMBER_MAX,
        "auftragsnummer-length",
    )


def _is_percent(rate: Decimal) -> bool:
    return rate.is_finite() and 0 <= rate < 100 and rate == rate.quantize(_CENT)


def _eu_issues(booking: DatevBooking) -> list[Issue]:
    destination, origin = booking.eu_destination, booking.eu_origin
    rate, origin_rate = booking.eu_rate, booking.origin_rate
    found = eu_id_issues(
        B_EU_DESTINATION, "EU-Land u. UStID (Bestimmung)", destination, "eu-destination"
    )
    found += eu_id_issues(B_EU_ORIGIN, "EU-Land u. UStID (Ursprung)", origin, "eu-origin")
    return found + eu_rate_issues(
        destination,
        None if rate is None else _is_percent(rate),
        origin,
        None if origin_rate is None else _is_percent(origin_rate),
    )
