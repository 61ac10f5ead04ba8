"""The period report in the console: pick a connection and a month, read the report, and
download the same report as PDF, XLSX or CSV (``?…&format=pdf|xlsx|csv&section=…``).

Wire ``report_urls()`` into the admin site (it wraps the view in ``admin_view``: staff only).
The page links its downloads relative to itself, so it works wherever it is mounted.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from typing import Any

from django import forms
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connector.admin.form_defaults import connection_initial
from connector.models import Connection

from ..models import JournalEntry
from ..reports import (
    Completeness,
    PeriodReport,
    UnknownSection,
    completeness_check,
    parse_month,
    period_report,
    render_csv,
    render_pdf,
    render_xlsx,
)
from ..reports.render import report_context

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Billbee lets each page of the invoice register be read once a minute: a download right
# after the page reuses the register the page read instead of waiting for Billbee.
REGISTER_REUSE_SECONDS = 300


class PeriodReportForm(forms.Form):
    connection = forms.ModelChoiceField(
        queryset=Connection.objects.order_by("name"), label=_("connection")
    )
    month = forms.CharField(
        label=_("month"),
        max_length=7,
        help_text=_("YYYY-MM, e.g. 2026-11; preset: the last closed month"),
        widget=forms.TextInput({"size": 8}),
    )
    check_billbee = forms.BooleanField(
        label=_("check against Billbee"),
        required=False,
        help_text=_(
            "Read Billbee's invoice register of the month and compare it with the "
            "upload log (Billbee allows this once a minute per page)."
        ),
    )

    def clean_month(self) -> tuple[int, int]:
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def period_report_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("bookkeeping.view_journalentry"):
        raise PermissionDenied
    form = PeriodReportForm(request.GET or None, initial=connection_initial())
    if not form.is_valid():
        return _page(request, form, None, None)
    connection: Connection = form.cleaned_data["connection"]
    year, month = form.cleaned_data["month"]
    fmt = request.GET.get("format", "")
    # The page, the PDF and the workbook speak the reader's language; a CSV is English
    # whatever the language (render_csv), and so are the labels its report holds.
    with translation.override(None) if fmt == "csv" else nullcontext():
        report = period_report(connection, year, month)
    completeness = _completeness(
        connection, year, month, form.cleaned_data["check_billbee"], reuse=bool(fmt)
    )
    if not fmt:
        return _page(request, form, report, completeness)
    return _download(request, report, completeness, fmt)


def report_urls() -> list[URLPattern]:
    """The report's page and downloads (``bookkeeping_period_report``), and the work queue
    (``bookkeeping_work_queue``)."""
    from .worklist import work_queue_view

    return [
        path(
            "bookkeeping/period-report/",
            admin.site.admin_view(period_report_view),
            name="bookkeeping_period_report",
        ),
        path(
            "bookkeeping/work-queue/",
            admin.site.admin_view(work_queue_view),
            name="bookkeeping_work_queue",
        ),
    ]


def _completeness(
    connection: Connection, year: int, month: int, check: bool, *, reuse: bool
) -> Completeness:
    if not check:
        return completeness_check(connection, year, month, client=False)
    key = _register_key(connection, year, month)
    if reuse:
        cached = cache.get(key)
        if isinstance(cached, Completeness):
            return cached
    result = completeness_check(connection, year, month)
    if result.checked:
        cache.set(key, result, REGISTER_REUSE_SECONDS)
    return result


def _register_key(connection: Connection, year: int, month: int) -> str:
    where = hashlib.sha256(f"{connection.pk}:{connection.api_url}".encode()).hexdigest()[:16]
    return f"bookkeeping:period-report:register:{where}:{year}-{month:02d}"


def _download(
    request: HttpRequest, report: PeriodReport, completeness: Completeness, fmt: str
) -> HttpResponse:
    name = f"period-report-{report.connection}-{report.year}-{report.month:02d}"
    if fmt == "pdf":
        content = render_pdf(report, completeness)
    elif fmt == "xlsx":
        content = render_xlsx(report, completeness)
    elif fmt == "csv":
        section = request.GET.get("section", "")
        try:
            content = render_csv(report, section, completeness)
        except UnknownSection as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        name = f"{name}-{section}"
    else:
        return HttpResponseBadRequest(
            gettext("format must be pdf, xlsx or csv"), content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_safe(name)}.{fmt}"'
    return response


def _page(
    request: HttpRequest,
    form: PeriodReportForm,
    report: PeriodReport | None,
    completeness: Completeness | None,
) -> TemplateResponse:
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Period report"),
        "form": form,
        "opts": JournalEntry._meta,
    }
    if report is not None:
        query = {k: str(v) for k, v in request.GET.items() if k not in ("format", "section")}
        context.update(report_context(report, completeness))
        context["downloads"] = {
            fmt: f"?{urlencode({**query, 'format': fmt})}" for fmt in ("pdf", "xlsx")
        }
        context["sections"] = [
            {"table": t, "csv": f"?{urlencode({**query, 'format': 'csv', 'section': t.key})}"}
            for t in context["tables"]
        ]
    return TemplateResponse(request, "admin/bookkeeping/period_report.html", context)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
