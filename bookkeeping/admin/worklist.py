"""The work queue in the console (Arbeitsvorrat): per connection, what a person must do so
that the books are complete, each document linked to its page in the upload log, and each
group linked to the page where its work is done (filtered to it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.models import Connection

from ..models import ExchangeRate
from ..worklist import CANCELLED, UNREAD, QueueGroup, WorkQueue, work_queue


@dataclass(frozen=True)
class Place:
    """A page of the console where work is done: its URL, its name, and the permission it
    needs (a user without it gets no link)."""

    url: str
    name: str
    permission: str


# Reasons whose work is done on a settings list rather than on the documents:
# reason → (admin list, its name, permission to view it, filters besides the connection).
SETTINGS_PLACES: dict[str, tuple[str, Promise, str, dict[str, str]]] = {
    "no_debtor": (
        "admin:bookkeeping_debtormapping_changelist",
        gettext_lazy("Debtor mapping, accounts not assigned yet"),
        "bookkeeping.view_debtormapping",
        {"assigned": "no"},
    ),
    "no_revenue_account": (
        "admin:bookkeeping_taxaccount_changelist",
        gettext_lazy("Tax accounts of the connection"),
        "bookkeeping.view_taxaccount",
        {},
    ),
    "no_vat_account": (
        "admin:bookkeeping_taxaccount_changelist",
        gettext_lazy("Tax accounts of the connection"),
        "bookkeeping.view_taxaccount",
        {},
    ),
}


def group_place(group: QueueGroup, connection: Connection) -> Place:
    """The page where the group's work is done, filtered to the group's documents."""
    if group.kind == CANCELLED:
        query = urlencode({"connection": connection.pk})
        return Place(
            f"{reverse('bookkeeping_work_queue')}?{query}#cancellations",
            _("Work queue, cancellations"),
            "bookkeeping.view_documentbooking",
        )
    if group.kind == UNREAD:
        query = urlencode(
            {
                "connection__id__exact": str(connection.pk),
                "status__exact": "rejected",
                "reason": group.code,
            }
        )
        return Place(
            f"{reverse('admin:connector_externalorder_changelist')}?{query}",
            _("Upload log, filtered to these documents"),
            "connector.view_externalorder",
        )
    if group.code == "no_exchange_rate":  # rates are the installation's, not a connection's
        return Place(
            reverse("admin:bookkeeping_exchangerate_changelist"),
            str(capfirst(ExchangeRate._meta.verbose_name_plural)),  # the list's own name
            "bookkeeping.view_exchangerate",
        )
    if group.code in SETTINGS_PLACES:
        name, title, permission, filters = SETTINGS_PLACES[group.code]
        query = urlencode({**filters, "connection__id__exact": str(connection.pk)})
        return Place(f"{reverse(name)}?{query}", str(title), permission)
    query = urlencode(
        {
            "connection__id__exact": str(connection.pk),
            "status__exact": group.kind,
            "reason_code__exact": group.code,
        }
    )
    return Place(
        f"{reverse('admin:bookkeeping_documentbooking_changelist')}?{query}",
        _("Document bookings, filtered to these documents"),
        "bookkeeping.view_documentbooking",
    )


def with_places(groups: list[QueueGroup], connection: Connection, user: Any) -> list[QueueGroup]:
    """The groups with the URL and name of their place, for the pages this user may open."""
    placed = []
    for group in groups:
        place = group_place(group, connection)
        if user.has_perm(place.permission):
            placed.append(replace(group, url=place.url, place=place.name))
        else:
            placed.append(group)
    return placed


def queue_with_places(queue: WorkQueue, connection: Connection, user: Any) -> WorkQueue:
    queue.waiting = with_places(queue.waiting, connection, user)
    queue.rejected = with_places(queue.rejected, connection, user)
    queue.unread = with_places(queue.unread, connection, user)
    return queue


def work_queue_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("bookkeeping.view_documentbooking"):
        raise PermissionDenied
    connections = list(Connection.objects.order_by("name"))
    chosen = request.GET.get("connection")
    selected = [c for c in connections if str(c.pk) == chosen] or connections[:1]
    queue = None
    if selected:
        queue = queue_with_places(work_queue(selected[0]), selected[0], request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("Work queue"),
        "connections": connections,
        "connection": selected[0] if selected else None,
        "queue": queue,
    }
    return TemplateResponse(request, "admin/bookkeeping/work_queue.html", context)
