"""Debtor mapping → "Assign a debtor account to the selected origins": a page asking for the
account (and optionally the DATEV name), then the assignment of every selected row, each
validated like a row of the list; the documents that waited for them are booked on a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..charts import DEBTOR_RANGE
from ..models import DebtorMapping
from ..services.debtor_mapping import debtor_mapping_assign

if TYPE_CHECKING:
    from .setup import DebtorMappingAdmin


class AssignForm(forms.Form):
    account = forms.IntegerField(
        label=gettext_lazy("debtor account"),
        min_value=DEBTOR_RANGE[0],
        max_value=DEBTOR_RANGE[1],
        help_text=gettext_lazy("A debtor account from 10000 to 69999."),
    )
    name = forms.CharField(
        label=gettext_lazy("name in DATEV"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Empty: the rows keep their names."),
    )


def debtor_assign_view(
    model_admin: DebtorMappingAdmin, request: HttpRequest, queryset: QuerySet[DebtorMapping]
) -> HttpResponse | None:
    """The action's page (GET of the action) and its confirmation (``apply`` posted)."""
    form = AssignForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        _assign(model_admin, request, queryset, form.cleaned_data)
        return None  # back to the list, with the message
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Assign a debtor account"),
        "opts": model_admin.model._meta,
        "form": form,
        "mappings": queryset.select_related("connection"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/bookkeeping/debtormapping/assign.html", context)


def _assign(
    model_admin: DebtorMappingAdmin,
    request: HttpRequest,
    queryset: QuerySet[DebtorMapping],
    data: dict[str, Any],
) -> None:
    assigned = unchanged = 0
    problems: list[str] = []
    for mapping in queryset.select_related("connection"):
        try:
            result = debtor_mapping_assign(
                mapping.connection,
                mapping.origin,
                mapping.payment_method,
                data["account"],
                data["name"] or None,
            )
        except ValidationError as exc:
            problems.append(f"{mapping}: {'; '.join(exc.messages)}")
            continue
        if "account" in result.changed or "name" in result.changed:
            assigned += 1
        else:
            unchanged += 1
    model_admin.message_user(
        request,
        ngettext(
            "Debtor account %(account)s assigned to %(count)s row (%(unchanged)s had it "
            "already); the documents waiting for it are being booked.",
            "Debtor account %(account)s assigned to %(count)s rows (%(unchanged)s had it "
            "already); the documents waiting for them are being booked.",
            assigned,
        )
        % {"account": data["account"], "count": assigned, "unchanged": unchanged},
        messages.SUCCESS,
    )
    for problem in problems[:10]:
        model_admin.message_user(request, problem, messages.ERROR)
