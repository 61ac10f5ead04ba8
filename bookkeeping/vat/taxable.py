"""VatMode 0: VAT shown. The case follows from the route and the OSS registration
(bookkeeping.md §3): domestic, EU consumer taxed at home or via OSS, or from a foreign
warehouse (local, into the home country, or via OSS to a third member state).
"""

from __future__ import annotations

from sentences import Text

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
            Text(
                "the connection is a small business (§ 19 UStG) but Billbee charged VAT "
                "(VatMode 0): VAT shown on an invoice is owed (§ 14c (2) UStG); check Billbee's "
                "VAT settings"
            )
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
            Text(
                "ship-from {ship_from}, destination {where}, Billbee charged no VAT → export, "
                "tax-free (§ 4 Nr. 1a, § 6 UStG)",
                ship_from=facts.ship_from,
                where=facts.where,
            )
        )
        return export_decision(doc, facts, notes)
    notes.trace.append(
        Text(
            "ship-from {ship_from}, destination {where}, but Billbee charged VAT → taxed where "
            "the goods were shipped from: {adjective} VAT",
            ship_from=facts.ship_from,
            where=facts.where,
            adjective=adjective(facts.ship_from),
        )
    )
    notes.warnings.append(
        Text(
            "VAT charged on a delivery to {where}: booked as a taxable sale in {ship_from}; with "
            "proof of export it is a tax-free export (§ 4 Nr. 1a UStG): set VatMode 3 in "
            "Billbee and correct the invoice",
            where=facts.where,
            ship_from=facts.ship_from,
        )
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
            Text(
                "buyer VAT ID {vat_id}, but the goods stay in {ship_from}: VAT is due either way",
                vat_id=check.normalized,
                ship_from=facts.ship_from,
            )
        )
        return
    if check.valid and check.country == facts.ship_from:
        notes.trace.append(
            Text(
                "buyer VAT ID {vat_id} is from {ship_from}, where the goods are shipped from: VAT "
                "is due either way",
                vat_id=check.normalized,
                ship_from=facts.ship_from,
            )
        )
        return
    if check.valid:
        warning = Text(
            "VAT ID {vat_id} present but VAT charged: booked as a taxable sale; check whether it "
            "is an intra-community supply",
            vat_id=check.normalized,
        )
    else:
        warning = Text(
            "VAT ID {vat_id} present but VAT charged: booked as a taxable sale; check whether it "
            "is an intra-community supply ({problem})",
            vat_id=check.normalized,
            problem=check.reason,
        )
    notes.warnings.append(warning)


def _from_home(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    route = Text(
        "ship-from {ship_from}, destination {destination}",
        ship_from=facts.ship_from,
        destination=facts.destination,
    )
    home_vat = Text("{adjective} VAT", adjective=adjective(facts.home))
    if facts.destination == facts.home:
        notes.trace.append(Text("{route} → domestic sale: {vat}", route=route, vat=home_vat))
        return taxed(Case.DOMESTIC, facts.home, facts)
    buyer = (
        Text("buyer VAT ID {vat_id}", vat_id=facts.vat_id.normalized)
        if facts.vat_id.normalized
        else Text("consumer")
    )
    if oss_active(doc):
        notes.trace.append(
            Text(
                "{route}, {buyer}, OSS registered since {since} → OSS: {adjective} VAT (§ 3c (1), "
                "§ 18j UStG)",
                route=route,
                buyer=buyer,
                since=doc.oss_since,
                adjective=adjective(facts.destination),
            )
        )
        oss_country = vat_prefix(facts.destination)
        return taxed(Case.OSS, facts.destination, facts, eu_destination=oss_country, bu_key="0240")
    if doc.oss_since is None:
        status = Text("not OSS registered")
    else:
        status = Text(
            "OSS registered only from {since} (service {day})", since=doc.oss_since, day=facts.day
        )
    notes.trace.append(
        Text(
            "{route}, {buyer}, {status} → below the delivery threshold (§ 3c (4) UStG): {vat}",
            route=route,
            buyer=buyer,
            status=status,
            vat=home_vat,
        )
    )
    return taxed(Case.EU_B2C_HOME_TAXED, facts.home, facts)


def _from_foreign_warehouse(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    origin = origin_vat_id(doc, facts, notes)
    route = Text(
        "ship-from {ship_from} (foreign warehouse), destination {destination}",
        ship_from=facts.ship_from,
        destination=facts.destination,
    )
    if facts.destination == facts.ship_from:
        notes.trace.append(
            Text(
                "{route} → local sale in {ship_from}: {local} VAT, declared in the {local} VAT "
                "return, not via OSS (bookkeeping.md §3)",
                route=route,
                ship_from=facts.ship_from,
                local=adjective(facts.ship_from),
            )
        )
        return taxed(Case.FOREIGN_WAREHOUSE_LOCAL, facts.ship_from, facts, eu_origin=origin)
    if facts.destination == facts.home:
        notes.trace.append(
            Text(
                "{route} → distance sale into {home} (§ 3c (1) UStG): {adjective} VAT, declared "
                "in the {adjective} VAT return, not via OSS",
                route=route,
                home=facts.home,
                adjective=adjective(facts.home),
            )
        )
        return taxed(Case.FOREIGN_WAREHOUSE_TO_HOME, facts.home, facts, eu_origin=origin)
    return _foreign_warehouse_oss(doc, facts, notes, route, origin)


def _foreign_warehouse_oss(
    doc: VatInput, facts: Facts, notes: Notes, route: Text, origin: str
) -> Decision:
    notes.trace.append(
        Text(
            "{route} → distance sale taxed in {destination}: {adjective} VAT; the delivery "
            "threshold does not apply to goods not dispatched from {home} (§ 3c (4) UStG)",
            route=route,
            destination=facts.destination,
            adjective=adjective(facts.destination),
            home=facts.home,
        )
    )
    if not oss_active(doc):
        notes.warnings.append(
            Text(
                "OSS registration needed: a distance sale from the warehouse in {ship_from} to "
                "{destination} is taxed in {destination} whatever the turnover; without OSS it "
                "needs a VAT registration in {destination}",
                ship_from=facts.ship_from,
                destination=facts.destination,
            )
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
