"""Plain data handed to the DATEV writer and linter: a batch header, bookings and debtors.

Field meanings follow bookkeeping.md §1.2 (header), §1.3/§1.4 (booking columns) and §1.5
(Debitoren/Kreditoren). Nothing here knows about Django or Billbee; ``ref`` carries the caller's
own key (e.g. the Billbee order id) so that lint findings can be traced back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class DatevHeader:
    consultant_number: int  # Beraternummer 1001–9999999
    client_number: int  # Mandantennummer 1–99999
    fiscal_year_start: date  # WJ-Beginn
    account_length: int  # Sachkontenlänge 4–8
    period_from: date  # Datum vom (Buchungsstapel only)
    period_to: date  # Datum bis
    label: str  # Bezeichnung ≤30
    chart: str  # "03" or "04" (SKR)
    created_at: datetime  # Erzeugt am → YYYYMMDDHHMMSSFFF
    locked: bool = False  # Festschreibung (header #21)
    currency: str = "EUR"
    initials: str = ""  # Diktatkürzel ≤2
    exported_by: str = ""  # ≤25
    origin: str = "RE"  # Herkunft, 2 chars
    app_info: str = "billbee-conn"  # Anwendungsinformation ≤16


@dataclass(frozen=True)
class DatevBooking:
    amount: Decimal  # Umsatz, > 0; the sign is expressed only by ``side`` (§1.4)
    side: str  # "S" or "H", refers to ``account``
    account: int  # Konto
    contra_account: int  # Gegenkonto
    document_date: date  # Belegdatum → TTMM (year comes from the header period)
    document_field1: str  # Belegfeld 1: the open-item key, ≤36, never altered by the writer
    text: str = ""  # Buchungstext ≤60
    bu_key: str = ""  # BU-Schlüssel, "" or 1–4 digits
    document_field2: str = ""  # Belegfeld 2 ≤12
    currency: str = ""  # WKZ Umsatz ("" = header currency)
    exchange_rate: Decimal | None = None  # Kurs (1 EUR = x foreign)
    base_amount: Decimal | None = None  # Basis-Umsatz (EUR)
    base_currency: str = ""  # WKZ Basis-Umsatz
    eu_destination: str = ""  # field 40: country code (OSS B2C) or VAT ID (B2B), ≤15
    eu_rate: Decimal | None = None  # field 41
    service_date: date | None = None  # field 115 Leistungsdatum
    tax_period_date: date | None = None  # field 116; written whenever 115 is, default = 115
    reversal: bool = False  # field 118 Generalumkehr
    locked: bool | None = None  # field 114; None → the header's value, always written as 0/1
    eu_origin: str = ""  # field 123 EU-Land u. UStID (Ursprung)
    origin_rate: Decimal | None = None  # field 124
    order_number: str = ""  # field 95 Auftragsnummer ≤30
    doc_info: tuple[tuple[str, str], ...] = ()  # Beleginfo Art/Inhalt pairs 1–8 (fields 21–36)
    ref: str = ""  # not written: the caller's key for tracing findings


@dataclass(frozen=True)
class DatevDebtor:
    account: int  # Konto: Sachkontenlänge + 1 digits
    company: str = ""  # Name (Adressattyp Unternehmen) ≤50
    last_name: str = ""  # Name (Adressattyp natürl. Person) ≤30
    first_name: str = ""  # Vorname ≤30
    address_type: int | None = None  # 0 keine Angabe, 1 natürliche Person, 2 Unternehmen
    short_name: str = ""  # Kurzbezeichnung ≤15
    eu_country: str = ""  # EU-Land
    vat_id: str = ""  # EU-UStID ≤13 without the country prefix; "ATU12345678" is split
    street: str = ""  # ≤36
    zip: str = ""
    city: str = ""  # ≤30
    country: str = ""  # ISO-2
    email: str = ""
    ref: str = ""  # not written
