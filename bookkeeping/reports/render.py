"""The period report as a file: PDF (WeasyPrint, A4), XLSX (one sheet per section), CSV (one
section, the way German Excel opens it) and JSON (for scripts).

Every output is made from the same tables (``sections.report_tables``). The HTML, the PDF and
the workbook speak the active language (titles, headings, notes, labels); the CSV is written
in English whatever the language, like the command line's outputs, so that what reads it
finds the same columns every time. Amounts and dates are shown in the active language's
format in the PDF and the HTML ("1.234,56 EUR", "02.12.2026" in German; connector.formatting),
written as numbers with a number format in the workbook, and with a decimal comma and no
thousands separator in the CSV (for German Excel).

The workbook is written with openpyxl rather than through tablib's XLSX format: tablib
writes no number formats, and an accountant's workbook needs amounts that sum as amounts and
read as "1.234,56 €".
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import tablib
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from connector import formatting

from .completeness import Completeness
from .period import PeriodReport
from .sections import SECTIONS, UnknownSection, report_tables, table_of
from .tables import Table

# Excel's number formats; Excel shows them with the reader's separators (1.234,56 in German).
XLSX_FORMATS = {
    "amount": "#,##0.00",
    "money": '#,##0.00 "€";-#,##0.00 "€"',
    "rate": "0.00",
    "count": "0",
    "date": "DD.MM.YYYY",
}
# A text cell that starts like this is a formula to Excel: it is written as plain text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- German formatting ---------------------------------------------------------------------


def format_decimal(value: Decimal, places: int = 2, *, grouped: bool = True) -> str:
    """``Decimal("-1234.5")`` → ``"-1.234,50"`` (half up at the last place shown)."""
    quantum = Decimal(1).scaleb(-places)
    text = (
        f"{abs(value.quantize(quantum, ROUND_HALF_UP)):,.{places}f}"
        if grouped
        else (f"{abs(value.quantize(quantum, ROUND_HALF_UP)):.{places}f}")
    )
    text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"-{text}" if value.quantize(quantum, ROUND_HALF_UP) < 0 else text


def format_cell(value: Any, kind: str) -> str:
    """A cell of the HTML and PDF, in the active language's format."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return formatting.money(_cents(value), "EUR")
    if kind == "amount":
        return formatting.number(_cents(value), 2)
    if kind == "rate":
        rate = Decimal(value).normalize()
        places = max(0, -rate.as_tuple().exponent)  # type: ignore[operator]
        return f"{formatting.number(rate, places)} %"
    if kind == "date" and isinstance(value, date):
        return formatting.day(value)
    return str(value)  # counts too: ids and account numbers are never grouped


def _cents(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- HTML and PDF --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str


@dataclass(frozen=True)
class HtmlTable:
    key: str
    title: str
    note: str
    headers: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[Cell, ...] | None


def html_tables(tables: list[Table]) -> list[HtmlTable]:
    def cells(values: tuple[Any, ...], kinds: tuple[str, ...]) -> tuple[Cell, ...]:
        return tuple(Cell(format_cell(v, k), k) for v, k in zip(values, kinds, strict=True))

    return [
        HtmlTable(
            key=t.key,
            title=t.title,
            note=t.note,
            headers=tuple(Cell(h, k) for h, k in zip(t.headers, t.kinds, strict=True)),
            rows=tuple(cells(row, t.kinds) for row in t.rows),
            footer=cells(t.footer, t.kinds) if t.footer else None,
        )
        for t in tables
    ]


def report_context(report: PeriodReport, completeness: Completeness | None) -> dict[str, Any]:
    tz = ZoneInfo(report.time_zone)
    return {
        "report": report,
        "completeness": completeness,
        "generated_at": formatting.when(report.generated_at, tz),
        "period": f"{formatting.day(report.period_from)} – {formatting.day(report.period_to)}",
        "tables": html_tables(report_tables(report, completeness)),
    }


def render_html(report: PeriodReport, completeness: Completeness | None = None) -> str:
    """The HTML the PDF is made from."""
    return render_to_string("bookkeeping/period_report.html", report_context(report, completeness))


def render_pdf(report: PeriodReport, completeness: Completeness | None = None) -> bytes:
    with warnings.catch_warnings():
        # A packaging notice of WeasyPrint's about an optional system library (HarfBuzz
        # subsetting); fonts are subset with fontTools without it.
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        import weasyprint

    html = render_html(report, completeness)
    return weasyprint.HTML(string=html).write_pdf()  # type: ignore[no-any-return]


# --- XLSX ----------------------------------------------------------------------------------


def render_xlsx(report: PeriodReport, completeness: Completeness | None = None) -> bytes:
    workbook = Workbook()
    about = workbook.active
    about.title = _sheet_name(_("Report"))
    for label, value in _about(report, completeness):
        about.append([label, value])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    for table in report_tables(report, completeness):
        _sheet(workbook, table)
    workbook.properties.title = _("Period report %(connection)s %(month)s") % {
        "connection": report.connection,
        "month": report.month_label,
    }
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _about(report: PeriodReport, completeness: Completeness | None) -> list[tuple[str, str]]:
    tz = ZoneInfo(report.time_zone)
    rows = [
        (_("Period report"), f"{report.connection} ({report.connection_label})"),
        (_("Month"), report.month_label),
        (
            _("Period"),
            f"{formatting.day(report.period_from)} – {formatting.day(report.period_to)}",
        ),
        (_("Generated at"), f"{formatting.when(report.generated_at, tz)} ({tz.key})"),
        (_("Currency"), _("EUR (journal amounts)")),
    ]
    if completeness is not None:
        checked = _("checked against Billbee") if completeness.checked else completeness.reason
        rows.append((_("Completeness"), checked))
    return rows


def _sheet(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(_sheet_name(table.sheet))
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in table.rows:
        _append(sheet, values, table.kinds)
    if table.footer:
        _append(sheet, table.footer, table.kinds)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        width = max([len(header), *(len(format_cell(r[index - 1], "text")) for r in table.rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))


def _append(sheet: Worksheet, values: tuple[Any, ...], kinds: tuple[str, ...]) -> None:
    row = sheet.max_row + 1
    for column, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
        cell = sheet.cell(row=row, column=column)
        if kind in XLSX_FORMATS and value not in (None, ""):
            cell.value = value
            cell.number_format = XLSX_FORMATS[kind]
        else:
            cell.value = "" if value is None else str(value)
            cell.data_type = "s"  # never a formula, whatever a shop name starts with


def _sheet_name(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


# --- CSV -----------------------------------------------------------------------------------


def render_csv(
    report: PeriodReport, section: str, completeness: Completeness | None = None
) -> bytes:
    """One section as CSV for German Excel: UTF-8 with BOM, ``;``, decimal comma, dates
    DD.MM.YYYY, headings and labels in English whatever the active language. Raises
    ``UnknownSection`` for a section the report does not have."""
    if section not in SECTIONS:
        raise UnknownSection(section)  # in the reader's language: the console shows it
    with translation.override(None):
        table = table_of(report, section, completeness)
    dataset = tablib.Dataset(headers=list(table.headers))
    for values in (*table.rows, *([table.footer] if table.footer else [])):
        dataset.append([_csv_value(v, k) for v, k in zip(values, table.kinds, strict=True)])
    text = dataset.export("csv", delimiter=";")
    return ("\ufeff" + text).encode("utf-8")


def _csv_value(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind in ("money", "amount", "rate"):
        return format_decimal(Decimal(value), 2, grouped=False)
    if kind == "date" and isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if kind == "count":
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


# --- JSON ----------------------------------------------------------------------------------


def report_data(report: PeriodReport, completeness: Completeness | None = None) -> dict[str, Any]:
    """The report as JSON-ready data: amounts as strings (exact), dates in ISO 8601."""
    data: dict[str, Any] = {"report": _plain(report)}
    data["report"]["totals"].update(
        balanced=report.totals.balanced,
        debtor_difference=str(report.totals.debtor_difference),
    )
    data["report"]["rounding_total"] = str(report.rounding_total)
    if completeness is not None:
        data["completeness"] = _plain(completeness)
        data["completeness"]["complete"] = completeness.complete
    return data


def render_json(report: PeriodReport, completeness: Completeness | None = None) -> str:
    return json.dumps(report_data(report, completeness), ensure_ascii=False, indent=2)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
