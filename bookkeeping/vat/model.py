"""The plain data of the VAT treatment: what goes in (VatInput) and what comes out (Treatment).

Import these names from :mod:`bookkeeping.vat.treatment`; this module only keeps them apart
from the logic so that the logic's modules can share them without import cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Case(StrEnum):
    DOMESTIC = "domestic"  # taxable in the home country at home rates
    EU_B2C_HOME_TAXED = "eu_b2c_home_taxed"  # EU consumer, below threshold / no OSS: home VAT
    OSS = "oss"  # EU consumer, OSS registered: destination VAT, BU 240, fields 40/41
    IC_SUPPLY = "ic_supply"  # intra-EU B2B with valid VAT ID: tax-free (§ 4 Nr. 1b UStG)
    EXPORT = "export"  # third country (incl. special territories): tax-free (§ 4 Nr. 1a UStG)
    FOREIGN_WAREHOUSE_LOCAL = "fw_local"  # foreign warehouse → consumer in the same country
    FOREIGN_WAREHOUSE_TO_HOME = "fw_to_home"  # foreign warehouse → consumer in the home country
    FOREIGN_WAREHOUSE_OSS = "fw_oss"  # foreign warehouse → consumer in a third EU state
    # Supplies from a foreign warehouse to a business in another member state, and exports
    # from there: they take place in the warehouse's country (§ 3 (6) UStG), not at home.
    FOREIGN_WAREHOUSE_IC_SUPPLY = "fw_ic_supply"
    FOREIGN_WAREHOUSE_EXPORT = "fw_export"
    SMALL_BUSINESS = "small_business"  # VatMode 1, Kleinunternehmer (§ 19 UStG): no VAT


TAX_FREE_CASES = frozenset(
    {
        Case.IC_SUPPLY,
        Case.EXPORT,
        Case.FOREIGN_WAREHOUSE_IC_SUPPLY,
        Case.FOREIGN_WAREHOUSE_EXPORT,
        Case.SMALL_BUSINESS,
    }
)
OSS_CASES = frozenset({Case.OSS, Case.FOREIGN_WAREHOUSE_OSS})
FOREIGN_WAREHOUSE_CASES = frozenset(
    {
        Case.FOREIGN_WAREHOUSE_LOCAL,
        Case.FOREIGN_WAREHOUSE_TO_HOME,
        Case.FOREIGN_WAREHOUSE_OSS,
        Case.FOREIGN_WAREHOUSE_IC_SUPPLY,
        Case.FOREIGN_WAREHOUSE_EXPORT,
    }
)
# Sales whose place of supply is the foreign warehouse's country: not taxable at home, booked
# to the accounts of that country's registration and declared in its VAT return (and its EC
# sales list), never in the home country's (bookkeeping.md §3).
NOT_TAXABLE_AT_HOME = frozenset(
    {
        Case.FOREIGN_WAREHOUSE_LOCAL,
        Case.FOREIGN_WAREHOUSE_IC_SUPPLY,
        Case.FOREIGN_WAREHOUSE_EXPORT,
    }
)

GOODS = "goods"
DISCOUNT = "discount"  # a price reduction line with its own TaxIndex (no article)
# Billbee coupon lines (IsCoupon), by what the voucher is (§ 3 (13)–(15) UStG):
DISCOUNT_CODE = "discount_code"  # a price reduction: revenue and VAT at the goods' rates
VOUCHER = "voucher"  # single-purpose voucher redeemed: its VAT was due when it was sold
COUPON = "coupon"  # multi-purpose voucher redeemed: a means of payment, no VAT
SHIPPING = "shipping"
ADJUSTMENT = "adjustment"
LINE_KINDS = (GOODS, DISCOUNT, DISCOUNT_CODE, VOUCHER, COUPON, SHIPPING, ADJUSTMENT)
COUPON_KINDS = (DISCOUNT_CODE, VOUCHER, COUPON)


@dataclass(frozen=True)
class Line:
    kind: str  # one of LINE_KINDS
    gross: Decimal  # signed, as on the document (credit notes negative); may have 4 places
    tax_index: int | None  # Billbee TaxIndex: 0 none, 1 normal, 2 reduced; None for shipping
    billbee_rate: Decimal | None = None  # rate Billbee applied (TaxRate1/TaxRate2 by TaxIndex)
    billbee_tax: Decimal | None = None  # Billbee's TaxAmount for the line (unrounded) or None


@dataclass(frozen=True)
class VatInput:
    vat_mode: int | None  # Billbee VatMode 0..5 (None = 0)
    home_country: str  # merchant's country of establishment, e.g. "DE"
    ship_from: str  # DeliverySourceCountryCode, else the connection's sender country
    destination: str | None  # delivery country, ISO-2
    destination_zip: str | None  # decides the special territories (countries.py)
    customer_vat_id: str | None
    service_date: date  # Leistungsdatum: decides the rate period (bookkeeping.md §5)
    oss_since: date | None  # OSS registered (threshold exceeded or waived) since; None = not
    small_business: bool
    lines: tuple[Line, ...]
    # The merchant's VAT IDs in foreign-warehouse countries, e.g. {"PL": "PL5260001246"}.
    origin_vat_ids: Mapping[str, str] = field(default_factory=dict)
    # VAT that differs from Billbee's invoice holds the document (VatHeld); off for documents
    # that only mirror another (credit notes, invoices cancelled by one): a warning then.
    hold_differences: bool = True


@dataclass(frozen=True)
class Share:
    kind: str  # a LINE_KINDS value but coupon (a multi-purpose voucher is not a share)
    rate: Decimal  # percent, 0 for tax-free
    gross: Decimal  # Σ of this kind's lines at this rate, each line rounded to cents first


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    gross: Decimal  # Σ shares at this rate
    net: Decimal  # gross − vat
    vat: Decimal  # gross × rate / (100 + rate), rounded once per rate (bookkeeping.md §4.3)


@dataclass(frozen=True)
class Treatment:
    case: Case
    taxed_in: str | None  # country whose VAT is charged; None when tax-free
    shares: tuple[Share, ...]  # by kind and rate; shipping/adjustment split over goods' rates
    totals: tuple[RateTotal, ...]  # by rate, descending; rates whose gross is 0 are left out
    coupons: Decimal  # Σ multi-purpose voucher lines (a VAT-free means of payment), signed
    eu_destination: str  # DATEV field 40: buyer VAT ID (IC supply) or destination (OSS cases)
    eu_rate: Decimal | None  # DATEV field 41 when the OSS document has one non-zero rate
    eu_origin: str  # DATEV field 123: merchant's VAT ID in the ship-from country, else its code
    origin_rate: Decimal | None  # DATEV field 124: ship-from standard rate (fw_oss only)
    bu_key: str  # "" (automatic accounts), "0240" (OSS), "0241" (fw_oss): DATEV's 4-digit form
    billbee_vat: Decimal  # Σ Billbee TaxAmount of the lines that carry one, per rate in cents
    our_vat_on_billbee_lines: Decimal  # our VAT for exactly those lines, rounded per rate
    vat_difference: Decimal  # our_vat_on_billbee_lines − billbee_vat
    trace: tuple[str, ...]  # each decision in words, in order
    warnings: tuple[str, ...]  # what a person must look at
