"""The upload log's bulk actions: decide again about the selected documents (the current rules
and settings, from their stored JSON) and book the selected documents now. Both work in the
request, on at most ``MAX_SELECTED`` documents, and say what happened with counts."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookkeeping.errors import BookingAlreadyRunning
from bookkeeping.labels import booking_reason_label
from bookkeeping.models import DocumentBooking
from bookkeeping.services.booking import documents_book
from bookkeeping.services.rebooking import documents_book_soon

from ..models import Connection, ExternalOrder
from ..services.reevaluate import external_orders_reevaluate

# Larger selections are the connection's business: "Apply the rules again" and "Book the
# waiting documents now" run on a worker.
MAX_SELECTED = 500


def too_many(request: HttpRequest, queryset: QuerySet[ExternalOrder]) -> bool:
    count = queryset.count()
    if count <= MAX_SELECTED:
        return False
    messages.error(
        request,
        _(
            "%(count)s documents are selected; select at most %(max)s, or apply the rules "
            "again to the whole connection on its page."
        )
        % {"count": count, "max": MAX_SELECTED},
    )
    return True


def reevaluate_selected(request: HttpRequest, queryset: QuerySet[ExternalOrder]) -> None:
    """Decide again about the selected documents; book what became accepted (on a worker)."""
    if too_many(request, queryset):
        return
    moved: Counter[str] = Counter()
    examined = 0
    for connection in _connections(queryset):
        documents = queryset.filter(connection=connection)
        examined += documents.count()
        moves = external_orders_reevaluate(connection, documents)
        moved.update(move.after for move in moves)
        if moves:
            documents_book_soon({connection.pk})
    changed = sum(moved.values())
    text = ngettext(
        "%(examined)s document decided again: %(changed)s changed its decision.",
        "%(examined)s documents decided again: %(changed)s changed their decision.",
        examined,
    ) % {"examined": examined, "changed": changed}
    if changed:
        labels = dict(ExternalOrder.Status.choices)
        now = ", ".join(f"{labels.get(s, s)} {n}" for s, n in sorted(moved.items()))
        text += " " + _("Now: %(counts)s.") % {"counts": now}
    messages.success(request, text)


def book_selected(request: HttpRequest, queryset: QuerySet[ExternalOrder]) -> None:
    """Book the selected documents now (those that need it: new, changed or held)."""
    if too_many(request, queryset):
        return
    for connection in _connections(queryset):
        ids = list(queryset.filter(connection=connection).values_list("pk", flat=True))
        try:
            result = documents_book(connection, document_ids=ids)
        except BookingAlreadyRunning:
            messages.warning(
                request,
                _(
                    "%(connection)s: the documents are being booked right now by another run; "
                    "try again in a minute."
                )
                % {"connection": connection.name},
            )
            continue
        now = result.booked + result.rebooked
        messages.add_message(request, *_booked_message(connection, ids, now))


def _booked_message(connection: Connection, ids: list[int], booked_now: int) -> tuple[int, str]:
    """What the selected documents' bookings say after the run, held ones by reason."""
    rows = (
        DocumentBooking.objects.filter(document_id__in=ids)
        .values_list("status", "reason_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    status: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for state, code, n in rows:
        status[state] += n
        if state in ("waiting", "rejected"):
            held[code] += n
    text = _(
        "%(connection)s: %(now)s booked now. Of the %(selected)s selected documents "
        "%(booked)s are in the books, %(waiting)s wait, %(rejected)s are rejected and "
        "%(other)s have no booking (not accepted by the import, or nothing to book)."
    ) % {
        "connection": connection.name,
        "now": booked_now,
        "selected": len(ids),
        "booked": status["booked"],
        "waiting": status["waiting"],
        "rejected": status["rejected"],
        "other": len(ids) - status["booked"] - status["waiting"] - status["rejected"],
    }
    if held:
        reasons = ", ".join(f"{booking_reason_label(c)}: {n}" for c, n in held.most_common(3))
        text += " " + _("Held: %(reasons)s.") % {"reasons": reasons}
    return (messages.WARNING if held else messages.SUCCESS), text


def _connections(queryset: QuerySet[ExternalOrder]) -> list[Connection]:
    ids = set(queryset.order_by().values_list("connection_id", flat=True).distinct())
    return list(Connection.objects.filter(pk__in=ids).order_by("name"))
