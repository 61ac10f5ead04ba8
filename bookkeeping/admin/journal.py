"""The journal in the console: entries and their lines (read-only: posted entries are never
edited), and the booking status of every document with its reason."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from connector.admin.booking_status import booking_badge
from connector.admin.display import day, money, plain_number, short_text, when
from connector.texts import said, said_field, said_list_field

from ..labels import booking_reason_label
from ..list_resources import DocumentBookingResource, JournalLineResource
from ..models import DocumentBooking, ExportedEntry, JournalEntry, JournalLine

LISTS_CSS = {"all": ("bookkeeping/lists.css",)}


class ListExport(ExportMixin):
    """CSV and XLSX of the list as filtered, every column (``*_resources``)."""

    formats = [CSV, XLSX]
    export_form_class = ExportForm


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(admin.TabularInline):
    model = JournalLine
    fields = (
        "position",
        "role",
        "account",
        "side",
        "amount",
        "rate",
        "tax",
        "bu_key",
        "datev_gross",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def document_link(document_id: int, label: str) -> SafeString:
    url = reverse("admin:connector_externalorder_change", args=[document_id])
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(JournalEntry)
class JournalEntryAdmin(ListExport, ReadOnly):
    # The list's own buttons beside the export's: import-export wraps the base list template
    # and shows that template's buttons only to users who may add entries (no one may), so the
    # buttons sit in the template import-export renders.
    import_export_change_list_template = "admin/bookkeeping/journalentry/change_list.html"
    resource_classes = [JournalLineResource]
    list_display = (
        "date",
        "kind",
        "number",
        "text",
        "debtor_text",
        "total",
        "case",
        "late_change",
        "booked_after_export",
        "exported",
    )
    list_filter = (
        "connection",
        "kind",
        "case",
        "late_change",
        "booked_after_export",
        ("document_date", admin.DateFieldListFilter),
    )
    search_fields = ("number", "order_number", "=billbee_order_id")
    date_hierarchy = "document_date"
    inlines = [LineInline]
    readonly_fields = ("document_link_field", "reverses", "credit_for", "reversed_by_link")
    fields = (
        "kind",
        "number",
        "reference",
        "document_date",
        "service_date",
        "text",
        "origin",
        "order_number",
        "document_link_field",
        "case",
        "eu_destination",
        "eu_origin",
        "origin_rate",
        "currency",
        "exchange_rate",
        "document_total",
        "debtor_text",
        "reverses",
        "reversed_by_link",
        "credit_for",
        "late_change",
        "booked_after_export",
        "note_text",
        "posted_at",
    )

    debtor_text = plain_number("debtor", _("debtor"))

    @admin.display(description=_("note"))
    def note_text(self, obj: JournalEntry) -> str:
        return said_field(obj, "note")  # in the reader's language

    class Media:
        css = LISTS_CSS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalEntry]:
        exported = ExportedEntry.objects.filter(entry_id=OuterRef("pk"), reexport=False)
        return super().get_queryset(request).annotate(is_exported=Exists(exported))

    def get_export_queryset(self, request: HttpRequest) -> Any:
        return JournalLineResource.lines_of(super().get_export_queryset(request))

    def get_export_filename(self, request: HttpRequest, queryset: Any, file_format: Any) -> str:
        return f"journal.{file_format.get_extension()}"

    @admin.display(description=_("date"), ordering="document_date")
    def date(self, obj: JournalEntry) -> str:
        return day(obj.document_date)

    @admin.display(description=_("total"), ordering="document_total")
    def total(self, obj: JournalEntry) -> str:
        return money(obj.document_total, obj.currency)

    @admin.display(description=_("exported"), boolean=True, ordering="is_exported")
    def exported(self, obj: JournalEntry) -> bool:
        return bool(getattr(obj, "is_exported", False))

    @admin.display(description=_("document in the upload log"))
    def document_link_field(self, obj: JournalEntry) -> SafeString | str:
        if obj.document_id is None:
            return gettext("none (a transfer between own accounts)")
        return document_link(
            obj.document_id, gettext("Billbee order %(id)s") % {"id": obj.billbee_order_id}
        )

    @admin.display(description=_("reversed by"))
    def reversed_by_link(self, obj: JournalEntry) -> SafeString | str:
        reversal = JournalEntry.objects.filter(reverses=obj).first()
        if reversal is None:
            return "—"
        url = reverse("admin:bookkeeping_journalentry_change", args=[reversal.pk])
        return format_html(
            '<a href="{}">{}</a>', url, gettext("entry #%(id)s") % {"id": reversal.pk}
        )


class BookingReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason_code"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = (
            DocumentBooking.objects.exclude(reason_code="")
            .order_by("reason_code")
            .values_list("reason_code", flat=True)
            .distinct()
        )
        return sorted(((c, booking_reason_label(c)) for c in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(reason_code=self.value()) if self.value() else queryset


def _lines(values: Any, tag: str) -> SafeString | str:
    """A stored list of sentences as a list on the page (not its JSON)."""
    if not values:
        return "—"
    items = format_html_join("", "<li>{}</li>", ((str(v),) for v in values))
    return format_html('<{} class="console-lines">{}</{}>', tag, items, tag)


@admin.register(DocumentBooking)
class DocumentBookingAdmin(ListExport, ReadOnly):
    resource_classes = [DocumentBookingResource]
    list_display = (
        "document_label",
        "status_badge",
        "short_reason",
        "case",
        "debtor_text",
        "vat_difference_text",
        "entry_link",
        "decided",
    )
    list_filter = ("connection", "status", BookingReasonFilter, "case")
    search_fields = (
        "document__order_number",
        "document__invoice_number",
        "=document__billbee_order_id",
    )
    list_select_related = ("document", "entry")
    fields = (
        "document_label",
        "status",
        "reason_text",
        "case",
        "debtor_text",
        "vat_difference",
        "warnings_list",
        "trace_list",
        "entry_link",
        "decided_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    # The stored sentences in the reader's language (stored in English).
    @admin.display(description=_("reason"))
    def reason_text(self, obj: DocumentBooking) -> str:
        return said_field(obj, "reason") or "—"

    @admin.display(description=_("warnings"))
    def warnings_list(self, obj: DocumentBooking) -> SafeString | str:
        return _lines(said_list_field(obj, "warnings"), "ul")

    @admin.display(description=_("Decision trace"))
    def trace_list(self, obj: DocumentBooking) -> SafeString | str:
        return _lines(said_list_field(obj, "trace"), "ol")

    debtor_text = plain_number("debtor", _("debtor"))

    class Media:
        css = LISTS_CSS

    def get_queryset(self, request: HttpRequest) -> QuerySet[DocumentBooking]:
        # Of the sentences' data the list reads only the reason's (the detail page reads the
        # rest when it shows them).
        return (
            super()
            .get_queryset(request)
            .select_related("document", "entry")
            .defer("texts")
            .annotate(reason_data=KeyTransform("reason", "texts"))
        )

    def get_export_queryset(self, request: HttpRequest) -> Any:
        return DocumentBookingResource.prepared(super().get_export_queryset(request))

    def get_export_filename(self, request: HttpRequest, queryset: Any, file_format: Any) -> str:
        return f"document-bookings.{file_format.get_extension()}"

    @admin.display(description=_("document"), ordering="document__invoice_number")
    def document_label(self, obj: DocumentBooking) -> SafeString:
        d = obj.document
        return document_link(d.pk, d.invoice_number or d.order_number or str(d.billbee_order_id))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: DocumentBooking) -> SafeString:
        return booking_badge(obj.status, obj.reason_code)

    @admin.display(description=_("reason"), ordering="reason_code")
    def short_reason(self, obj: DocumentBooking) -> SafeString | str:
        return short_text(said(obj.reason, getattr(obj, "reason_data", None)), 90)

    @admin.display(description=_("VAT vs Billbee"), ordering="vat_difference")
    def vat_difference_text(self, obj: DocumentBooking) -> str:
        return money(obj.vat_difference) if obj.vat_difference is not None else "—"

    @admin.display(description=_("decided"), ordering="decided_at")
    def decided(self, obj: DocumentBooking) -> str:
        return when(obj.decided_at)

    @admin.display(description=_("entry"))
    def entry_link(self, obj: DocumentBooking) -> SafeString | str:
        if obj.entry_id is None:
            return "—"
        url = reverse("admin:bookkeeping_journalentry_change", args=[obj.entry_id])
        return format_html('<a href="{}">#{}</a>', url, obj.entry_id)
