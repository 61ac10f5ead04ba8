"""Reports of the journal and the upload log: the monthly period report and the completeness
check (Billbee's invoice register against the upload log), as HTML, PDF, XLSX, CSV and JSON.

``period_report`` and ``completeness_check`` are selectors (they read, never write); the
``render_*`` functions turn their results into files.
"""

from __future__ import annotations

from .completeness import Completeness, completeness_check
from .numbers import NumberSeries, invoice_number_gaps
from .period import PeriodReport, month_bounds, parse_month, period_report
from .render import render_csv, render_html, render_json, render_pdf, render_xlsx, report_data
from .sections import SECTIONS, UnknownSection

__all__ = [
    "SECTIONS",
    "Completeness",
    "NumberSeries",
    "PeriodReport",
    "UnknownSection",
    "completeness_check",
    "invoice_number_gaps",
    "month_bounds",
    "parse_month",
    "period_report",
    "render_csv",
    "render_html",
    "render_json",
    "render_pdf",
    "render_xlsx",
    "report_data",
]
