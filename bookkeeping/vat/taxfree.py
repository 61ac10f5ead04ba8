"""The tax-free cases: small business, intra-community supply, export (bookkeeping.md §3).

Billbee's VatMode 1–3 claims the exemption; it is accepted only when the facts allow it, and
rejected with what to fix otherwise.
"""

from __future__ import annotations

from sentences import Text

from .amounts import billbee_charged_vat, billbee_tax_sum
from .countries import EU_MEMBER_STATES, adjective
from .errors import VatHeld, VatRejected
from .facts import Decision, Facts, Notes, need_destination, origin_vat_id
from .model import Case, VatInput
from .vatid import VatIdCheck


def small_business(doc: VatInput, notes: Notes) -> Decision:
    notes.trace.append(Text("the connection is a small business → no VAT (§ 19 (1) UStG)"))
    _warn_vat_on_tax_free(doc, notes, Text("a small-business invoice"), "§ 14c (2) UStG")
    return Decision(Case.SMALL_BUSINESS, None, None)


def ic_supply(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    need_destination(facts)
    _check_ic_route(facts)
    check = _checked_ic_vat_id(facts)
    notes.trace.append(
        Text(
            "ship-from {ship_from}, destination {destination}, buyer VAT ID {vat_id} (format and "
            "checksum valid; not checked in VIES) → intra-community supply, tax-free (§ 4 Nr. "
            "1b, § 6a UStG)",
            ship_from=facts.ship_from,
            destination=facts.destination,
            vat_id=check.normalized,
        )
    )
    if check.country != facts.destination:
        notes.warnings.append(
            Text(
                "VAT ID {vat_id} is {adjective} but the goods go to {destination}: check the "
                "proof of transport and that the buyer acquires the goods under this VAT ID",
                vat_id=check.normalized,
                adjective=adjective(check.country),
                destination=facts.destination,
            )
        )
    _warn_vat_on_tax_free(doc, notes, Text("an intra-community supply"), "§ 14c (1) UStG")
    if facts.ship_from != facts.home:
        note_foreign_tax_free(facts, notes, ic_supply=True)
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
            Text(
                "VatMode 2 (intra-community supply) but the goods go to {where}: a delivery to a "
                "third country is an export; set VatMode 3 in Billbee or book manually",
                where=facts.where,
            ),
        )
    if facts.destination == facts.ship_from:
        raise VatRejected(
            "ic_domestic_destination",
            Text(
                "VatMode 2 (intra-community supply) but the goods stay in {ship_from} (shipped "
                "from {ship_from} to {destination}): a supply within one member state is taxable "
                "there; charge VAT (VatMode 0)",
                ship_from=facts.ship_from,
                destination=facts.destination,
            ),
        )


def _checked_ic_vat_id(facts: Facts) -> VatIdCheck:
    check = facts.vat_id
    if not check.normalized:
        raise VatRejected(
            "ic_no_vat_id",
            Text(
                "VatMode 2 (intra-community supply) but the order has no buyer VAT ID: the "
                "exemption (§ 4 Nr. 1b, § 6a UStG) needs the buyer's valid VAT ID of another "
                "member state; add it in Billbee or charge VAT"
            ),
        )
    if not check.valid:
        raise VatRejected(
            "ic_invalid_vat_id",
            Text(
                "{problem}: the exemption (§ 4 Nr. 1b, § 6a UStG) needs the buyer's valid VAT "
                "ID; correct it in Billbee or charge VAT",
                problem=check.reason,
            ),
        )
    if check.country not in EU_MEMBER_STATES:
        raise VatRejected(
            "ic_vat_id_not_eu",
            Text(
                "{vat_id} is a {adjective} VAT ID, not one of a member state: supplies to such "
                "buyers are not handled here; book manually",
                vat_id=check.normalized,
                adjective=adjective(check.country),
            ),
        )
    if check.country == facts.ship_from:
        raise VatRejected(
            "ic_domestic_vat_id",
            Text(
                "{vat_id} is a {adjective} VAT ID and the goods are shipped from {ship_from}: an "
                "intra-community supply needs the buyer's VAT ID of another member state (§ 6a "
                "(1) Nr. 4 UStG); charge VAT (VatMode 0)",
                vat_id=check.normalized,
                adjective=adjective(check.country),
                ship_from=facts.ship_from,
            ),
        )
    return check


def export(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    need_destination(facts)
    if not facts.third_country:
        raise VatRejected(
            "export_destination_in_eu",
            Text(
                "VatMode 3 (export) but the goods go to {destination}, inside the EU VAT area: a "
                "delivery to a member state is an intra-community supply (VatMode 2, with the "
                "buyer's VAT ID) or a taxable sale (VatMode 0); correct the order in Billbee",
                destination=facts.destination,
            ),
        )
    notes.trace.append(
        Text(
            "ship-from {ship_from}, destination {where} → export, tax-free (§ 4 Nr. 1a, § 6 UStG)",
            ship_from=facts.ship_from,
            where=facts.where,
        )
    )
    _warn_vat_on_tax_free(doc, notes, Text("an export"), "§ 14c (1) UStG")
    return export_decision(doc, facts, notes)


def export_decision(doc: VatInput, facts: Facts, notes: Notes) -> Decision:
    """An export from home, or from a foreign warehouse (then not taxable at home)."""
    if facts.ship_from != facts.home:
        note_foreign_tax_free(facts, notes, ic_supply=False)
        origin = origin_vat_id(doc, facts, notes)
        return Decision(Case.FOREIGN_WAREHOUSE_EXPORT, None, None, eu_origin=origin)
    return Decision(Case.EXPORT, None, None)


def _warn_vat_on_tax_free(doc: VatInput, notes: Notes, what: Text, paragraph: str) -> None:
    """VAT on the invoice of a tax-free supply is owed until the invoice is corrected (§ 14c
    UStG): booked without VAT, the books would differ from the invoice, so it waits."""
    if billbee_charged_vat(doc.lines):
        amount = billbee_tax_sum(doc.lines)
        values = {"amount": amount, "what": what, "paragraph": paragraph}
        if doc.hold_differences:
            raise VatHeld(
                "vat_on_tax_free_invoice",
                Text(
                    "Billbee charged VAT ({amount}) on {what}: VAT shown on an invoice is owed "
                    "until the invoice is corrected ({paragraph}); correct the invoice in "
                    "Billbee (a credit note and a new invoice without VAT), or set the VAT mode "
                    "the invoice shows; the document waits",
                    **values,
                )
                if amount
                else Text(
                    "Billbee applied a VAT rate on {what}: VAT shown on an invoice is owed until "
                    "the invoice is corrected ({paragraph}); correct the invoice in Billbee (a "
                    "credit note and a new invoice without VAT), or set the VAT mode the invoice "
                    "shows; the document waits",
                    **values,
                ),
            )
        notes.warnings.append(
            Text(
                "Billbee charged VAT ({amount}) on {what}: VAT shown on an invoice is owed until "
                "the invoice is corrected ({paragraph}); correct the invoice in Billbee",
                **values,
            )
            if amount
            else Text(
                "Billbee applied a VAT rate on {what}: VAT shown on an invoice is owed until the "
                "invoice is corrected ({paragraph}); correct the invoice in Billbee",
                **values,
            )
        )


def note_foreign_tax_free(facts: Facts, notes: Notes, *, ic_supply: bool) -> None:
    values = {
        "ship_from": facts.ship_from,
        "home": facts.home,
        "local": adjective(facts.ship_from),
        "home_adjective": adjective(facts.home),
    }
    if ic_supply:
        note = Text(
            "shipped from the warehouse in {ship_from}: the intra-community supply takes place "
            "in {ship_from} (§ 3 (6) UStG) and is declared there ({local} VAT return and ZM), "
            "not in the {home_adjective} one: booked as not taxable in {home}",
            **values,
        )
    else:
        note = Text(
            "shipped from the warehouse in {ship_from}: the export takes place in {ship_from} "
            "(§ 3 (6) UStG) and is declared there ({local} VAT return), not in the "
            "{home_adjective} one: booked as not taxable in {home}",
            **values,
        )
    notes.trace.append(note)
