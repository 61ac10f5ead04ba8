"""The facts a VAT decision rests on, and what a decision says (bookkeeping.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sentences import Text

from .countries import (
    EU_MEMBER_STATES,
    Territory,
    country_of_vat_prefix,
    normalise_postcode,
    special_territory,
    vat_prefix,
    vat_territory,
)
from .errors import UnknownRate, VatRejected
from .model import Case, VatInput
from .rates import RatePeriod, rates_on
from .vatid import VatIdCheck, check_vat_id


@dataclass
class Notes:
    """What the treatment says about itself, collected in order."""

    trace: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    case: Case
    taxed_in: str | None
    period: RatePeriod | None  # rates of taxed_in on the service date; None when tax-free
    eu_destination: str = ""
    eu_origin: str = ""
    origin_rate: Decimal | None = None
    bu_key: str = ""


@dataclass(frozen=True)
class Facts:
    mode: int
    home: str
    ship_from: str
    destination: str  # "" when missing; Monaco already as FR
    postcode: str
    territory: Territory | None
    vat_id: VatIdCheck
    day: date

    @property
    def third_country(self) -> bool:
        return self.destination not in EU_MEMBER_STATES or self.territory is not None

    @property
    def where(self) -> str:
        if self.territory is not None:
            return Text(
                "{country} {postcode} ({name}, outside the EU VAT area)",
                country=self.destination,
                postcode=self.postcode,
                name=self.territory.name,
            )
        if self.destination not in EU_MEMBER_STATES:
            return Text("{country} (outside the EU)", country=self.destination)
        return self.destination


def facts_of(doc: VatInput) -> Facts:
    given = country_of_vat_prefix((doc.destination or "").strip().upper())
    destination = vat_territory(given)
    return Facts(
        mode=0 if doc.vat_mode is None else doc.vat_mode,
        home=(doc.home_country or "").strip().upper(),
        ship_from=(doc.ship_from or "").strip().upper(),
        destination=destination,
        postcode=normalise_postcode(destination, doc.destination_zip),
        territory=special_territory(destination, doc.destination_zip),
        vat_id=check_vat_id(doc.customer_vat_id),
        day=doc.service_date,
    )


def need_destination(facts: Facts) -> None:
    if not facts.destination:
        raise VatRejected(
            "no_destination",
            Text(
                "no delivery country: the order's shipping address has no country, so the place "
                "of supply is unknown; complete the address in Billbee"
            ),
        )


def rates(country: str, day: date) -> RatePeriod:
    try:
        return rates_on(country, day)
    except UnknownRate as exc:
        raise VatRejected("unknown_rate", exc.text) from exc


def taxed(
    case: Case,
    country: str,
    facts: Facts,
    *,
    eu_destination: str = "",
    eu_origin: str = "",
    origin_rate: Decimal | None = None,
    bu_key: str = "",
) -> Decision:
    return Decision(
        case, country, rates(country, facts.day), eu_destination, eu_origin, origin_rate, bu_key
    )


def oss_active(doc: VatInput) -> bool:
    return doc.oss_since is not None and doc.service_date >= doc.oss_since


def origin_vat_id(doc: VatInput, facts: Facts, notes: Notes) -> str:
    """DATEV field 123: the merchant's VAT ID in the ship-from country, else its code."""
    ids = {country.strip().upper(): value for country, value in doc.origin_vat_ids.items()}
    given = ids.get(facts.ship_from, "")
    if not given.strip():
        notes.warnings.append(
            Text(
                "no VAT ID of the merchant in {country} is configured: DATEV field 123 gets the "
                "country code only; selling from a warehouse in {country} needs a VAT "
                "registration there: enter its VAT ID under Bookkeeping → Foreign VAT "
                "registrations",
                country=facts.ship_from,
            )
        )
        return vat_prefix(facts.ship_from)
    check = check_vat_id(given)
    if not check.valid or check.country != facts.ship_from:
        problem = check.reason or Text("it is not a VAT ID of {country}", country=facts.ship_from)
        notes.warnings.append(
            Text(
                "the merchant's VAT ID for {country} is not usable ({problem}): fix it under "
                "Bookkeeping → Foreign VAT registrations",
                country=facts.ship_from,
                problem=problem,
            )
        )
    return check.normalized
