"""The console's payment reminders: the log of every reminder (read-only, with the letter PDF
to download) and the page "Reminders due": each reminder as it would go out today, with the
text, the recipient and the attachment, and a button that sends them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from connector.errors import ConnectorError
from connector.models import Connection
from connector.texts import said_field

from .models import ReminderLog
from .services.reminders import reminders_preview, reminders_send

SEND_PERMISSION = "payments.send_reminders"
# The stored sentences in the reader's language, in the place of their fields.
_SAID = {"note": "note_text", "billbee_state_result": "state_result_text", "error": "error_text"}


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "created_at",
        "invoice_number",
        "level",
        "channel",
        "status",
        "to_address",
        "amount_open",
        "sent_at",
        "billbee_state",
        "connection",
    ]
    list_filter = ["status", "level", "channel", "connection"]
    search_fields = ["invoice_number", "to_address", "document__order_number"]
    date_hierarchy = "created_at"
    exclude = ["letter_pdf", "texts", *_SAID]
    readonly_fields = [
        *(
            _SAID.get(f.name, f.name)
            for f in ReminderLog._meta.fields
            if f.name not in ("letter_pdf", "texts")
        ),
        "letter",
    ]

    @admin.display(description=gettext_lazy("note"))
    def note_text(self, obj: ReminderLog) -> str:
        return said_field(obj, "note")

    @admin.display(description=gettext_lazy("Billbee state result"))
    def state_result_text(self, obj: ReminderLog) -> str:
        return said_field(obj, "billbee_state_result")

    @admin.display(description=gettext_lazy("error"))
    def error_text(self, obj: ReminderLog) -> str:
        return said_field(obj, "error")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("letter (PDF)"))
    def letter(self, obj: ReminderLog) -> str:
        if not obj.letter_pdf:
            return "—"
        url = reverse("admin:payments_reminderlog_letter", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the letter"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("due/", view(self.due_view), name="payments_reminderlog_due"),
            path("<int:pk>/letter/", view(self.letter_view), name="payments_reminderlog_letter"),
            *super().get_urls(),
        ]

    def has_send_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "has_perm", lambda _: False)(SEND_PERMISSION))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        context = {"can_preview": self.has_view_permission(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def letter_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        log = get_object_or_404(ReminderLog, pk=pk)
        if not log.letter_pdf:
            raise Http404(_("This reminder went out as an e-mail: there is no letter."))
        response = HttpResponse(bytes(log.letter_pdf), content_type="application/pdf")
        name = f"Mahnung_{log.level}_{log.invoice_number or log.document_id}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def due_view(self, request: HttpRequest) -> HttpResponse:
        """Preview (GET) and send (POST, with ``payments.send_reminders``) one connection's
        due reminders; only the previewed documents are sent, and only if still due."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        connections = list(Connection.objects.order_by("name"))
        chosen = request.POST.get("connection") or request.GET.get("connection")
        connection = next((c for c in connections if str(c.pk) == chosen), None)
        connection = connection or (connections[0] if connections else None)
        if request.method == "POST":
            if not self.has_send_permission(request):
                raise PermissionDenied
            if connection is None:
                raise Http404(_("No connection."))
            documents = [int(d) for d in request.POST.getlist("document") if d.isdigit()]
            url = f"{reverse('admin:payments_reminderlog_due')}?connection={connection.pk}"
            try:
                run = reminders_send(connection, documents=documents)
            except ConnectorError as exc:  # e.g. the connection's credentials cannot be read
                self.message_user(
                    request, _("Nothing was sent: %(error)s") % {"error": exc}, messages.ERROR
                )
                return redirect(url)
            sent, failed = run.count("sent"), run.count("failed")
            level = messages.WARNING if failed or run.count("skipped") else messages.SUCCESS
            self.message_user(
                request,
                ngettext(
                    "%(sent)s reminder sent, %(failed)s failed, %(skipped)s not sent (the "
                    "reasons are on each reminder).",
                    "%(sent)s reminders sent, %(failed)s failed, %(skipped)s not sent (the "
                    "reasons are on each reminder).",
                    sent,
                )
                % {"sent": sent, "failed": failed, "skipped": run.count("skipped")},
                level,
            )
            return redirect(url)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Reminders due"),
            "opts": self.model._meta,
            "connections": connections,
            "connection": connection,
            "reminders": reminders_preview(connection) if connection else [],
            "can_send": self.has_send_permission(request),
        }
        return TemplateResponse(request, "admin/payments/reminderlog/due.html", context)
