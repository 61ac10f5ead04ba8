"""The set-up files of one connection from a script: the same CSV and XLSX files as the
console's import and export (the same Resource classes in ``bookkeeping.resources``).

An import is all or nothing: when any row is invalid nothing is written, and the report names
each row with its number and reason. Rows are numbered as a spreadsheet shows them: the header
is row 1, the first data row is row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export.formats.base_formats import CSV, XLSX, Format
from import_export.results import Result, RowResult

from connector.models import Connection

from ..errors import BookkeepingError
from ..resources import SetupResource

FORMATS: dict[str, type[Format]] = {".csv": CSV, ".xlsx": XLSX}
OUTCOMES = {
    RowResult.IMPORT_TYPE_NEW: "created",
    RowResult.IMPORT_TYPE_UPDATE: "updated",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_INVALID: "error",
    RowResult.IMPORT_TYPE_ERROR: "error",
}
HEADER_ROWS = 1


class SetupFileError(BookkeepingError):
    """The file cannot be read or written (its format, its encoding, its columns)."""


@dataclass(frozen=True)
class RowReport:
    row: int
    outcome: str  # created, updated, unchanged, error
    key: str
    reason: str = ""


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the whole file
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.outcome != "error" for r in self.rows)

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(("created", "updated", "unchanged", "error"), 0)
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "dry_run": self.dry_run,
            **self.totals(),
            "file_errors": self.errors,
            "rows": [
                {"row": r.row, "outcome": r.outcome, "key": r.key, "reason": r.reason}
                for r in self.rows
            ],
        }


def file_format(path: Path) -> Format:
    try:
        return FORMATS[path.suffix.lower()]()
    except KeyError:
        raise SetupFileError(
            f"{path.name}: the file name must end in {' or '.join(FORMATS)}"
        ) from None


def setup_file_export(
    resource_class: type[SetupResource], connection: Connection, path: Path
) -> int:
    """Write the connection's rows to ``path`` (CSV or XLSX by its extension); returns how
    many rows were written."""
    fmt = file_format(path)
    dataset = resource_class(connection=connection).export(force_native_type=fmt.is_binary())
    data = fmt.export_data(dataset)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return len(dataset)


def setup_file_import(
    resource_class: type[SetupResource],
    connection: Connection,
    path: Path,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Import ``path`` into the connection's rows: every row or none."""
    dataset = _read(path)
    result: Result = resource_class(connection=connection).import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    report = ImportReport(dry_run=dry_run)
    report.errors = [_reason_of_error(e.error) for e in result.base_errors]
    for number, (values, row_result) in enumerate(zip(dataset.dict, result.rows, strict=False), 1):
        report.rows.append(
            RowReport(
                row=number + HEADER_ROWS,
                outcome=OUTCOMES.get(row_result.import_type, row_result.import_type),
                key=resource_class.describe(values),
                reason=_reason(row_result),
            )
        )
    return report


def _read(path: Path) -> Any:
    fmt = file_format(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SetupFileError(f"{path}: {exc.strerror}") from None
    try:
        data: Any = content if fmt.is_binary() else content.decode("utf-8-sig")
        return fmt.create_dataset(data)
    except UnicodeDecodeError:
        raise SetupFileError(f"{path.name}: a CSV file must be UTF-8 encoded") from None
    except Exception as exc:  # the readers of tablib and openpyxl raise anything
        raise SetupFileError(f"{path.name}: cannot be read as {fmt.get_title()}: {exc}") from None


def _reason(row: RowResult) -> str:
    if row.validation_error is None:
        return "; ".join(_reason_of_error(e.error) for e in row.errors)
    return validation_reason(row.validation_error)


def validation_reason(error: ValidationError) -> str:
    """A row's validation errors on one line: ``account: Ensure this value …``."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(messages)}"
        for name, messages in error.message_dict.items()
    )


def _reason_of_error(error: Exception) -> str:
    return str(error) or type(error).__name__
