"""The bookkeeping set-up in the console: settings, accounts, debtor mapping, revenue and VAT
accounts, customer debtors, exchange rates. Saving a mapping books the documents that waited
for it (a task on any worker)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from connector.models import Connection

from ..models import (
    Account,
    BookkeepingSettings,
    CustomerDebtor,
    DebtorMapping,
    DocumentBooking,
    ExchangeRate,
    TaxAccount,
)


def book_soon(connection_ids: set[int]) -> None:
    """After the transaction commits: book what waited (on a worker)."""
    from ..tasks import book_documents_task

    def enqueue(pk: int) -> Callable[[], None]:
        return lambda: book_documents_task.delay(pk)

    for pk in connection_ids:
        transaction.on_commit(enqueue(pk))


class RebookingAdmin(admin.ModelAdmin):
    """Changes here can unblock waiting documents: each save books them on a worker."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        book_soon({obj.connection_id})


@admin.register(BookkeepingSettings)
class BookkeepingSettingsAdmin(RebookingAdmin):
    list_display = (
        "connection",
        "consultant_number",
        "client_number",
        "oss_registered_since",
        "document_date",
        "separate_lines",
        "rounding_tolerance",
        "debtor_per_customer",
    )
    fieldsets = (
        (None, {"fields": ("connection",)}),
        (
            "DATEV",
            {
                "fields": (
                    "consultant_number",
                    "client_number",
                    "fiscal_year_start_month",
                    "lock_exported",
                    "initials",
                )
            },
        ),
        (
            "VAT",
            {
                "fields": (
                    "home_country",
                    "oss_registered_since",
                    "small_business",
                    "origin_vat_ids",
                )
            },
        ),
        (
            "Posting",
            {
                "fields": (
                    "document_date",
                    "separate_lines",
                    "rounding_tolerance",
                    "rounding_account",
                    "coupon_account",
                )
            },
        ),
        (
            "Debtors",
            {"fields": ("debtor_per_customer", "customer_debtor_first", "customer_debtor_last")},
        ),
    )
    readonly_fields = ("connection",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the connection

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "kind", "automatic", "connection")
    list_editable = ("name", "kind", "automatic")
    list_filter = ("connection", "kind", "automatic")
    search_fields = ("=number", "name")


class AssignedFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "not assigned yet"), ("yes", "assigned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(account__isnull=True)
        if self.value() == "yes":
            return queryset.filter(account__isnull=False)
        return queryset


@admin.register(DebtorMapping)
class DebtorMappingAdmin(RebookingAdmin):
    list_display = ("origin", "payment_method_label", "account", "name", "waiting", "connection")
    list_editable = ("account", "name")
    list_filter = (AssignedFilter, "connection")
    search_fields = ("origin", "payment_method_name")
    search_help_text = "Origin or payment method"
    actions = ["book_waiting", "datev_master_data"]

    @admin.action(description="Download the DATEV master data of these connections' debtors")
    def datev_master_data(
        self, request: HttpRequest, queryset: QuerySet[DebtorMapping]
    ) -> HttpResponse | None:
        return debtors_download(request, set(queryset.values_list("connection_id", flat=True)))

    def get_queryset(self, request: HttpRequest) -> QuerySet[DebtorMapping]:
        return super().get_queryset(request).select_related("connection")

    @admin.display(description="payment method", ordering="payment_method")
    def payment_method_label(self, obj: DebtorMapping) -> str:
        if obj.payment_method == DebtorMapping.ANY_PAYMENT_METHOD:
            return "any payment method"
        return f"{obj.payment_method} {obj.payment_method_name}"

    @admin.display(description="documents waiting for it")
    def waiting(self, obj: DebtorMapping) -> int:
        waiting = DocumentBooking.objects.filter(
            connection_id=obj.connection_id,
            status=DocumentBooking.Status.WAITING,
            reason_code="no_debtor",
            document__origin=obj.origin,
        )
        if obj.payment_method != DebtorMapping.ANY_PAYMENT_METHOD:
            waiting = waiting.filter(document__payment_method=obj.payment_method)
        return waiting.count()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        if request.method == "POST" and "_save" in request.POST:
            # list_editable saves rows one by one; book once afterwards, for every connection.
            connections = set(DebtorMapping.objects.values_list("connection_id", flat=True))
            book_soon(connections)
        return super().changelist_view(request, extra_context)

    @admin.action(description="Book the documents waiting for these debtors now")
    def book_waiting(self, request: HttpRequest, queryset: QuerySet[DebtorMapping]) -> None:
        book_soon(set(queryset.values_list("connection_id", flat=True)))
        self.message_user(request, "Booking queued.", messages.SUCCESS)


@admin.register(TaxAccount)
class TaxAccountAdmin(RebookingAdmin):
    list_display = (
        "case",
        "rate",
        "revenue_account",
        "vat_account",
        "bu_key",
        "shipping_account",
        "discount_account",
        "connection",
    )
    list_editable = (
        "revenue_account",
        "vat_account",
        "bu_key",
        "shipping_account",
        "discount_account",
    )
    list_filter = ("connection", "case")


def debtors_download(request: HttpRequest, connection_ids: set[int]) -> HttpResponse | None:
    """The DATEV master-data file of one connection's debtors, or None with a message."""
    from ..errors import ExportRefused
    from ..services.debtor_export import datev_debtors_file

    if len(connection_ids) != 1:
        messages.error(request, "Select the debtors of one connection.")
        return None
    connection = Connection.objects.get(pk=connection_ids.pop())
    try:
        data, _ = datev_debtors_file(connection)
    except ExportRefused as exc:
        for finding in exc.findings[:20]:
            messages.error(request, f"line {finding.line}, {finding.field}: {finding.message}")
        return None
    response = HttpResponse(data, content_type="text/csv; charset=windows-1252")
    name = f"EXTF_Debitoren_Kreditoren_{connection.name}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(CustomerDebtor)
class CustomerDebtorAdmin(admin.ModelAdmin):
    list_display = (
        "account",
        "company",
        "last_name",
        "first_name",
        "city",
        "country",
        "vat_id",
        "connection",
    )
    list_filter = ("connection", "country")
    search_fields = ("=account", "company", "last_name", "email", "vat_id")
    readonly_fields = ("customer_key", "account", "connection")
    actions = ["datev_master_data"]

    @admin.action(description="Download the DATEV master data of these connections' debtors")
    def datev_master_data(
        self, request: HttpRequest, queryset: QuerySet[CustomerDebtor]
    ) -> HttpResponse | None:
        return debtors_download(request, set(queryset.values_list("connection_id", flat=True)))


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "day", "rate", "source")
    list_filter = ("currency",)
    date_hierarchy = "day"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        waiting = DocumentBooking.objects.filter(
            Q(reason_code="no_exchange_rate"), status=DocumentBooking.Status.WAITING
        ).values_list("connection_id", flat=True)
        book_soon(set(waiting))
