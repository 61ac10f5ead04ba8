"""Import runs: what each import read and decided, with a live progress bar while it runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ExternalOrder, ImportRun
from ..selectors import import_run_progress, import_run_reason_rows
from ..services.import_runs import COUNTER_FIELDS
from ..texts import said, said_field
from .display import duration_text, progress_bar, run_state_badge, status_badge

RUNNING_STATES = (ImportRun.State.RUNNING, ImportRun.State.PENDING)


def _field_name(name: str) -> Any:
    """The ``verbose_name`` of an ImportRun field (lazy: in the language of the page)."""
    return getattr(ImportRun._meta.get_field(name), "verbose_name", name)


def _counter_column(name: str, title: Any = None) -> Any:
    """A list column that the page's script updates while the run is running; its title is
    the counter's field name (``verbose_name``) unless given."""

    @admin.display(description=_field_name(name) if title is None else title, ordering=name)
    def column(self: ImportRunAdmin, obj: ImportRun) -> SafeString:
        return format_html(
            '<span data-run="{}" data-counter="{}">{}</span>', obj.pk, name, getattr(obj, name)
        )

    return column


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    change_form_template = "admin/connector/importrun/change_form.html"
    change_list_template = "admin/connector/importrun/change_list.html"
    list_display = (
        "run",
        "connection",
        "trigger",
        "state_badge",
        "started_at",
        "duration",
        "progress_column",
        *(f"{name}_live" for name in COUNTER_FIELDS),
        "api_requests_live",
        "throttled_live",
    )
    list_display_links = ("run",)
    list_filter = ("connection", "state", "trigger")
    list_select_related = ("connection",)
    list_per_page = 50
    date_hierarchy = "created_at"
    # The detail page is the custom template; the form only needs one field to exist.
    fields = ("state",)

    fetched_live = _counter_column("fetched")
    imported_live = _counter_column("imported")
    updated_live = _counter_column("updated")
    unchanged_live = _counter_column("unchanged")
    skipped_live = _counter_column("skipped")
    excluded_live = _counter_column("excluded")
    rejected_live = _counter_column("rejected")
    waiting_live = _counter_column("waiting")
    api_requests_live = _counter_column("api_requests", _("requests"))
    throttled_live = _counter_column("throttled")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRun]:
        return super().get_queryset(request).defer("reasons")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # ---------------------------------------------------------------- columns

    @admin.display(description=_("run"), ordering="pk")
    def run(self, obj: ImportRun) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: ImportRun) -> SafeString:
        return run_state_badge(obj.state, obj.get_state_display())

    @admin.display(description=_("duration"))
    def duration(self, obj: ImportRun) -> SafeString | str:
        if obj.state in RUNNING_STATES:
            return format_html('<span data-run="{}" data-counter="duration">—</span>', obj.pk)
        return duration_text(obj.duration_s)

    @admin.display(description=_("progress"))
    def progress_column(self, obj: ImportRun) -> SafeString:
        url = self._progress_url(obj) if obj.state in RUNNING_STATES else None
        return progress_bar(obj.pk, obj.progress, url)

    def _progress_url(self, obj: ImportRun) -> str:
        return reverse("admin:connector_importrun_progress", args=[obj.pk])

    # ---------------------------------------------------------------- pages

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        context["any_running"] = ImportRun.objects.filter(state__in=RUNNING_STATES).exists()
        context["progress_texts"] = progress_texts()
        return super().changelist_view(request, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if run is not None:
            data = import_run_progress(run)
            data["error"] = said_field(run, "error", "error_texts")  # in the reader's language
            context.update(
                run_data=data,
                progress_html=progress_bar(
                    run.pk, run.progress, self._progress_url(run) if data["running"] else None
                ),
                state_html=run_state_badge(run.state, run.get_state_display()),
                duration=duration_text(data["duration_s"]),
                counter_rows=[
                    (name, value, _counter_label(name)) for name, value in data["counters"].items()
                ],
                reason_rows=[
                    (_outcome_label(outcome), said(reason, run.reason_texts.get(reason)), count)
                    for outcome, reason, count in import_run_reason_rows(run)
                ],
                progress_texts=progress_texts(),
                started_text=_to_the_second(run.started_at),
                finished_text=_to_the_second(run.finished_at),
                heartbeat_text=_to_the_second(run.heartbeat_at),
                documents_url=reverse("admin:connector_externalorder_changelist"),
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="connector_importrun_progress",
            )
        ]
        return own + super().get_urls()

    def progress_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """State, progress and counters of one run, polled by its pages while it runs."""
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404(gettext("There is no import run with the id %(id)r.") % {"id": object_id})
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        response = JsonResponse(import_run_progress(run))
        response["Cache-Control"] = "no-store"
        return response


def _outcome_label(outcome: str) -> str:
    """A document status (the outcomes of a run) in the reader's language."""
    if outcome in ExternalOrder.Status.values:
        return str(ExternalOrder.Status(outcome).label)
    return outcome


def _counter_label(name: str) -> SafeString | str:
    if name in ExternalOrder.Status.values:
        return status_badge(name, _outcome_label(name))
    return str(_field_name(name))


def progress_texts() -> dict[str, str]:
    """What the progress script writes into the page, in the page's language: the duration as
    ``duration_text`` writes it, and the decimal separator."""
    return {
        "seconds": gettext("%(seconds)s s"),
        "minutes": gettext("%(minutes)s min %(seconds)02d s"),
        "hours": gettext("%(hours)s h %(minutes)02d min"),
        "decimal_separator": str(get_format("DECIMAL_SEPARATOR")),
    }


def _to_the_second(moment: datetime | None) -> str:
    """A moment of a run in the page's language, with seconds: a run's steps are seconds apart."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {date_format(local, 'H:i:s')}"
