"""Journal entries → DATEV booking rows (plain functions over plain data).

The convention of open-source DATEV exporters (bookkeeping.md §1.4): every row books the
entry's debtor (Konto) against one other account (Gegenkonto); S/H refers to the debtor.
Revenue on an automatic account, or with a BU key, is written gross and DATEV splits off the
VAT itself, so the VAT line it belongs to is left out; VAT DATEV does not derive (a foreign
warehouse's local VAT) is written as a row of its own. A reversal is written with the
original's sides and the Generalumkehr flag (field 118), so DATEV shows it as a Storno.

Credit notes and the open-item key. DATEV clears an open item only when the Belegfeld 1 of a
payment or credit note equals the invoice's (DATEV's Buchungsstapel description: Belegfeld 1
is the "Schlüssel" for open items). By default a credit note's rows therefore carry the
original invoice number in Belegfeld 1, so that DATEV offsets the invoice; the credit note's
own number goes into Belegfeld 2 when it fits its 12 characters, and always into the
Buchungstext and the Beleginfo. The connection may keep the credit note's own number in
Belegfeld 1 instead (the original then only in Belegfeld 2, if it fits, and the Beleginfo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .datev import DatevBooking
from .datev.columns import DOC2_MAX, TEXT_MAX, bu_key_form
from .vat import Case

ZERO = Decimal(0)
OSS_CASES = {Case.OSS.value, Case.FOREIGN_WAREHOUSE_OSS.value}
DESTINATION_CASES = OSS_CASES | {Case.IC_SUPPLY.value}
ORIGIN_CASES = {Case.FOREIGN_WAREHOUSE_OSS.value}
TURNED = {"S": "H", "H": "S"}
ORIGINAL_IN_FIELD1 = "original"  # credit notes: Belegfeld 1 = the invoice (DATEV offsets it)
OWN_IN_FIELD1 = "own"  # credit notes: Belegfeld 1 = the credit note's own number


@dataclass(frozen=True)
class ExportEntry:
    pk: int
    kind: str
    number: str
    reference: str
    document_date: date
    service_date: date | None
    text: str
    origin: str
    order_number: str
    billbee_order_id: int
    case: str
    eu_destination: str
    eu_origin: str
    origin_rate: Decimal | None
    currency: str
    exchange_rate: Decimal | None
    document_total: Decimal
    debtor: int


@dataclass(frozen=True)
class ExportLine:
    role: str
    account: int
    side: str
    amount: Decimal
    rate: Decimal | None
    tax: Decimal
    bu_key: str
    datev_gross: bool


def _doc_info(entry: ExportEntry) -> tuple[tuple[str, str], ...]:
    info = [
        # A transfer between own accounts belongs to no order (its id is 0).
        ("Billbee-Auftrag", str(entry.billbee_order_id) if entry.billbee_order_id else ""),
        ("Bestellnummer", entry.order_number[:210]),
        ("Herkunft", entry.origin[:210]),
    ]
    if entry.reference:
        info.append(("Originalrechnung", entry.reference[:210]))
        info.append(("Gutschrift", entry.number[:210]))
    if entry.currency != "EUR" and entry.exchange_rate:
        amount = f"{abs(entry.document_total):.2f}".replace(".", ",")
        info.append((f"Betrag {entry.currency}", amount))
        info.append(("Kurs", f"{entry.exchange_rate}".replace(".", ",")))
    return tuple((kind, value) for kind, value in info if value)


def _credit(amount: Decimal, side: str) -> Decimal:
    return amount if side == "H" else -amount


def _amount_and_side(line: ExportLine, lines: Sequence[ExportLine]) -> tuple[Decimal, str]:
    """What a line's row books, and on which side of its account. A revenue line on an
    automatic account (or with a BU key) is booked gross. The VAT line books only what DATEV
    does not derive from the gross rows of its rate: when the derived VAT exceeds the entry's
    (a voucher or discount on an account without the automatic), the rest is booked back."""
    if line.role != "vat":
        return line.amount + (line.tax if line.datev_gross else ZERO), line.side
    derived = sum(
        (
            _credit(other.tax, other.side)
            for other in lines
            if other.datev_gross and other.role != "vat" and other.rate == line.rate
        ),
        ZERO,
    )
    rest = _credit(line.amount, line.side) - derived
    return abs(rest), "H" if rest > 0 else "S"


def document_fields(entry: ExportEntry, credit_note_key: str) -> tuple[str, str, str]:
    """(Belegfeld 1, Belegfeld 2, Buchungstext) of an entry's rows. Only credit notes and
    their reversals have a reference (the original invoice number)."""
    if not entry.reference:
        return entry.number, "", entry.text
    if credit_note_key == OWN_IN_FIELD1:
        field2 = entry.reference if len(entry.reference) <= DOC2_MAX else ""
        return entry.number, field2, entry.text
    field2 = entry.number if len(entry.number) <= DOC2_MAX else ""
    text = entry.text if entry.number in entry.text else f"{entry.number} {entry.text}"
    return entry.reference, field2, text[:TEXT_MAX]


def datev_rows(
    entry: ExportEntry,
    lines: Sequence[ExportLine],
    *,
    locked: bool,
    credit_note_key: str = ORIGINAL_IN_FIELD1,
) -> list[DatevBooking]:
    reversal = entry.kind == "reversal"
    info = _doc_info(entry)
    field1, field2, text = document_fields(entry, credit_note_key)
    rows = []
    for line in lines:
        # Every row books the entry's account (Konto) against another: the line on the Konto
        # itself is no row (the debtor; for a transfer, the account the money leaves).
        if line.role == "debtor" or line.account == entry.debtor:
            continue
        amount, line_side = _amount_and_side(line, lines)
        if amount <= 0:
            continue
        # S/H refers to the debtor: crediting revenue debits the debtor.
        side = TURNED[line_side]
        if reversal:
            side = TURNED[side]  # the original's side, with the Generalumkehr flag
        taxed_row = (
            line.role in ("revenue", "shipping", "discount", "voucher") and line.rate is not None
        )
        destination = entry.eu_destination if taxed_row and entry.case in DESTINATION_CASES else ""
        # OSS rows name the destination's rate, a zero-rated line's too (DATEV field 41).
        rate = line.rate if destination and entry.case in OSS_CASES else None
        origin = taxed_row and entry.case in ORIGIN_CASES
        rows.append(
            DatevBooking(
                amount=amount,
                side=side,
                account=entry.debtor,
                contra_account=line.account,
                document_date=entry.document_date,
                document_field1=field1,
                text=text,
                bu_key=bu_key_form(line.bu_key) if line.datev_gross else "",
                document_field2=field2,
                eu_destination=destination,
                eu_rate=rate,
                service_date=entry.service_date,
                tax_period_date=entry.service_date,
                reversal=reversal,
                locked=locked,
                eu_origin=entry.eu_origin if origin else "",
                origin_rate=entry.origin_rate if origin else None,
                order_number=entry.order_number[:30],
                doc_info=info,
                ref=str(entry.billbee_order_id),
            )
        )
    return rows
