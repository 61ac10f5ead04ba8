"""Reads of the console's start page ("what needs me?"): per connection the imports, the
counts of the upload log and of the bookings, the work that waits in payments, and the figures
of the last days for the charts.

Every count and sum is aggregated by the database (``GROUP BY``), never by looping over the
upload log in Python: the page must stay fast for a shop with tens of thousands of documents.
Amounts are summed over ``ExactDecimalField`` columns, which is exact on SQLite too (integers
of cents there) when the sum carries that field as its output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine
from bookkeeping.posting import NET_ROLES
from bookkeeping.reports.foreign import country_of
from bookkeeping.vat.model import OSS_CASES

from .fields import ExactDecimalField
from .models import Connection, ExternalOrder, ImportRun, SalesChannel
from .selectors import import_due_by, last_successful_import, overdue_at
from .services.scheduling import connection_next_start

ZERO = Decimal("0.00")
CHART_DAYS = 30
# Entries that carry revenue: payments and transfers book money, not sales.
REVENUE_KINDS = (
    JournalEntry.Kind.INVOICE,
    JournalEntry.Kind.CREDIT_NOTE,
    JournalEntry.Kind.REVERSAL,
)


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class ImportStatus:
    """Where the imports of a connection stand at ``now``."""

    last_run: ImportRun | None
    last_success: ImportRun | None
    next_start: datetime | None
    scheduled: bool
    overdue: bool
    # When the schedule should have run the next import after the last success (the spacing
    # later, inside the daily window); overdue once two hours more have passed.
    due_at: datetime | None

    @property
    def last_success_at(self) -> datetime | None:
        run = self.last_success
        return (run.finished_at or run.started_at or run.created_at) if run else None


def import_status(connection: Connection, now: datetime) -> ImportStatus:
    last_run = (
        ImportRun.objects.filter(connection=connection)
        .exclude(trigger=ImportRun.Trigger.PAYMENTS)
        .order_by("-created_at", "-pk")
        .defer("reasons")
        .first()
    )
    last_success = last_successful_import(connection)
    due = import_due_by(connection, last_success.finished_at if last_success else None)
    return ImportStatus(
        last_run=last_run,
        last_success=last_success,
        next_start=connection_next_start(connection, now),
        scheduled=connection.schedule_enabled and connection.is_active,
        overdue=overdue_at(due, now),
        due_at=due,
    )


def document_status_counts(connection: Connection) -> list[StatusCount]:
    """Documents of the upload log per status, in the order of the statuses; none: absent."""
    counts = dict(
        ExternalOrder.objects.filter(connection=connection)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
        .order_by()
    )
    return [
        StatusCount(status, str(label), counts[status])
        for status, label in ExternalOrder.Status.choices
        if counts.get(status)
    ]


def booking_status_counts(connection: Connection) -> list[StatusCount]:
    """Bookings (what bookkeeping made of the documents) per status."""
    counts = dict(
        DocumentBooking.objects.filter(connection=connection)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
        .order_by()
    )
    return [
        StatusCount(status, str(label), counts[status])
        for status, label in DocumentBooking.Status.choices
        if counts.get(status)
    ]


# ---------------------------------------------------------------- work in payments


@dataclass(frozen=True)
class PaymentsWork:
    lines_with_candidates: int  # statement lines whose candidates wait for a confirmation
    lines_without_candidates: int  # statement lines no rule matched: a person decides
    sources: tuple[int, ...]  # the connection's bank and PSP accounts (for the list's filter)
    writebacks_awaiting_approval: int
    reminders_due: int


def payments_work(connection: Connection, *, with_reminders: bool = True) -> PaymentsWork:
    """What waits for a person in payments: statement lines nobody confirmed (not ignored),
    write-backs of "paid" to approve, and reminders due today."""
    from payments.models import PaymentSource, StatementTransaction, Writeback

    waiting = (
        StatementTransaction.objects.filter(
            source__connection=connection, confirmed_at__isnull=True
        )
        .exclude(state=StatementTransaction.State.IGNORED)
        .aggregate(
            none=Count("pk", filter=Q(candidates=[])),
            all=Count("pk"),
        )
    )
    approvals = Writeback.objects.filter(
        connection=connection, state=Writeback.State.AWAITING_APPROVAL
    ).count()
    return PaymentsWork(
        lines_with_candidates=waiting["all"] - waiting["none"],
        lines_without_candidates=waiting["none"],
        sources=tuple(
            PaymentSource.objects.filter(connection=connection)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        writebacks_awaiting_approval=approvals,
        reminders_due=_reminders_due(connection) if with_reminders else 0,
    )


def _reminders_due(connection: Connection) -> int:
    from payments.models import PaymentGroup
    from payments.services.reminders import reminders_due

    if not PaymentGroup.objects.filter(connection=connection, reminders_enabled=True).exists():
        return 0
    return len(reminders_due(connection))


# ---------------------------------------------------------------- chart figures


@dataclass(frozen=True)
class DailySeries:
    """Values per day (``days``, oldest first) for each series (a sales channel)."""

    days: tuple[date, ...]
    series: tuple[tuple[str, tuple[Decimal, ...]], ...]  # (name, one value per day)

    def total(self) -> Decimal:
        return sum((sum(values, ZERO) for _, values in self.series), ZERO)


@dataclass(frozen=True)
class LabelledAmount:
    key: str
    label: str
    amount: Decimal
    entries: int


@dataclass(frozen=True)
class RunPoint:
    run_id: int
    started_at: datetime
    state: str
    duration_s: float | None
    api_requests: int
    throttled: int  # 429 answers
    retries: int  # requests sent again (after a 429 or a broken connection)


@dataclass(frozen=True)
class ChartData:
    first: date
    last: date
    documents: DailySeries
    revenue: DailySeries  # net revenue in EUR (journal lines, credit positive)
    by_treatment: tuple[LabelledAmount, ...]
    by_oss_country: tuple[LabelledAmount, ...]
    runs: tuple[RunPoint, ...]


def chart_period(connection: Connection, today: date | None = None) -> tuple[date, date]:
    """The last ``CHART_DAYS`` days up to ``today`` (in the connection's zone), inclusive."""
    last = today or timezone.localdate(timezone=connection.zoneinfo)
    return last - timedelta(days=CHART_DAYS - 1), last


def chart_data(connection: Connection, today: date | None = None) -> ChartData:
    first, last = chart_period(connection, today)
    days = tuple(first + timedelta(days=n) for n in range((last - first).days + 1))
    channels = list(SalesChannel.objects.filter(connection=connection).select_related("connection"))
    by_id: dict[int | None, str] = {c.pk: str(c) for c in channels}
    by_origin = {c.origin: str(c) for c in channels}
    net = _net_groups(connection, first, last)
    documents = _documents_per_day(connection, first, last)
    return ChartData(
        first=first,
        last=last,
        documents=_daily(days, [(day, by_id.get(c, "?"), n) for day, c, n in documents]),
        revenue=_daily(
            days, [(g.day, by_origin.get(g.origin, g.origin or "?"), g.amount) for g in net]
        ),
        by_treatment=_totals((g.case, _case_label(g.case), g) for g in net),
        by_oss_country=_totals(
            (country, country, g)
            for g in net
            if g.case in OSS_CASES
            for country in [country_of(g.destination) or "?"]
        ),
        runs=_runs(connection, first, last),
    )


def _documents_per_day(
    connection: Connection, first: date, last: date
) -> list[tuple[date, int | None, Decimal]]:
    """Accepted documents (the ones bookkeeping books) per document date and channel."""
    rows = (
        ExternalOrder.objects.filter(
            connection=connection,
            status__in=ExternalOrder.ACCEPTED,
            document_date__gte=first,
            document_date__lte=last,
        )
        .values_list("document_date", "channel_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(day, channel, Decimal(n)) for day, channel, n in rows]


def _amount_sum(side: str) -> Sum:
    return Sum(
        "amount",
        filter=Q(side=side),
        output_field=ExactDecimalField(max_digits=18, decimal_places=2),
    )


def _net_lines(connection: Connection, first: date, last: date) -> QuerySet[JournalLine]:
    return JournalLine.objects.filter(
        entry__connection=connection,
        entry__kind__in=REVENUE_KINDS,
        entry__document_date__gte=first,
        entry__document_date__lte=last,
        role__in=NET_ROLES,
    )


@dataclass(frozen=True)
class NetGroup:
    """Net revenue of the entries of one day, channel, VAT treatment and destination."""

    day: date
    origin: str  # the channel's origin ("Bestellherkunft"), as the entry carries it
    case: str
    destination: str  # DATEV field 40: a country code or a VAT ID
    amount: Decimal
    entries: int


def _net_groups(connection: Connection, first: date, last: date) -> list[NetGroup]:
    """Net revenue (credit − debit of the revenue, shipping, discount and voucher lines) and
    the number of entries, grouped once by the database for every revenue chart. Grouped by
    the entry's origin rather than the document's channel: one join less on every line."""
    rows = (
        _net_lines(connection, first, last)
        .values_list(
            "entry__document_date",
            "entry__origin",
            "entry__case",
            "entry__eu_destination",
        )
        .annotate(
            credit=_amount_sum(JournalLine.Side.CREDIT),
            debit=_amount_sum(JournalLine.Side.DEBIT),
            entries=Count("entry", distinct=True),
        )
        .order_by()
    )
    return [
        NetGroup(day, origin, case, destination or "", (credit or ZERO) - (debit or ZERO), n)
        for day, origin, case, destination, credit, debit, n in rows
    ]


def _totals(rows: Iterable[tuple[str, str, NetGroup]]) -> tuple[LabelledAmount, ...]:
    """The groups' amounts and entries added up per key, the largest amount first."""
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    entries: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for key, label, group in rows:
        amounts[key] += group.amount
        entries[key] += group.entries
        labels[key] = label
    return tuple(
        sorted(
            (LabelledAmount(key, labels[key], amounts[key], entries[key]) for key in amounts),
            key=lambda row: (-row.amount, row.key),
        )
    )


def _daily(days: tuple[date, ...], rows: list[tuple[date, str, Decimal]]) -> DailySeries:
    """One series per channel name, one value per day (0 where the day has none)."""
    index = {day: n for n, day in enumerate(days)}
    values: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(days))
    for day, name, value in rows:
        values[name][index[day]] += value
    return DailySeries(
        days=days,
        series=tuple((name, tuple(values[name])) for name in sorted(values)),
    )


def _case_label(case: str) -> str:
    from bookkeeping.reports.period import case_label

    return str(case_label(case))


def _runs(connection: Connection, first: date, last: date) -> tuple[RunPoint, ...]:
    """The imports started in the period (at most a few a day), oldest first."""
    zone = connection.zoneinfo
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    runs = (
        ImportRun.objects.filter(connection=connection, started_at__gte=start, started_at__lt=end)
        .exclude(trigger=ImportRun.Trigger.PAYMENTS)
        .order_by("started_at", "pk")
        .only(
            "pk",
            "state",
            "started_at",
            "finished_at",
            "api_requests",
            "throttled",
            "retries",
        )
    )
    return tuple(
        RunPoint(
            run.pk,
            run.started_at,  # type: ignore[arg-type]
            run.state,
            run.duration_s,
            run.api_requests,
            run.throttled,
            run.retries,
        )
        for run in runs
    )
