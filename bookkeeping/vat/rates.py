"""Dated VAT rates of the 27 member states.

The date of supply (Leistungsdatum) decides which period applies (bookkeeping.md §5; §3.1:
"store rates with validity dates"). The table starts on 01.07.2021, the start of the OSS
(§ 3c UStG new version), and for Germany on 01.07.2020 to cover the 16 %/5 % period.

``reduced`` lists a period's reduced rates in the order of bookkeeping.md §3.1; its first entry
is only a fallback when Billbee's own reduced rate is not one of them (always with a warning,
see treatment.py). The table holds the rates that exist, not which goods they apply to: a
change of scope (e.g. NL accommodation 9 → 21 % in 2026, BE items 6 → 12 % from 01.03.2026,
DE restaurant food 7 % from 2026, SK foods 19 → 23 % in 2026, IE meals 9 % from 01.07.2026)
does not change the set of rates and needs no new period.

Sources: ibericode/vat-rates ``vat-rates.json`` [VATR] (versions of 2024 and 2025), bookkeeping.md
§3.1 (snapshot 2025-08-12 + [EASYTAX] for 2026), and for changes not in [VATR] the notes named at
each country. "[unconfirmed]" marks what only one secondary source states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .countries import EU_MEMBER_STATES, country_of_vat_prefix
from .errors import UnknownRate

__all__ = [
    "EU_MEMBER_STATES",
    "RATE_TABLE",
    "RatePeriod",
    "UnknownRate",
    "allowed_rates",
    "rates_on",
]

ZERO = Decimal(0)


@dataclass(frozen=True)
class RatePeriod:
    country: str
    valid_from: date
    valid_until: date | None  # inclusive; None = still valid
    standard: Decimal
    reduced: tuple[Decimal, ...]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def _p(country: str, start: str, end: str | None, standard: str, *reduced: str) -> RatePeriod:
    return RatePeriod(
        country=country,
        valid_from=date.fromisoformat(start),
        valid_until=date.fromisoformat(end) if end else None,
        standard=Decimal(standard),
        reduced=tuple(Decimal(rate) for rate in reduced),
    )


# Start of the OSS (§ 3c UStG new version): the table's first day for every state but Germany.
_S = "2021-07-01"

RATE_TABLE: tuple[RatePeriod, ...] = (
    # AT: the temporary 5 % rate (gastronomy, accommodation, culture, publications) ran from
    # 01.07.2020 to 31.12.2021 (Eurofound AT-2020-27/952; vatcalc.com); not in [VATR].
    _p("AT", _S, "2021-12-31", "20", "13", "10", "5"),
    _p("AT", "2022-01-01", None, "20", "13", "10"),
    _p("BE", _S, None, "21", "12", "6"),
    _p("BG", _S, None, "20", "9"),
    _p("CY", _S, None, "19", "9", "5"),
    # CZ: 15 % and 10 % merged into 12 % on 01.01.2024 [VATR].
    _p("CZ", _S, "2023-12-31", "21", "15", "10"),
    _p("CZ", "2024-01-01", None, "21", "12"),
    # DE: 16 %/5 % from 01.07.2020 to 31.12.2020 (bookkeeping.md §5) [VATR].
    _p("DE", "2020-07-01", "2020-12-31", "16", "5"),
    _p("DE", "2021-01-01", None, "19", "7"),
    _p("DK", _S, None, "25"),
    # EE: press 9 → 5 % on 01.08.2022 (numeri.ee on the act of 18.05.2022); standard 20 → 22 % on
    # 01.01.2024; accommodation 9 → 13 % and press 5 → 9 % on 01.01.2025; standard 22 → 24 % on
    # 01.07.2025 [VATR].
    _p("EE", _S, "2022-07-31", "20", "9"),
    _p("EE", "2022-08-01", "2023-12-31", "20", "9", "5"),
    _p("EE", "2024-01-01", "2024-12-31", "22", "9", "5"),
    _p("EE", "2025-01-01", "2025-06-30", "22", "13", "9"),
    _p("EE", "2025-07-01", None, "24", "13", "9"),
    # ES: temporary 5 % (electricity from 26.06.2021, seed oils and pasta 01.01.2023–30.09.2024),
    # then 7.5 % and 2 % from 01.10.2024 to 31.12.2024 (Agencia Tributaria, Manual IVA 2024,
    # "tipos impositivos transitorios"); that 5 % ran without a gap until 30.09.2024 is
    # [unconfirmed]. The temporary 0 % needs no entry: 0 is always allowed.
    _p("ES", _S, "2024-09-30", "21", "10", "5", "4"),
    _p("ES", "2024-10-01", "2024-12-31", "21", "10", "7.5", "4", "2"),
    _p("ES", "2025-01-01", None, "21", "10", "4"),
    # FI: standard 24 → 25.5 % on 01.09.2024 [VATR]; reduced 14 → 13.5 % on 01.01.2026
    # (bookkeeping.md §3.1, [ECONIA], [EASYTAX]).
    _p("FI", _S, "2024-08-31", "24", "14", "10"),
    _p("FI", "2024-09-01", "2025-12-31", "25.5", "14", "10"),
    _p("FI", "2026-01-01", None, "25.5", "13.5", "10"),
    _p("FR", _S, None, "20", "10", "5.5", "2.1"),
    _p("GR", _S, None, "24", "13", "6"),
    _p("HR", _S, None, "25", "13", "5"),
    _p("HU", _S, None, "27", "18", "5"),
    # IE: the temporary 21 % (01.09.2020–28.02.2021) ended before the table starts [VATR].
    _p("IE", _S, None, "23", "13.5", "9", "4.8"),
    _p("IT", _S, None, "22", "10", "5", "4"),
    # LT: 9 % abolished on 01.01.2026, new 12 % (Seimas press release 17.06.2025, Law XV-287).
    _p("LT", _S, "2025-12-31", "21", "9", "5"),
    _p("LT", "2026-01-01", None, "21", "12", "5"),
    # LU: every rate one point lower from 01.01.2023 to 31.12.2023 [VATR]; [VATR] gives the
    # intermediate rate from 2024 as 13 %, bookkeeping.md §3.1 and its pre-2023 value as 14 %.
    _p("LU", _S, "2022-12-31", "17", "14", "8", "3"),
    _p("LU", "2023-01-01", "2023-12-31", "16", "13", "7", "3"),
    _p("LU", "2024-01-01", None, "17", "14", "8", "3"),
    _p("LV", _S, None, "21", "12", "5"),
    # MT: a third reduced rate of 12 % since 01.01.2024 (vatcalc.com) [unconfirmed]: not in
    # [VATR] nor bookkeeping.md §3.1; kept last so it is never the fallback.
    _p("MT", _S, "2023-12-31", "18", "7", "5"),
    _p("MT", "2024-01-01", None, "18", "7", "5", "12"),
    _p("NL", _S, None, "21", "9"),
    _p("PL", _S, None, "23", "8", "5"),
    # PT: mainland rates; Madeira and the Azores have their own (countries.REGIONAL_RATE_AREAS).
    _p("PT", _S, None, "23", "13", "6"),
    # RO: 19/9/5 → 21/11 on 01.08.2025 (Law 141/2025; bookkeeping.md §3.1). A transitional 5 %
    # for housing is left out: it does not concern goods sold online [unconfirmed].
    _p("RO", _S, "2025-07-31", "19", "9", "5"),
    _p("RO", "2025-08-01", None, "21", "11"),
    _p("SE", _S, None, "25", "12", "6"),
    _p("SI", _S, None, "22", "9.5", "5"),
    # SK: 20 → 23 % and 10 → 19 % on 01.01.2025 (EY tax news 2024-1947) [VATR]; the 5 % rate
    # exists since 01.01.2023 (Baker McKenzie VAT rates, Slovakia) [unconfirmed].
    _p("SK", _S, "2022-12-31", "20", "10"),
    _p("SK", "2023-01-01", "2024-12-31", "20", "10", "5"),
    _p("SK", "2025-01-01", None, "23", "19", "5"),
)

_BY_COUNTRY: dict[str, tuple[RatePeriod, ...]] = {
    country: tuple(period for period in RATE_TABLE if period.country == country)
    for country in sorted(EU_MEMBER_STATES)
}


def rates_on(country: str, day: date) -> RatePeriod:
    """The rate period of ``country`` (ISO code; ``EL`` is read as ``GR``) on ``day``."""
    code = country_of_vat_prefix((country or "").strip().upper())
    for period in _BY_COUNTRY.get(code, ()):
        if period.covers(day):
            return period
    raise UnknownRate(code, day)


def allowed_rates(country: str, day: date) -> frozenset[Decimal]:
    """Every rate that may appear on an invoice taxed in ``country`` on ``day``, 0 included."""
    period = rates_on(country, day)
    return frozenset({period.standard, *period.reduced, ZERO})
