"""Invoices asked of Billbee and Billbee's names of payment types and states: read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import BillbeeName, InvoiceRequest
from .display import plain_number


class ReadOnlyAdmin(admin.ModelAdmin):
    # The page shows a URL as Django's form field would take it: say the scheme it assumes
    # (https) instead of Django 5's deprecated default (http), which warns on every page.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "billbee_order_id_text",
        "connection",
        "state",
        "invoice_number",
        "attempts",
        "next_attempt_at",
        "error",
    )
    list_filter = ("state", "connection")
    search_fields = ("invoice_number", "=billbee_order_id")
    exclude = ("pdf",)
    billbee_order_id_text = plain_number("billbee_order_id", _("Billbee order id"))


@admin.register(BillbeeName)
class BillbeeNameAdmin(ReadOnlyAdmin):
    list_display = ("kind", "billbee_id_text", "name", "refreshed_at")
    list_filter = ("kind",)
    search_fields = ("name", "=billbee_id")
    billbee_id_text = plain_number("billbee_id", _("Billbee id"))
