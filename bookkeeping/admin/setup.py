"""The bookkeeping set-up in the console: settings, accounts, debtor mapping, revenue and VAT
accounts, customer debtors, exchange rates. Saving a mapping books the documents that waited
for it (a task on any worker)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from connector.admin.display import plain_number
from connector.models import Connection

from ..list_selectors import with_waiting_counts
from ..models import (
    Account,
    BookkeepingSettings,
    CouponRule,
    CustomerDebtor,
    DebtorMapping,
    ExchangeRate,
    ForeignRegistration,
    TaxAccount,
)
from ..resources import AccountResource, DebtorMappingResource, TaxAccountResource
from ..selectors import debtor_mapping_waiting, distance_sales_status
from ..services.rates import documents_waiting_for_a_rate_book_soon
from ..services.rebooking import documents_book_soon
from .debtor_assign import debtor_assign_view
from .transfer import SetupImportExport

LISTS_CSS = {"all": ("bookkeeping/lists.css",)}


class DebtorActions:
    """The named permissions of the debtor lists' actions."""

    def has_export_datev_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookkeeping.export_datev")

    def has_book_documents_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("bookkeeping.book_documents")


class RebookingAdmin(admin.ModelAdmin):
    """Changes here can unblock waiting documents: each save books them on a worker."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        documents_book_soon({obj.connection_id})


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
                    "credit_note_document_field",
                )
            },
        ),
        (
            _("VAT"),
            {
                "fields": (
                    "home_country",
                    "vat_id",
                    "oss_registered_since",
                    "distance_sales_threshold",
                    "small_business",
                )
            },
        ),
        (
            _("Posting"),
            {
                "fields": (
                    "document_date",
                    "exchange_rate_source",
                    "separate_lines",
                    "rounding_tolerance",
                    "rounding_account",
                )
            },
        ),
        (
            _("Coupons and vouchers"),
            {
                "description": _(
                    "A Billbee coupon line is a discount code (revenue and VAT reduced at the "
                    "goods' rates), a multi-purpose voucher (a payment, § 3 (15) UStG) or a "
                    "single-purpose voucher (taxed when sold, § 3 (14) UStG). Coupon rules "
                    "tell them apart by a text in the line's title or SKU."
                ),
                "fields": ("coupon_kind", "coupon_account"),
            },
        ),
        (
            _("Payments: Skonto and write-offs"),
            {
                "description": _(
                    "Where the rest of an invoice settled by a payment goes, with its VAT "
                    "correction per rate. 0: the chart's preset (automatic accounts)."
                ),
                "fields": (
                    "skonto_account_19",
                    "skonto_account_7",
                    "write_off_account_19",
                    "write_off_account_7",
                ),
            },
        ),
        (
            _("Debtors"),
            {"fields": ("debtor_per_customer", "customer_debtor_first", "customer_debtor_last")},
        ),
    )
    readonly_fields = ("connection", "distance_sales_threshold")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the connection

    @admin.display(description=_("EU delivery threshold (§ 3c (4) UStG)"))
    def distance_sales_threshold(self, obj: BookkeepingSettings) -> str:
        """From the books: this year's and last year's net distance sales."""
        today = timezone.localdate(timezone=obj.connection.zoneinfo)
        return distance_sales_status(obj.connection, today.year, upto=today).text

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(SetupImportExport, admin.ModelAdmin):
    resource_classes = [AccountResource]
    list_display = ("number_text", "name", "kind", "automatic", "connection")
    number_text = plain_number("number", _("account"))
    list_editable = ("name", "kind", "automatic")
    list_filter = ("connection", "kind", "automatic")
    search_fields = ("=number", "name")


class AssignedFilter(admin.SimpleListFilter):
    title = _("debtor account")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", gettext("not assigned yet")), ("yes", gettext("assigned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(account__isnull=True)
        if self.value() == "yes":
            return queryset.filter(account__isnull=False)
        return queryset


@admin.register(DebtorMapping)
class DebtorMappingAdmin(DebtorActions, SetupImportExport, RebookingAdmin):
    resource_classes = [DebtorMappingResource]
    list_display = ("origin", "payment_method_label", "account", "name", "waiting", "connection")
    list_editable = ("account", "name")
    list_filter = (AssignedFilter, "connection")
    search_fields = ("origin", "payment_method_name")
    search_help_text = _("Origin or payment method")
    actions = ["assign_debtor", "book_waiting", "datev_master_data"]

    class Media:
        css = LISTS_CSS

    @admin.action(
        description=_("Download the DATEV master data of these connections' debtors"),
        permissions=["export_datev"],
    )
    def datev_master_data(
        self, request: HttpRequest, queryset: QuerySet[DebtorMapping]
    ) -> HttpResponse | None:
        return debtors_download(request, set(queryset.values_list("connection_id", flat=True)))

    @admin.action(
        description=_("Assign a debtor account to the selected origins"), permissions=["change"]
    )
    def assign_debtor(
        self, request: HttpRequest, queryset: QuerySet[DebtorMapping]
    ) -> HttpResponse | None:
        return debtor_assign_view(self, request, queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet[DebtorMapping]:
        return with_waiting_counts(super().get_queryset(request).select_related("connection"))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # "the mapping of this origin", linked from a document waiting for a debtor
        return lookup == "origin" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("payment method"), ordering="payment_method")
    def payment_method_label(self, obj: DebtorMapping) -> str:
        if obj.payment_method == DebtorMapping.ANY_PAYMENT_METHOD:
            return str(_("any payment method"))
        return f"{obj.payment_method} {obj.payment_method_name}"

    @admin.display(description=_("documents waiting for it"), ordering="waiting_count")
    def waiting(self, obj: DebtorMapping) -> int:
        return int(getattr(obj, "waiting_count", 0))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Counted before saving: the booking that follows takes them off the list.
        waiting = debtor_mapping_waiting(obj) if obj.account else 0
        super().save_model(request, obj, form, change)
        if waiting:
            self.message_user(
                request,
                ngettext(
                    "%(origin)s: %(count)s document waited for this debtor account and is "
                    "being booked now.",
                    "%(origin)s: %(count)s documents waited for this debtor account and are "
                    "being booked now.",
                    waiting,
                )
                % {"origin": obj, "count": waiting},
                messages.SUCCESS,
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        if (
            request.method == "POST"
            and "_save" in request.POST
            and self.has_change_permission(request)
        ):
            # list_editable saves rows one by one; book once afterwards, for every connection.
            connections = set(DebtorMapping.objects.values_list("connection_id", flat=True))
            documents_book_soon(connections)
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Book the documents waiting for these debtors now"),
        permissions=["book_documents"],
    )
    def book_waiting(self, request: HttpRequest, queryset: QuerySet[DebtorMapping]) -> None:
        connections = set(queryset.values_list("connection_id", flat=True))
        documents_book_soon(connections)
        self.message_user(
            request,
            ngettext(
                "Booking queued for %(count)s connection.",
                "Booking queued for %(count)s connections.",
                len(connections),
            )
            % {"count": len(connections)},
            messages.SUCCESS,
        )


@admin.register(TaxAccount)
class TaxAccountAdmin(SetupImportExport, RebookingAdmin):
    resource_classes = [TaxAccountResource]
    list_display = (
        "case",
        "rate",
        "revenue_account",
        "vat_account",
        "bu_key",
        "shipping_account",
        "discount_account",
        "voucher_account",
        "connection",
    )
    list_editable = (
        "revenue_account",
        "vat_account",
        "bu_key",
        "shipping_account",
        "discount_account",
        "voucher_account",
    )
    list_filter = ("connection", "case")


@admin.register(ForeignRegistration)
class ForeignRegistrationAdmin(RebookingAdmin):
    """Where sales from a foreign warehouse are booked: not German turnover."""

    list_display = (
        "country",
        "vat_id",
        "local_account",
        "ic_supply_account",
        "export_account",
        "vat_account",
        "connection",
    )
    list_editable = (
        "vat_id",
        "local_account",
        "ic_supply_account",
        "export_account",
        "vat_account",
    )
    list_filter = ("connection",)


@admin.register(CouponRule)
class CouponRuleAdmin(RebookingAdmin):
    list_display = ("text", "kind", "note", "connection")
    list_editable = ("kind",)
    list_filter = ("connection", "kind")
    search_fields = ("text", "note")


def debtors_download(request: HttpRequest, connection_ids: set[int]) -> HttpResponse | None:
    """The DATEV master-data file of one connection's debtors, or None with a message."""
    from ..errors import ExportRefused
    from ..services.debtor_export import datev_debtors_file

    if len(connection_ids) != 1:
        messages.error(request, gettext("Select the debtors of one connection."))
        return None
    connection = Connection.objects.get(pk=connection_ids.pop())
    try:
        data, _ = datev_debtors_file(connection)
    except ExportRefused as exc:
        for finding in exc.findings[:20]:
            messages.error(
                request,
                gettext("line %(line)s, %(field)s: %(message)s")
                % {"line": finding.line, "field": finding.field, "message": finding.message},
            )
        return None
    response = HttpResponse(data, content_type="text/csv; charset=windows-1252")
    name = f"EXTF_Debitoren_Kreditoren_{connection.name}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(CustomerDebtor)
class CustomerDebtorAdmin(DebtorActions, admin.ModelAdmin):
    list_display = (
        "account_text",
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
    account_text = plain_number("account", _("debtor account"))
    actions = ["datev_master_data"]

    @admin.action(
        description=_("Download the DATEV master data of these connections' debtors"),
        permissions=["export_datev"],
    )
    def datev_master_data(
        self, request: HttpRequest, queryset: QuerySet[CustomerDebtor]
    ) -> HttpResponse | None:
        return debtors_download(request, set(queryset.values_list("connection_id", flat=True)))


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    change_list_template = "admin/bookkeeping/exchangerate/change_list.html"
    list_display = ("currency", "day", "kind", "rate", "source")
    list_filter = ("kind", "currency")
    date_hierarchy = "day"

    def get_urls(self) -> list[Any]:
        from .rate_import import rate_import_view

        def import_view(request: HttpRequest) -> HttpResponse:
            return rate_import_view(self, request)

        return [
            path(
                "import/",
                self.admin_site.admin_view(import_view),
                name="bookkeeping_exchangerate_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        """An import creates rates and corrects existing ones."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        context = {"can_import": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"kind": ExchangeRate.Kind.MONTHLY, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        documents_waiting_for_a_rate_book_soon()
