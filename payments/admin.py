"""The console's payments pages: bank and PSP accounts (with the CSV mapping as fields),
statements and their lines (read-only), payment groups, ignore rules, and the upload of a
statement with a preview before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models.fields.json import KeyTransform
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billbee.enums import PAYMENT_TYPES, payment_type_name
from connector import formatting
from connector.forms import OrderStatesField
from connector.models import BillbeeName, Connection
from connector.states import numbered_state, order_state_choices, order_state_name
from connector.texts import said, said_field, said_list

from .matching.types import CandidateKind
from .models import (
    IgnoreRule,
    PayerAccount,
    PaymentAllocation,
    PaymentGroup,
    PaymentSource,
    Statement,
    StatementTransaction,
    Writeback,
)
from .parsers.csv_mapped import COLUMN_KEYS, DEFAULTS, mapping_problems
from .services.groups import payment_groups_ensure
from .services.settling import transactions_confirm_exact_of

IMPORT_PERMISSION = "payments.import_statement"


def candidate_reasons(candidate: dict[str, Any]) -> list[str]:
    """A stored candidate's reasons in the reader's language (as stored when without data)."""
    return said_list(candidate.get("reasons") or [], candidate.get("reasons_data"))


def line_error_reason(error: dict[str, Any]) -> str:
    """A stored broken line's reason in the reader's language."""
    return said(str(error.get("reason") or ""), error.get("reason_data"))


REMINDER_LEVELS = (1, 2, 3)
CONFIRM_PERMISSION = "payments.confirm_payment"

# Why a candidate was proposed, as the console says it (the lines store the codes).
CANDIDATE_KINDS = {
    CandidateKind.EXACT_REFERENCE: gettext_lazy("exact reference"),
    CandidateKind.REFERENCE_AMOUNT_DIFFERS: gettext_lazy("reference, amount differs"),
    CandidateKind.REFERENCE_CURRENCY_DIFFERS: gettext_lazy("reference, currency differs"),
    CandidateKind.REFERENCE_TYPO: gettext_lazy("reference with a typo"),
    CandidateKind.SEVERAL_INVOICES: gettext_lazy("several invoices"),
    CandidateKind.PARTIAL: gettext_lazy("partial payment"),
    CandidateKind.SKONTO: gettext_lazy("Skonto deducted"),
    CandidateKind.OVERPAYMENT: gettext_lazy("overpayment"),
    CandidateKind.ALREADY_PAID: gettext_lazy("already paid"),
    CandidateKind.AMOUNT_DATE: gettext_lazy("amount and date"),
    CandidateKind.PAYER_NAME: gettext_lazy("payer's name"),
    CandidateKind.PAYER_IBAN: gettext_lazy("payer's IBAN"),
    CandidateKind.REFUND: gettext_lazy("refund"),
    CandidateKind.CHARGEBACK: gettext_lazy("chargeback"),
}


def candidate_kind(code: str) -> str:
    return str(CANDIDATE_KINDS.get(code, code))


class WaitingFilter(admin.SimpleListFilter):
    """Lines no one has confirmed yet, with or without candidates: the work of a person."""

    title = gettext_lazy("waiting for a person")
    parameter_name = "waiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("candidates", _("with candidates")), ("none", _("without candidates"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() not in ("candidates", "none"):
            return queryset
        waiting = queryset.filter(confirmed_at__isnull=True).exclude(
            state=StatementTransaction.State.IGNORED
        )
        if self.value() == "candidates":
            return waiting.exclude(candidates=[])
        return waiting.filter(candidates=[])


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---------------------------------------------------------------- accounts and their mapping


def _column_text(spec: Any) -> str:
    specs = spec if isinstance(spec, list) else [spec]
    return " | ".join(str(s) for s in specs)


def _column_spec(text: str, many: bool) -> Any:
    parts = [p.strip() for p in text.split("|") if p.strip()]
    specs: list[Any] = [int(p) if p.isdigit() else p for p in parts]
    if not specs:
        return None
    return specs if many and len(specs) > 1 else specs[0]


class _PaymentSourceForm(forms.ModelForm):  # type: ignore[type-arg]
    """The CSV mapping as fields: a column by its header, or by its position (0 = first);
    several text columns separated by ``|``."""

    csv_delimiter = forms.CharField(
        required=False, max_length=1, initial=";", label=gettext_lazy("delimiter")
    )
    csv_encoding = forms.CharField(required=False, initial="cp1252", label=gettext_lazy("encoding"))
    csv_header_row = forms.IntegerField(
        required=False,
        min_value=0,
        initial=1,
        label=gettext_lazy("header row"),
        help_text=gettext_lazy("Line of the table's header (0: none)."),
    )
    csv_date_format = forms.CharField(
        required=False, initial="%d.%m.%Y", label=gettext_lazy("date format")
    )
    csv_decimal_comma = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("decimal comma")
    )

    class Meta:
        model = PaymentSource
        fields = [
            "connection",
            "name",
            "kind",
            "iban",
            "currency",
            "ledger_account",
            "fee_account",
            "transit_account",
            "payout_payer",
            "default_format",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = self.instance.csv_mapping or {}
        if mapping:
            settings = {**DEFAULTS, **mapping}
            self.initial.update(
                csv_delimiter=settings["delimiter"],
                csv_encoding=settings["encoding"],
                csv_header_row=settings["header_row"],
                csv_date_format=settings["date_format"],
                csv_decimal_comma=settings["decimal_comma"],
            )
            for key, spec in mapping.get("columns", {}).items():
                self.initial[f"col_{key}"] = _column_text(spec)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        columns = {}
        for key in COLUMN_KEYS:
            spec = _column_spec(data.get(f"col_{key}") or "", many=key == "text")
            if spec is not None:
                columns[key] = spec
        if not columns:
            self.instance.csv_mapping = {}
            return data
        mapping = {
            "delimiter": data.get("csv_delimiter") or ";",
            "encoding": data.get("csv_encoding") or "cp1252",
            "header_row": data["csv_header_row"] if data.get("csv_header_row") is not None else 1,
            "date_format": data.get("csv_date_format") or "%d.%m.%Y",
            "decimal_comma": bool(data.get("csv_decimal_comma")),
            "currency": data.get("currency") or "EUR",
            "columns": columns,
        }
        problems = mapping_problems(mapping)
        if problems:
            raise forms.ValidationError(problems)
        self.instance.csv_mapping = mapping
        return data


# What each column of the mapping holds, named as the statement line's field it fills.
COLUMN_NAMES = {
    "date": gettext_lazy("booking date"),
    "value_date": gettext_lazy("value date"),
    "amount": gettext_lazy("amount"),
    "debit": gettext_lazy("debit"),
    "credit": gettext_lazy("credit"),
    "currency": gettext_lazy("currency"),
    "name": gettext_lazy("counterparty name"),
    "iban": gettext_lazy("counterparty IBAN"),
    "bic": gettext_lazy("counterparty BIC"),
    "text": gettext_lazy("remittance"),
    "reference": gettext_lazy("bank reference"),
    "end_to_end_id": gettext_lazy("end-to-end ID"),
}


def _column_label(key: str) -> str:
    return _("column: %(name)s") % {"name": COLUMN_NAMES[key]}


# Evaluated when a page shows it, in that page's language (the fields are made at import time).
column_label = lazy(_column_label, str)

# One field per column of the mapping, declared on the class so that the admin knows them.
PaymentSourceForm = type(
    "PaymentSourceForm",
    (_PaymentSourceForm,),
    {f"col_{key}": forms.CharField(label=column_label(key), required=False) for key in COLUMN_KEYS},
)


@admin.register(PaymentSource)
class PaymentSourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PaymentSourceForm
    list_display = ["name", "connection", "kind", "iban", "ledger_account", "is_active"]
    list_filter = ["connection", "kind", "is_active"]
    search_fields = ["name", "iban"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        columns = [f"col_{key}" for key in COLUMN_KEYS]
        return [
            (
                None,
                {"fields": _PaymentSourceForm.Meta.fields},
            ),
            (
                _("CSV column mapping (bank CSV files only)"),
                {
                    "description": _(
                        "Name each column by its header as the file writes it, or by its "
                        "position (0 = the first column). Give either the amount column or the "
                        "debit (Soll) and credit (Haben) columns; several text columns are "
                        "separated by |, e.g. Buchungstext | Verwendungszweck."
                    ),
                    "fields": [
                        "csv_delimiter",
                        "csv_encoding",
                        "csv_header_row",
                        "csv_date_format",
                        "csv_decimal_comma",
                        *columns,
                    ],
                },
            ),
        ]


# ---------------------------------------------------------------- payment groups


GROUP_BILLBEE_FIELDS: tuple[str, ...] = (
    "payment_methods",
    "open_states",
    "paid_state",
    "cancelled_state",
    "overdue_state",
    "refunded_state",
    "open_items_months",
)
GROUP_REMINDER_FIELDS: tuple[str, ...] = (
    "reminders_enabled",
    "reminder_days",
    "reminder_pay_within_days",
    "reminder_states",
    "reminder_channel",
    "reminder_from_email",
    "reminder_signature",
    "reminder_iban",
)


class LevelsWidget(forms.MultiWidget):
    """One input per reminder level (up to three), side by side."""

    def __init__(self, inner: type[forms.Widget], **kwargs: Any) -> None:
        attrs = kwargs.pop("attrs", {})
        widgets = []
        for level in REMINDER_LEVELS:
            title = _("level %(level)s") % {"level": level}
            widgets.append(inner(attrs={**attrs, "title": title, "aria-label": title}, **kwargs))
        super().__init__(widgets)

    def decompress(self, value: Any) -> list[Any]:
        values = list(value) if isinstance(value, list) else []
        return (values + [None] * len(REMINDER_LEVELS))[: len(REMINDER_LEVELS)]


class LevelsField(forms.MultiValueField):
    """A value per reminder level, stored as a list without the empty levels at its end."""

    def __init__(
        self, level: Callable[[], forms.Field], widget: forms.MultiWidget, **kwargs: Any
    ) -> None:
        fields = [level() for _level in REMINDER_LEVELS]
        super().__init__(fields, widget=widget, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> list[Any]:
        values = list(data_list or [])
        while values and values[-1] in (None, ""):
            values.pop()
        return [None if v in ("", None) else int(v) for v in values]


def _state_choice(extra: Any = (), *, empty: str | None = None) -> forms.TypedChoiceField:
    blank = [("", empty)] if empty is not None else []
    return forms.TypedChoiceField(
        choices=[*blank, *order_state_choices(extra)],
        coerce=int,
        empty_value=None,
        required=empty is None,
    )


class PaymentGroupForm(forms.ModelForm):  # type: ignore[type-arg]
    """A payment group with choices instead of lists of ids: its Billbee payment methods and
    open states as lists to pick from, each state as Billbee names it, the reminder levels
    side by side."""

    class Meta:
        model = PaymentGroup
        fields = [
            "connection",
            "kind",
            *GROUP_BILLBEE_FIELDS,
            "writeback",
            "writeback_tag",
            "skonto_rate",
            "skonto_days",
            *GROUP_REMINDER_FIELDS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.instance
        stored_states = [
            *(group.open_states or []),
            *(s for s in group.reminder_states or [] if s is not None),
            group.paid_state,
            group.cancelled_state,
            group.overdue_state,
            group.refunded_state,
        ]
        fields = self.fields
        if "payment_methods" not in fields:  # shown, not edited (PaymentGroupAdmin.READ_ONLY)
            return
        listed = BillbeeName.objects.filter(kind=BillbeeName.Kind.PAYMENT_TYPE)
        methods = sorted(
            {*PAYMENT_TYPES, *listed.values_list("billbee_id", flat=True), *group.payment_methods},
            key=lambda method: payment_type_name(method).casefold(),
        )
        fields["payment_methods"] = forms.TypedMultipleChoiceField(
            label=fields["payment_methods"].label,
            choices=[(m, f"{payment_type_name(m)} ({m})") for m in methods],
            coerce=int,
            required=False,
            widget=FilteredSelectMultiple(gettext_lazy("payment methods"), is_stacked=False),
            help_text=gettext_lazy(
                "The Billbee payment methods of this group's orders, e.g. Bankueberweisung "
                "and Vorkasse for prepayment."
            ),
        )
        fields["open_states"] = OrderStatesField(
            extra=stored_states,
            required=False,
            label=fields["open_states"].label,
            help_text=gettext_lazy("The Billbee states of an order that awaits payment."),
        )
        for name in ("paid_state", "cancelled_state", "overdue_state", "refunded_state"):
            empty = None if name == "paid_state" else _("none")
            label = fields[name].label
            fields[name] = _state_choice(stored_states, empty=empty)
            fields[name].label = label
        fields["reminder_days"] = LevelsField(
            lambda: forms.IntegerField(required=False, min_value=1, max_value=365),
            LevelsWidget(forms.NumberInput, attrs={"min": 1, "max": 365, "class": "vIntegerField"}),
            label=fields["reminder_days"].label,
            help_text=gettext_lazy(
                "Days after the invoice date at which each level is due: one to three levels, "
                "increasing (e.g. 14, 28, 42); leave the later levels empty for fewer."
            ),
        )
        level_states = _state_choice(stored_states, empty="—").choices
        fields["reminder_states"] = LevelsField(
            lambda: _state_choice(stored_states, empty="—"),
            LevelsWidget(forms.Select, choices=level_states),
            label=fields["reminder_states"].label,
            help_text=gettext_lazy(
                "Optional: the Billbee state each level sets, e.g. 15 payment reminder, "
                "11 dunning 1, 12 dunning 2; — sets none."
            ),
        )

    def clean_reminder_days(self) -> list[int]:
        days = self.cleaned_data.get("reminder_days") or []
        if None in days:
            raise forms.ValidationError(
                _("Fill the levels in order: a later level needs the ones before it.")
            )
        return days


# ---------------------------------------------------------------- statements and their lines


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = [
        "imported_at",
        "source",
        "file_name",
        "format",
        "period_from",
        "period_to",
        "line_count",
        "new_count",
        "known_count",
        "error_count",
    ]
    list_filter = ["source", "format"]
    search_fields = ["file_name", "statement_id", "sha256"]
    date_hierarchy = "imported_at"
    readonly_fields = ["errors_list"]
    exclude = ["errors"]

    @admin.display(description=gettext_lazy("broken lines"))
    def errors_list(self, obj: Statement) -> str:
        if not obj.errors:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} <code>{}</code></li>",
                (
                    (
                        _("position %(position)s") % {"position": e["position"]},
                        line_error_reason(e),
                        e.get("raw", ""),
                    )
                    for e in obj.errors
                ),
            ),
        )

    def get_urls(self) -> list[Any]:
        from .admin_upload import statement_upload_view

        def upload_view(request: HttpRequest) -> HttpResponse:
            return statement_upload_view(self, request)

        return [
            path(
                "import/",
                self.admin_site.admin_view(upload_view),
                name="payments_statement_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.has_perm(IMPORT_PERMISSION) and user.has_perm("payments.view_paymentsource")
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        context = {"can_import": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, context)


class PaymentAllocationInline(admin.TabularInline):  # type: ignore[type-arg]
    """What a confirmed line settled of each document, and the entry that booked it."""

    model = PaymentAllocation
    fields = ("document", "amount", "skonto", "write_off", "write_off_kind", "entry", "undone_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("settled documents")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StatementTransaction)
class StatementTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "booking_date",
        "amount",
        "currency",
        "kind",
        "counterparty_name",
        "short_remittance",
        "state",
        "best_candidate",
        "source",
    ]
    list_filter = ["state", WaitingFilter, "source", "kind", "auto"]
    exclude = ["candidates", "raw", "reason", "texts"]
    readonly_fields = ["reason_text", "candidates_table", "status_word"]
    search_fields = [
        "counterparty_name",
        "counterparty_iban",
        "remittance",
        "bank_reference",
        "end_to_end_id",
    ]
    date_hierarchy = "booking_date"
    list_select_related = ["source"]
    actions = ["confirm_exact"]
    inlines = [PaymentAllocationInline]

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.has_perm(CONFIRM_PERMISSION)
            and user.has_perm("payments.view_statementtransaction")
        )

    def get_urls(self) -> list[Any]:
        from .admin_settle import statement_settle_view

        def settle_view(request: HttpRequest, object_id: str) -> HttpResponse:
            return statement_settle_view(self, request, object_id)

        return [
            path(
                "<path:object_id>/settle/",
                self.admin_site.admin_view(settle_view),
                name="payments_statementtransaction_settle",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        context = {"can_settle": self.has_confirm_permission(request), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    @admin.action(
        description=gettext_lazy("Confirm the exact matches among the selected lines (book them)"),
        permissions=["confirm"],
    )
    def confirm_exact(self, request: HttpRequest, queryset: Any) -> None:
        lines = queryset.filter(
            state=StatementTransaction.State.MATCHED, auto=True, confirmed_at__isnull=True
        ).order_by("booking_date", "pk")
        confirmed, problems = transactions_confirm_exact_of(lines)
        self.message_user(
            request,
            ngettext(
                "%(count)s payment booked; the other selected lines wait for a person.",
                "%(count)s payments booked; the other selected lines wait for a person.",
                confirmed,
            )
            % {"count": confirmed},
            messages.SUCCESS,
        )
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    @admin.display(description=gettext_lazy("remittance"))
    def short_remittance(self, obj: StatementTransaction) -> str:
        text = obj.remittance
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=gettext_lazy("best candidate"))
    def best_candidate(self, obj: StatementTransaction) -> str:
        if obj.matched_document_id:
            return _("confirmed: document %(document)s") % {"document": obj.matched_document_id}
        if not obj.candidates:
            return "—"
        best = obj.candidates[0]
        documents = ", ".join(str(d) for d in best["documents"])
        return _("%(kind)s (%(score)s): document %(documents)s") % {
            "kind": candidate_kind(best["kind"]),
            "score": formatting.number(Decimal(str(best["score"])), 2),
            "documents": documents,
        }

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """The statement's status word where the stored one stood, said in the reader's
        language."""
        fields = [f for f in super().get_fields(request, obj) if f != "status_word"]
        return ["status_word" if f == "status" else f for f in fields]

    @admin.display(description=gettext_lazy("status"))
    def status_word(self, obj: StatementTransaction) -> str:
        return str(StatementTransaction.STATUS_WORDS.get(obj.status, obj.status)) or "—"

    @admin.display(description=gettext_lazy("reason"))
    def reason_text(self, obj: StatementTransaction) -> str:
        return said_field(obj, "reason") or "—"

    @admin.display(description=gettext_lazy("candidates, best first"))
    def candidates_table(self, obj: StatementTransaction) -> str:
        reason = said_field(obj, "reason")
        if not obj.candidates:
            return reason or "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    format_html_join(
                        ", ",
                        '<a href="{}">{}</a>',
                        (
                            (reverse("admin:connector_externalorder_change", args=[d]), d)
                            for d in candidate["documents"]
                        ),
                    ),
                    candidate_kind(candidate["kind"]),
                    formatting.number(Decimal(str(candidate["score"])), 2),
                    formatting.money(Decimal(str(candidate["amount_difference"])), obj.currency),
                    "; ".join(candidate_reasons(candidate)),
                )
                for candidate in obj.candidates
            ),
        )
        return format_html(
            "<p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            reason,
            _("documents"),
            _("kind"),
            _("score"),
            _("amount difference"),
            _("why"),
            rows,
        )


# ---------------------------------------------------------------- groups and rules


@admin.register(PaymentGroup)
class PaymentGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PaymentGroupForm
    list_display = ["connection", "kind", "methods", "states", "open_items_months"]
    list_filter = ["connection", "kind"]
    fieldsets = [
        (None, {"fields": ["connection", "kind"]}),
        (gettext_lazy("Orders in Billbee"), {"fields": GROUP_BILLBEE_FIELDS}),
        (
            gettext_lazy("Payments"),
            {"fields": ["writeback", "writeback_tag", "skonto_rate", "skonto_days"]},
        ),
        (gettext_lazy("Payment reminders"), {"fields": GROUP_REMINDER_FIELDS}),
    ]

    # What a reader without the change permission sees instead of the stored lists of ids.
    READ_ONLY = {
        "payment_methods": "methods",
        "open_states": "states",
        "paid_state": "paid_state_name",
        "cancelled_state": "cancelled_state_name",
        "overdue_state": "overdue_state_name",
        "refunded_state": "refunded_state_name",
        "reminder_days": "reminder_days_text",
        "reminder_states": "reminder_states_text",
    }

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        shown = self.READ_ONLY
        return [
            (title, {**options, "fields": [shown.get(str(f), f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None or self.has_change_permission(request, obj):
            return super().get_readonly_fields(request, obj)
        return list(self.READ_ONLY.values())

    @admin.display(description=gettext_lazy("paid state"))
    def paid_state_name(self, obj: PaymentGroup) -> str:
        return numbered_state(obj.paid_state)

    @admin.display(description=gettext_lazy("cancelled state"))
    def cancelled_state_name(self, obj: PaymentGroup) -> str:
        return numbered_state(obj.cancelled_state)

    @admin.display(description=gettext_lazy("overdue state"))
    def overdue_state_name(self, obj: PaymentGroup) -> str:
        return numbered_state(obj.overdue_state)

    @admin.display(description=gettext_lazy("refunded state"))
    def refunded_state_name(self, obj: PaymentGroup) -> str:
        return numbered_state(obj.refunded_state)

    @admin.display(description=gettext_lazy("reminder days"))
    def reminder_days_text(self, obj: PaymentGroup) -> str:
        return ", ".join(str(days) for days in obj.reminder_days) or "—"

    @admin.display(description=gettext_lazy("Billbee state per level"))
    def reminder_states_text(self, obj: PaymentGroup) -> str:
        return ", ".join(numbered_state(s) for s in obj.reminder_states) or "—"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """Shows every connection's three groups: those not configured yet are created with
        their defaults (when the user may add groups)."""
        if self.has_add_permission(request):
            for connection in Connection.objects.all():
                payment_groups_ensure(connection)
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("payment methods"))
    def methods(self, obj: PaymentGroup) -> str:
        return ", ".join(payment_type_name(m) for m in obj.payment_methods) or "—"

    @admin.display(description=gettext_lazy("open states"))
    def states(self, obj: PaymentGroup) -> str:
        return ", ".join(order_state_name(s) for s in obj.open_states) or "—"


@admin.register(IgnoreRule)
class IgnoreRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["connection", "field", "pattern", "reason"]
    list_filter = ["connection", "field"]
    search_fields = ["pattern", "reason"]


# ---------------------------------------------------------------- write-back to Billbee


@admin.register(Writeback)
class WritebackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The outbox of "paid" for Billbee: what waits for approval, what was sent or stopped
    and why. Entries are created by confirmed payments and sent by the schedule."""

    list_display = [
        "billbee_order_id",
        "state",
        "short_reason",
        "attempts",
        "updated_at",
        "connection",
    ]
    list_filter = ["state", "connection"]
    search_fields = ["billbee_order_id"]
    actions = ["approve"]
    fields = (
        "connection",
        "transaction",
        "billbee_order_id",
        "open_states_text",
        "paid_state_text",
        "tag",
        "message",
        "state",
        "reason_text",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        # Of the sentences' data only the reason's is shown.
        queryset = super().get_queryset(request).defer("texts")
        return queryset.annotate(reason_data=KeyTransform("reason", "texts"))

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj: Writeback) -> str:
        return said(obj.reason, getattr(obj, "reason_data", None))

    @admin.display(description=gettext_lazy("reason"))
    def reason_text(self, obj: Writeback) -> str:
        return said(obj.reason, getattr(obj, "reason_data", None))

    @admin.display(description=gettext_lazy("open states"))
    def open_states_text(self, obj: Writeback) -> str:
        return ", ".join(numbered_state(s) for s in obj.open_states) or "—"

    @admin.display(description=gettext_lazy("paid state"))
    def paid_state_text(self, obj: Writeback) -> str:
        return numbered_state(obj.paid_state)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Approve: send to Billbee with the next tick"),
        permissions=["change"],
    )
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        approved = queryset.filter(state=Writeback.State.AWAITING_APPROVAL).update(
            state=Writeback.State.PENDING
        )
        self.message_user(
            request,
            ngettext("%(count)s write-back approved.", "%(count)s write-backs approved.", approved)
            % {"count": approved},
        )


@admin.register(PayerAccount)
class PayerAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The accounts customers paid from, learnt from confirmed lines; a wrong one (a shared
    account, a mistaken confirmation) is deleted here."""

    list_display = ["iban", "name", "customer_name", "customer_key", "payments", "updated_at"]
    list_filter = ["connection"]
    search_fields = ["iban", "name", "customer_name", "customer_key"]
    readonly_fields = [f.name for f in PayerAccount._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


from . import admin_reminders  # noqa: E402, F401  (the payment reminders' pages)
