"""The upload log ("External orders"): every Billbee document and the decision about it,
read-only, with the decision trace, the raw JSON and the version history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from billbee.enums import VAT_MODES, order_state_label

from ..models import ExternalOrder
from ..selectors import external_order_detail
from .display import money, reason_label, status_badge


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = (
            model_admin.get_queryset(request)
            .order_by("reason_code")
            .values_list("reason_code", flat=True)
            .distinct()
        )
        return sorted(((code, reason_label(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(reason_code=value) if value else queryset


class MonthFilter(admin.SimpleListFilter):
    """The months that have documents (by document date), newest first."""

    title = "month"
    parameter_name = "month"
    NO_DATE = "none"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        documents = model_admin.get_queryset(request)
        months = (
            documents.filter(document_date__isnull=False)
            .annotate(month=TruncMonth("document_date"))
            .order_by("-month")
            .values_list("month", flat=True)
            .distinct()
        )
        choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
        if documents.filter(document_date__isnull=True).exists():
            choices.append((self.NO_DATE, "no document date"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == self.NO_DATE:
            return queryset.filter(document_date__isnull=True)
        try:
            year, month = (int(part) for part in value.split("-"))
            first = date(year, month, 1)
        except ValueError:
            return queryset.none()
        following = date(year + month // 12, month % 12 + 1, 1)
        return queryset.filter(document_date__gte=first, document_date__lt=following)


class FlagFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"
    ANY = "any"
    NONE = "none"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        flags = [(value, str(label)) for value, label in ExternalOrder.Flag.choices if value]
        return [(self.ANY, "any flag: needs attention"), *flags, (self.NONE, "no flag")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == self.ANY:
            return queryset.exclude(flag="")
        if value == self.NONE:
            return queryset.filter(flag="")
        return queryset.filter(flag=value) if value else queryset


@admin.register(ExternalOrder)
class ExternalOrderAdmin(admin.ModelAdmin):
    change_form_template = "admin/connector/externalorder/change_form.html"
    list_display = (
        "document_date",
        "kind",
        "invoice_number",
        "order_number",
        "origin",
        "total",
        "state",
        "status_badge",
        "short_reason",
        "flag",
    )
    list_display_links = ("invoice_number", "order_number")
    list_filter = (
        "status",
        ReasonFilter,
        "channel",
        "kind",
        MonthFilter,
        "connection",
        FlagFilter,
    )
    list_select_related = ("connection", "channel")
    list_per_page = 100
    search_fields = ("order_number", "invoice_number", "external_id")
    search_help_text = (
        "Order number, invoice number or shop order id (part of it), or the Billbee order id."
    )
    # The detail page is the custom template; the form only needs one field to exist.
    fields = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # "documents last seen by this run", linked from an import run's page
        if lookup in ("last_run__id__exact", "last_run"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ExternalOrder], search_term: str
    ) -> tuple[QuerySet[ExternalOrder], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit():
            found |= queryset.filter(billbee_order_id=int(term))
        return found, may_have_duplicates

    # ---------------------------------------------------------------- columns

    @admin.display(description="total", ordering="total_gross")
    def total(self, obj: ExternalOrder) -> str:
        return money(obj.total_gross, obj.currency)

    @admin.display(description="Billbee state", ordering="billbee_state")
    def state(self, obj: ExternalOrder) -> str:
        if obj.billbee_state is None:
            return "—"
        return f"{obj.billbee_state} {order_state_label(obj.billbee_state)}"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ExternalOrder) -> SafeString:
        return status_badge(obj.status, obj.get_status_display(), reason_label(obj.reason_code))

    @admin.display(description="reason", ordering="reason_code")
    def short_reason(self, obj: ExternalOrder) -> str:
        return Truncator(obj.reason).chars(70)

    # ---------------------------------------------------------------- the detail page

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        document = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if document is not None:
            detail = external_order_detail(document)
            context.update(
                detail=detail,
                reason_label=reason_label(document.reason_code),
                status_html=status_badge(document.status, document.get_status_display()),
                vat_mode_label=(
                    VAT_MODES.get(document.vat_mode, f"unknown ({document.vat_mode})")
                    if document.vat_mode is not None
                    else "—"
                ),
                totals_rows=[
                    ("lines, each rounded to cents", detail["totals"]["lines_rounded"]),
                    ("shipping", detail["totals"]["shipping"]),
                    ("adjustment", detail["totals"]["adjustment"]),
                    ("total (TotalCost)", detail["totals"]["total_cost"]),
                    ("rounding difference", detail["totals"]["rounding_difference"]),
                ],
            )
        return super().change_view(request, object_id, form_url, context)
