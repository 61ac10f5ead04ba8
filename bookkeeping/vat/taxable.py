"""VatMode 0: VAT shown. The case follows from the route and the OSS registration
(bookkeeping.md §3): domestic, EU consumer taxed at home or via OSS, or from a foreign
warehouse (local, into the home country, or via OSS to a third member state).
"""

from __future__ import annotations

from .amounts import billbee_charged_vat
from .countries import adjective, vat_prefix
from .facts import (
    Decision,
    Facts,
    Notes,
    need_destination,
    origin_vat_id,
    oss_active,
    rates,
    taxed,
)
from .model import Case, VatInput
from .taxfree import export_decision


def display_vat(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    need_destination(facts)
    charged = billbee_charged_vat(doc.lines)
    if doc.small_business and charged:
        notes.warnings.append(
            "the connection is a small business (§ 19 UStG) but Billbee charged VAT "
            "(VatMode 0): VAT shown on an invoice is owed (§ 14c (2) UStG); check Billbee's VAT "
            "settings"
        )
    if facts.third_country:
        return _third_country_with_vat(doc, facts, notes, charged)
    _note_vat_id_with_vat(facts, notes)
    if facts.ship_from == facts.home:
        return _from_home(doc, facts, notes)
    return _from_foreign_warehouse(doc, facts, notes)


def _third_country_with_vat(doc: VatInput, facts: Facts, notes: Notes, charged: bool) -> Decision:
    if not charged:
        notes.trace.append(
            f"ship-from {facts.ship_from}, destination {facts.where}, Billbee charged no VAT → "
            "export, tax-free (§ 4 Nr. 1a, § 6 UStG)"
        )
        return export_decision(doc, facts, notes)
    notes.trace.append(
        f"ship-from {facts.ship_from}, destination {facts.where}, but Billbee charged VAT → "
        f"taxed where the goods were shipped from: {adjective(facts.ship_from)} VAT"
    )
    notes.warnings.append(
        f"VAT charged on a delivery to {facts.where}: booked as a taxable sale in "
        f"{facts.ship_from}; with proof of export it is a tax-free export (§ 4 Nr. 1a UStG): "
        "set VatMode 3 in Billbee and correct the invoice"
    )
    if facts.ship_from == facts.home:
        return taxed(Case.DOMESTIC, facts.home, facts)
    origin = origin_vat_id(doc, facts, notes)
    return taxed(Case.FOREIGN_WAREHOUSE_LOCAL, facts.ship_from, facts, eu_origin=origin)


def _note_vat_id_with_vat(facts: Facts, notes: Notes) -> None:
    """A buyer VAT ID on a taxed sale may mean a missed intra-community supply (bookkeeping.md
    §3: "validate foreign VAT IDs before treating a sale as B2B") — unless the goods stay in
    the ship-from country or the ID is from there, where VAT is due either way."""
    check = facts.vat_id
    if not check.normalized:
        return
    if facts.destination == facts.ship_from:
        notes.trace.append(
            f"buyer VAT ID {check.normalized}, but the goods stay in {facts.ship_from}: VAT is due "
            "either way"
        )
        return
    if check.valid and check.country == facts.ship_from:
        notes.trace.append(
            f"buyer VAT ID {check.normalized} is from {facts.ship_from}, where the goods are "
            "shipped from: VAT is due either way"
        )
        return
    warning = (
        f"VAT ID {check.normalized} present but VAT charged: booked as a taxable sale; check "
        "whether it is an intra-community supply"
    )
    notes.warnings.append(warning if check.valid else f"{warning} ({check.reason})")


def _from_home(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    route = f"ship-from {facts.ship_from}, destination {facts.destination}"
    home_vat = f"{adjective(facts.home)} VAT"
    if facts.destination == facts.home:
        notes.trace.append(f"{route} → domestic sale: {home_vat}")
        return taxed(Case.DOMESTIC, facts.home, facts)
    buyer = f"buyer VAT ID {facts.vat_id.normalized}" if facts.vat_id.normalized else "consumer"
    if oss_active(doc):
        notes.trace.append(
            f"{route}, {buyer}, OSS registered since {doc.oss_since:%d.%m.%Y} → OSS: "
            f"{adjective(facts.destination)} VAT (§ 3c (1), § 18j UStG)"
        )
        oss_country = vat_prefix(facts.destination)
        return taxed(Case.OSS, facts.destination, facts, eu_destination=oss_country, bu_key="0240")
    if doc.oss_since is None:
        status = "not OSS registered"
    else:
        status = f"OSS registered only from {doc.oss_since:%d.%m.%Y} (service {facts.day:%d.%m.%Y})"
    notes.trace.append(
        f"{route}, {buyer}, {status} → below the delivery threshold (§ 3c (4) UStG): {home_vat}"
    )
    return taxed(Case.EU_B2C_HOME_TAXED, facts.home, facts)


def _from_foreign_warehouse(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    origin = origin_vat_id(doc, facts, notes)
    route = f"ship-from {facts.ship_from} (foreign warehouse), destination {facts.destination}"
    if facts.destination == facts.ship_from:
        local = adjective(facts.ship_from)
        notes.trace.append(
            f"{route} → local sale in {facts.ship_from}: {local} VAT, declared in the {local} "
            "VAT return, not via OSS (bookkeeping.md §3)"
        )
        return taxed(Case.FOREIGN_WAREHOUSE_LOCAL, facts.ship_from, facts, eu_origin=origin)
    if facts.destination == facts.home:
        home = adjective(facts.home)
        notes.trace.append(
            f"{route} → distance sale into {facts.home} (§ 3c (1) UStG): {home} VAT, declared in "
            f"the {home} VAT return, not via OSS"
        )
        return taxed(Case.FOREIGN_WAREHOUSE_TO_HOME, facts.home, facts, eu_origin=origin)
    return _foreign_warehouse_oss(doc, facts, notes, route, origin)


def _foreign_warehouse_oss(
    doc: VatInput, facts: Facts, notes: Notes, route: str, origin: str
) -> Decision:
    destination = adjective(facts.destination)
    notes.trace.append(
        f"{route} → distance sale taxed in {facts.destination}: {destination} VAT; the delivery "
        f"threshold does not apply to goods not dispatched from {facts.home} (§ 3c (4) UStG)"
    )
    if not oss_active(doc):
        notes.warnings.append(
            f"OSS registration needed: a distance sale from the warehouse in {facts.ship_from} "
            f"to {facts.destination} is taxed in {facts.destination} whatever the turnover; "
            f"without OSS it needs a VAT registration in {facts.destination}"
        )
    return taxed(
        Case.FOREIGN_WAREHOUSE_OSS,
        facts.destination,
        facts,
        eu_destination=vat_prefix(facts.destination),
        eu_origin=origin,
        origin_rate=rates(facts.ship_from, facts.day).standard,
        bu_key="0241",
    )
