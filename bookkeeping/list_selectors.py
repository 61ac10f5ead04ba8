"""Reads for the console's long lists: figures per row joined into the list's one query."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import DebtorMapping, DocumentBooking


def with_waiting_counts(mappings: QuerySet[DebtorMapping]) -> QuerySet[DebtorMapping]:
    """``waiting_count``: the documents waiting for each mapping row (as
    ``selectors.documents_waiting_for``): those of its origin and payment method, every one of
    the origin for "any payment method"."""
    of_origin = DocumentBooking.objects.filter(
        connection_id=OuterRef("connection_id"),
        status=DocumentBooking.Status.WAITING,
        reason_code="no_debtor",
        document__origin=OuterRef("origin"),
    ).order_by()

    def counted(bookings: QuerySet[DocumentBooking]) -> Coalesce:
        rows = bookings.values("connection_id").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return mappings.annotate(
        waiting_count=Case(
            When(payment_method=DebtorMapping.ANY_PAYMENT_METHOD, then=counted(of_origin)),
            default=counted(of_origin.filter(document__payment_method=OuterRef("payment_method"))),
            output_field=IntegerField(),
        )
    )
