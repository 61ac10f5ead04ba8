"""Exchange rates: which rate converts a document to EUR, and the import of rate files.

§ 16 (6) UStG: amounts in another currency are converted to EUR at the average rates the
BMF publishes for the month in which the supply is made (Umsatzsteuer-Umrechnungskurse);
the tax office may permit the daily rate instead (§ 16 (6) sentence 4 UStG). The connection's
setting chooses; rates are "1 EUR = x units", as the ECB and the BMF write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from connector.texts import Text

from ..models import BookkeepingSettings, DocumentBooking, ExchangeRate
from ..parsers.exchange_rates import MONTHLY, ParsedRate, RateFile
from .rebooking import documents_book_soon

# How far back a daily reference rate may lie before a document's date.
RATE_LOOKBACK_DAYS = 10
BMF_SOURCE = "BMF Umsatzsteuer-Umrechnungskurs"
WHERE_TO_ENTER = "Bookkeeping → Exchange rates → Import, or `import_exchange_rates"

# (kind, currency, day) → the latest rate of that kind on or before the day: (its day, rate)
RateFinder = Callable[[str, str, date], tuple[date, Decimal] | None]


@dataclass(frozen=True)
class RateChoice:
    """The rate of a document, with the sentence for the trace; or None and the hold reason."""

    rate: Decimal | None
    text: str


def rate_on_or_before(kind: str, currency: str, day: date) -> tuple[date, Decimal] | None:
    row = (
        ExchangeRate.objects.filter(kind=kind, currency=currency, day__lte=day)
        .order_by("-day")
        .values_list("day", "rate")
        .first()
    )
    return (row[0], row[1]) if row is not None else None


def exchange_rate_lookup(
    source: str,
    currency: str,
    service_date: date | None,
    document_date: date,
    find: RateFinder = rate_on_or_before,
) -> RateChoice:
    """BMF monthly: the rate of the month of the date of supply (Leistungsdatum; the document
    date when there is none). Daily: the reference rate on or up to 10 days before the
    document (booking) date."""
    if source == BookkeepingSettings.ExchangeRateSource.DAILY:
        return _daily(currency, document_date, find)
    return _monthly(currency, service_date, document_date, find)


def _monthly(
    currency: str, service_date: date | None, document_date: date, find: RateFinder
) -> RateChoice:
    day = service_date or document_date
    month = day.replace(day=1)
    found = find(ExchangeRate.Kind.MONTHLY, currency, month)
    if found is None or found[0] != month:
        return RateChoice(
            None,
            Text(
                "enter the BMF VAT conversion rate for {currency} for {month} ({where}`)",
                currency=currency,
                month=f"{month:%m/%Y}",
                where=WHERE_TO_ENTER,
            ),
        )
    basis = (
        Text("month of the date of supply {day}", day=day)
        if service_date is not None
        else Text("no date of supply: month of the document date {day}", day=day)
    )
    return RateChoice(
        found[1],
        Text(
            "{currency} document: 1 EUR = {rate} {currency}, the BMF VAT conversion rate of "
            "{month} (§ 16 (6) UStG; {basis})",
            currency=currency,
            rate=_plain(found[1]),
            month=f"{month:%m/%Y}",
            basis=basis,
        ),
    )


def _daily(currency: str, document_date: date, find: RateFinder) -> RateChoice:
    found = find(ExchangeRate.Kind.DAILY, currency, document_date)
    if found is None or (document_date - found[0]).days > RATE_LOOKBACK_DAYS:
        return RateChoice(
            None,
            Text(
                "enter the EUR reference rate for {currency} on or shortly before {day} "
                "({where} --kind daily`)",
                currency=currency,
                day=document_date,
                where=WHERE_TO_ENTER,
            ),
        )
    return RateChoice(
        found[1],
        Text(
            "{currency} document: 1 EUR = {rate} {currency}, the daily reference rate of {day} "
            "(setting: daily rates; booking date {booking_day})",
            currency=currency,
            rate=_plain(found[1]),
            day=found[0],
            booking_day=document_date,
        ),
    )


def _plain(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


# ---------------------------------------------------------------- import


@dataclass
class RateImport:
    kind: str
    layout: str
    dry_run: bool
    created: list[ParsedRate] = field(default_factory=list)
    updated: list[tuple[ParsedRate, Decimal]] = field(default_factory=list)  # with the old rate
    unchanged: list[ParsedRate] = field(default_factory=list)
    rebooking: set[int] = field(default_factory=set)  # connections whose documents wait

    def when(self, rate: ParsedRate) -> str:
        return f"{rate.day:%Y-%m}" if self.kind == MONTHLY else rate.day.isoformat()

    def as_dict(self) -> dict[str, Any]:
        def row(action: str, rate: ParsedRate, old: Decimal | None = None) -> dict[str, Any]:
            return {
                "action": action,
                "currency": rate.currency,
                "month" if self.kind == MONTHLY else "date": self.when(rate),
                "rate": _plain(rate.rate),
                "old_rate": _plain(old) if old is not None else None,
                "line": rate.line,
            }

        return {
            "kind": self.kind,
            "layout": self.layout,
            "dry_run": self.dry_run,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rebooking_connections": sorted(self.rebooking),
            "rates": [row("create", r) for r in self.created]
            + [row("update", r, old) for r, old in self.updated]
            + [row("unchanged", r) for r in self.unchanged],
        }


def exchange_rates_import(rate_file: RateFile, *, dry_run: bool = False) -> RateImport:
    """Upsert the file's rates on (currency, day, kind): new ones are created, changed ones
    updated, equal ones left alone, so importing a file again changes nothing. Afterwards the
    documents that wait for an exchange rate are booked again (on a worker).

    One transaction for the file: a rate table is one publication, imported whole or not at
    all (the parser has already refused files with a bad line)."""
    result = RateImport(rate_file.kind, rate_file.layout, dry_run)
    with transaction.atomic():
        existing = _existing(rate_file)
        for rate in rate_file.rates:
            row = existing.get((rate.currency, rate.day))
            if row is None:
                result.created.append(rate)
            elif row.rate != rate.rate:
                result.updated.append((rate, row.rate))
            else:
                result.unchanged.append(rate)
        if dry_run:
            return result
        source = BMF_SOURCE if rate_file.kind == MONTHLY else None
        ExchangeRate.objects.bulk_create(
            ExchangeRate(
                currency=r.currency,
                day=r.day,
                kind=rate_file.kind,
                rate=r.rate,
                **({"source": source} if source else {}),
            )
            for r in result.created
        )
        for rate, _ in result.updated:
            row = existing[(rate.currency, rate.day)]
            changes: dict[str, Any] = {"rate": rate.rate}
            if source and row.source != source:
                changes["source"] = source
            ExchangeRate.objects.filter(pk=row.pk).update(**changes)
        if result.created or result.updated:
            result.rebooking = documents_waiting_for_a_rate_book_soon()
    return result


def _existing(rate_file: RateFile) -> dict[tuple[str, date], ExchangeRate]:
    days = [r.day for r in rate_file.rates]
    rows = ExchangeRate.objects.filter(
        kind=rate_file.kind,
        currency__in={r.currency for r in rate_file.rates},
        day__gte=min(days),
        day__lte=max(days),
    ).select_for_update()
    return {(row.currency, row.day): row for row in rows}


def documents_waiting_for_a_rate_book_soon() -> set[int]:
    """Book again, once committed, the documents that wait for an exchange rate (as saving a
    mapping in the console does); the connections they belong to."""
    waiting = set(
        DocumentBooking.objects.filter(
            status=DocumentBooking.Status.WAITING, reason_code="no_exchange_rate"
        ).values_list("connection_id", flat=True)
    )
    documents_book_soon(waiting)
    return waiting
