"""Which VAT case a document is, and which country's VAT it carries (bookkeeping.md §3).

Billbee's VatMode (billbee-api.md §4.3) is the merchant's own statement of the case; it is
believed where the law allows it and rejected with a reason where it cannot be right. Under
VatMode 0 the case follows from ship-from country, destination, VAT ID and OSS registration.
"""

from __future__ import annotations

from sentences import Text

from .countries import EU_MEMBER_STATES, regional_rate_area
from .errors import VatRejected
from .facts import Decision, Facts, Notes, facts_of
from .model import VatInput
from .taxable import display_vat
from .taxfree import export, ic_supply, small_business

__all__ = ["Decision", "Notes", "decide"]

_MODE_TEXT = {
    0: Text("VatMode 0 (VAT shown)"),
    1: Text("VatMode 1 (small business, § 19 UStG)"),
    2: Text("VatMode 2 (intra-community supply)"),
    3: Text("VatMode 3 (export to a third country)"),
}


def decide(doc: VatInput, notes: Notes) -> Decision:
    facts = facts_of(doc)
    _check_mode(facts.mode, doc.small_business)
    _check_origin(facts)
    notes.trace.append(_MODE_TEXT[facts.mode])
    _note_destination(doc, facts, notes)
    if facts.mode == 1:
        decision = small_business(doc, notes)
    elif facts.mode == 2:
        decision = ic_supply(doc, facts, notes)
    elif facts.mode == 3:
        decision = export(doc, facts, notes)
    else:
        decision = display_vat(doc, facts, notes)
    _note_regional_rates(decision, facts, notes)
    return decision


def _check_mode(mode: int, small_business: bool) -> None:
    if mode == 4:
        raise VatRejected(
            "margin_scheme",
            Text(
                "VatMode 4 (margin scheme, § 25a UStG): VAT is due on the margin between selling "
                "and purchase price, and Billbee does not send the purchase price; book this "
                "document manually"
            ),
        )
    if mode == 1 and not small_business:
        raise VatRejected(
            "small_business_mode",
            Text(
                "VatMode 1 (small business, § 19 UStG) but the connection is not set up as a "
                "small business: check Billbee's VAT settings (Kleinunternehmer) and the "
                "connection's small-business setting"
            ),
        )
    if mode not in _MODE_TEXT:
        raise VatRejected(
            "unknown_vat_mode",
            Text(
                "VatMode {mode} is not a VAT mode this connector knows (0 VAT shown, 1 small "
                "business, 2 intra-community supply, 3 export, 4 margin scheme): check the "
                "order's VAT settings in Billbee or book it manually",
                mode=mode,
            ),
        )


def _check_origin(facts: Facts) -> None:
    if facts.home not in EU_MEMBER_STATES:
        raise VatRejected(
            "home_country_not_eu",
            Text(
                "the merchant's home country {home} is not an EU member state: set the "
                "connection's country of establishment",
                home=facts.home or Text("(none)"),
            ),
        )
    if not facts.ship_from:
        raise VatRejected(
            "no_ship_from",
            Text(
                "no ship-from country: Billbee sent no DeliverySourceCountryCode and the "
                "connection has no sender country; set the connection's sender country"
            ),
        )
    if facts.ship_from not in EU_MEMBER_STATES:
        raise VatRejected(
            "ship_from_outside_eu",
            Text(
                "the goods were shipped from {country}, outside the EU: sales from a "
                "third-country warehouse (import, foreign VAT) are not handled here; book "
                "manually",
                country=facts.ship_from,
            ),
        )


def _note_destination(doc: VatInput, facts: Facts, notes: Notes) -> None:
    given = (doc.destination or "").strip().upper()
    if given and given != facts.destination:
        notes.trace.append(
            Text(
                "destination {given} belongs to the {country} VAT territory",
                given=given,
                country=facts.destination,
            )
        )
    if facts.territory is not None:
        notes.trace.append(
            Text("destination {where}: treated as a third country", where=facts.where)
        )
        if facts.territory.note:
            notes.warnings.append(facts.territory.note)
    if facts.destination == "GB" and facts.postcode.startswith("BT"):
        notes.warnings.append(
            Text(
                "destination GB {postcode} is Northern Ireland, where EU VAT rules for goods "
                "still apply (Windsor Framework, XI): booked as a third country; check the case",
                postcode=facts.postcode,
            )
        )


def _note_regional_rates(decision: Decision, facts: Facts, notes: Notes) -> None:
    area = regional_rate_area(facts.destination, facts.postcode)
    if area is not None and decision.taxed_in == facts.destination:
        notes.warnings.append(
            Text(
                "destination {country} {postcode} is in {area}, which has its own VAT rates: "
                "the table holds the rates of {country} proper; check them",
                country=facts.destination,
                postcode=facts.postcode,
                area=area.name,
            )
        )
