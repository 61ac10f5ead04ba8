"""Cross-checks of a document against what Billbee printed and decided: pure functions.

- ``MerchantVatId`` is the seller VAT ID printed on the invoice. It must be the merchant's own
  (home) VAT ID or its registration's in the country the goods ship from; any other is a
  wrong invoice (§ 14 (4) Nr. 2 UStG) and the document is held.
- ``Customer.Type`` (0 consumer, 1 business; billbee-api.md §4) is a signal: a business
  customer in another member state taxed as a consumer (no VAT ID on the order) is noted.
- The invoice register's ``VatFlags`` are Billbee's own view of the supply. Where they
  contradict the treatment (an export Billbee does not see, an intra-community supply to a
  customer Billbee knows no VAT ID of, a cross-border case Billbee sees as domestic), the
  document is held: one of the two is wrong, and a person decides which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sentences import Text

from .model import Case

BUSINESS_CUSTOMER = 1

EXPORT_CASES = frozenset({Case.EXPORT, Case.FOREIGN_WAREHOUSE_EXPORT})
IC_SUPPLY_CASES = frozenset({Case.IC_SUPPLY, Case.FOREIGN_WAREHOUSE_IC_SUPPLY})
CONSUMER_ABROAD_CASES = frozenset({Case.OSS, Case.EU_B2C_HOME_TAXED, Case.FOREIGN_WAREHOUSE_OSS})
CROSS_BORDER_CASES = EXPORT_CASES | IC_SUPPLY_CASES | CONSUMER_ABROAD_CASES

CASE_WORDS: dict[Case, Text] = {
    Case.DOMESTIC: Text("a domestic sale"),
    Case.EU_B2C_HOME_TAXED: Text("a sale to a consumer in another member state with home VAT"),
    Case.OSS: Text("a sale to a consumer in another member state (OSS)"),
    Case.IC_SUPPLY: Text("a tax-free intra-community supply"),
    Case.EXPORT: Text("a tax-free export"),
    Case.FOREIGN_WAREHOUSE_LOCAL: Text("a local sale from a foreign warehouse"),
    Case.FOREIGN_WAREHOUSE_TO_HOME: Text("a sale from a foreign warehouse into the home country"),
    Case.FOREIGN_WAREHOUSE_OSS: Text("an OSS sale from a foreign warehouse"),
    Case.FOREIGN_WAREHOUSE_IC_SUPPLY: Text(
        "a tax-free intra-community supply from a foreign warehouse"
    ),
    Case.FOREIGN_WAREHOUSE_EXPORT: Text("a tax-free export from a foreign warehouse"),
    Case.SMALL_BUSINESS: Text("a small-business sale without VAT"),
}


def normalized_vat_id(value: str | None) -> str:
    return re.sub(r"[\s.\-/]", "", value or "").upper()


def seller_vat_id_problem(
    printed: str | None,
    ship_from: str,
    home_country: str,
    own_vat_id: str,
    registrations: Mapping[str, str],
) -> str | None:
    """Why the seller VAT ID printed on the invoice is wrong, or None. ``registrations``:
    the merchant's VAT ID per foreign country. Not checked without a printed ID or without
    the merchant's own VAT ID in the settings."""
    seller = normalized_vat_id(printed)
    own = normalized_vat_id(own_vat_id)
    if not seller or not own:
        return None
    allowed = {own}
    registered = normalized_vat_id(registrations.get(ship_from))
    if ship_from != home_country and registered:
        allowed.add(registered)
    if seller in allowed:
        return None
    values = {"printed": printed, "own": own_vat_id, "country": ship_from}
    if ship_from != home_country and registered:
        return Text(
            "The invoice names the seller VAT ID {printed}, which is neither the merchant's own "
            "VAT ID ({own}) nor the registration's in {country} ({registered}). Correct the VAT "
            "ID in Billbee's invoice settings and write the invoice again, or enter the "
            "registration's VAT ID under Bookkeeping → Foreign VAT registrations.",
            registered=registered,
            **values,
        )
    if ship_from != home_country:
        return Text(
            "The invoice names the seller VAT ID {printed}, which is neither the merchant's own "
            "VAT ID ({own}) and there is no VAT ID of a registration in {country}. Correct the "
            "VAT ID in Billbee's invoice settings and write the invoice again, or enter the "
            "registration's VAT ID under Bookkeeping → Foreign VAT registrations.",
            **values,
        )
    return Text(
        "The invoice names the seller VAT ID {printed}, which is neither the merchant's own VAT "
        "ID ({own}). Correct the VAT ID in Billbee's invoice settings and write the invoice "
        "again, or enter the registration's VAT ID under Bookkeeping → Foreign VAT "
        "registrations.",
        **values,
    )


def business_customer_note(
    customer_type: int | None, case: Case, destination: str | None, buyer_vat_id: str | None
) -> str | None:
    """A note when Billbee marks the customer as a business but the sale is taxed as one to
    a consumer in another member state (no VAT ID on the order)."""
    if customer_type != BUSINESS_CUSTOMER or case not in CONSUMER_ABROAD_CASES or buyer_vat_id:
        return None
    return Text(
        "Billbee marks the customer as a business, but the order carries no VAT ID: booked as a "
        "sale to a consumer in {destination} with VAT. If the customer has a VAT ID, enter it "
        "in Billbee and write a corrected invoice: the supply is then tax-free.",
        destination=destination or "?",
    )


def vat_flags_disagreement(case: Case, flags: Mapping[str, Any]) -> str | None:
    """Why Billbee's register flags contradict the treatment ``case``, or None."""
    if not flags:
        return None
    ours = CASE_WORDS.get(case, case.value)
    if flags.get("ThirdPartyCountry") is True and case not in EXPORT_CASES:
        return Text(
            "Billbee's invoice register treats the sale as an export to a third country, the "
            "connector as {ours}. Check the delivery address and the VAT settings in Billbee.",
            ours=ours,
        )
    if case in IC_SUPPLY_CASES and flags.get("CustomerHasVatId") is False:
        return Text(
            "The connector books {ours}, but Billbee's invoice register says the customer has "
            "no VAT ID. Check the customer's VAT ID in Billbee and the invoice.",
            ours=ours,
        )
    if flags.get("SrcCountryIsEqualToDstCountry") is True and case in CROSS_BORDER_CASES:
        return Text(
            "Billbee's invoice register sees the goods ship within one country, the connector "
            "books {ours}. Check the ship-from country and the delivery address.",
            ours=ours,
        )
    return None
