"""The work queue in the console (Arbeitsvorrat): per connection, what a person must do so
that the books are complete, each document linked to its page in the upload log."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from connector.models import Connection

from ..worklist import work_queue


def work_queue_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("bookkeeping.view_documentbooking"):
        raise PermissionDenied
    connections = list(Connection.objects.order_by("name"))
    chosen = request.GET.get("connection")
    selected = [c for c in connections if str(c.pk) == chosen] or connections[:1]
    queue = work_queue(selected[0]) if selected else None
    context = {
        **admin.site.each_context(request),
        "title": "Work queue",
        "connections": connections,
        "connection": selected[0] if selected else None,
        "queue": queue,
    }
    return TemplateResponse(request, "admin/bookkeeping/work_queue.html", context)
