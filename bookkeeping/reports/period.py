"""The monthly period report: what the journal holds for a month, and what it does not.

A selector: it reads the journal (``JournalEntry.document_date`` decides the month of a
figure) and the upload log (``ExternalOrder.document_date`` decides the month of a document)
and returns plain frozen dataclasses with ``Decimal`` amounts in EUR (journal lines are in
EUR whatever the document's currency). Amounts are signed from the revenue side: a credit
adds, a debit subtracts, so credit notes and reversals reduce the figures by themselves.

The figures are summed in Python over the lines, not with SQL ``SUM``: SQLite sums decimals
as floating point, and the report must be exact to the cent on every database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from connector.models import Connection, ExternalOrder
from connector.texts import stored_text

from ..models import CASE_LABELS, JournalEntry, JournalLine
from ..posting import NET_ROLES
from ..selectors import distance_sales_status
from ..vat.model import OSS_CASES, Case
from ..vat.threshold import ThresholdStatus
from .documents import document_counts, held_documents, not_accepted_groups, vat_differences
from .foreign import ForeignRow, country_of, foreign_rows
from .rows import (
    CorrectionRow,
    CreditNoteRow,
    HeldDocument,
    OpenItemAgeRow,
    OpenItemRow,
    ReasonGroup,
    ReceiptRow,
    RoundingRow,
    StatusCount,
    TransferRow,
    VatDifferenceRow,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RevenueRow:
    origin: str
    case: str
    case_label: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    entries: int


@dataclass(frozen=True)
class OssRow:
    country: str  # destination (DATEV field 40)
    rate: Decimal  # destination rate, percent
    ship_from: str  # where the goods left from: home country, or the foreign warehouse's
    net: Decimal
    vat: Decimal
    entries: int


@dataclass(frozen=True)
class Totals:
    """What lets an accountant cross-check the month: the entries balance, and the debtors
    carry exactly revenue + VAT + rounding − vouchers."""

    entries: int
    debit: Decimal
    credit: Decimal
    debtors: Decimal  # debtor lines, debit − credit
    revenue: Decimal  # revenue, shipping and discount lines, credit − debit
    vat: Decimal  # VAT lines, credit − debit
    rounding: Decimal  # rounding lines, credit − debit
    vouchers: Decimal  # redeemed vouchers, debit − credit

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit

    @property
    def debtor_difference(self) -> Decimal:
        return self.debtors - (self.revenue + self.vat + self.rounding - self.vouchers)


@dataclass(frozen=True)
class PeriodReport:
    connection: str
    connection_label: str
    year: int
    month: int
    period_from: date
    period_to: date
    generated_at: datetime
    time_zone: str
    revenue: tuple[RevenueRow, ...]
    oss: tuple[OssRow, ...]
    credit_notes: tuple[CreditNoteRow, ...]
    receipts: tuple[ReceiptRow, ...]
    corrections: tuple[CorrectionRow, ...]
    rounding: tuple[RoundingRow, ...]
    held: tuple[ReasonGroup, ...]
    held_documents: tuple[HeldDocument, ...]
    held_total: int
    not_accepted: tuple[ReasonGroup, ...]
    vat_differences: tuple[VatDifferenceRow, ...]
    documents: tuple[StatusCount, ...]
    totals: Totals
    threshold: ThresholdStatus | None = None  # § 3c (4) UStG, up to the month's end
    foreign: tuple[ForeignRow, ...] = ()  # sales in foreign warehouses' countries
    transfers: tuple[TransferRow, ...] = ()  # payouts via the transit account (Geldtransit)
    open_items: tuple[OpenItemRow, ...] = ()  # invoices not cleared at the month's end (OPOS)
    open_items_age: tuple[OpenItemAgeRow, ...] = ()

    @property
    def month_label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    @property
    def rounding_total(self) -> Decimal:
        return sum((r.amount for r in self.rounding), ZERO)

    @property
    def revenue_total(self) -> RevenueRow:
        net = sum((r.net for r in self.revenue), ZERO)
        vat = sum((r.vat for r in self.revenue), ZERO)
        return RevenueRow("", "", "total", net, vat, net + vat, self.totals.entries)


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-10"`` → ``(2026, 10)``; raises ``ValueError`` with a readable message."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(_not_a_month(repr(text)))
    year, month = int(parts[0]), int(parts[1])
    month_bounds(year, month)
    return year, month


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2999:
        raise ValueError(_not_a_month(f"{year}-{month:02d}"))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _not_a_month(text: str) -> str:
    # Shown under the console's month fields, so in the reader's language.
    return gettext("%(text)s is not a month: give it as YYYY-MM, e.g. 2026-10") % {"text": text}


def period_report(connection: Connection, year: int, month: int) -> PeriodReport:
    first, last = month_bounds(year, month)
    entries = JournalEntry.objects.filter(
        connection=connection, document_date__gte=first, document_date__lte=last
    )
    # Payments, transfers and their reversals carry no revenue: the revenue sections leave
    # them out.
    moving_money = (JournalEntry.Kind.PAYMENT, JournalEntry.Kind.TRANSFER)
    documents_entries = entries.exclude(kind__in=moving_money).exclude(
        kind=JournalEntry.Kind.REVERSAL, reverses__kind__in=moving_money
    )
    lines = _line_facts(documents_entries)
    documents = ExternalOrder.objects.filter(
        connection=connection, document_date__gte=first, document_date__lte=last
    )
    held, held_list, held_total = held_documents(documents)
    items = open_items_at(connection, last)
    return PeriodReport(
        connection=connection.name,
        connection_label=connection.label,
        year=year,
        month=month,
        period_from=first,
        period_to=last,
        generated_at=timezone.now(),
        time_zone=connection.time_zone,
        revenue=revenue_rows(lines),
        oss=oss_rows(lines, _home_country(connection)),
        credit_notes=_credit_notes(entries),
        receipts=_receipts(entries),
        transfers=_transfers(entries),
        open_items=items,
        open_items_age=open_items_by_age(items),
        corrections=_corrections(entries, connection.zoneinfo),
        rounding=_rounding(entries),
        held=held,
        held_documents=held_list,
        held_total=held_total,
        not_accepted=not_accepted_groups(documents),
        vat_differences=vat_differences(documents),
        documents=document_counts(documents),
        totals=month_totals(lines),
        threshold=distance_sales_status(connection, year, upto=last),
        foreign=foreign_rows(lines),
    )


# --- the journal's figures: pure functions over plain line facts -----------------------


@dataclass(frozen=True)
class LineFact:
    """One journal line with what the report groups it by."""

    entry: int
    origin: str
    case: str
    destination: str
    eu_origin: str
    role: str
    side: str
    amount: Decimal
    rate: Decimal | None

    @property
    def signed(self) -> Decimal:
        """Credit positive (revenue side), debit negative."""
        return self.amount if self.side == JournalLine.Side.CREDIT else -self.amount


def _line_facts(entries: QuerySet[JournalEntry]) -> list[LineFact]:
    rows = (
        JournalLine.objects.filter(entry__in=entries)
        .order_by("entry_id", "position")
        .values_list(
            "entry_id",
            "entry__origin",
            "entry__case",
            "entry__eu_destination",
            "entry__eu_origin",
            "role",
            "side",
            "amount",
            "rate",
        )
    )
    return [LineFact(*row) for row in rows.iterator(chunk_size=2000)]


def revenue_rows(lines: Iterable[LineFact]) -> tuple[RevenueRow, ...]:
    """Net (revenue, shipping and discount lines) and VAT per origin and VAT treatment."""
    net: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    vat: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    entries: dict[tuple[str, str], set[int]] = defaultdict(set)
    for line in lines:
        key = (line.origin, line.case)
        entries[key].add(line.entry)
        if line.role in NET_ROLES:
            net[key] += line.signed
        elif line.role == JournalLine.Role.VAT:
            vat[key] += line.signed
    rows = []
    for key in sorted(entries):
        origin, case = key
        rows.append(
            RevenueRow(
                origin,
                case,
                case_label(case),
                net[key],
                vat[key],
                net[key] + vat[key],
                len(entries[key]),
            )
        )
    return tuple(rows)


def oss_rows(lines: Iterable[LineFact], home_country: str) -> tuple[OssRow, ...]:
    """What goes into the quarterly OSS return (bookkeeping.md §3): net and VAT per
    destination country and rate, apart by ship-from country (foreign warehouses)."""
    net: dict[tuple[str, Decimal, str], Decimal] = defaultdict(lambda: ZERO)
    vat: dict[tuple[str, Decimal, str], Decimal] = defaultdict(lambda: ZERO)
    entries: dict[tuple[str, Decimal, str], set[int]] = defaultdict(set)
    for line in lines:
        if line.case not in OSS_CASES or line.rate is None:
            continue
        if line.role not in NET_ROLES and line.role != JournalLine.Role.VAT:
            continue
        ship_from = home_country
        if line.case == Case.FOREIGN_WAREHOUSE_OSS:
            ship_from = country_of(line.eu_origin) or "?"
        key = (country_of(line.destination), line.rate, ship_from)
        entries[key].add(line.entry)
        target = net if line.role in NET_ROLES else vat
        target[key] += line.signed
    return tuple(
        OssRow(*key, net=net[key], vat=vat[key], entries=len(entries[key]))
        for key in sorted(entries)
    )


def month_totals(lines: Iterable[LineFact]) -> Totals:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    debit = credit = ZERO
    entries: set[int] = set()
    for line in lines:
        entries.add(line.entry)
        if line.side == JournalLine.Side.DEBIT:
            debit += line.amount
        else:
            credit += line.amount
        group = "revenue" if line.role in NET_ROLES else line.role
        sums[group] += line.signed
    return Totals(
        entries=len(entries),
        debit=debit,
        credit=credit,
        debtors=-sums["debtor"],
        revenue=sums["revenue"],
        vat=sums["vat"],
        rounding=sums["rounding"],
        vouchers=-sums["coupon"],
    )


def case_label(case: str) -> str:
    try:
        return str(CASE_LABELS[Case(case)])
    except ValueError:
        return case


def _home_country(connection: Connection) -> str:
    settings = getattr(connection, "bookkeeping", None)
    return settings.home_country if settings is not None else connection.sender_country


# --- lists of entries --------------------------------------------------------------------


def _credit_notes(entries: QuerySet[JournalEntry]) -> tuple[CreditNoteRow, ...]:
    rows = (
        entries.filter(kind=JournalEntry.Kind.CREDIT_NOTE)
        .order_by("document_date", "number", "pk")
        .values_list(
            "pk", "number", "reference", "document_date", "origin", "document_total", "currency"
        )
    )
    return tuple(CreditNoteRow(*row) for row in rows)


def _receipts(entries: QuerySet[JournalEntry]) -> tuple[ReceiptRow, ...]:
    payments = entries.filter(kind=JournalEntry.Kind.PAYMENT, reversed_by__isnull=True)
    received: dict[int, Decimal] = defaultdict(lambda: ZERO)
    fees: dict[int, Decimal] = defaultdict(lambda: ZERO)
    # What settled invoices besides the money, gross (the VAT correction included).
    settled: dict[str, dict[int, Decimal]] = {
        JournalLine.Role.SKONTO.value: defaultdict(lambda: ZERO),
        JournalLine.Role.WRITE_OFF.value: defaultdict(lambda: ZERO),
    }
    counted: dict[int, set[int]] = defaultdict(set)
    lines = JournalLine.objects.filter(entry__in=payments).values_list(
        "entry_id", "role", "account", "side", "amount", "tax"
    )
    accounts = {
        entry: account for entry, role, account, *_ in lines if role == JournalLine.Role.BANK
    }
    for entry, role, _account, side, amount, tax in lines:
        account = accounts[entry]
        signed = amount if side == "S" else -amount
        if role == JournalLine.Role.BANK:
            counted[account].add(entry)
            received[account] += signed
        elif role == JournalLine.Role.FEE:
            received[account] += signed
            fees[account] += signed
        elif role in settled:
            settled[role][account] += signed + (tax if side == "S" else -tax)
    return tuple(
        ReceiptRow(
            account,
            len(counted[account]),
            received[account],
            fees[account],
            settled[JournalLine.Role.SKONTO.value][account],
            settled[JournalLine.Role.WRITE_OFF.value][account],
        )
        for account in sorted(counted)
    )


def _transfers(entries: QuerySet[JournalEntry]) -> tuple[TransferRow, ...]:
    transfers = entries.filter(kind=JournalEntry.Kind.TRANSFER, reversed_by__isnull=True)
    sides: dict[int, dict[str, int]] = defaultdict(dict)
    amounts: dict[int, Decimal] = {}
    lines = JournalLine.objects.filter(entry__in=transfers).values_list(
        "entry_id", "account", "side", "amount"
    )
    for entry, account, side, amount in lines:
        sides[entry][side] = account
        amounts[entry] = amount
    count: dict[tuple[int, int], int] = defaultdict(int)
    total: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for entry, pair in sides.items():
        key = (pair["H"], pair["S"])  # from the credited account to the debited one
        count[key] += 1
        total[key] += amounts[entry]
    return tuple(TransferRow(*key, count[key], total[key]) for key in sorted(count))


# Ages of open items, days since the invoice date: (label, up to this many days). The labels
# stay English in the data; the report shows them in the reader's language.
AGE_BUCKETS = (
    (gettext_noop("0–30 days"), 30),
    (gettext_noop("31–60 days"), 60),
    (gettext_noop("61–90 days"), 90),
    (gettext_noop("over 90 days"), None),
)


def open_items_at(connection: Connection, last: date) -> tuple[OpenItemRow, ...]:
    """The open items (OPOS) at the end of ``last``: per invoice, the balance of its debtor
    lines in the entries dated up to that day — the invoice, its credit notes (their
    documents' parent), payments, returns and refunds, and the reversals of any of them
    (dated as what they reverse). What DATEV's open-item list shows for the same batches."""
    balance: dict[int, Decimal] = defaultdict(lambda: ZERO)
    lines = JournalLine.objects.filter(
        entry__connection=connection,
        entry__document_date__lte=last,
        role=JournalLine.Role.DEBTOR,
        entry__document__isnull=False,
    ).values_list("entry__document_id", "entry__document__parent_id", "side", "amount")
    for document_id, parent_id, side, amount in lines.iterator(chunk_size=5000):
        key = parent_id or document_id  # a credit note settles its invoice
        balance[key] += amount if side == JournalLine.Side.DEBIT else -amount
    keys = [key for key, value in balance.items() if value]
    if not keys:
        return ()
    # Read whole and joined here: the open documents may be more than a query's parameters.
    invoices: dict[int, tuple[str, date, str, int, Decimal]] = {}
    standing = JournalEntry.objects.filter(
        connection=connection, kind=JournalEntry.Kind.INVOICE, document_date__lte=last
    ).exclude(reversed_by__document_date__lte=last)
    for row in standing.order_by("pk").values_list(
        "document_id", "number", "document_date", "order_number", "debtor", "document_total"
    ):
        if row[0] in balance:
            invoices[row[0]] = row[1:]  # the latest standing entry of the document wins
    rows = [
        OpenItemRow(key, number, day, order or "", debtor, total, balance[key], (last - day).days)
        for key in keys
        if key in invoices
        for number, day, order, debtor, total in [invoices[key]]
    ]
    return tuple(sorted(rows, key=lambda r: (r.document_date, r.number, r.document_id)))


def open_items_by_age(items: Iterable[OpenItemRow]) -> tuple[OpenItemAgeRow, ...]:
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        label = next(name for name, upto in AGE_BUCKETS if upto is None or item.days <= upto)
        counts[label] += 1
        sums[label] += item.open
    return tuple(
        OpenItemAgeRow(label, counts[label], sums[label])
        for label, _ in AGE_BUCKETS
        if label in counts
    )


def _corrections(entries: QuerySet[JournalEntry], tz: ZoneInfo) -> tuple[CorrectionRow, ...]:
    """Reversals and entries posted after their period had been exported, with why."""
    rows = (
        entries.filter(
            Q(kind=JournalEntry.Kind.REVERSAL) | Q(late_change=True) | Q(booked_after_export=True)
        )
        .order_by("document_date", "number", "pk")
        .values_list(
            "pk",
            "kind",
            "number",
            "document_date",
            "reverses_id",
            "late_change",
            "booked_after_export",
            "document_total",
            "currency",
            "note",
            "posted_at",
            "texts",
        )
    )
    # posted_at becomes the local day it was posted on; the note keeps its sentence's values,
    # to be said in the reader's language on the page (report_tables).
    return tuple(
        CorrectionRow(
            *row[:-3],
            note=stored_text(row[-3], (row[-1] or {}).get("note")),
            posted_on=row[-2].astimezone(tz).date(),
        )
        for row in rows
    )


def _rounding(entries: QuerySet[JournalEntry]) -> tuple[RoundingRow, ...]:
    rows = (
        JournalLine.objects.filter(entry__in=entries, role=JournalLine.Role.ROUNDING)
        .order_by("entry__document_date", "entry__number", "entry_id")
        .values_list(
            "entry_id",
            "entry__number",
            "entry__kind",
            "entry__document_date",
            "entry__origin",
            "account",
            "side",
            "amount",
        )
    )
    return tuple(
        RoundingRow(
            entry,
            number,
            kind,
            day,
            origin,
            account,
            amount if side == JournalLine.Side.CREDIT else -amount,
        )
        for entry, number, kind, day, origin, account, side, amount in rows
    )
