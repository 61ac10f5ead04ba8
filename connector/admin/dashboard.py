"""The console's start page ("what needs me?"): Django's admin index, given per connection
the state of its imports, the counts of the upload log and of the bookings (each a link to
the filtered list), the work that waits for a person (each kind with what to do and a link
to where it is done), and charts of the last 30 days. Django's list of apps stays below.

The page only reads (connector/dashboard.py, bookkeeping/worklist.py); this module decides
what a user may see and where each link goes. ``install`` wraps ``admin.site.index``: every
``admin:…`` URL and every registered model stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookkeeping.admin.worklist import with_places
from bookkeeping.worklist import work_queue

from .. import formatting
from ..dashboard import (
    ChartData,
    DailySeries,
    ImportStatus,
    PaymentsWork,
    StatusCount,
    booking_status_counts,
    chart_data,
    document_status_counts,
    import_status,
    payments_work,
)
from ..models import Connection, ImportRun
from ..svgcharts import horizontal_bars, stacked_bars


@dataclass(frozen=True)
class CountLink:
    status: str
    label: str
    count: int
    url: str  # "" when the user may not open the list


@dataclass(frozen=True)
class WorkItem:
    kind: str
    code: str
    title: str
    count: int
    action: str
    url: str
    place: str


@dataclass(frozen=True)
class Panel:
    connection: Connection
    connection_url: str
    imports: ImportStatus
    last_run_url: str
    documents: list[CountLink]
    bookings: list[CountLink]
    work: list[WorkItem]
    threshold: str

    @property
    def work_total(self) -> int:
        return sum(item.count for item in self.work) + bool(self.threshold)


def _may(user: Any, permission: str) -> bool:
    return bool(user.has_perm(permission))


def _changelist(name: str, **filters: Any) -> str:
    return f"{reverse(f'admin:{name}_changelist')}?{urlencode(filters)}"


def _count_links(
    counts: list[StatusCount], user: Any, permission: str, url: Callable[[str], str]
) -> list[CountLink]:
    allowed = _may(user, permission)
    return [CountLink(c.status, c.label, c.count, url(c.status) if allowed else "") for c in counts]


def connection_panel(connection: Connection, user: Any, now: datetime) -> Panel:
    pk = connection.pk
    imports = import_status(connection, now)
    run_url = ""
    if imports.last_run is not None and _may(user, "connector.view_importrun"):
        run_url = reverse("admin:connector_importrun_change", args=[imports.last_run.pk])
    documents = _count_links(
        document_status_counts(connection),
        user,
        "connector.view_externalorder",
        lambda s: _changelist("connector_externalorder", connection__id__exact=pk, status__exact=s),
    )
    bookings = _count_links(
        booking_status_counts(connection),
        user,
        "bookkeeping.view_documentbooking",
        lambda s: _changelist(
            "bookkeeping_documentbooking", connection__id__exact=pk, status__exact=s
        ),
    )
    work: list[WorkItem] = []
    threshold = ""
    if _may(user, "bookkeeping.view_documentbooking"):
        queue = work_queue(connection, listed=0)
        threshold = queue.threshold
        work += [
            WorkItem(g.kind, g.code, g.title, g.count, g.action, g.url, g.place)
            for g in with_places(queue.groups, connection, user)
        ]
    work += _payments_items(connection, user)
    return Panel(
        connection=connection,
        connection_url=reverse("admin:connector_connection_change", args=[pk]),
        imports=imports,
        last_run_url=run_url,
        documents=documents,
        bookings=bookings,
        work=work,
        threshold=threshold,
    )


def _payments_items(connection: Connection, user: Any) -> list[WorkItem]:
    lines = _may(user, "payments.view_statementtransaction")
    writebacks = _may(user, "payments.view_writeback")
    reminders = _may(user, "payments.view_reminderlog")
    if not (lines or writebacks or reminders):
        return []
    work = payments_work(connection, with_reminders=reminders)
    items = []
    if lines:
        items += _statement_items(work)
    if writebacks and work.writebacks_awaiting_approval:
        count = work.writebacks_awaiting_approval
        items.append(
            WorkItem(
                "payments",
                "writeback_approval",
                ngettext(
                    "write-back of “paid” to Billbee waits for approval",
                    "write-backs of “paid” to Billbee wait for approval",
                    count,
                ),
                count,
                _("Approve them (action “Approve”); the next tick sends them to Billbee."),
                _changelist(
                    "payments_writeback",
                    state__exact="approval",
                    connection__id__exact=connection.pk,
                ),
                _("Write-backs, waiting for approval"),
            )
        )
    if reminders and work.reminders_due:
        count = work.reminders_due
        query = urlencode({"connection": connection.pk})
        url = f"{reverse('admin:payments_reminderlog_due')}?{query}"
        items.append(
            WorkItem(
                "payments",
                "reminders_due",
                ngettext("payment reminder is due", "payment reminders are due", count),
                count,
                _("Check the preview of each reminder and send them."),
                url,
                _("Reminders due"),
            )
        )
    return items


def _statement_items(work: PaymentsWork) -> list[WorkItem]:
    """Statement lines nobody confirmed yet. The list filters by account, not by connection:
    the link names the account when the connection has one."""
    source = {"source__id__exact": work.sources[0]} if len(work.sources) == 1 else {}
    items = []
    if work.lines_with_candidates:
        count = work.lines_with_candidates
        items.append(
            WorkItem(
                "payments",
                "lines_with_candidates",
                ngettext(
                    "statement line waits for the confirmation of its match",
                    "statement lines wait for the confirmation of their match",
                    count,
                ),
                count,
                _("Open each line, check the proposed documents and confirm or settle it."),
                _changelist("payments_statementtransaction", waiting="candidates", **source),
                _("Statement lines with candidates"),
            )
        )
    if work.lines_without_candidates:
        count = work.lines_without_candidates
        items.append(
            WorkItem(
                "payments",
                "lines_without_candidates",
                ngettext(
                    "statement line found no document: a person decides",
                    "statement lines found no document: a person decides",
                    count,
                ),
                count,
                _("Settle each line by hand against its documents, or ignore it with a rule."),
                _changelist("payments_statementtransaction", waiting="none", **source),
                _("Statement lines without candidates"),
            )
        )
    return items


# ---------------------------------------------------------------- charts


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]  # the same figures as a table, formatted


def charts(connection: Connection, user: Any, today: date | None = None) -> list[Chart]:
    data = chart_data(connection, today)
    result = []
    if _may(user, "connector.view_externalorder"):
        result.append(
            _daily_chart("documents", _("Documents per day and channel"), data.documents, _number)
        )
    if _may(user, "bookkeeping.view_journalentry"):
        result.append(
            _daily_chart("revenue", _("Net revenue per day and channel (EUR)"), data.revenue, _eur)
        )
        result += _revenue_charts(data)
    if _may(user, "connector.view_importrun"):
        result += _run_charts(data)
    return result


def _number(value: Any) -> str:
    return formatting.number(value, 0)


def _eur(value: Any) -> str:
    return formatting.money(value, "EUR")


def _short_day(day: Any) -> str:
    return formatting.day(day)


def _daily_chart(key: str, title: str, daily: DailySeries, fmt: Callable[[Any], str]) -> Chart:
    labels = [_short_day(day) for day in daily.days]
    svg = stacked_bars(
        chart_id=f"chart-{key}",
        title=title,
        description=_("%(first)s to %(last)s, stacked by sales channel; in all: %(total)s")
        % {"first": labels[0], "last": labels[-1], "total": fmt(daily.total())},
        categories=labels,
        series=daily.series,
        fmt=fmt,
    )
    names = [name for name, _values in daily.series]
    rows = []
    for i, label in enumerate(labels):
        values = [values[i] for _name, values in daily.series]
        if any(values):
            rows.append([label, *(fmt(v) for v in values), fmt(sum(values))])
    return Chart(key, title, svg, [_("day"), *names, _("total")], rows)


def _revenue_charts(data: ChartData) -> list[Chart]:
    result = []
    for key, title, what, rows in (
        (
            "treatment",
            _("Net revenue per VAT treatment (EUR)"),
            _("VAT treatment"),
            data.by_treatment,
        ),
        (
            "oss",
            _("Net revenue per OSS destination country (EUR)"),
            _("country"),
            data.by_oss_country,
        ),
    ):
        svg = horizontal_bars(
            chart_id=f"chart-{key}",
            title=title,
            description=_("%(first)s to %(last)s")
            % {"first": _short_day(data.first), "last": _short_day(data.last)},
            rows=[(row.label, row.amount) for row in rows],
            fmt=_eur,
        )
        table = [[row.label, _eur(row.amount), formatting.number(row.entries)] for row in rows]
        result.append(Chart(key, title, svg, [what, _("net"), _("entries")], table))
    return result


def _run_charts(data: ChartData) -> list[Chart]:
    zone_labels = [formatting.when(run.started_at) for run in data.runs]
    durations = [_seconds(run.duration_s) for run in data.runs]
    description = ngettext(
        "%(count)s import from %(first)s to %(last)s",
        "%(count)s imports from %(first)s to %(last)s",
        len(data.runs),
    ) % {"count": len(data.runs), "first": _short_day(data.first), "last": _short_day(data.last)}
    every = max(len(data.runs) // 6, 1)
    duration_svg = stacked_bars(
        chart_id="chart-duration",
        title=_("Import duration (seconds)"),
        description=description,
        categories=zone_labels,
        series=[(_("duration"), durations)],
        fmt=_number,
        label_every=every,
        height=140,
    )
    throttle_svg = stacked_bars(
        chart_id="chart-throttling",
        title=_("Billbee's 429 answers (throttled requests) per import"),
        description=description,
        categories=zone_labels,
        series=[(_("429 answers"), [Decimal(run.throttled) for run in data.runs])],
        fmt=_number,
        label_every=every,
        height=140,
    )
    table = [
        [
            label,
            _run_state_label(run.state),
            _number(durations[i]) if run.duration_s is not None else "—",
            formatting.number(run.api_requests),
            formatting.number(run.throttled),
            formatting.number(run.retries),
        ]
        for i, (label, run) in enumerate(zip(zone_labels, data.runs, strict=True))
    ]
    headers = [
        _("started"),
        _("outcome"),
        _("seconds"),
        _("requests"),
        _("429 answers"),
        _("retries"),
    ]
    return [
        Chart("duration", _("Import duration (seconds)"), duration_svg, headers, table),
        Chart("throttling", _("Billbee's 429 answers per import"), throttle_svg, headers, []),
    ]


def _run_state_label(state: str) -> str:
    if state in ImportRun.State.values:
        return str(ImportRun.State(state).label)
    return state


def _seconds(value: float | None) -> Decimal:
    """A run's duration in whole seconds (the figure of a chart, not money)."""
    return Decimal(str(value or 0)).quantize(Decimal(1), ROUND_HALF_UP)


# ---------------------------------------------------------------- the index


def dashboard_context(request: HttpRequest, now: datetime | None = None) -> dict[str, Any]:
    """The start page's figures for what ``request.user`` may view: nothing about the
    connections without ``connector.view_connection``."""
    user = request.user
    if not _may(user, "connector.view_connection"):
        return {"dashboard": None}
    now = now or timezone.now()
    connections = list(Connection.objects.order_by("name"))
    panels = [connection_panel(c, user, now) for c in connections]
    chosen = request.GET.get("connection")
    selected = next((c for c in connections if str(c.pk) == chosen), None)
    selected = selected or (connections[0] if connections else None)
    return {
        "dashboard": {
            "panels": panels,
            "connections": connections,
            "chart_connection": selected,
            "charts": charts(selected, user) if selected is not None else [],
        }
    }


def install(site: admin.AdminSite) -> None:
    """Give the site's index the dashboard (once; the template is admin/index.html)."""
    if getattr(site.index, "dashboard", False):
        return
    plain_index = site.index

    def index(
        request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        return plain_index(request, {**dashboard_context(request), **(extra_context or {})})

    index.dashboard = True  # type: ignore[attr-defined]
    site.index = index  # type: ignore[method-assign,assignment]
