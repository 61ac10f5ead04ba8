"""Statements → "Import a statement": choose the account, the file and its format, see every
line as new, already known or broken (with the reason), then confirm. Nothing is stored
before the confirmation; the file is read again then. Needs ``payments.import_statement``
(and seeing the accounts)."""

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
from django.utils.translation import gettext_lazy, ngettext

from connector.admin.form_defaults import only_one
from connector.texts import Text

from .errors import PaymentsError
from .models import PaymentSource
from .services.statements import (
    FORMATS,
    StatementImportResult,
    statement_import,
    statement_preview,
)

if TYPE_CHECKING:
    from .admin import StatementAdmin

MAX_FILE_BYTES = 20 * 1024 * 1024
FORMAT_CHOICES = [
    ("", gettext_lazy("the account's format, else recognised")),
    *((f, f) for f in FORMATS),
]


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(
        queryset=PaymentSource.objects.filter(is_active=True).select_related("connection"),
        label=gettext_lazy("bank or PSP account"),
    )
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy("CAMT (XML), MT940, PayPal or Stripe CSV, or a bank CSV."),
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label=gettext_lazy("format"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split the export."))
        self.file_name = upload.name
        return bytes(upload.read())


class ConfirmForm(forms.Form):
    """The previewed file again, carried by the page."""

    source = forms.ModelChoiceField(
        queryset=PaymentSource.objects.filter(is_active=True), widget=forms.HiddenInput
    )
    content = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(required=False, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, widget=forms.HiddenInput)

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The previewed file did not come back intact.")) from None


def statement_upload_view(model_admin: StatementAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_import_permission(request):
        raise PermissionDenied
    problems: list[str] = []
    preview: StatementImportResult | None = None
    confirm: ConfirmForm | None = None
    # The only account is preselected.
    only = only_one(UploadForm.base_fields["source"].queryset)  # type: ignore[attr-defined]
    upload = UploadForm(initial={"source": only.pk} if only is not None else None)
    if request.method == "POST" and "_confirm" in request.POST:
        confirmed = ConfirmForm(request.POST)
        if confirmed.is_valid():
            data = confirmed.cleaned_data
            try:
                result = statement_import(
                    data["source"],
                    data["content"],
                    filename=data["file_name"],
                    format=data["format"] or None,
                )
            except PaymentsError as exc:
                problems = [str(exc)]
            else:
                level = messages.WARNING if result.errors else messages.SUCCESS
                model_admin.message_user(request, _summary(result), level)
                return redirect("admin:payments_statement_change", result.statement_id)
        else:
            problems = [str(e) for errors in confirmed.errors.values() for e in errors]
    elif request.method == "POST":
        upload = UploadForm(request.POST, request.FILES)
        if upload.is_valid():
            data = upload.cleaned_data
            try:
                preview = statement_preview(
                    data["source"],
                    data["file"],
                    filename=upload.file_name,
                    format=data["format"] or None,
                )
            except PaymentsError as exc:
                problems = [str(exc)]
            else:
                for outcome in preview.outcomes:  # the broken lines' reasons, in the reader's
                    if isinstance(outcome.reason, Text):
                        outcome.reason = outcome.reason.render()
                confirm = ConfirmForm(
                    initial={
                        "source": data["source"].pk,
                        "content": base64.b64encode(data["file"]).decode("ascii"),
                        "file_name": upload.file_name,
                        "format": data["format"],
                    }
                )
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": _("Import a statement"),
        "opts": model_admin.model._meta,
        "form": upload,
        "problems": problems,
        "preview": preview,
        "confirm": confirm,
    }
    return TemplateResponse(request, "admin/payments/statement/import.html", context)


def _summary(result: StatementImportResult) -> str:
    text = ngettext(
        "%(source)s: %(lines)s line, %(new)s new, %(known)s already known, %(broken)s with errors.",
        "%(source)s: %(lines)s lines, %(new)s new, %(known)s already known, %(broken)s with "
        "errors.",
        result.lines,
    ) % {
        "source": result.source,
        "lines": result.lines,
        "new": result.new,
        "known": result.known,
        "broken": len(result.errors),
    }
    if result.errors:
        text += " " + _("The broken lines are listed on the statement's page with their reason.")
    return text
