"""The journal in the console: entries and their lines (read-only: posted entries are never
edited), and the booking status of every document with its reason."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from ..models import DocumentBooking, JournalEntry, JournalLine


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
class JournalEntryAdmin(ReadOnly):
    change_list_template = "admin/bookkeeping/journalentry/change_list.html"
    list_display = (
        "document_date",
        "kind",
        "number",
        "text",
        "debtor",
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
        "debtor",
        "reverses",
        "reversed_by_link",
        "credit_for",
        "late_change",
        "booked_after_export",
        "note",
        "posted_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    @admin.display(description="total")
    def total(self, obj: JournalEntry) -> str:
        return f"{obj.document_total} {obj.currency}"

    @admin.display(description="exported", boolean=True)
    def exported(self, obj: JournalEntry) -> bool:
        return obj.exports.filter(reexport=False).exists()

    @admin.display(description="document in the upload log")
    def document_link_field(self, obj: JournalEntry) -> SafeString | str:
        if obj.document_id is None:
            return "none (a transfer between own accounts)"
        return document_link(obj.document_id, f"Billbee order {obj.billbee_order_id}")

    @admin.display(description="reversed by")
    def reversed_by_link(self, obj: JournalEntry) -> SafeString | str:
        reversal = JournalEntry.objects.filter(reverses=obj).first()
        if reversal is None:
            return "—"
        url = reverse("admin:bookkeeping_journalentry_change", args=[reversal.pk])
        return format_html('<a href="{}">entry #{}</a>', url, reversal.pk)


@admin.register(DocumentBooking)
class DocumentBookingAdmin(ReadOnly):
    list_display = (
        "document_label",
        "status",
        "short_reason",
        "case",
        "debtor",
        "vat_difference",
        "entry_link",
        "decided_at",
    )
    list_filter = ("connection", "status", "reason_code", "case")
    search_fields = (
        "document__order_number",
        "document__invoice_number",
        "=document__billbee_order_id",
    )
    list_select_related = ("document", "entry")
    fields = (
        "document_label",
        "status",
        "reason",
        "case",
        "debtor",
        "vat_difference",
        "warnings",
        "trace",
        "entry_link",
        "decided_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DocumentBooking]:
        return super().get_queryset(request).select_related("document", "entry")

    @admin.display(description="document", ordering="document__invoice_number")
    def document_label(self, obj: DocumentBooking) -> SafeString:
        d = obj.document
        return document_link(d.pk, d.invoice_number or d.order_number or str(d.billbee_order_id))

    @admin.display(description="reason")
    def short_reason(self, obj: DocumentBooking) -> str:
        return Truncator(obj.reason).chars(90)

    @admin.display(description="entry")
    def entry_link(self, obj: DocumentBooking) -> SafeString | str:
        if obj.entry_id is None:
            return "—"
        url = reverse("admin:bookkeeping_journalentry_change", args=[obj.entry_id])
        return format_html('<a href="{}">#{}</a>', url, obj.entry_id)
