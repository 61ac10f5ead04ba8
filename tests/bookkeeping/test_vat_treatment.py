"""VAT treatment of one document: every case, every rejection, the boundaries and the cents."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bookkeeping.vat.amounts import split
from bookkeeping.vat.treatment import (
    Case,
    Line,
    RateTotal,
    Share,
    Treatment,
    VatHeld,
    VatInput,
    VatRejected,
    eu_rate_for,
    vat_treatment,
)

D = Decimal
DAY = date(2025, 3, 14)
OSS_START = date(2021, 7, 1)
PL_ID = "PL5260001246"
AT_ID = "ATU13585627"
DE_ID = "DE136695976"


def goods(
    gross: str, index: int | None = 1, rate: str | None = None, tax: str | None = None
) -> Line:
    return Line(
        "goods", D(gross), index, D(rate) if rate else None, D(tax) if tax is not None else None
    )


def line(kind: str, gross: str, index: int | None = None, tax: str | None = None) -> Line:
    return Line(kind, D(gross), index, None, D(tax) if tax is not None else None)


def make(**overrides: Any) -> VatInput:
    values: dict[str, Any] = {
        "vat_mode": 0,
        "home_country": "DE",
        "ship_from": "DE",
        "destination": "DE",
        "destination_zip": None,
        "customer_vat_id": None,
        "service_date": DAY,
        "oss_since": None,
        "small_business": False,
        "lines": (goods("119.00"),),
        "origin_vat_ids": {"PL": PL_ID},
    }
    values.update(overrides)
    return VatInput(**values)


def shares(treatment: Treatment) -> list[tuple[str, str, str]]:
    return [(s.kind, str(s.rate), str(s.gross)) for s in treatment.shares]


def totals(treatment: Treatment) -> list[tuple[str, str, str, str]]:
    return [(str(t.rate), str(t.gross), str(t.net), str(t.vat)) for t in treatment.totals]


def rejection(doc: VatInput) -> VatRejected:
    with pytest.raises(VatRejected) as caught:
        vat_treatment(doc)
    return caught.value


# --- the cases ---------------------------------------------------------------------------------

CHARGED = (goods("119.00", rate="19", tax="19.00"),)

CASES: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
    # id, overrides, (case, taxed_in, total rate, bu, field 40, field 41, field 123, field 124)
    ("domestic", {}, (Case.DOMESTIC, "DE", "19", "", "", None, "", None)),
    ("vat-mode-none", {"vat_mode": None}, (Case.DOMESTIC, "DE", "19", "", "", None, "", None)),
    (
        "eu-b2c-not-registered",
        {"destination": "AT"},
        (Case.EU_B2C_HOME_TAXED, "DE", "19", "", "", None, "", None),
    ),
    (
        "oss",
        {"destination": "AT", "oss_since": OSS_START},
        (Case.OSS, "AT", "20", "0240", "AT", D("20"), "", None),
    ),
    (
        "oss-since-the-service-date",
        {"destination": "AT", "oss_since": DAY},
        (Case.OSS, "AT", "20", "0240", "AT", D("20"), "", None),
    ),
    (
        "oss-since-the-day-after",
        {"destination": "AT", "oss_since": DAY + timedelta(days=1)},
        (Case.EU_B2C_HOME_TAXED, "DE", "19", "", "", None, "", None),
    ),
    (
        "oss-greece-field-40-el",
        {"destination": "GR", "oss_since": OSS_START},
        (Case.OSS, "GR", "24", "0240", "EL", D("24"), "", None),
    ),
    (
        "oss-monaco-is-france",
        {"destination": "MC", "oss_since": OSS_START},
        (Case.OSS, "FR", "20", "0240", "FR", D("20"), "", None),
    ),
    (
        "ic-supply",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": AT_ID},
        (Case.IC_SUPPLY, None, "0", "", AT_ID, None, "", None),
    ),
    (
        "ic-supply-greece",
        {"vat_mode": 2, "destination": "GR", "customer_vat_id": "GR 094 014 201"},
        (Case.IC_SUPPLY, None, "0", "", "EL094014201", None, "", None),
    ),
    (
        # Not German turnover: the supply takes place in PL (§ 3 (6) UStG), its ZM is Polish.
        "ic-supply-from-pl-to-de",
        {"vat_mode": 2, "ship_from": "PL", "destination": "DE", "customer_vat_id": DE_ID},
        (Case.FOREIGN_WAREHOUSE_IC_SUPPLY, None, "0", "", DE_ID, None, PL_ID, None),
    ),
    (
        "ic-supply-from-cz-to-de",
        {
            "vat_mode": 2,
            "ship_from": "CZ",
            "destination": "DE",
            "customer_vat_id": DE_ID,
            "origin_vat_ids": {"CZ": "CZ25123891"},
        },
        (Case.FOREIGN_WAREHOUSE_IC_SUPPLY, None, "0", "", DE_ID, None, "CZ25123891", None),
    ),
    (
        "export-from-pl",
        {"vat_mode": 3, "ship_from": "PL", "destination": "CH"},
        (Case.FOREIGN_WAREHOUSE_EXPORT, None, "0", "", "", None, PL_ID, None),
    ),
    (
        "export-mode-3",
        {"vat_mode": 3, "destination": "CH"},
        (Case.EXPORT, None, "0", "", "", None, "", None),
    ),
    (
        "export-mode-0-no-vat",
        {"destination": "CH", "lines": (goods("119.00", 0, "0", "0"),)},
        (Case.EXPORT, None, "0", "", "", None, "", None),
    ),
    (
        "third-country-vat-charged-from-home",
        {"destination": "CH", "lines": CHARGED},
        (Case.DOMESTIC, "DE", "19", "", "", None, "", None),
    ),
    (
        "third-country-vat-charged-from-pl",
        {"ship_from": "PL", "destination": "US", "lines": (goods("123.00", tax="23.00"),)},
        (Case.FOREIGN_WAREHOUSE_LOCAL, "PL", "23", "", "", None, PL_ID, None),
    ),
    (
        "fw-local",
        {"ship_from": "PL", "destination": "PL"},
        (Case.FOREIGN_WAREHOUSE_LOCAL, "PL", "23", "", "", None, PL_ID, None),
    ),
    (
        "fw-to-home",
        {"ship_from": "PL", "destination": "DE"},
        (Case.FOREIGN_WAREHOUSE_TO_HOME, "DE", "19", "", "", None, PL_ID, None),
    ),
    (
        "fw-oss",
        {"ship_from": "PL", "destination": "AT", "oss_since": OSS_START},
        (Case.FOREIGN_WAREHOUSE_OSS, "AT", "20", "0241", "AT", D("20"), PL_ID, D("23")),
    ),
    (
        "fw-oss-below-threshold-still-destination",
        {"ship_from": "PL", "destination": "AT"},
        (Case.FOREIGN_WAREHOUSE_OSS, "AT", "20", "0241", "AT", D("20"), PL_ID, D("23")),
    ),
    (
        "fw-oss-greek-warehouse-without-vat-id",
        {"ship_from": "GR", "destination": "AT", "oss_since": OSS_START},
        (Case.FOREIGN_WAREHOUSE_OSS, "AT", "20", "0241", "AT", D("20"), "EL", D("24")),
    ),
    (
        "small-business",
        {"vat_mode": 1, "small_business": True},
        (Case.SMALL_BUSINESS, None, "0", "", "", None, "", None),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case(overrides: dict[str, Any], expected: tuple[Any, ...]) -> None:
    treatment = vat_treatment(make(**overrides))
    case, taxed_in, rate, bu_key, field_40, field_41, field_123, field_124 = expected
    assert treatment.case is case
    assert treatment.taxed_in == taxed_in
    assert [str(t.rate) for t in treatment.totals] == [rate]
    assert treatment.bu_key == bu_key
    assert treatment.eu_destination == field_40
    assert treatment.eu_rate == field_41
    assert treatment.eu_origin == field_123
    assert treatment.origin_rate == field_124


def test_case_values_are_the_agreed_strings() -> None:
    assert [case.value for case in Case] == [
        "domestic",
        "eu_b2c_home_taxed",
        "oss",
        "ic_supply",
        "export",
        "fw_local",
        "fw_to_home",
        "fw_oss",
        "fw_ic_supply",
        "fw_export",
        "small_business",
    ]


def test_a_supply_from_a_foreign_warehouse_says_where_it_is_declared() -> None:
    treatment = vat_treatment(
        make(vat_mode=2, ship_from="PL", destination="DE", customer_vat_id=DE_ID)
    )

    assert (
        "shipped from the warehouse in PL: the intra-community supply takes place in PL "
        "(§ 3 (6) UStG) and is declared there (Polish VAT return and ZM), not in the German "
        "one: booked as not taxable in DE"
    ) in treatment.trace


def test_oss_trace_in_words() -> None:
    treatment = vat_treatment(make(destination="AT", oss_since=OSS_START))
    assert treatment.trace == (
        "VatMode 0 (VAT shown)",
        "ship-from DE, destination AT, consumer, OSS registered since 01.07.2021 → OSS: "
        "Austrian VAT (§ 3c (1), § 18j UStG)",
        "rates of AT on 14.03.2025: standard 20 %, reduced 13 %, 10 %",
    )
    assert treatment.warnings == ()
    assert totals(treatment) == [("20", "119.00", "99.17", "19.83")]


def test_home_taxed_trace_names_the_later_registration() -> None:
    later = DAY + timedelta(days=1)
    treatment = vat_treatment(make(destination="AT", oss_since=later))
    assert treatment.trace[1] == (
        "ship-from DE, destination AT, consumer, OSS registered only from 15.03.2025 "
        "(service 14.03.2025) → below the delivery threshold (§ 3c (4) UStG): German VAT"
    )


# --- special territories: outside the EU VAT area, like a third country ------------------------

TERRITORIES = [
    ("ES", "35001", "the Canary Islands"),
    ("ES", "38001", "the Canary Islands"),
    ("ES", "51001", "Ceuta"),
    ("ES", "52001", "Melilla"),
    ("DE", "78266", "Büsingen am Hochrhein"),
    ("DE", "D-78266", "Büsingen am Hochrhein"),
    ("DE", "27498", "Heligoland"),
    ("IT", "23041", "Livigno"),
    ("IT", "23030", "Livigno"),
    ("IT", "22061", "Campione d'Italia"),
    ("GR", "63086", "Mount Athos"),
    ("FR", "97100", "the French overseas departments"),
    ("FR", "97200", "the French overseas departments"),
    ("FR", "97300", "the French overseas departments"),
    ("FR", "FR-97400", "the French overseas departments"),
    ("FR", "97600", "the French overseas departments"),
    ("FI", "22100", "the Åland Islands"),
]
TERRITORY_IDS = [f"{c}-{z}" for c, z, _ in TERRITORIES]
NOT_TAXED = (goods("100.00", 0),)


@pytest.mark.parametrize(("country", "postcode", "name"), TERRITORIES, ids=TERRITORY_IDS)
def test_special_territory_without_vat_is_an_export(country: str, postcode: str, name: str) -> None:
    doc = make(destination=country, destination_zip=postcode, lines=NOT_TAXED, oss_since=OSS_START)
    treatment = vat_treatment(doc)
    assert treatment.case is Case.EXPORT
    assert f"({name}, outside the EU VAT area): treated as a third country" in treatment.trace[1]
    assert totals(treatment) == [("0", "100.00", "100.00", "0.00")]


@pytest.mark.parametrize(("country", "postcode", "name"), TERRITORIES, ids=TERRITORY_IDS)
def test_special_territory_allows_vat_mode_3(country: str, postcode: str, name: str) -> None:
    doc = make(vat_mode=3, destination=country, destination_zip=postcode)
    assert vat_treatment(doc).case is Case.EXPORT


@pytest.mark.parametrize(("country", "postcode", "name"), TERRITORIES, ids=TERRITORY_IDS)
def test_special_territory_rejects_vat_mode_2(country: str, postcode: str, name: str) -> None:
    doc = make(vat_mode=2, destination=country, destination_zip=postcode, customer_vat_id=AT_ID)
    error = rejection(doc)
    assert error.code == "ic_destination_outside_eu"
    assert f"({name}, outside the EU VAT area)" in error.reason


@pytest.mark.parametrize(
    ("country", "postcode", "case"),
    [
        ("ES", "28001", Case.OSS),
        ("ES", "3500", Case.OSS),
        ("DE", "78267", Case.DOMESTIC),
        ("DE", "27499", Case.DOMESTIC),
        ("IT", "23100", Case.OSS),
        ("GR", "63085", Case.OSS),
        ("FR", "97000", Case.OSS),
        ("FR", "75001", Case.OSS),
        ("FI", "00100", Case.OSS),
        ("PT", None, Case.OSS),
    ],
    ids=lambda value: str(value),
)
def test_neighbouring_postcodes_stay_in_the_eu(country: str, postcode: str, case: Case) -> None:
    doc = make(destination=country, destination_zip=postcode, oss_since=OSS_START)
    assert vat_treatment(doc).case is case


def test_livigno_shared_postcode_is_flagged() -> None:
    doc = make(destination="IT", destination_zip="23030", lines=NOT_TAXED)
    assert vat_treatment(doc).warnings == (
        "postcode 23030 is shared by several villages in the province of Sondrio: check that "
        "the delivery went to Livigno",
    )


# --- rejections, each with the document that passes ------------------------------------------

REJECTIONS: list[tuple[str, dict[str, Any], str, str, dict[str, Any], Case]] = [
    (
        "margin-scheme",
        {"vat_mode": 4},
        "margin_scheme",
        "VatMode 4 (margin scheme, § 25a UStG): VAT is due on the margin between selling and "
        "purchase price, and Billbee does not send the purchase price; book this document "
        "manually",
        {"vat_mode": 0},
        Case.DOMESTIC,
    ),
    (
        "small-business-mode",
        {"vat_mode": 1, "small_business": False},
        "small_business_mode",
        "VatMode 1 (small business, § 19 UStG) but the connection is not set up as a small "
        "business: check Billbee's VAT settings (Kleinunternehmer) and the connection's "
        "small-business setting",
        {"vat_mode": 1, "small_business": True},
        Case.SMALL_BUSINESS,
    ),
    (
        "vat-mode-5",
        {"vat_mode": 5},
        "unknown_vat_mode",
        "VatMode 5 is not a VAT mode this connector knows (0 VAT shown, 1 small business, "
        "2 intra-community supply, 3 export, 4 margin scheme): check the order's VAT settings "
        "in Billbee or book it manually",
        {"vat_mode": 3, "destination": "CH"},
        Case.EXPORT,
    ),
    (
        "vat-mode-negative",
        {"vat_mode": -1},
        "unknown_vat_mode",
        "VatMode -1 is not a VAT mode this connector knows (0 VAT shown, 1 small business, "
        "2 intra-community supply, 3 export, 4 margin scheme): check the order's VAT settings "
        "in Billbee or book it manually",
        {"vat_mode": None},
        Case.DOMESTIC,
    ),
    (
        "ship-from-outside-eu",
        {"ship_from": "CH"},
        "ship_from_outside_eu",
        "the goods were shipped from CH, outside the EU: sales from a third-country warehouse "
        "(import, foreign VAT) are not handled here; book manually",
        {"ship_from": "DE"},
        Case.DOMESTIC,
    ),
    (
        "no-ship-from",
        {"ship_from": ""},
        "no_ship_from",
        "no ship-from country: Billbee sent no DeliverySourceCountryCode and the connection has "
        "no sender country; set the connection's sender country",
        {"ship_from": "de"},
        Case.DOMESTIC,
    ),
    (
        "home-outside-eu",
        {"home_country": "CH"},
        "home_country_not_eu",
        "the merchant's home country CH is not an EU member state: set the connection's "
        "country of establishment",
        {"home_country": "DE"},
        Case.DOMESTIC,
    ),
    (
        "no-destination",
        {"destination": None},
        "no_destination",
        "no delivery country: the order's shipping address has no country, so the place of "
        "supply is unknown; complete the address in Billbee",
        {"destination": "DE"},
        Case.DOMESTIC,
    ),
    (
        "export-no-destination",
        {"vat_mode": 3, "destination": ""},
        "no_destination",
        "no delivery country: the order's shipping address has no country, so the place of "
        "supply is unknown; complete the address in Billbee",
        {"vat_mode": 3, "destination": "NO"},
        Case.EXPORT,
    ),
    (
        "ic-no-destination",
        {"vat_mode": 2, "destination": None, "customer_vat_id": AT_ID},
        "no_destination",
        "no delivery country: the order's shipping address has no country, so the place of "
        "supply is unknown; complete the address in Billbee",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": AT_ID},
        Case.IC_SUPPLY,
    ),
    (
        "ic-no-vat-id",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": None},
        "ic_no_vat_id",
        "VatMode 2 (intra-community supply) but the order has no buyer VAT ID: the exemption "
        "(§ 4 Nr. 1b, § 6a UStG) needs the buyer's valid VAT ID of another member state; add it "
        "in Billbee or charge VAT",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": "ATU 1358 5627"},
        Case.IC_SUPPLY,
    ),
    (
        "ic-invalid-vat-id",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": "ATU12345678"},
        "ic_invalid_vat_id",
        "ATU12345678 is not a valid Austrian VAT ID (checksum): the exemption (§ 4 Nr. 1b, "
        "§ 6a UStG) needs the buyer's valid VAT ID; correct it in Billbee or charge VAT",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": AT_ID},
        Case.IC_SUPPLY,
    ),
    (
        "ic-vat-id-without-prefix",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": "U13585627"},
        "ic_invalid_vat_id",
        "U13585627 has no EU country prefix: the exemption (§ 4 Nr. 1b, § 6a UStG) needs the "
        "buyer's valid VAT ID; correct it in Billbee or charge VAT",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": "ATU13585627"},
        Case.IC_SUPPLY,
    ),
    (
        "ic-domestic-vat-id",
        {"vat_mode": 2, "destination": "AT", "customer_vat_id": DE_ID},
        "ic_domestic_vat_id",
        "DE136695976 is a German VAT ID and the goods are shipped from DE: an intra-community "
        "supply needs the buyer's VAT ID of another member state (§ 6a (1) Nr. 4 UStG); charge "
        "VAT (VatMode 0)",
        {"vat_mode": 2, "ship_from": "PL", "destination": "AT", "customer_vat_id": DE_ID},
        Case.FOREIGN_WAREHOUSE_IC_SUPPLY,
    ),
    (
        "ic-vat-id-northern-ireland",
        {"vat_mode": 2, "destination": "IE", "customer_vat_id": "XI123456782"},
        "ic_vat_id_not_eu",
        "XI123456782 is a Northern Ireland VAT ID, not one of a member state: supplies to such "
        "buyers are not handled here; book manually",
        {"vat_mode": 2, "destination": "IE", "customer_vat_id": AT_ID},
        Case.IC_SUPPLY,
    ),
    (
        "ic-destination-outside-eu",
        {"vat_mode": 2, "destination": "CH", "customer_vat_id": AT_ID},
        "ic_destination_outside_eu",
        "VatMode 2 (intra-community supply) but the goods go to CH (outside the EU): a delivery "
        "to a third country is an export; set VatMode 3 in Billbee or book manually",
        {"vat_mode": 3, "destination": "CH", "customer_vat_id": AT_ID},
        Case.EXPORT,
    ),
    (
        "ic-domestic-destination",
        {"vat_mode": 2, "destination": "DE", "customer_vat_id": AT_ID},
        "ic_domestic_destination",
        "VatMode 2 (intra-community supply) but the goods stay in DE (shipped from DE to DE): a "
        "supply within one member state is taxable there; charge VAT (VatMode 0)",
        {"vat_mode": 0, "destination": "DE", "customer_vat_id": AT_ID},
        Case.DOMESTIC,
    ),
    (
        "export-destination-in-eu",
        {"vat_mode": 3, "destination": "AT"},
        "export_destination_in_eu",
        "VatMode 3 (export) but the goods go to AT, inside the EU VAT area: a delivery to a "
        "member state is an intra-community supply (VatMode 2, with the buyer's VAT ID) or a "
        "taxable sale (VatMode 0); correct the order in Billbee",
        {"vat_mode": 3, "destination": "GB"},
        Case.EXPORT,
    ),
    (
        "date-before-the-rate-table",
        {"service_date": date(2020, 6, 30)},
        "unknown_rate",
        "no VAT rates for DE on 30.06.2020 in the rate table: add the period to "
        "bookkeeping/vat/rates.py or book this document manually",
        {"service_date": date(2020, 7, 1)},
        Case.DOMESTIC,
    ),
    (
        "oss-date-before-the-rate-table",
        {"destination": "AT", "oss_since": date(2021, 1, 1), "service_date": date(2021, 6, 30)},
        "unknown_rate",
        "no VAT rates for AT on 30.06.2021 in the rate table: add the period to "
        "bookkeeping/vat/rates.py or book this document manually",
        {"destination": "AT", "oss_since": date(2021, 1, 1), "service_date": date(2021, 7, 1)},
        Case.OSS,
    ),
]


@pytest.mark.parametrize(
    ("bad", "code", "reason", "good", "good_case"),
    [r[1:] for r in REJECTIONS],
    ids=[r[0] for r in REJECTIONS],
)
def test_rejection_and_its_passing_twin(
    bad: dict[str, Any], code: str, reason: str, good: dict[str, Any], good_case: Case
) -> None:
    error = rejection(make(**bad))
    assert (error.code, error.reason) == (code, reason)
    assert vat_treatment(make(**good)).case is good_case


# --- warnings a person must look at -------------------------------------------------------------

WARNINGS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "vat-id-with-vat-charged",
        {"destination": "AT", "customer_vat_id": AT_ID},
        (
            "VAT ID ATU13585627 present but VAT charged: booked as a taxable sale; check whether "
            "it is an intra-community supply",
        ),
    ),
    (
        "invalid-vat-id-with-vat-charged",
        {"destination": "AT", "customer_vat_id": "ATU12345678"},
        (
            "VAT ID ATU12345678 present but VAT charged: booked as a taxable sale; check whether "
            "it is an intra-community supply (ATU12345678 is not a valid Austrian VAT ID "
            "(checksum))",
        ),
    ),
    ("vat-id-goods-stay-home", {"destination": "DE", "customer_vat_id": AT_ID}, ()),
    ("own-country-vat-id", {"destination": "AT", "customer_vat_id": DE_ID}, ()),
    (
        "ic-vat-id-of-another-country",
        {"vat_mode": 2, "destination": "IT", "customer_vat_id": AT_ID},
        (
            "VAT ID ATU13585627 is Austrian but the goods go to IT: check the proof of transport "
            "and that the buyer acquires the goods under this VAT ID",
        ),
    ),
    (
        "ic-with-billbee-vat",
        {
            "vat_mode": 2,
            "destination": "AT",
            "customer_vat_id": AT_ID,
            "lines": CHARGED,
            "hold_differences": False,
        },
        (
            "Billbee charged VAT (19.00) on an intra-community supply: VAT shown on an invoice is "
            "owed until the invoice is corrected (§ 14c (1) UStG); correct the invoice in Billbee",
            "0 %: our VAT 0.00 vs Billbee's 19.00 (difference -19.00, more than 0.01): check the "
            "rate and the rounding on Billbee's invoice before booking",
        ),
    ),
    (
        # Declared in PL and booked as not taxable at home: nothing to look at.
        "ic-from-foreign-warehouse",
        {"vat_mode": 2, "ship_from": "PL", "destination": "AT", "customer_vat_id": AT_ID},
        (),
    ),
    (
        "export-with-billbee-rate",
        {
            "vat_mode": 3,
            "destination": "CH",
            "lines": (goods("119.00", rate="19"),),
            "hold_differences": False,
        },
        (
            "Billbee applied a VAT rate on an export: VAT shown on an invoice is owed until the "
            "invoice is corrected (§ 14c (1) UStG); correct the invoice in Billbee",
        ),
    ),
    (
        "third-country-vat-charged",
        {"destination": "CH", "lines": CHARGED},
        (
            "VAT charged on a delivery to CH (outside the EU): booked as a taxable sale in DE; "
            "with proof of export it is a tax-free export (§ 4 Nr. 1a UStG): set VatMode 3 in "
            "Billbee and correct the invoice",
        ),
    ),
    (
        "fw-oss-not-registered",
        {"ship_from": "PL", "destination": "AT"},
        (
            "OSS registration needed: a distance sale from the warehouse in PL to AT is taxed in "
            "AT whatever the turnover; without OSS it needs a VAT registration in AT",
        ),
    ),
    (
        "fw-without-origin-vat-id",
        {"ship_from": "CZ", "destination": "CZ"},
        (
            "no VAT ID of the merchant in CZ is configured: DATEV field 123 gets the country code "
            "only; selling from a warehouse in CZ needs a VAT registration there: enter its VAT "
            "ID under Bookkeeping → Foreign VAT registrations",
        ),
    ),
    (
        "fw-with-invalid-origin-vat-id",
        {"ship_from": "PL", "destination": "PL", "origin_vat_ids": {"PL": "PL5260001247"}},
        (
            "the merchant's VAT ID for PL is not usable (PL5260001247 is not a valid Polish VAT "
            "ID (checksum)): fix it under Bookkeeping → Foreign VAT registrations",
        ),
    ),
    (
        "small-business-charging-vat",
        {"small_business": True, "lines": CHARGED},
        (
            "the connection is a small business (§ 19 UStG) but Billbee charged VAT (VatMode 0): "
            "VAT shown on an invoice is owed (§ 14c (2) UStG); check Billbee's VAT settings",
        ),
    ),
    (
        "small-business-invoice-with-vat",
        {
            "vat_mode": 1,
            "small_business": True,
            "lines": (goods("119.00", tax="19.00"),),
            "hold_differences": False,
        },
        (
            "Billbee charged VAT (19.00) on a small-business invoice: VAT shown on an invoice is "
            "owed until the invoice is corrected (§ 14c (2) UStG); correct the invoice in Billbee",
            "0 %: our VAT 0.00 vs Billbee's 19.00 (difference -19.00, more than 0.01): check the "
            "rate and the rounding on Billbee's invoice before booking",
        ),
    ),
    (
        "madeira-regional-rates",
        {"destination": "PT", "destination_zip": "9000-123", "oss_since": OSS_START},
        (
            "destination PT 9000123 is in Madeira, which has its own VAT rates: the table holds "
            "the rates of PT proper; check them",
        ),
    ),
    (
        "northern-ireland",
        {"destination": "GB", "destination_zip": "BT1 1AA", "lines": NOT_TAXED},
        (
            "destination GB BT11AA is Northern Ireland, where EU VAT rules for goods still apply "
            "(Windsor Framework, XI): booked as a third country; check the case",
        ),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [w[1:] for w in WARNINGS], ids=[w[0] for w in WARNINGS]
)
def test_warnings(overrides: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert vat_treatment(make(**overrides)).warnings == expected


# --- VAT that differs from Billbee's invoice: the document waits ---------------------------------


def held(doc: VatInput) -> VatHeld:
    with pytest.raises(VatHeld) as caught:
        vat_treatment(doc)
    return caught.value


def test_billbee_charging_the_destination_rate_without_oss_holds_the_document() -> None:
    """20 % FR charged, German 19 % decided because no OSS registration is configured."""
    doc = make(destination="FR", lines=(goods("120.00", 1, "20", tax="20.00"),))

    hold = held(doc)

    assert hold.code == "vat_differs_from_invoice"
    assert hold.reason.startswith(
        "Billbee charged FR 20 % (French VAT) on a sale to FR (date of supply 14.03.2025), but "
        "no OSS registration is configured, so German VAT 19 % would be due. Registered for "
        "OSS since …? Enter the date under 'OSS registered since'"
    )
    # The merchant's answer decides it again: registered since before the sale → French VAT.
    answered = vat_treatment(dataclasses.replace(doc, oss_since=OSS_START))
    assert (answered.case, totals(answered)) == (Case.OSS, [("20", "120.00", "100.00", "20.00")])


def test_an_oss_registration_after_the_sale_names_its_date() -> None:
    doc = make(
        destination="FR",
        oss_since=DAY + timedelta(days=1),
        lines=(goods("120.00", 1, "20", tax="20.00"),),
    )

    assert "the OSS registration is set from 15.03.2025 only" in held(doc).reason


def test_billbee_charging_home_vat_under_oss_holds_the_document() -> None:
    """The other direction: 19 % DE charged on a sale to AT while OSS registered → 20 % AT."""
    doc = make(
        destination="AT",
        oss_since=OSS_START,
        lines=(goods("119.00", 1, "19", tax="19.00"), goods("10.70", 2, "7", tax="0.70")),
    )

    hold = held(doc)

    assert hold.code == "vat_differs_from_invoice"
    assert hold.reason.startswith(
        "Billbee charged DE 19 %, 7 % (German VAT) on a sale to AT (date of supply 14.03.2025), "
        "but the connection is registered for OSS since 01.07.2021, so Austrian VAT 20 %, 13 % "
        "is due. Did the OSS registration begin later?"
    )
    answered = vat_treatment(dataclasses.replace(doc, oss_since=None))
    assert answered.case == Case.EU_B2C_HOME_TAXED


def test_other_rate_differences_name_every_line() -> None:
    doc = make(lines=(goods("10.00", 1, "16"),))

    reason = held(doc).reason

    assert "goods 10.00 at 16 % (here 19 %)" in reason
    assert reason.startswith("Billbee charged other VAT rates than the treatment decided here")


@pytest.mark.parametrize(
    ("overrides", "what"),
    [
        ({"vat_mode": 2, "destination": "AT", "customer_vat_id": AT_ID}, "intra-community supply"),
        ({"vat_mode": 3, "destination": "CH"}, "an export"),
        ({"vat_mode": 1, "small_business": True}, "a small-business invoice"),
    ],
)
def test_vat_on_the_invoice_of_a_tax_free_supply_holds_the_document(
    overrides: dict[str, Any], what: str
) -> None:
    hold = held(make(lines=(goods("119.00", 1, "19", tax="19.00"),), **overrides))

    assert hold.code == "vat_on_tax_free_invoice"
    assert what in hold.reason and "§ 14c" in hold.reason


def test_a_document_that_mirrors_another_books_with_a_warning_instead() -> None:
    doc = make(
        destination="FR", lines=(goods("120.00", 1, "20", tax="20.00"),), hold_differences=False
    )

    treatment = vat_treatment(doc)

    assert treatment.case == Case.EU_B2C_HOME_TAXED
    assert any("Billbee applied 20 %" in w for w in treatment.warnings)


# --- rates: the taxed country's period on the date of supply -----------------------------------

RATE_BOUNDARIES = [
    ("EE", date(2025, 6, 30), "124.00", "22", "22.36"),
    ("EE", date(2025, 7, 1), "124.00", "24", "24.00"),
    ("FI", date(2024, 8, 31), "125.50", "24", "24.29"),
    ("FI", date(2024, 9, 1), "125.50", "25.5", "25.50"),
    ("SK", date(2024, 12, 31), "123.00", "20", "20.50"),
    ("SK", date(2025, 1, 1), "123.00", "23", "23.00"),
    ("RO", date(2025, 7, 31), "121.00", "19", "19.32"),
    ("RO", date(2025, 8, 1), "121.00", "21", "21.00"),
]


@pytest.mark.parametrize(
    ("country", "day", "gross", "rate", "vat"),
    RATE_BOUNDARIES,
    ids=[f"{c}-{d.isoformat()}" for c, d, *_ in RATE_BOUNDARIES],
)
def test_oss_rate_on_the_service_date(
    country: str, day: date, gross: str, rate: str, vat: str
) -> None:
    doc = make(destination=country, service_date=day, oss_since=OSS_START, lines=(goods(gross),))
    treatment = vat_treatment(doc)
    assert treatment.case is Case.OSS
    assert [(str(t.rate), str(t.vat)) for t in treatment.totals] == [(rate, vat)]
    assert treatment.eu_rate == D(rate)


@pytest.mark.parametrize(
    ("day", "rates", "expected"),
    [
        (
            date(2020, 12, 31),
            ("16", "5"),
            [("16", "119.00", "102.59", "16.41"), ("5", "105.00", "100.00", "5.00")],
        ),
        (
            date(2021, 1, 1),
            ("19", "7"),
            [("19", "119.00", "100.00", "19.00"), ("7", "105.00", "98.13", "6.87")],
        ),
    ],
    ids=["DE-2020-12-31", "DE-2021-01-01"],
)
def test_german_rate_change(day: date, rates: tuple[str, str], expected: list[Any]) -> None:
    doc = make(service_date=day, lines=(goods("119.00"), goods("105.00", 2, rates[1])))
    treatment = vat_treatment(doc)
    assert totals(treatment) == expected
    assert treatment.warnings == ()


RATE_CHOICES: list[tuple[str, dict[str, Any], Line, str, tuple[str, ...]]] = [
    ("index-1", {}, goods("10.00", 1, "19"), "19", ()),
    ("index-1-billbee-19.00", {}, goods("10.00", 1, "19.00"), "19", ()),
    ("index-0", {}, goods("10.00", 0, "0"), "0", ()),
    ("index-2", {}, goods("10.00", 2, "7"), "7", ()),
    (
        "index-2-fr-5.5",
        {"destination": "FR", "oss_since": OSS_START},
        goods("10.00", 2, "5.5"),
        "5.5",
        (),
    ),
    (
        "index-2-foreign-rate",
        {"hold_differences": False, "destination": "AT", "oss_since": OSS_START},
        goods("10.00", 2, "7"),
        "13",
        (
            "a goods line 10.00 with TaxIndex 2 (reduced rate): Billbee's 7 % is not a reduced "
            "rate of AT on 14.03.2025 (13 %, 10 %); booked at 13 %, the first reduced rate",
        ),
    ),
    (
        "index-2-no-billbee-rate",
        {},
        goods("10.00", 2),
        "7",
        (
            "a goods line 10.00 with TaxIndex 2 (reduced rate): Billbee sent no rate; booked at "
            "7 %, the first reduced rate",
        ),
    ),
    (
        "index-2-denmark",
        {"destination": "DK", "oss_since": OSS_START},
        goods("10.00", 2, "25"),
        "25",
        (
            "a goods line 10.00 with TaxIndex 2 (reduced rate), but DK has no reduced rate: "
            "booked at the standard rate 25 %",
        ),
    ),
    (
        "index-none",
        {},
        goods("10.00", None),
        "19",
        (
            "a goods line 10.00 has no TaxIndex: booked at the standard rate 19 % of DE on "
            "14.03.2025",
        ),
    ),
    (
        "index-3",
        {},
        goods("10.00", 3),
        "19",
        (
            "a goods line 10.00 has an unknown TaxIndex 3: booked at the standard rate 19 % of DE "
            "on 14.03.2025",
        ),
    ),
    (
        "index-1-billbee-reduced",
        {"hold_differences": False},
        goods("10.00", 1, "7"),
        "19",
        (
            "Billbee applied 7 % to a goods line 10.00, but TaxIndex 1 means 19 % in DE on "
            "14.03.2025: booked at 19 %",
        ),
    ),
    (
        "index-1-rate-not-in-table",
        {"hold_differences": False},
        goods("10.00", 1, "16"),
        "19",
        (
            "Billbee applied 16 % to a goods line 10.00, but TaxIndex 1 means 19 % in DE on "
            "14.03.2025: booked at 19 %; 16 % is no rate of DE on 14.03.2025",
        ),
    ),
    (
        "oss-billbee-home-rate",
        {"hold_differences": False, "destination": "NL", "oss_since": OSS_START},
        goods("10.00", 1, "19"),
        "21",
        (
            "Billbee applied 19 % to a goods line 10.00, but TaxIndex 1 means 21 % in NL on "
            "14.03.2025: booked at 21 %; 19 % is no rate of NL on 14.03.2025",
        ),
    ),
    ("discount-index-1", {}, Line("discount", D("-10.00"), 1, D("19")), "19", ()),
    ("tax-free-ignores-index", {"vat_mode": 3, "destination": "CH"}, goods("10.00", 2), "0", ()),
]


@pytest.mark.parametrize(
    ("overrides", "item", "rate", "warnings"),
    [r[1:] for r in RATE_CHOICES],
    ids=[r[0] for r in RATE_CHOICES],
)
def test_rate_choice(
    overrides: dict[str, Any], item: Line, rate: str, warnings: tuple[str, ...]
) -> None:
    treatment = vat_treatment(make(lines=(item,), **overrides))
    assert [str(s.rate) for s in treatment.shares] == [rate]
    assert treatment.warnings == warnings


# --- amounts ------------------------------------------------------------------------------------

MIXED = (goods("100.00", 1, "19"), goods("50.00", 2, "7"), line("shipping", "4.90"))


def test_mixed_basket_splits_shipping_by_goods_value() -> None:
    treatment = vat_treatment(make(lines=MIXED))
    assert shares(treatment) == [
        ("goods", "19", "100.00"),
        ("goods", "7", "50.00"),
        ("shipping", "19", "3.27"),
        ("shipping", "7", "1.63"),
    ]
    assert treatment.totals == (
        RateTotal(D("19"), D("103.27"), D("86.78"), D("16.49")),
        RateTotal(D("7"), D("51.63"), D("48.25"), D("3.38")),
    )
    assert "shipping 4.90 follows the goods (a Nebenleistung): 3.27 at 19 %, 1.63 at 7 %" in (
        treatment.trace
    )


def test_discount_line_counts_in_the_split() -> None:
    lines = (*MIXED, Line("discount", D("-15.00"), 1, D("19")))
    treatment = vat_treatment(make(lines=lines))
    assert shares(treatment) == [
        ("goods", "19", "100.00"),
        ("goods", "7", "50.00"),
        ("discount", "19", "-15.00"),
        ("shipping", "19", "3.09"),
        ("shipping", "7", "1.81"),
    ]
    assert totals(treatment) == [
        ("19", "88.09", "74.03", "14.06"),
        ("7", "51.81", "48.42", "3.39"),
    ]


def test_adjustment_follows_the_goods_like_shipping() -> None:
    lines = (*MIXED, line("adjustment", "2.00"))
    treatment = vat_treatment(make(lines=lines))
    assert ("adjustment", "19", "1.33") in shares(treatment)
    assert ("adjustment", "7", "0.67") in shares(treatment)


def test_discounts_outweighing_the_goods_at_a_rate_split_by_goods_alone() -> None:
    lines = (
        goods("10.00", 1),
        goods("50.00", 2, "7"),
        Line("discount", D("-20.00"), 1),
        line("shipping", "6.00"),
    )
    treatment = vat_treatment(make(lines=lines))
    assert ("shipping", "19", "1.00") in shares(treatment)
    assert ("shipping", "7", "5.00") in shares(treatment)
    assert "discounts outweigh the goods at a rate: shipping split by goods alone" in (
        treatment.trace
    )


def test_fully_discounted_goods_still_carry_the_shipping() -> None:
    lines = (goods("10.00"), Line("discount", D("-10.00"), 1), line("shipping", "4.90"))
    treatment = vat_treatment(make(lines=lines))
    assert shares(treatment) == [
        ("goods", "19", "10.00"),
        ("discount", "19", "-10.00"),
        ("shipping", "19", "4.90"),
    ]
    assert totals(treatment) == [("19", "4.90", "4.12", "0.78")]


@pytest.mark.parametrize(
    ("overrides", "rate"),
    [
        ({}, "19"),
        ({"destination": "AT", "oss_since": OSS_START}, "20"),
        ({"vat_mode": 3, "destination": "CH"}, "0"),
    ],
    ids=["domestic-standard", "oss-destination-standard", "tax-free-zero"],
)
def test_shipping_without_goods(overrides: dict[str, Any], rate: str) -> None:
    treatment = vat_treatment(make(lines=(line("shipping", "4.90"),), **overrides))
    assert shares(treatment) == [("shipping", rate, "4.90")]


def test_coupon_is_a_means_of_payment_not_revenue() -> None:
    lines = (goods("100.00", tax="15.97"), line("coupon", "-10.00", tax="0"))
    treatment = vat_treatment(make(lines=lines))
    assert treatment.coupons == D("-10.00")
    assert shares(treatment) == [("goods", "19", "100.00")]
    assert totals(treatment) == [("19", "100.00", "84.03", "15.97")]
    assert treatment.warnings == ()
    assert "coupons -10.00: a means of payment, not revenue" in treatment.trace


def test_coupon_with_billbee_vat_is_flagged() -> None:
    lines = (goods("100.00"), line("coupon", "-10.00", tax="-1.5966"))
    assert vat_treatment(make(lines=lines)).warnings == (
        "a coupon line -10.00 carries Billbee VAT -1.60: Billbee treated it as a discount (a price "
        "reduction with VAT) while it is booked here as a VAT-free means of payment; check which "
        "kind of voucher it is",
    )


def test_four_place_lines_are_rounded_first() -> None:
    lines = tuple(goods("11.1176", tax="1.775083") for _ in range(3))
    treatment = vat_treatment(make(lines=lines))
    assert shares(treatment) == [("goods", "19", "33.36")]  # not 33.35 = round(33.3528)
    assert totals(treatment) == [("19", "33.36", "28.03", "5.33")]
    assert treatment.billbee_vat == D("5.33")
    assert treatment.vat_difference == D("0.00")


def test_vat_is_rounded_half_up_once_per_rate() -> None:
    lines = (goods("1.23"),)
    treatment = vat_treatment(make(destination="AT", oss_since=OSS_START, lines=lines))
    assert totals(treatment) == [("20", "1.23", "1.02", "0.21")]  # 0.205 → 0.21


@pytest.mark.parametrize(
    ("billbee_tax", "difference", "warnings"),
    [
        ("15.9664", "0.00", ()),
        ("15.96", "0.01", ()),
        ("15.98", "-0.01", ()),
        (
            "15.95",
            "0.02",
            (
                "19 %: our VAT 15.97 vs Billbee's 15.95 (difference 0.02, more than 0.01): check "
                "the rate and the rounding on Billbee's invoice before booking",
            ),
        ),
        (
            "15.99",
            "-0.02",
            (
                "19 %: our VAT 15.97 vs Billbee's 15.99 (difference -0.02, more than 0.01): check "
                "the rate and the rounding on Billbee's invoice before booking",
            ),
        ),
    ],
    ids=["same", "one-cent-under", "one-cent-over", "two-cents-under", "two-cents-over"],
)
def test_vat_difference(billbee_tax: str, difference: str, warnings: tuple[str, ...]) -> None:
    treatment = vat_treatment(make(lines=(goods("100.00", tax=billbee_tax),)))
    assert treatment.our_vat_on_billbee_lines == D("15.97")
    assert treatment.vat_difference == D(difference)
    assert treatment.warnings == warnings


def test_vat_difference_only_on_lines_with_a_billbee_amount() -> None:
    lines = (goods("100.00", tax="15.97"), goods("50.00", 2, "7"), line("shipping", "4.90"))
    treatment = vat_treatment(make(lines=lines))
    assert treatment.billbee_vat == D("15.97")
    assert treatment.our_vat_on_billbee_lines == D("15.97")
    assert treatment.vat_difference == D("0.00")
    assert [t.vat for t in treatment.totals] == [D("16.49"), D("3.38")]


def test_vat_difference_per_rate() -> None:
    lines = (goods("100.00", tax="15.96"), goods("50.00", 2, "7", tax="3.28"))
    treatment = vat_treatment(make(lines=lines))
    assert treatment.billbee_vat == D("19.24")
    assert treatment.our_vat_on_billbee_lines == D("19.24")  # 15.97 + 3.27
    assert treatment.vat_difference == D("0.00")
    assert treatment.warnings == ()


def test_split_shipping_with_billbee_amount_is_compared_as_one_group() -> None:
    lines = (
        goods("100.00", tax="15.97"),
        goods("50.00", 2, "7", tax="3.27"),
        line("shipping", "4.90", tax="0.60"),
    )
    treatment = vat_treatment(make(lines=lines))
    assert treatment.billbee_vat == D("19.84")
    assert treatment.our_vat_on_billbee_lines == D("19.87")  # + 0.52 at 19 % + 0.11 at 7 %
    assert treatment.warnings == (
        "lines split over the goods' rates: our VAT 0.63 vs Billbee's 0.60 (difference 0.03, "
        "more than 0.01): check the rate and the rounding on Billbee's invoice before booking",
    )


def negate(item: Line) -> Line:
    return dataclasses.replace(
        item,
        gross=-item.gross,
        billbee_tax=None if item.billbee_tax is None else -item.billbee_tax,
    )


MIRRORED = [
    ("domestic", {}),
    ("oss", {"destination": "AT", "oss_since": OSS_START}),
    ("fw-oss", {"ship_from": "PL", "destination": "FR", "oss_since": OSS_START}),
    ("ic-supply", {"vat_mode": 2, "destination": "AT", "customer_vat_id": AT_ID}),
]
INVOICE_LINES = (
    goods("100.00", 1, "19", tax="15.9664"),
    goods("50.005", 2, "7", tax="3.2713"),
    goods("11.1176", 1, "19", tax="1.7751"),
    Line("discount", D("-15.00"), 1, D("19"), D("-2.3950")),
    line("shipping", "0.05"),
    line("shipping", "4.90"),
    line("adjustment", "1.23"),
    line("coupon", "-5.00"),
)


@pytest.mark.parametrize("overrides", [m[1] for m in MIRRORED], ids=[m[0] for m in MIRRORED])
def test_credit_note_is_the_exact_mirror(overrides: dict[str, Any]) -> None:
    # German rates on every line: the amounts are what is compared here, not the holds.
    overrides = {**overrides, "hold_differences": False}
    invoice = vat_treatment(make(lines=INVOICE_LINES, **overrides))
    credit = vat_treatment(make(lines=tuple(negate(i) for i in INVOICE_LINES), **overrides))
    assert credit.shares == tuple(Share(s.kind, s.rate, -s.gross) for s in invoice.shares)
    assert credit.totals == tuple(
        RateTotal(t.rate, -t.gross, -t.net, -t.vat) for t in invoice.totals
    )
    assert credit.coupons == -invoice.coupons
    assert credit.billbee_vat == -invoice.billbee_vat
    assert credit.our_vat_on_billbee_lines == -invoice.our_vat_on_billbee_lines
    assert credit.vat_difference == -invoice.vat_difference
    same = ("case", "taxed_in", "eu_destination", "eu_rate", "eu_origin", "origin_rate", "bu_key")
    assert [getattr(credit, name) for name in same] == [getattr(invoice, name) for name in same]
    assert len(credit.warnings) == len(invoice.warnings)


def test_credit_note_mirror_values() -> None:
    invoice = vat_treatment(make(lines=INVOICE_LINES))
    assert shares(invoice) == [
        ("goods", "19", "111.12"),
        ("goods", "7", "50.01"),
        ("discount", "19", "-15.00"),
        ("shipping", "19", "3.25"),  # 0.03 + 3.22
        ("shipping", "7", "1.70"),  # 0.02 + 1.68
        ("adjustment", "19", "0.81"),
        ("adjustment", "7", "0.42"),
    ]
    assert totals(invoice) == [
        ("19", "100.18", "84.18", "16.00"),
        ("7", "52.13", "48.72", "3.41"),
    ]
    assert invoice.coupons == D("-5.00")


def test_split_is_cent_exact_and_sign_symmetric() -> None:
    weights = {D("19"): D("10.00"), D("7"): D("10.00")}
    assert split(D("0.05"), weights) == ((D("19"), D("0.03")), (D("7"), D("0.02")))
    assert split(D("-0.05"), weights) == ((D("19"), D("-0.03")), (D("7"), D("-0.02")))
    three = {D("20"): D("1.00"), D("13"): D("1.00"), D("10"): D("1.00")}
    assert split(D("1.00"), three) == (
        (D("20"), D("0.34")),
        (D("13"), D("0.33")),
        (D("10"), D("0.33")),
    )
    assert split(D("0.01"), {D("19"): D("99.00"), D("7"): D("1.00")}) == ((D("19"), D("0.01")),)


def test_eu_rate_with_several_rates_is_per_booking_line() -> None:
    doc = make(destination="AT", oss_since=OSS_START, lines=MIXED, hold_differences=False)
    treatment = vat_treatment(doc)
    assert treatment.eu_rate is None
    assert [eu_rate_for(treatment, t.rate) for t in treatment.totals] == [D("20"), D("13")]
    assert eu_rate_for(treatment, D("0")) is None
    assert eu_rate_for(vat_treatment(make(lines=MIXED)), D("19")) is None


def test_oss_document_with_one_non_zero_rate_has_a_field_41() -> None:
    lines = (goods("120.00"), goods("10.00", 0))
    treatment = vat_treatment(make(destination="AT", oss_since=OSS_START, lines=lines))
    assert [str(t.rate) for t in treatment.totals] == ["20", "0"]
    assert treatment.eu_rate == D("20")


def test_tax_free_document_has_every_share_at_zero() -> None:
    doc = make(
        vat_mode=2, destination="AT", customer_vat_id=AT_ID, lines=MIXED, hold_differences=False
    )
    treatment = vat_treatment(doc)
    assert shares(treatment) == [("goods", "0", "150.00"), ("shipping", "0", "4.90")]
    assert totals(treatment) == [("0", "154.90", "154.90", "0.00")]
    assert treatment.taxed_in is None


def test_empty_document() -> None:
    treatment = vat_treatment(make(lines=()))
    assert (treatment.shares, treatment.totals, treatment.coupons) == ((), (), D("0"))
    assert (treatment.billbee_vat, treatment.vat_difference) == (D("0"), D("0"))


def test_unknown_line_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown line kind 'fee'"):
        vat_treatment(make(lines=(line("fee", "1.00"),)))


def test_treatment_is_frozen() -> None:
    treatment = vat_treatment(make())
    with pytest.raises(dataclasses.FrozenInstanceError):
        treatment.case = Case.OSS  # type: ignore[misc]


def test_the_vat_package_does_not_import_django() -> None:
    code = (
        "import sys, bookkeeping.vat; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
