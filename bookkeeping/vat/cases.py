"""Which VAT case a document is, and which country's VAT it carries (bookkeeping.md §3).

Billbee's VatMode (billbee-api.md §4.3) is the merchant's own statement of the case; it is
believed where the law allows it and rejected with a reason where it cannot be right. Under
VatMode 0 the case follows from ship-from country, destination, VAT ID and OSS registration.
"""

from __future__ import annotations

from .countries import EU_MEMBER_STATES, regional_rate_area
from .errors import VatRejected
from .facts import Decision, Facts, Notes, facts_of
from .model import VatInput
from .taxable import display_vat
from .taxfree import export, ic_supply, small_business

__all__ = ["Decision", "Notes", "decide"]

_MODE_TEXT = {
    0: "VatMode 0 (VAT shown)",
    1: "VatMode 1 (small business, § 19 UStG)",
    2: "VatMode 2 (intra-community supply)",
    3: "VatMode 3 (export to a third country)",
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
            "VatMode 4 (margin scheme, § 25a UStG): VAT is due on the margin between selling and "
            "purchase price, and Billbee does not send the purchase price; book this document "
            "manually",
        )
    if mode == 1 and not small_business:
        raise VatRejected(
            "small_business_mode",
            "VatMode 1 (small business, § 19 UStG) but the connection is not set up as a small "
            "business: check Billbee's VAT settings (Kleinunternehmer) and the connection's "
            "small-business setting",
        )
    if mode not in _MODE_TEXT:
        raise VatRejected(
            "unknown_vat_mode",
            f"VatMode {mode} is not a VAT mode this connector knows (0 VAT shown, 1 small "
            "business, 2 intra-community supply, 3 export, 4 margin scheme): check the order's "
            "VAT settings in Billbee or book it manually",
        )


def _check_origin(facts: Facts) -> None:
    if facts.home not in EU_MEMBER_STATES:
        raise VatRejected(
            "home_country_not_eu",
            f"the merchant's home country {facts.home or '(none)'} is not an EU member state: "
            "set the connection's country of establishment",
        )
    if not facts.ship_from:
        raise VatRejected(
            "no_ship_from",
            "no ship-from country: Billbee sent no DeliverySourceCountryCode and the connection "
            "has no sender country; set the connection's sender country",
        )
    if facts.ship_from not in EU_MEMBER_STATES:
        raise VatRejected(
            "ship_from_outside_eu",
            f"the goods were shipped from {facts.ship_from}, outside the EU: sales from a "
            "third-country warehouse (import, foreign VAT) are not handled here; book manually",
        )


def _note_destination(doc: VatInput, facts: Facts, notes: Notes) -> None:
    given = (doc.destination or "").strip().upper()
    if given and given != facts.destination:
        notes.trace.append(f"destination {given} belongs to the {facts.destination} VAT territory")
    if facts.territory is not None:
        notes.trace.append(f"destination {facts.where}: treated as a third country")
        if facts.territory.note:
            notes.warnings.append(facts.territory.note)
    if facts.destination == "GB" and facts.postcode.startswith("BT"):
        notes.warnings.append(
            f"destination GB {facts.postcode} is Northern Ireland, where EU VAT rules for goods "
            "still apply (Windsor Framework, XI): booked as a third country; check the case"
        )


def _note_regional_rates(decision: Decision, facts: Facts, notes: Notes) -> None:
    area = regional_rate_area(facts.destination, facts.postcode)
    if area is not None and decision.taxed_in == facts.destination:
        notes.warnings.append(
            f"destination {facts.destination} {facts.postcode} is in {area.name}, which has its "
            f"own VAT rates: the table holds the rates of {facts.destination} proper; check them"
        )
