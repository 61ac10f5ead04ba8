"""EU member states, their names, and the territories that are outside the EU VAT area.

Countries are ISO 3166-1 alpha-2 codes throughout, so Greece is ``GR``; only VAT IDs and the
DATEV fields that carry a VAT-ID prefix use ``EL`` (see :func:`vat_prefix`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentences import Text

EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip

# Adjectives for sentences such as "Austrian VAT" or "not a valid Austrian VAT ID". Stored
# sentences keep them as words of their own: a translation says each in its language (the
# German catalogue names the country, "Umsatzsteuer Österreich", which fits every sentence).
ADJECTIVES: dict[str, str] = {
    "AT": Text("Austrian"), "BE": Text("Belgian"), "BG": Text("Bulgarian"),
    "CY": Text("Cypriot"), "CZ": Text("Czech"), "DE": Text("German"),
    "DK": Text("Danish"), "EE": Text("Estonian"), "ES": Text("Spanish"),
    "FI": Text("Finnish"), "FR": Text("French"), "GR": Text("Greek"),
    "HR": Text("Croatian"), "HU": Text("Hungarian"), "IE": Text("Irish"),
    "IT": Text("Italian"), "LT": Text("Lithuanian"), "LU": Text("Luxembourg"),
    "LV": Text("Latvian"), "MT": Text("Maltese"), "NL": Text("Dutch"),
    "PL": Text("Polish"), "PT": Text("Portuguese"), "RO": Text("Romanian"),
    "SE": Text("Swedish"), "SI": Text("Slovenian"), "SK": Text("Slovak"),
    "XI": Text("Northern Ireland"),
}  # fmt: skip

# Monaco belongs to the French VAT territory (Art. 7 VAT Directive 2006/112/EC): a delivery
# there is a delivery to France, not an export.
_VAT_TERRITORY_OF = {"MC": "FR"}


def adjective(country: str) -> str:
    return ADJECTIVES.get(country, country)


def vat_prefix(country: str) -> str:
    """The country as VAT IDs write it: ``EL`` for Greece, else the ISO code."""
    return "EL" if country == "GR" else country


def country_of_vat_prefix(prefix: str) -> str:
    """The ISO country of a VAT-ID prefix: ``EL`` → ``GR``."""
    return "GR" if prefix == "EL" else prefix


def vat_territory(country: str) -> str:
    """The member state whose VAT territory ``country`` belongs to (``MC`` → ``FR``)."""
    return _VAT_TERRITORY_OF.get(country, country)


@dataclass(frozen=True)
class Territory:
    country: str
    name: str
    postcode: re.Pattern[str]  # matched against the whole normalised postcode
    note: str = ""  # a doubt a person must resolve, "" when the postcode is unambiguous


# Parts of member states outside the EU VAT area (Art. 6 VAT Directive; bookkeeping.md §3:
# "treat like third country [check per case]"). Postcodes as in ibericode/vat-rates'
# "exceptions" [VATR]. Åland is added because Art. 6 (1) (d) excludes it as well.
SPECIAL_TERRITORIES: tuple[Territory, ...] = (
    Territory("ES", "the Canary Islands", re.compile(r"3[58]\d{3}")),
    Territory("ES", "Ceuta", re.compile(r"51\d{3}")),
    Territory("ES", "Melilla", re.compile(r"52\d{3}")),
    Territory("DE", "Büsingen am Hochrhein", re.compile(r"78266")),
    Territory("DE", "Heligoland", re.compile(r"27498")),
    Territory("IT", "Livigno", re.compile(r"23041")),
    # 23030 was Livigno's code and is the one in the older ibericode data and in our brief,
    # but it is shared by other villages in the province of Sondrio [unconfirmed].
    Territory(
        "IT",
        "Livigno",
        re.compile(r"23030"),
        note="postcode 23030 is shared by several villages in the province of Sondrio: "
        "check that the delivery went to Livigno",
    ),
    Territory("IT", "Campione d'Italia", re.compile(r"22061")),
    Territory("GR", "Mount Athos", re.compile(r"63086")),
    Territory("FR", "the French overseas departments", re.compile(r"97[1-6]\d{2}")),
    Territory("FI", "the Åland Islands", re.compile(r"22\d{3}")),
)

# Parts of the EU VAT area with their own rates that the rate table does not hold
# (bookkeeping.md §3.1: "Madeira/Azores lower standard rates") [VATR].
REGIONAL_RATE_AREAS: tuple[Territory, ...] = (
    Territory("PT", "Madeira", re.compile(r"9[0-4]\d{2}(\d{3})?")),
    Territory("PT", "the Azores", re.compile(r"9[5-9]\d{2}(\d{3})?")),
    Territory("AT", "Jungholz", re.compile(r"6691")),
    Territory("AT", "Mittelberg", re.compile(r"699[123]")),
)


def normalise_postcode(country: str, postcode: str | None) -> str:
    """Digits and letters only, without a leading country prefix ("D-78266", "FR 97100")."""
    if not postcode:
        return ""
    compact = re.sub(r"[^0-9A-Z]", "", postcode.upper())
    for prefix in (country, country[:1]):
        if prefix and compact.startswith(prefix) and compact[len(prefix) :].isdigit():
            return compact[len(prefix) :]
    return compact


def _find(areas: tuple[Territory, ...], country: str, postcode: str | None) -> Territory | None:
    code = normalise_postcode(country, postcode)
    if not code:
        return None
    for area in areas:
        if area.country == country and area.postcode.fullmatch(code):
            return area
    return None


def special_territory(country: str, postcode: str | None) -> Territory | None:
    """The territory outside the EU VAT area that this address lies in, if any."""
    return _find(SPECIAL_TERRITORIES, country, postcode)


def regional_rate_area(country: str, postcode: str | None) -> Territory | None:
    return _find(REGIONAL_RATE_AREAS, country, postcode)
