"""The tax-free cases: small business, intra-community supply, export (bookkeeping.md §3).

Billbee's VatMode 1–3 claims the exemption; it is accepted only when the facts allow it, and
rejected with what to fix otherwise.
"""

from __future__ import annotations

from .amounts import billbee_charged_vat, billbee_tax_sum, money
from .countries import EU_MEMBER_STATES, adjective
from .errors import VatHeld, VatRejected
from .facts import Decision, Facts, Notes, need_destination, origin_vat_id
from .model import Case, VatInput
from .vatid import VatIdCheck


def small_business(doc: VatInput, notes: Notes) -> Decision:
    notes.trace.append("the connection is a small business → no VAT (§ 19 (1) UStG)")
    _warn_vat_on_tax_free(doc, notes, "a small-business invoice", "§ 14c (2) UStG")
    return Decision(Case.SMALL_BUSINESS, None, None)


def ic_supply(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    need_destination(facts)
    _check_ic_route(facts)
    check = _checked_ic_vat_id(facts)
    notes.trace.append(
        f"ship-from {facts.ship_from}, destination {facts.destination}, buyer VAT ID "
        f"{check.normalized} (format and checksum valid; not checked in VIES) → "
        "intra-community supply, tax-free (§ 4 Nr. 1b, § 6a UStG)"
    )
    if check.country != facts.destination:
        notes.warnings.append(
            f"VAT ID {check.normalized} is {adjective(check.country)} but the goods go to "
            f"{facts.destination}: check the proof of transport and that the buyer acquires the "
            "goods under this VAT ID"
        )
    _warn_vat_on_tax_free(doc, notes, "an intra-community supply", "§ 14c (1) UStG")
    if facts.ship_from != facts.home:
        note_foreign_tax_free(facts, notes, "intra-community supply", "VAT return and ZM")
        origin = origin_vat_id(doc, facts, notes)
        return Decision(
            Case.FOREIGN_WAREHOUSE_IC_SUPPLY,
            None,
            None,
            eu_destination=check.normalized,
            eu_origin=origin,
        )
    return Decision(Case.IC_SUPPLY, None, None, eu_destination=check.normalized)


def _check_ic_route(facts: Facts) -> None:
    if facts.third_country:
        raise VatRejected(
            "ic_destination_outside_eu",
            f"VatMode 2 (intra-community supply) but the goods go to {facts.where}: a delivery "
            "to a third country is an export; set VatMode 3 in Billbee or book manually",
        )
    if facts.destination == facts.ship_from:
        raise VatRejected(
            "ic_domestic_destination",
            f"VatMode 2 (intra-community supply) but the goods stay in {facts.ship_from} "
            f"(shipped from {facts.ship_from} to {facts.destination}): a supply within one "
            "member state is taxable there; charge VAT (VatMode 0)",
        )


def _checked_ic_vat_id(facts: Facts) -> VatIdCheck:
    check = facts.vat_id
    exemption = "the exemption (§ 4 Nr. 1b, § 6a UStG) needs the buyer's valid VAT ID"
    if not check.normalized:
        raise VatRejected(
            "ic_no_vat_id",
            f"VatMode 2 (intra-community supply) but the order has no buyer VAT ID: {exemption} "
            "of another member state; add it in Billbee or charge VAT",
        )
    if not check.valid:
        raise VatRejected(
            "ic_invalid_vat_id",
            f"{check.reason}: {exemption}; correct it in Billbee or charge VAT",
        )
    if check.country not in EU_MEMBER_STATES:
        raise VatRejected(
            "ic_vat_id_not_eu",
            f"{check.normalized} is a {adjective(check.country)} VAT ID, not one of a member "
            "state: supplies to such buyers are not handled here; book manually",
        )
    if check.country == facts.ship_from:
        raise VatRejected(
            "ic_domestic_vat_id",
            f"{check.normalized} is a {adjective(check.country)} VAT ID and the goods are shipped "
            f"from {facts.ship_from}: an intra-community supply needs the buyer's VAT ID of "
            "another member state (§ 6a (1) Nr. 4 UStG); charge VAT (VatMode 0)",
        )
    return check


def export(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    need_destination(facts)
    if not facts.third_country:
        raise VatRejected(
            "export_destination_in_eu",
            f"VatMode 3 (export) but the goods go to {facts.destination}, inside the EU VAT "
            "area: a delivery to a member state is an intra-community supply (VatMode 2, with "
            "the buyer's VAT ID) or a taxable sale (VatMode 0); correct the order in Billbee",
        )
    notes.trace.append(
        f"ship-from {facts.ship_from}, destination {facts.where} → export, tax-free "
        "(§ 4 Nr. 1a, § 6 UStG)"
    )
    _warn_vat_on_tax_free(doc, notes, "an export", "§ 14c (1) UStG")
    return export_decision(doc, facts, notes)


def export_decision(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    """An export from home, or from a foreign warehouse (then not taxable at home)."""
    if facts.ship_from != facts.home:
        note_foreign_tax_free(facts, notes, "export", "VAT return")
        origin = origin_vat_id(doc, facts, notes)
        return Decision(Case.FOREIGN_WAREHOUSE_EXPORT, None, None, eu_origin=origin)
    return Decision(Case.EXPORT, None, None)


def _warn_vat_on_tax_free(doc: VatInput, notes: Notes, what: str, paragraph: str) -> None:
    """VAT on the invoice of a tax-free supply is owed until the invoice is corrected (§ 14c
    UStG): booked without VAT, the books would differ from the invoice, so it waits."""
    if billbee_charged_vat(doc.lines):
        amount = billbee_tax_sum(doc.lines)
        charged = f"charged VAT ({money(amount)})" if amount else "applied a VAT rate"
        text = (
            f"Billbee {charged} on {what}: VAT shown on an invoice is owed until the invoice is "
            f"corrected ({paragraph}); correct the invoice in Billbee"
        )
        if doc.hold_differences:
            raise VatHeld(
                "vat_on_tax_free_invoice",
                f"{text} (a credit note and a new invoice without VAT), or set the VAT mode the "
                "invoice shows; the document waits",
            )
        notes.warnings.append(text)


def note_foreign_tax_free(facts: Facts, notes: Notes, what: str, returns: str) -> None:
    notes.trace.append(
        f"shipped from the warehouse in {facts.ship_from}: the {what} takes place in "
        f"{facts.ship_from} (§ 3 (6) UStG) and is declared there ({adjective(facts.ship_from)} "
        f"{returns}), not in the {adjective(facts.home)} one: booked as not taxable in "
        f"{facts.home}"
    )
