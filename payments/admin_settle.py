"""Statement lines → "Settle": what a person decides about one line. Confirm it for its best
candidate or any open invoice (by invoice or order number), leaving the rest open, granting
it as Skonto or writing it off; split it over several invoices; ignore its payer from now
on; or undo a confirmed line. Every form calls a service of ``services/settling.py`` and says
what was booked. Needs ``payments.confirm_payment`` (and seeing the lines)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.models import Connection, ExternalOrder
from connector.texts import Joined, Text, said_field

from .admin import candidate_kind, candidate_reasons
from .errors import PaymentsError
from .models import IgnoreRule, StatementTransaction
from .selectors import documents_named
from .services.settling import (
    Part,
    Rest,
    part_with_rest,
    transaction_ignore_payer,
    transaction_settle,
    transaction_undo,
)

if TYPE_CHECKING:
    from .admin import StatementTransactionAdmin

REST_CHOICES = [
    (Rest.OPEN, gettext_lazy("leave it open (a partial payment)")),
    (
        Rest.SKONTO,
        gettext_lazy(
            "grant it as cash discount (Skonto), within the payment group's rate and term"
        ),
    ),
    (Rest.LOSS, gettext_lazy("write it off as lost (Forderungsverlust)")),
    (Rest.DIFFERENCE, gettext_lazy("write it off as a small difference (Erlösschmälerung)")),
]


class _DocumentField(forms.CharField):
    """An invoice named by its invoice or order number (or id), found in the line's shop."""

    def __init__(self, connection: Connection, **kwargs: Any) -> None:
        self.connection = connection
        super().__init__(max_length=200, **kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        found = documents_named(self.connection, text)
        if not found:
            raise forms.ValidationError(
                _("No invoice of this shop is named %(name)r.") % {"name": text}
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("%(name)r names %(count)s invoices: give the invoice number.")
                % {"name": text, "count": len(found)}
            )
        return found[0]


class ConfirmForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="confirm")
    rest = forms.ChoiceField(
        choices=REST_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        label=gettext_lazy("the rest"),
    )

    def __init__(self, connection: Connection, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"] = _DocumentField(
            connection,
            label=_("document"),
            help_text=_("Invoice or order number, e.g. RE-2026-10440."),
        )
        self.order_fields(["action", "document", "rest"])


class SplitRowForm(forms.Form):
    document = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("invoice or order number")
    )
    amount = forms.DecimalField(
        max_digits=18, decimal_places=2, required=False, min_value=0, label=gettext_lazy("amount")
    )


SplitFormSet = forms.formset_factory(SplitRowForm, extra=4, max_num=10)


class IgnoreForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="ignore")
    field = forms.ChoiceField(
        choices=[
            (IgnoreRule.Field.IBAN, gettext_lazy("by IBAN")),
            (IgnoreRule.Field.NAME, gettext_lazy("by name")),
        ],
        label=gettext_lazy("ignore the payer"),
    )
    reason = forms.CharField(
        max_length=300,
        label=gettext_lazy("reason"),
        help_text=gettext_lazy("Shown on every line the rule sets aside, e.g. tax refunds."),
    )


class UndoForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="undo")
    note = forms.CharField(
        max_length=200,
        label=gettext_lazy("why"),
        help_text=gettext_lazy("Kept in the note of the reversal (Storno)."),
    )


def _split_parts(tx: StatementTransaction, formset: Any) -> list[Part]:
    connection = tx.source.connection
    parts = []
    for row in formset.cleaned_data:
        if not row or not row.get("document"):
            continue
        found = documents_named(connection, row["document"])
        if len(found) != 1:
            raise PaymentsError(
                _("%(name)r names %(count)s invoice(s) of this shop.")
                % {"name": row["document"], "count": len(found)}
            )
        if row.get("amount") is None:
            raise PaymentsError(_("Give the amount for %(name)s.") % {"name": row["document"]})
        parts.append(Part(found[0].pk, row["amount"]))
    return parts


def _booked(tx: StatementTransaction) -> str:
    reason = tx.reason_as_text()
    parts = reason.params.get("parts") if isinstance(reason, Text) else None
    if isinstance(parts, Joined):  # what was confirmed, in the reader's language
        what = "; ".join(p.render() if isinstance(p, Text) else str(p) for p in parts.items)
    else:
        what = tx.reason.removeprefix("Confirmed: ").rstrip(".")
    return _("Payment booked: %(what)s.") % {"what": what}


def statement_settle_view(
    model_admin: StatementTransactionAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    if not model_admin.has_confirm_permission(request):
        raise PermissionDenied
    tx = get_object_or_404(
        StatementTransaction.objects.select_related("source__connection"), pk=object_id
    )
    connection = tx.source.connection
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if action else None
    confirm = ConfirmForm(connection, data if action == "confirm" else None, initial=_best(tx))
    split = SplitFormSet(
        data if action == "split" else None, prefix="split", initial=_split_initial(tx)
    )
    ignore = IgnoreForm(data if action == "ignore" else None)
    undo = UndoForm(data if action == "undo" else None)
    problems: list[str] = []
    try:
        if action == "confirm" and confirm.is_valid():
            document: ExternalOrder = confirm.cleaned_data["document"]
            part = part_with_rest(tx, document, confirm.cleaned_data.get("rest") or Rest.OPEN)
            tx = transaction_settle(tx, [part])
            model_admin.message_user(request, _booked(tx), messages.SUCCESS)
            return redirect("admin:payments_statementtransaction_change", tx.pk)
        if action == "split" and split.is_valid():
            tx = transaction_settle(tx, _split_parts(tx, split))
            model_admin.message_user(request, _booked(tx), messages.SUCCESS)
            return redirect("admin:payments_statementtransaction_change", tx.pk)
        if action == "ignore" and ignore.is_valid():
            rule = transaction_ignore_payer(
                tx, field=ignore.cleaned_data["field"], reason=ignore.cleaned_data["reason"]
            )
            model_admin.message_user(
                request,
                _("Payer ignored from now on (%(rule)s); the lines were matched again.")
                % {"rule": rule},
            )
            return redirect("admin:payments_statementtransaction_change", tx.pk)
        if action == "undo" and undo.is_valid():
            tx = transaction_undo(tx, note=undo.cleaned_data["note"])
            model_admin.message_user(
                request,
                _("Payment undone: its entries are reversed (Storno). %(reason)s")
                % {"reason": said_field(tx, "reason")},
                messages.WARNING,
            )
            return redirect("admin:payments_statementtransaction_change", tx.pk)
    except PaymentsError as exc:
        problems.append(str(exc))
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": _("Settle the line %(line)s") % {"line": tx},
        "opts": model_admin.model._meta,
        "line": tx,
        "reason": said_field(tx, "reason"),
        "candidates": _candidates(tx),
        "confirm": confirm,
        "split": split,
        "ignore": ignore,
        "undo": undo,
        "problems": problems,
    }
    return TemplateResponse(request, "admin/payments/statementtransaction/settle.html", context)


def _best(tx: StatementTransaction) -> dict[str, Any]:
    """The best candidate's invoice, for the confirm form; Skonto when the matching saw one."""
    if not tx.candidates or len(tx.candidates[0]["documents"]) != 1:
        return {"rest": Rest.OPEN}
    best = tx.candidates[0]
    document = ExternalOrder.objects.filter(pk=best["documents"][0]).first()
    name = (document.invoice_number or document.order_number) if document else ""
    rest = Rest.SKONTO if Decimal(best.get("skonto") or 0) else Rest.OPEN
    return {"document": name, "rest": rest}


def _split_initial(tx: StatementTransaction) -> list[dict[str, Any]]:
    """The invoices of the best "several invoices" candidate, for the split form."""
    several = next((c for c in tx.candidates if c["kind"] == "several_invoices"), None)
    if several is None:
        return []
    names = dict(
        ExternalOrder.objects.filter(pk__in=several["documents"]).values_list(
            "pk", "invoice_number"
        )
    )
    return [{"document": names.get(d) or str(d)} for d in several["documents"]]


def _candidates(tx: StatementTransaction) -> list[dict[str, Any]]:
    ids = {d for c in tx.candidates for d in c["documents"]}
    names = {
        pk: invoice or order
        for pk, invoice, order in ExternalOrder.objects.filter(pk__in=ids).values_list(
            "pk", "invoice_number", "order_number"
        )
    }
    return [
        {
            **c,
            "names": [names.get(d, str(d)) for d in c["documents"]],
            "kind_label": candidate_kind(c["kind"]),
            "reasons": candidate_reasons(c),
            "skonto": Decimal(c.get("skonto") or 0),
        }
        for c in tx.candidates
    ]
