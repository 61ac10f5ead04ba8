"""The representative batch behind the golden files: one header, eight bookings, three debtors.

Cases (bookkeeping.md §1.4, §2, §3, §4.2): domestic 19 % and 7 % gross on 8400/8300, OSS B2C to
AT (BU 240, fields 40/41), OSS from a Polish warehouse (BU 241, fields 123/124), an intra-EU B2B
delivery on 8125 (VAT ID in 40), a CHF export on 8120 with Kurs and Basis-Umsatz, a credit note
(side H, 116 in the correction's period) and a reversal (Generalumkehr 1). Texts carry umlauts,
quotes, a line break and characters cp1252 cannot hold ("Ł", "ł", "ź").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from bookkeeping.datev import DatevBooking, DatevDebtor, DatevHeader

GOLDEN = Path(__file__).parent / "golden"
BOOKINGS_GOLDEN = GOLDEN / "EXTF_Buchungsstapel.csv"
DEBTORS_GOLDEN = GOLDEN / "EXTF_Debitoren_Kreditoren.csv"

HEADER = DatevHeader(
    consultant_number=29098,
    client_number=55003,
    fiscal_year_start=date(2026, 1, 1),
    account_length=4,
    period_from=date(2026, 1, 1),
    period_to=date(2026, 1, 31),
    label="Billbee Januar 2026",
    chart="03",
    created_at=datetime(2026, 2, 3, 14, 5, 6, 789000),
    initials="BB",
    exported_by="billbee-connector",
)

DOMESTIC_19 = DatevBooking(
    amount=Decimal("119.00"),
    side="S",
    account=10000,
    contra_account=8400,
    document_date=date(2026, 1, 5),
    document_field1="RE-2026-0001",
    text='Möbel "Kiefer" für Müller',
    service_date=date(2026, 1, 3),
    order_number="BB-100001",
    doc_info=(("Billbee-Auftrag", "300000000100001"),),
    ref="300000000100001",
)
DOMESTIC_7 = DatevBooking(
    amount=Decimal("53.50"),
    side="S",
    account=10000,
    contra_account=8300,
    document_date=date(2026, 1, 7),
    document_field1="RE-2026-0002",
    text="Bücher, 7 % USt",
    service_date=date(2026, 1, 6),
    ref="300000000100002",
)
OSS_AT = DatevBooking(
    amount=Decimal("120.00"),
    side="S",
    account=10000,
    contra_account=8320,
    document_date=date(2026, 1, 16),
    document_field1="RE-2026-0003",
    text="Versand nach Österreich (OSS)",
    bu_key="0240",
    eu_destination="AT",
    eu_rate=Decimal("20"),
    service_date=date(2026, 1, 15),
    ref="300000000100003",
)
OSS_FROM_PL = DatevBooking(
    amount=Decimal("96.00"),
    side="S",
    account=10000,
    contra_account=8320,
    document_date=date(2026, 1, 19),
    document_field1="RE-2026-0004",
    text="Lager Łódź, Kunde Paweł Nowak",
    bu_key="0241",
    eu_destination="AT",
    eu_rate=Decimal("20.00"),
    service_date=date(2026, 1, 17),
    eu_origin="PL1234567890",
    origin_rate=Decimal("23"),
    ref="300000000100004",
)
INTRA_EU_B2B = DatevBooking(
    amount=Decimal("500.00"),
    side="S",
    account=10001,
    contra_account=8125,
    document_date=date(2026, 1, 21),
    document_field1="RE-2026-0005",
    text="Innergem. Lieferung Schmidt KG",
    eu_destination="ATU12345678",
    service_date=date(2026, 1, 20),
    ref="300000000100005",
)
EXPORT_CHF = DatevBooking(
    amount=Decimal("250.00"),
    side="S",
    account=10002,
    contra_account=8120,
    document_date=date(2026, 1, 22),
    document_field1="RE-2026-0006",
    text="Ausfuhr Zürich",
    currency="CHF",
    exchange_rate=Decimal("0.9350"),
    base_amount=Decimal("267.38"),
    base_currency="EUR",
    service_date=date(2026, 1, 22),
    ref="300000000100006",
)
# §4.1/§4.2: the credit note mirrors the invoice with H, keeps its Leistungsdatum, and belongs
# to the VAT period of the correction (116).
CREDIT_NOTE = DatevBooking(
    amount=Decimal("59.50"),
    side="H",
    account=10000,
    contra_account=8400,
    document_date=date(2026, 1, 26),
    document_field1="GS-2026-0001",
    text="Gutschrift zu RE-2026-0001 (Teilretoure)",
    document_field2="RE-2026-0001",
    service_date=date(2026, 1, 3),
    tax_period_date=date(2026, 1, 26),
    ref="300000000100001",
)
REVERSAL = DatevBooking(
    amount=Decimal("53.50"),
    side="S",
    account=10000,
    contra_account=8300,
    document_date=date(2026, 1, 28),
    document_field1="RE-2026-0002",
    text="Storno RE-2026-0002\r\nBestellung storniert",
    document_field2="ST-2026-0001",
    service_date=date(2026, 1, 6),
    reversal=True,
    ref="300000000100002",
)

BOOKINGS: tuple[DatevBooking, ...] = (
    DOMESTIC_19,
    DOMESTIC_7,
    OSS_AT,
    OSS_FROM_PL,
    INTRA_EU_B2B,
    EXPORT_CHF,
    CREDIT_NOTE,
    REVERSAL,
)
REFS = [booking.ref for booking in BOOKINGS]
# Line of each booking in the file: header is line 1, headings line 2.
_NAMES = "DOMESTIC_19 DOMESTIC_7 OSS_AT OSS_FROM_PL INTRA_EU_B2B EXPORT_CHF CREDIT_NOTE REVERSAL"
LINE = {name: line for line, name in enumerate(_NAMES.split(), start=3)}

DEBTORS: tuple[DatevDebtor, ...] = (
    DatevDebtor(
        account=10000,
        company="Sammelkunde Amazon.de",
        address_type=2,
        short_name="Amazon",
        country="DE",
        ref="channel-amazon-de",
    ),
    DatevDebtor(
        account=10001,
        company="Schmidt Handels KG",
        address_type=2,
        short_name="Schmidt KG",
        vat_id="ATU12345678",
        street="Mariahilfer Straße 12",
        zip="1060",
        city="Wien",
        country="AT",
        email="einkauf@schmidt-kg.example",
        ref="customer-4711",
    ),
    DatevDebtor(
        account=10002,
        last_name="Zürcher",
        first_name="Bärbel",
        address_type=1,
        short_name="Zürcher",
        street="Bahnhofstrasse 1",
        zip="8001",
        city="Zürich",
        country="CH",
        email="baerbel@zuercher.example",
        ref="customer-4712",
    ),
)
