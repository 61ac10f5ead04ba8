"""The operator console for connections."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .forms import ConnectionAdminForm
from .models import Connection
from .services.connections import connection_test


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = (
        "name",
        "label",
        "api_url",
        "username",
        "credentials",
        "sender_country",
        "chart",
        "is_active",
        "health",
    )
    list_filter = ("is_active", "chart", "sender_country")
    search_fields = ("name", "username", "api_url")
    readonly_fields = (
        "credentials",
        "last_test_at",
        "last_test_ok",
        "last_test_message",
        "created_at",
        "updated_at",
    )
    actions = ["test_connections"]
    fieldsets = (
        (None, {"fields": ("name", "label", "is_active")}),
        (
            "Billbee API",
            {"fields": ("api_url", "username", "new_api_password", "new_api_key", "credentials")},
        ),
        ("Bookkeeping", {"fields": ("sender_country", "time_zone", "chart")}),
        ("Last test", {"fields": ("last_test_at", "last_test_ok", "last_test_message")}),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="credentials")
    def credentials(self, obj: Connection) -> str:
        # Says whether a credential is stored, never what it is.
        parts = [
            f"API password {'stored' if obj.has_api_password else 'MISSING'}",
            f"API key {'stored' if obj.has_api_key else 'MISSING'}",
        ]
        return "; ".join(parts)

    @admin.display(description="health")
    def health(self, obj: Connection) -> str:
        if obj.last_test_ok is None:
            return "not tested"
        colour = "#1a7f37" if obj.last_test_ok else "#b42318"
        text = "works" if obj.last_test_ok else obj.last_test_message[:120]
        return format_html('<span style="color:{}">{}</span>', colour, text)

    @admin.action(description="Test the selected connections")
    def test_connections(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for connection in queryset:
            result = connection_test(connection)
            if result.ok:
                self.message_user(
                    request, f"{connection.name}: connection works.", messages.SUCCESS
                )
            else:
                failed = "; ".join(
                    f"{c.name}: {c.message}" for c in result.checks if not c.ok and c.required
                )
                self.message_user(request, f"{connection.name}: {failed}", messages.ERROR)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "label": "[Billbee]",
            "api_url": settings.BILLBEE_DEFAULT_API_URL,
            "sender_country": "DE",
            "time_zone": "Europe/Berlin",
            **super().get_changeform_initial_data(request),
        }
