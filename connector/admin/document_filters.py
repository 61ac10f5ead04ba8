"""The upload log's filters: reason, month, flag, and what bookkeeping made of each document."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from bookkeeping.labels import NOT_BOOKED, booking_status_label
from bookkeeping.models import DocumentBooking

from ..models import ExternalOrder
from .display import reason_label


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        codes = (
            model_admin.get_queryset(request)
            .order_by("reason_code")
            .values_list("reason_code", flat=True)
            .distinct()
        )
        return sorted(((code, reason_label(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(reason_code=value) if value else queryset


class MonthFilter(admin.SimpleListFilter):
    """The months that have documents (by document date), newest first."""

    title = _("month")
    parameter_name = "month"
    NO_DATE = "none"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        documents = model_admin.get_queryset(request)
        months = (
            documents.filter(document_date__isnull=False)
            .annotate(month=TruncMonth("document_date"))
            .order_by("-month")
            .values_list("month", flat=True)
            .distinct()
        )
        choices: list[tuple[str, str]] = [
            (f"{m:%Y-%m}", formats.date_format(m, "YEAR_MONTH_FORMAT")) for m in months
        ]
        if documents.filter(document_date__isnull=True).exists():
            choices.append((self.NO_DATE, str(_("no document date"))))
        return choices

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
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
    title = _("flag")
    parameter_name = "flag"
    ANY = "any"
    NONE = "none"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        flags = [(value, label) for value, label in ExternalOrder.Flag.choices if value]
        return [(self.ANY, _("any flag: needs attention")), *flags, (self.NONE, _("no flag"))]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == self.ANY:
            return queryset.exclude(flag="")
        if value == self.NONE:
            return queryset.filter(flag="")
        return queryset.filter(flag=value) if value else queryset


class BookingFilter(admin.SimpleListFilter):
    """What bookkeeping made of the document: booked, waiting (for a debtor, for an exchange
    rate, …), rejected, reversed, nothing to book, or not booked yet."""

    title = _("bookkeeping")
    parameter_name = "booking"
    WAITING_FOR = {
        "waiting:no_debtor": _("waiting for a debtor account"),
        "waiting:no_exchange_rate": _("waiting for an exchange rate"),
    }

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        choices: list[tuple[str, str]] = []
        for status in DocumentBooking.Status.values:
            choices.append((status, booking_status_label(status)))
            if status == DocumentBooking.Status.WAITING:
                choices += [(key, str(label)) for key, label in self.WAITING_FOR.items()]
        return [*choices, (NOT_BOOKED, booking_status_label(None))]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == NOT_BOOKED:
            return queryset.filter(booking__isnull=True)
        status, _sep, code = value.partition(":")
        if status not in DocumentBooking.Status.values:
            return queryset.none()
        found = queryset.filter(booking__status=status)
        return found.filter(booking__reason_code=code) if code else found
