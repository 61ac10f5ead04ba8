"""The upload log ("External orders"): every Billbee document, the import's decision and what
bookkeeping made of it, read-only, with the decision trace, the raw JSON and the version
history; exports of the list (CSV, XLSX) and the actions "decide again" and "book now"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from bookkeeping.models import JournalEntry, JournalLine

from ..models import ExternalOrder
from ..resources import ExternalOrderResource, with_booking_status
from ..selectors import external_order_detail
from ..states import order_state_name, vat_mode_name
from ..texts import said, said_field, said_list_field
from . import document_actions
from .booking_status import booking_badge, booking_fix, booking_values
from .display import day, money, reason_label, short_text, status_badge
from .document_filters import BookingFilter, FlagFilter, MonthFilter, ReasonFilter

LISTS_CSS = {"all": ("bookkeeping/lists.css",)}


@admin.register(ExternalOrder)
class ExternalOrderAdmin(ExportMixin, admin.ModelAdmin):
    change_form_template = "admin/connector/externalorder/change_form.html"
    resource_classes = [ExternalOrderResource]
    formats = [CSV, XLSX]
    export_form_class = ExportForm
    # The key columns (status and reason) come first: they stay in view at 1366 px with both
    # sidebars open; origin and Billbee state may scroll.
    list_display = (
        "date",
        "document",
        "status_badge",
        "booking_badge",
        "short_reason",
        "total",
        "short_origin",
        "state",
    )
    list_display_links = ("document",)
    list_filter = (
        "status",
        BookingFilter,
        ReasonFilter,
        "channel",
        "kind",
        MonthFilter,
        "connection",
        FlagFilter,
    )
    list_select_related = ("connection",)
    list_per_page = 100
    search_fields = (
        "order_number",
        "invoice_number",
        "external_id",
        "customer_name",
        "customer__email",
    )
    search_help_text = _(
        "Order number, invoice number, shop order id, customer name or e-mail (part of it), "
        "or the Billbee order id."
    )
    actions = ["reevaluate_selected", "book_selected"]
    # The detail page is the custom template; the form only needs one field to exist.
    fields = ("status",)

    class Media:
        css = LISTS_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExternalOrder]:
        # The list never shows the trace, the payments or the customer's details: not read;
        # of the sentences' data only the reason's.
        documents = (
            super()
            .get_queryset(request)
            .defer("trace", "texts", "payments", "register_vat_flags")
            .annotate(reason_data=KeyTransform("reason", "texts"))
        )
        return with_booking_status(documents)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_reevaluate_permission(self, request: HttpRequest) -> bool:
        """As "Apply the rules again" on the connection."""
        return request.user.has_perm("connector.change_connection")

    def has_book_documents_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookkeeping.book_documents")

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

    # ---------------------------------------------------------------- export

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[ExternalOrder]:
        return ExternalOrderResource.prepared(super().get_export_queryset(request))

    def get_export_filename(self, request: HttpRequest, queryset: Any, file_format: Any) -> str:
        return f"upload-log.{file_format.get_extension()}"

    # ---------------------------------------------------------------- actions

    @admin.action(
        description=_("Decide again about the selected documents (current rules)"),
        permissions=["reevaluate"],
    )
    def reevaluate_selected(self, request: HttpRequest, queryset: QuerySet[ExternalOrder]) -> None:
        document_actions.reevaluate_selected(request, queryset)

    @admin.action(description=_("Book the selected documents now"), permissions=["book_documents"])
    def book_selected(self, request: HttpRequest, queryset: QuerySet[ExternalOrder]) -> None:
        document_actions.book_selected(request, queryset)

    # ---------------------------------------------------------------- columns

    @admin.display(description=_("date"), ordering="document_date")
    def date(self, obj: ExternalOrder) -> str:
        return day(obj.document_date)

    @admin.display(description=_("document"), ordering="invoice_number")
    def document(self, obj: ExternalOrder) -> SafeString:
        """The invoice number (the order number until there is one); the order number and
        the kind beneath it."""
        main = obj.invoice_number or obj.order_number or str(obj.billbee_order_id)
        details = [obj.order_number] if obj.invoice_number and obj.order_number else []
        if obj.kind == ExternalOrder.Kind.CREDIT_NOTE:
            details.append(str(obj.get_kind_display()))
        return format_html(
            '{}<br><span class="quiet">{}</span>', main, " · ".join(details) or "\u00a0"
        )

    @admin.display(description=_("origin"), ordering="origin")
    def short_origin(self, obj: ExternalOrder) -> SafeString | str:
        return short_text(obj.origin, 34)

    @admin.display(description=_("total"), ordering="total_gross")
    def total(self, obj: ExternalOrder) -> str:
        return money(obj.total_gross, obj.currency)

    @admin.display(description=_("Billbee state"), ordering="billbee_state")
    def state(self, obj: ExternalOrder) -> SafeString | str:
        if obj.billbee_state is None:
            return "—"
        return format_html(
            '<span title="{}">{}</span>', order_state_name(obj.billbee_state), obj.billbee_state
        )

    @admin.display(description=_("import"), ordering="status")
    def status_badge(self, obj: ExternalOrder) -> SafeString:
        badge = status_badge(obj.status, obj.get_status_display(), reason_label(obj.reason_code))
        if not obj.flag:
            return badge
        return format_html('{} <span class="flag">⚑ {}</span>', badge, obj.get_flag_display())

    @admin.display(description=_("bookkeeping"), ordering="booking_status")
    def booking_badge(self, obj: ExternalOrder) -> SafeString:
        return booking_badge(*booking_values(obj))

    @admin.display(description=_("reason"), ordering="reason_code")
    def short_reason(self, obj: ExternalOrder) -> SafeString | str:
        status, _code, booking_reason = booking_values(obj)
        # Held by bookkeeping: its reason is the one to act on.
        if status in ("waiting", "rejected") and booking_reason:
            return short_text(booking_reason, 60)
        return short_text(said(obj.reason, getattr(obj, "reason_data", None)), 60)

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
            context.update(self._detail_context(request, document))
        return super().change_view(request, object_id, form_url, context)

    def _detail_context(self, request: HttpRequest, document: ExternalOrder) -> dict[str, Any]:
        detail = external_order_detail(document)
        # The decision in the reader's language (stored in English).
        detail["reason"] = said_field(document, "reason")
        detail["trace"] = said_list_field(document, "trace")
        # A version keeps only its English reason: said again where it is the document's.
        reason_data = (document.texts or {}).get("reason")
        for version in detail.get("version_rows") or []:
            version["reason"] = said(version["reason"], reason_data)
        totals = {k: _money_text(v, document.currency) for k, v in detail["totals"].items()}
        # The original's and the credit notes' import status, named (the explanation keeps
        # the stored word).
        original = detail.get("original")
        if original:
            original["status_text"] = (
                _label(ExternalOrder.Status, original["status"])
                if document.parent_id
                else gettext("not in the upload log")
            )
        for note in detail["credit_note_rows"]:
            note["status_text"] = _label(ExternalOrder.Status, note["status"])
        if detail.get("booking"):
            for entry in detail["booking"]["entries"]:
                entry["kind_text"] = _label(JournalEntry.Kind, entry["kind"])
                entry["date_text"] = day(date.fromisoformat(entry["document_date"]))
                entry["total_text"] = _money_text(entry["total"], entry["currency"])
                entry["note"] = said(entry["note"], entry.get("note_data"))
                for line in entry["lines"]:
                    line["role_text"] = _label(JournalLine.Role, line["role"])
                    line["amount_text"] = _money_text(line["amount"], "")
                    line["rate_text"] = _money_text(line["rate"], "")
        context: dict[str, Any] = {
            "detail": detail,
            "reason_label": reason_label(document.reason_code),
            "status_html": status_badge(document.status, document.get_status_display()),
            "vat_mode_label": (
                vat_mode_name(document.vat_mode) if document.vat_mode is not None else "—"
            ),
            # Named in the reader's language (the explanation names it in English).
            "billbee_state_name": (
                order_state_name(document.billbee_state)
                if document.billbee_state is not None
                else ""
            ),
            "totals_rows": [
                (gettext("lines, each rounded to cents"), totals["lines_rounded"]),
                (gettext("shipping"), totals["shipping"]),
                (gettext("adjustment"), totals["adjustment"]),
                (gettext("total (TotalCost)"), totals["total_cost"]),
                (gettext("rounding difference"), totals["rounding_difference"]),
            ],
        }
        if request.user.has_perm("bookkeeping.view_documentbooking"):
            status, code, reason = booking_values(document)
            context.update(
                booking_html=booking_badge(status, code, reason),
                booking_fix=booking_fix(
                    document, status, code, getattr(document, "booking_entry_id", None)
                ),
            )
        return context


def _money_text(value: str | None, currency: str) -> str:
    """An amount of the selectors' plain data ("134.0900") in the page's language."""
    if value is None:
        return "—"
    try:
        return money(Decimal(value), currency)
    except InvalidOperation:  # "… (out of range)": shown as stored
        return value


def _label(choices: Any, value: str) -> str:
    """A stored choice's name in the page's language; a value the choices do not know (data
    stored by an older version) as stored."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
