"""Import and export of the set-up lists in the console (django-import-export): CSV or XLSX,
an import shows its preview (each row created, updated, unchanged, or its error) and writes
only when confirmed, every row or none. The file format is ``bookkeeping.resources``'s, the
same as ``manage.py debtor_mapping``'s."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.results import Result

from ..services.setup_files import validation_reason


class SetupImportExport(ImportExportMixin):
    formats = [CSV, XLSX]
    # Every column, always: an exported file imports again as it is.
    export_form_class = ExportForm

    def has_import_permission(self, request: HttpRequest) -> bool:
        """The change permission (IMPORT_EXPORT_IMPORT_PERMISSION_CODE), and the add
        permission, since an import creates the rows it does not find."""
        return super().has_import_permission(request) and self.has_add_permission(request)  # type: ignore[attr-defined]

    # The import and export pages list the file's columns: by their names in the file (fixed,
    # so that a file imports in any language) and what each holds, in the reader's language.
    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        _explain_columns(response, self.model)  # type: ignore[attr-defined]
        return response  # type: ignore[no-any-return]

    def init_request_context_data(self, request: HttpRequest, form: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().init_request_context_data(request, form)
        context["fields_list"] = _explained(context.get("fields_list") or [], self.model)  # type: ignore[attr-defined]
        return context

    def get_import_data_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # A row that became invalid between the preview and the confirmation (a connection
        # renamed meanwhile) rolls the whole import back.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)  # type: ignore[no-any-return]
        problems = [_row(row.number, validation_reason(row.error)) for row in result.invalid_rows]
        problems += [_row(n, errors[0].error) for n, errors in result.row_errors()]
        problems += [str(error.error) for error in result.base_errors]
        messages.error(
            request, _("Nothing was imported: %(problems)s") % {"problems": "; ".join(problems[:5])}
        )
        opts = self.model._meta  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))


def _row(number: int, reason: object) -> str:
    return _("row %(number)s: %(reason)s") % {"number": number, "reason": reason}


def _explain_columns(response: HttpResponse, model: type[Model]) -> None:
    context = getattr(response, "context_data", None)
    if context and context.get("fields_list"):
        context["fields_list"] = _explained(context["fields_list"], model)


def _explained(
    fields_list: list[tuple[str, list[str]]], model: type[Model]
) -> list[tuple[str, list[str]]]:
    """Each column as "name (what it holds)", from the model field of the same name."""
    return [(resource, [_column(model, c) for c in columns]) for resource, columns in fields_list]


def _column(model: type[Model], column: str) -> str:
    try:
        label = getattr(model._meta.get_field(column), "verbose_name", None)
    except FieldDoesNotExist:
        return column
    if not label or str(label).casefold() == column.replace("_", " ").casefold():
        return column  # says nothing more than the name
    return f"{column} ({label})"
