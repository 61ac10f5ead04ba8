"""DATEV exports in the console: the batches (download again), and "export a period", which
lints the file first and lists every finding with its Billbee order."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.admin.form_defaults import connection_initial
from connector.models import Connection
from connector.texts import message_of, rendered, said_field

from ..errors import ExportIncomplete, ExportRefused
from ..models import DocumentBooking, ExportBatch
from ..reports.period import month_bounds, parse_month
from ..services.export import datev_export
from ..texts import in_reader_language


class ExportForm(forms.Form):
    connection = forms.ModelChoiceField(
        queryset=Connection.objects.all(), label=gettext_lazy("connection")
    )
    month = forms.CharField(
        label=gettext_lazy("month"),
        help_text=gettext_lazy("YYYY-MM, e.g. 2026-11; preset: the last closed month"),
        max_length=7,
        widget=forms.TextInput({"size": 8}),
    )
    reexport = forms.BooleanField(
        required=False,
        label=gettext_lazy("re-export"),
        help_text=gettext_lazy(
            "Export again entries that were exported before (recorded as a re-export). "
            "Importing the re-export and the earlier file into DATEV books them twice."
        ),
    )
    allow_incomplete = forms.BooleanField(
        required=False,
        label=gettext_lazy("Export although incomplete"),
        help_text=gettext_lazy(
            "The month is not over, or documents of it still wait for bookkeeping "
            "(listed below after a first attempt): export anyway. The batch records it."
        ),
    )

    def clean_month(self) -> tuple[date, date]:
        """The month's first and last day."""
        try:
            return month_bounds(*parse_month(self.cleaned_data["month"]))
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None


@admin.register(ExportBatch)
class ExportBatchAdmin(admin.ModelAdmin):
    change_list_template = "admin/bookkeeping/exportbatch/change_list.html"
    list_display = (
        "file_name",
        "period_from",
        "kind",
        "sequence",
        "part",
        "incomplete_flag",
        "rows",
        "entries",
        "created_at",
        "created_by",
        "download",
    )
    list_filter = ("connection", "kind")
    fields = (
        "file_name",
        "connection",
        "period_from",
        "period_to",
        "kind",
        "sequence",
        "part",
        "reexport",
        "incomplete_said",
        "rows",
        "entries",
        "sha256",
        "warnings",
        "created_at",
        "created_by",
        "download",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of what the accountant received

    def has_export_datev_permission(self, request: HttpRequest) -> bool:
        """Exporting marks the entries exported: a named permission, not merely staff."""
        return request.user.has_perm("bookkeeping.export_datev")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"can_export": self.has_export_datev_permission(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="bookkeeping_exportbatch_export",
            ),
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="bookkeeping_exportbatch_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("incomplete"), boolean=True)
    def incomplete_flag(self, obj: ExportBatch) -> bool:
        return bool(obj.incomplete)

    @admin.display(description=gettext_lazy("incomplete"))
    def incomplete_said(self, obj: ExportBatch) -> str:
        """What was open when it was exported, in the reader's language."""
        return said_field(obj, "incomplete")

    @admin.display(description=gettext_lazy("file"))
    def download(self, obj: ExportBatch) -> SafeString:
        url = reverse("admin:bookkeeping_exportbatch_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(ExportBatch, pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        response = HttpResponse(batch.data, content_type="text/csv; charset=windows-1252")
        response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
        return response

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_export_datev_permission(request):
            raise PermissionDenied
        findings: list[Any] = []
        open_months: list[Any] = []
        form = ExportForm(request.POST or None, initial=connection_initial())
        if request.method == "POST" and form.is_valid():
            first, last = form.cleaned_data["month"]
            try:
                result = datev_export(
                    form.cleaned_data["connection"],
                    first,
                    last,
                    reexport=form.cleaned_data["reexport"],
                    allow_incomplete=form.cleaned_data["allow_incomplete"],
                    user=request.user,
                )
            except ExportIncomplete as exc:
                open_months = _with_status_labels(exc.months)
                self.message_user(
                    request,
                    _(
                        "%(month)s is not complete: nothing was exported. Book the documents "
                        "listed below first, or tick “Export although incomplete”."
                    )
                    % {"month": _month(first)},
                    messages.WARNING,
                )
            except ExportRefused as exc:
                findings = exc.findings
                self.message_user(request, rendered(message_of(exc)), messages.ERROR)
            else:
                for notice in result.notices:
                    self.message_user(request, rendered(notice), messages.WARNING)
                if not result.batches:
                    self.message_user(
                        request,
                        _("Nothing (new) to export for %(month)s.") % {"month": _month(first)},
                        messages.WARNING,
                    )
                for batch in result.batches:
                    self.message_user(
                        request,
                        format_html(
                            '{} — <a href="{}">{}</a>',
                            _("%(file)s: %(rows)s rows, %(entries)s entries")
                            % {
                                "file": batch.file_name,
                                "rows": batch.rows,
                                "entries": batch.entries,
                            },
                            reverse("admin:bookkeeping_exportbatch_download", args=[batch.pk]),
                            _("download"),
                        ),
                        messages.SUCCESS,
                    )
                if result.batches:
                    return redirect("admin:bookkeeping_exportbatch_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Export a period to DATEV"),
            "form": form,
            "open_months": open_months,
            "waiting_url": reverse("admin:bookkeeping_documentbooking_changelist"),
            "findings": [
                {
                    "finding": f,
                    "url": reverse("admin:connector_externalorder_changelist") + f"?q={f.ref}"
                    if f.ref
                    else "",
                }
                for f in findings
            ],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookkeeping/exportbatch/export.html", context)


def _with_status_labels(months: list[Any]) -> list[dict[str, Any]]:
    """The open months for the page, each document's status named as the console names it
    (the months carry the stored codes)."""
    labels = dict(DocumentBooking.Status.choices)
    return [
        {
            **asdict(month),
            "documents": [
                {
                    **asdict(d),
                    "status": labels.get(d.status, d.status),
                    "reason": in_reader_language(d.reason),
                }
                for d in month.documents
            ],
        }
        for month in months
    ]


def _month(first: date) -> str:
    """A month as the page's language writes it: "November 2026"."""
    return formats.date_format(first, "YEAR_MONTH_FORMAT")
