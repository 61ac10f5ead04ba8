"""Journal entries → DATEV booking rows (plain functions over plain data).

The convention of open-source DATEV exporters (bookkeeping.md §1.4): every row books the
entry's debtor (Konto) against one other account (Gegenkonto); S/H refers to the debtor.
Revenue on an automatic account, or with a BU key, is written gross and DATEV splits off the
VAT itself, so the VAT line it belongs to is left out; VAT DATEV does not derive (a foreign
warehouse's local VAT) is written as a row of its own. A reversal is written with the
original's sides and the Generalumkehr flag (field 118), so DATEV shows it as a Storno.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .datev import DatevBooking
from .vat import Case

ZERO = Decimal(0)
OSS_CASES = {Case.OSS.value, Case.FOREIGN_WAREHOUSE_OSS.value}
DESTINATION_CASES = OSS_CASES | {Case.IC_SUPPLY.value}
ORIGIN_CASES = {Case.FOREIGN_WAREHOUSE_OSS.value}
TURNED = {"S": "H", "H": "S"}


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
        ("Billbee-Auftrag", str(entry.billbee_order_id)),
        ("Bestellnummer", entry.order_number[:210]),
        ("Herkunft", entry.origin[:210]),
    ]
    if entry.reference:
        info.append(("Originalrechnung", entry.reference[:210]))
    if entry.currency != "EUR" and entry.exchange_rate:
        amount = f"{abs(entry.document_total):.2f}".replace(".", ",")
        info.append((f"Betrag {entry.currency}", amount))
        info.append(("Kurs", f"{entry.exchange_rate}".replace(".", ",")))
    return tuple((kind, value) for kind, value in info if value)


def _amount(line: ExportLine, lines: Sequence[ExportLine]) -> Decimal:
    if line.role == "vat":
        # What DATEV derives from the gross rows of this rate is not booked twice.
        derived = sum(
            (
                other.tax
                for other in lines
                if other.datev_gross
                and other.role != "vat"
                and other.rate == line.rate
                and other.side == line.side
            ),
            ZERO,
        )
        return line.amount - derived
    return line.amount + (line.tax if line.datev_gross else ZERO)


def datev_rows(
    entry: ExportEntry, lines: Sequence[ExportLine], *, locked: bool
) -> list[DatevBooking]:
    reversal = entry.kind == "reversal"
    info = _doc_info(entry)
    rows = []
    for line in lines:
        if line.role == "debtor":
            continue
        amount = _amount(line, lines)
        if amount <= 0:
            continue
        # S/H refers to the debtor: crediting revenue debits the debtor.
        side = TURNED[line.side]
        if reversal:
            side = TURNED[side]  # the original's side, with the Generalumkehr flag
        taxed_row = line.role in ("revenue", "shipping", "discount") and line.rate is not None
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
                document_field1=entry.number,
                text=entry.text,
                bu_key=line.bu_key if line.datev_gross else "",
                document_field2=entry.reference if len(entry.reference) <= 12 else "",
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
