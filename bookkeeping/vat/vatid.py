"""Offline check of buyers' VAT IDs: format and check digit, never VIES.

A valid foreign VAT ID is a *material* condition of a tax-free intra-community supply
(§ 6a (1) Nr. 4 UStG since 2020, bookkeeping.md §3). This module only proves that a number can
exist; whether it is registered (VIES, § 18e UStG) is for the person who checks the warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from sentences import Text

from .countries import EU_MEMBER_STATES, adjective, country_of_vat_prefix, vat_prefix

# VAT-ID prefixes of the member states (Greece as EL) plus XI: Northern Ireland keeps EU VAT
# rules for goods (Windsor Framework), and stdnum validates XI numbers like British ones.
_PREFIXES = frozenset({vat_prefix(country) for country in EU_MEMBER_STATES} | {"XI"})
_SEPARATORS = re.compile(r"[\s.\-/,]")


@dataclass(frozen=True)
class VatIdCheck:
    valid: bool
    normalized: str  # upper case, no separators, Greece as "EL…"; "" when nothing was given
    country: str  # ISO code of the prefix (EL → GR, XI stays XI); "" when there is no prefix
    reason: str  # what is wrong, in words; "" when valid


def check_vat_id(value: str | None) -> VatIdCheck:
    normalized = _SEPARATORS.sub("", value or "").upper()
    if not normalized:
        return VatIdCheck(False, "", "", Text("no VAT ID"))
    prefix = normalized[:2]
    if prefix == "GR":
        # Greek IDs are issued with EL; buyers often type the ISO code. VIES and DATEV field 40
        # need EL, so the number is rewritten rather than rejected.
        prefix, normalized = "EL", "EL" + normalized[2:]
    if prefix not in _PREFIXES:
        return VatIdCheck(
            False, normalized, "", Text("{vat_id} has no EU country prefix", vat_id=normalized)
        )
    country = country_of_vat_prefix(prefix)
    try:
        normalized = eu_vat.validate(normalized)
    except ValidationError as exc:
        return VatIdCheck(
            False,
            normalized,
            country,
            Text(
                "{vat_id} is not a valid {adjective} VAT ID ({problem})",
                vat_id=normalized,
                adjective=adjective(country),
                problem=_problem(exc),
            ),
        )
    return VatIdCheck(True, normalized, country, "")


def _problem(exc: ValidationError) -> Text:
    if isinstance(exc, InvalidChecksum):
        return Text("checksum")
    if isinstance(exc, InvalidLength):
        return Text("length")
    return Text("format")
