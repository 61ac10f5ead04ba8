"""Exchange rates → "Import rates": upload a CSV (the long format or the BMF's table), see what
would be created, updated or left unchanged, then confirm. Nothing is saved before the
confirmation, and nothing at all when a line is bad. Needs the add and the change permission
of exchange rates (an import creates rates and corrects existing ones)."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ExchangeRate
from ..parsers.exchange_rates import RateFile, RateFileError, exchange_rates_parse
from ..services.rates import RateImport, exchange_rates_import

if TYPE_CHECKING:
    from .setup import ExchangeRateAdmin

MAX_FILE_BYTES = 2 * 1024 * 1024
# The kinds as the rates' own list names them (the parser's MONTHLY and DAILY are their values).
KIND_CHOICES = [("", gettext_lazy("as the file says")), *ExchangeRate.Kind.choices]
# What the preview does with each rate of the file.
ACTIONS = {
    "create": gettext_lazy("create"),
    "update": gettext_lazy("update"),
    "unchanged": gettext_lazy("unchanged"),
}


class RateFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy(
            "CSV: currency;month;rate, currency;date;rate, or the BMF's table "
            "(country, currency, January … December)."
        ),
    )
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label=gettext_lazy("kind"))
    year = forms.IntegerField(
        required=False,
        min_value=1999,
        max_value=2100,
        label=gettext_lazy("year"),
        help_text=gettext_lazy("The year of a BMF table (its rows do not name it)."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return bytes(upload.read())


class ConfirmForm(forms.Form):
    """The previewed file again, carried by the page: it is parsed again on confirmation."""

    content = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The previewed file did not come back intact.")) from None


def rate_import_view(model_admin: ExchangeRateAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_import_permission(request):
        raise PermissionDenied
    problems: list[str] = []
    preview: RateImport | None = None
    confirm: ConfirmForm | None = None
    upload = RateFileForm()
    if request.method == "POST" and "_confirm" in request.POST:
        confirmed = ConfirmForm(request.POST)
        if confirmed.is_valid():
            data = confirmed.cleaned_data
            parsed, problems = _parse(data["content"], data["kind"], data["year"])
            if parsed is not None:
                result = exchange_rates_import(parsed)
                model_admin.message_user(request, _summary(result), messages.SUCCESS)
                return redirect("admin:bookkeeping_exchangerate_changelist")
        else:
            problems = [str(e) for errors in confirmed.errors.values() for e in errors]
    elif request.method == "POST":
        upload = RateFileForm(request.POST, request.FILES)
        if upload.is_valid():
            data = upload.cleaned_data
            parsed, problems = _parse(data["file"], data["kind"], data["year"])
            if parsed is not None:
                preview = exchange_rates_import(parsed, dry_run=True)
                confirm = ConfirmForm(
                    initial={
                        "content": base64.b64encode(data["file"]).decode("ascii"),
                        "kind": data["kind"],
                        "year": data["year"],
                    }
                )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Import exchange rates"),
        "opts": model_admin.model._meta,
        "form": upload,
        "problems": problems,
        "preview": preview,
        "rows": _rows(preview) if preview else [],
        "kind_label": ExchangeRate.Kind(preview.kind).label if preview else "",
        "confirm": confirm,
    }
    return TemplateResponse(request, "admin/bookkeeping/exchangerate/import.html", context)


def _parse(data: bytes, kind: str, year: int | None) -> tuple[RateFile | None, list[str]]:
    try:
        return exchange_rates_parse(data, kind=kind or None, year=year), []
    except RateFileError as exc:
        return None, exc.problems


def _rows(result: RateImport) -> list[dict[str, Any]]:
    """The preview's table: what happens to each rate, changes first."""
    changes = [
        *(("create", r, None) for r in result.created),
        *(("update", r, old) for r, old in result.updated),
        *(("unchanged", r, None) for r in result.unchanged),
    ]
    return [
        {
            "action": action,
            "action_label": ACTIONS[action],
            "rate": r,
            "old": old,
            "when": result.when(r),
        }
        for action, r, old in changes
    ]


def _summary(result: RateImport) -> str:
    text = _(
        "Exchange rates: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
    ) % {
        "created": len(result.created),
        "updated": len(result.updated),
        "unchanged": len(result.unchanged),
    }
    if result.rebooking:
        text += " " + _("The documents waiting for an exchange rate are being booked again.")
    return text
