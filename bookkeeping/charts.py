"""SKR03 and SKR04 presets: the accounts a new connection starts with, and which of them each
VAT treatment books to (bookkeeping.md §2.1, §2.2, §3).

Plain data. Accountants customise their charts, so every preset is only a starting point
that the operator edits in the admin; nothing here is consulted once a connection has its own
accounts and mappings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .vat import Case

DEBTOR_RANGE = (10000, 69999)  # personal accounts with G/L account length 4 (§1.5)
ACCOUNT_LENGTH = 4


@dataclass(frozen=True)
class PresetAccount:
    number: int
    name: str
    kind: str  # see Account.Kind
    # DATEV "AM" account: DATEV derives the VAT from the gross amount booked to it, so the
    # export books revenue gross and no separate VAT line (§1.4 "BU-Schlüssel").
    automatic: bool = False


@dataclass(frozen=True)
class PresetMapping:
    case: Case
    rate: Decimal | None  # None: any rate of that case
    revenue: int
    vat: int | None  # None: tax-free
    bu_key: str = ""
    discount: int | None = None  # separate-lines option: discounts (Erlösschmälerungen)


@dataclass(frozen=True)
class ForeignAccounts:
    """Accounts a new foreign registration starts with: sales not taxable in Germany (UStVA
    Kz. 45 as far as they appear there) and the VAT owed abroad. No standard account tells the
    countries apart; accountants often open one per country (agree them with the adviser)."""

    local: int
    ic_supply: int
    export: int
    vat: int


@dataclass(frozen=True)
class Chart:
    code: str  # "03" / "04" in the DATEV header
    accounts: tuple[PresetAccount, ...]
    mappings: tuple[PresetMapping, ...]
    rounding: int
    coupons: int
    foreign: ForeignAccounts
    first_debtor: int = 10000
    # Payments: cash discounts granted (Gewährte Skonti) and receivables written off
    # (Forderungsverluste, übliche Höhe), per VAT rate; both are automatic (AM) accounts.
    skonto: tuple[tuple[Decimal, int], ...] = ()
    write_off: tuple[tuple[Decimal, int], ...] = ()


R19, R7, R0 = Decimal(19), Decimal(7), Decimal(0)

SKR03 = Chart(
    code="03",
    accounts=(
        PresetAccount(8400, "Erlöse 19 % USt", "revenue", automatic=True),
        PresetAccount(8300, "Erlöse 7 % USt", "revenue", automatic=True),
        PresetAccount(8200, "Erlöse (ohne Umsatzsteuer)", "revenue"),
        PresetAccount(
            8315, "Erlöse aus im Inland steuerpfl. EU-Lieferungen 19 % USt", "revenue", True
        ),
        PresetAccount(
            8310, "Erlöse aus im Inland steuerpfl. EU-Lieferungen 7 % USt", "revenue", True
        ),
        PresetAccount(8320, "Erlöse aus im anderen EU-Land steuerpfl. Lieferungen", "revenue"),
        PresetAccount(8125, "Steuerfreie innergem. Lieferungen § 4 Nr. 1b UStG", "revenue", True),
        PresetAccount(8120, "Steuerfreie Umsätze § 4 Nr. 1a UStG (Ausfuhr)", "revenue", True),
        PresetAccount(8195, "Erlöse als Kleinunternehmer § 19 UStG", "revenue"),
        PresetAccount(8720, "Erlösschmälerungen 19 % USt", "discount", automatic=True),
        PresetAccount(8710, "Erlösschmälerungen 7 % USt", "discount", automatic=True),
        PresetAccount(
            8726,
            "Erlösschmälerungen aus im Inland steuerpfl. EU-Lieferungen 19 % USt",
            "discount",
            automatic=True,
        ),
        PresetAccount(
            8725,
            "Erlösschmälerungen aus im Inland steuerpfl. EU-Lieferungen 7 % USt",
            "discount",
            automatic=True,
        ),
        PresetAccount(8724, "Erlösschmälerungen aus steuerfreien ig. Lieferungen", "discount"),
        PresetAccount(
            8727, "Erlösschmälerungen aus im anderen EU-Land steuerpfl. Lieferungen", "discount"
        ),
        PresetAccount(8736, "Gewährte Skonti 19 % USt", "discount", automatic=True),
        PresetAccount(8731, "Gewährte Skonti 7 % USt", "discount", automatic=True),
        PresetAccount(2406, "Forderungsverluste 19 % USt (übliche Höhe)", "other", True),
        PresetAccount(2401, "Forderungsverluste 7 % USt (übliche Höhe)", "other", True),
        PresetAccount(1776, "Umsatzsteuer 19 %", "vat"),
        PresetAccount(1771, "Umsatzsteuer 7 %", "vat"),
        PresetAccount(1778, "Umsatzsteuer aus im Inland steuerpfl. EU-Lieferungen 19 %", "vat"),
        PresetAccount(1777, "Umsatzsteuer aus im Inland steuerpfl. EU-Lieferungen 7 %", "vat"),
        PresetAccount(1767, "Umsatzsteuer aus im anderen EU-Land steuerpfl. Lieferungen", "vat"),
        PresetAccount(
            8339,
            "Erlöse aus im anderen EU-Land steuerbaren Umsätzen, im Inland nicht steuerbar",
            "revenue",
        ),
        PresetAccount(1754, "Steuerzahlungen an andere Länder (USt ausländischer Lager)", "vat"),
        PresetAccount(1590, "Durchlaufende Posten (Rundungsdifferenzen)", "interim"),
        PresetAccount(1796, "Ausgegebene Geschenkgutscheine (Mehrzweckgutscheine)", "interim"),
    ),
    mappings=(
        PresetMapping(Case.DOMESTIC, R19, 8400, 1776, discount=8720),
        PresetMapping(Case.DOMESTIC, R7, 8300, 1771, discount=8710),
        PresetMapping(Case.DOMESTIC, R0, 8200, None),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R19, 8400, 1776, discount=8720),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R7, 8300, 1771, discount=8710),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R0, 8200, None),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R19, 8315, 1778, discount=8726),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R7, 8310, 1777, discount=8725),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R0, 8200, None),
        PresetMapping(Case.OSS, None, 8320, 1767, bu_key="0240", discount=8727),
        PresetMapping(Case.FOREIGN_WAREHOUSE_OSS, None, 8320, 1767, bu_key="0241", discount=8727),
        PresetMapping(Case.IC_SUPPLY, None, 8125, None, discount=8724),
        PresetMapping(Case.EXPORT, None, 8120, None),
        PresetMapping(Case.SMALL_BUSINESS, None, 8195, None),
    ),
    rounding=1590,
    coupons=1796,
    foreign=ForeignAccounts(local=8339, ic_supply=8339, export=8339, vat=1754),
    skonto=((R19, 8736), (R7, 8731)),
    write_off=((R19, 2406), (R7, 2401)),
)

SKR04 = Chart(
    code="04",
    accounts=(
        PresetAccount(4400, "Erlöse 19 % USt", "revenue", automatic=True),
        PresetAccount(4300, "Erlöse 7 % USt", "revenue", automatic=True),
        PresetAccount(4200, "Erlöse (ohne Umsatzsteuer)", "revenue"),
        PresetAccount(
            4315, "Erlöse aus im Inland steuerpfl. EU-Lieferungen 19 % USt", "revenue", True
        ),
        PresetAccount(
            4310, "Erlöse aus im Inland steuerpfl. EU-Lieferungen 7 % USt", "revenue", True
        ),
        PresetAccount(4320, "Erlöse aus im anderen EU-Land steuerpfl. Lieferungen", "revenue"),
        PresetAccount(4125, "Steuerfreie innergem. Lieferungen § 4 Nr. 1b UStG", "revenue", True),
        PresetAccount(4120, "Steuerfreie Umsätze § 4 Nr. 1a UStG (Ausfuhr)", "revenue", True),
        PresetAccount(4185, "Erlöse als Kleinunternehmer § 19 UStG", "revenue"),
        PresetAccount(4720, "Erlösschmälerungen 19 % USt", "discount", automatic=True),
        PresetAccount(4710, "Erlösschmälerungen 7 % USt", "discount", automatic=True),
        PresetAccount(
            4726,
            "Erlösschmälerungen aus im Inland steuerpfl. EU-Lieferungen 19 % USt",
            "discount",
            automatic=True,
        ),
        PresetAccount(
            4725,
            "Erlösschmälerungen aus im Inland steuerpfl. EU-Lieferungen 7 % USt",
            "discount",
            automatic=True,
        ),
        PresetAccount(4724, "Erlösschmälerungen aus steuerfreien ig. Lieferungen", "discount"),
        PresetAccount(
            4727, "Erlösschmälerungen aus im anderen EU-Land steuerpfl. Lieferungen", "discount"
        ),
        PresetAccount(4736, "Gewährte Skonti 19 % USt", "discount", automatic=True),
        PresetAccount(4731, "Gewährte Skonti 7 % USt", "discount", automatic=True),
        PresetAccount(6936, "Forderungsverluste 19 % USt (übliche Höhe)", "other", True),
        PresetAccount(6931, "Forderungsverluste 7 % USt (übliche Höhe)", "other", True),
        PresetAccount(3806, "Umsatzsteuer 19 %", "vat"),
        PresetAccount(3801, "Umsatzsteuer 7 %", "vat"),
        PresetAccount(3808, "Umsatzsteuer aus im Inland steuerpfl. EU-Lieferungen 19 %", "vat"),
        PresetAccount(3807, "Umsatzsteuer aus im Inland steuerpfl. EU-Lieferungen 7 %", "vat"),
        PresetAccount(3817, "Umsatzsteuer aus im anderen EU-Land steuerpfl. Lieferungen", "vat"),
        PresetAccount(
            4339,
            "Erlöse aus im anderen EU-Land steuerbaren Umsätzen, im Inland nicht steuerbar",
            "revenue",
        ),
        PresetAccount(3854, "Steuerzahlungen an andere Länder (USt ausländischer Lager)", "vat"),
        PresetAccount(1370, "Durchlaufende Posten (Rundungsdifferenzen)", "interim"),
        PresetAccount(3786, "Ausgegebene Geschenkgutscheine (Mehrzweckgutscheine)", "interim"),
    ),
    mappings=(
        PresetMapping(Case.DOMESTIC, R19, 4400, 3806, discount=4720),
        PresetMapping(Case.DOMESTIC, R7, 4300, 3801, discount=4710),
        PresetMapping(Case.DOMESTIC, R0, 4200, None),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R19, 4400, 3806, discount=4720),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R7, 4300, 3801, discount=4710),
        PresetMapping(Case.FOREIGN_WAREHOUSE_TO_HOME, R0, 4200, None),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R19, 4315, 3808, discount=4726),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R7, 4310, 3807, discount=4725),
        PresetMapping(Case.EU_B2C_HOME_TAXED, R0, 4200, None),
        PresetMapping(Case.OSS, None, 4320, 3817, bu_key="0240", discount=4727),
        PresetMapping(Case.FOREIGN_WAREHOUSE_OSS, None, 4320, 3817, bu_key="0241", discount=4727),
        PresetMapping(Case.IC_SUPPLY, None, 4125, None, discount=4724),
        PresetMapping(Case.EXPORT, None, 4120, None),
        PresetMapping(Case.SMALL_BUSINESS, None, 4185, None),
    ),
    rounding=1370,
    coupons=3786,
    foreign=ForeignAccounts(local=4339, ic_supply=4339, export=4339, vat=3854),
    skonto=((R19, 4736), (R7, 4731)),
    write_off=((R19, 6936), (R7, 6931)),
)

CHARTS = {"skr03": SKR03, "skr04": SKR04}
