"""Which sections the report has, in which order, with the words an accountant reads."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from import_export.resources import Resource

from connector import formatting
from connector.models import ExternalOrder

from ..labels import booking_status_label
from ..vat.threshold import THRESHOLD
from .completeness import Completeness
from .period import PeriodReport, case_label
from .rows import ReasonGroup, VatDifferenceRow
from .tables import (
    CompletenessResource,
    CorrectionResource,
    CreditNoteResource,
    Figure,
    FigureResource,
    ForeignResource,
    HeldDocumentResource,
    MissingResource,
    OpenItemAgeResource,
    OpenItemResource,
    OssResource,
    PendingResource,
    ReasonResource,
    ReceiptResource,
    RevenueResource,
    RoundingResource,
    SeriesResource,
    SeriesRow,
    StatusCountResource,
    Table,
    TransferResource,
    UnlistedResource,
    VatDifferenceResource,
    build_table,
)

PERIOD_SECTIONS = (
    "summary",
    "revenue",
    "oss",
    "foreign",
    "threshold",
    "credit_notes",
    "receipts",
    "open_items_age",
    "open_items",
    "transfers",
    "corrections",
    "rounding",
    "held",
    "held_documents",
    "not_accepted",
    "vat_differences",
    "documents",
)
COMPLETENESS_SECTIONS = ("completeness", "pending", "missing", "unlisted", "number_gaps")
SECTIONS = PERIOD_SECTIONS + COMPLETENESS_SECTIONS
KIND_LABELS = {"invoice": "invoice", "credit_note": "credit note", "all": "all"}
ZERO = Decimal(0)
NOT_READ = "Not checked: Billbee's register was not read."
Row = TypeVar("Row")


class UnknownSection(ValueError):
    def __init__(self, section: str) -> None:
        super().__init__(f"there is no section {section!r}: choose one of {', '.join(SECTIONS)}")


# Sections that list one field of the report as it is: (title, resource, sheet, note).
_LISTS: dict[str, tuple[str, type[Resource], str, str]] = {
    "credit_notes": (
        "Credit notes",
        CreditNoteResource,
        "Credit notes",
        "Totals in the document's currency, negative as on the credit note.",
    ),
    "receipts": (
        "Payments received",
        ReceiptResource,
        "Payments",
        "Payments from bank and payment-provider statements booked in the month, per account: "
        "what customers paid less refunds (gross), the providers' fees, and what settled "
        "invoices besides the money: Skonto granted and rests written off (gross; their VAT "
        "correction is in the DATEV export). Reversed payments are left out.",
    ),
    "open_items_age": (
        "Open items at the month's end, by age",
        OpenItemAgeResource,
        "Open items by age",
        "Invoices not cleared on the month's last day (Offene Posten), by days since the "
        "invoice date: what the debtors still owe, in EUR. Negative: customers paid more.",
    ),
    "open_items": (
        "Open items at the month's end (OPOS)",
        OpenItemResource,
        "Open items",
        "Every invoice whose debtor is not cleared by the payments, credit notes, returns and "
        "reversals dated up to the month's last day, as DATEV's open-item list shows it for "
        "the same batches. A negative amount is a customer's credit (overpaid).",
    ),
    "transfers": (
        "Transfers between own accounts (Geldtransit)",
        TransferResource,
        "Transfers",
        "Payouts of payment providers to the bank, booked on their own statement dates via the "
        "transit account (Geldtransit): the provider's account to transit, transit to the bank. "
        "When both halves are booked the transit account is clear; a half whose partner has "
        "not arrived yet stays as its balance. Reversed transfers are left out.",
    ),
    "corrections": (
        "Reversals, late changes and documents booked after export",
        CorrectionResource,
        "Corrections",
        "Reversals (Storno), corrections posted after the month had been exported (late "
        "changes) and documents booked for the first time after it (booked after export): "
        "they are in the month's supplement batches (Nachtrag). Totals in the document's "
        "currency.",
    ),
    "documents": (
        "Documents of the month",
        StatusCountResource,
        "Documents",
        "Documents dated in the month (invoice date, else order date), per status.",
    ),
}


def report_tables(report: PeriodReport, completeness: Completeness | None = None) -> list[Table]:
    tables = [
        _summary(report),
        _revenue(report),
        _oss(report),
        _foreign(report),
        _threshold(report),
        _listed(report, "credit_notes"),
        _listed(report, "receipts"),
        _listed(report, "open_items_age"),
        _listed(report, "open_items"),
        _listed(report, "transfers"),
        _listed(report, "corrections"),
        _rounding(report),
        *_held(report),
        _not_accepted(report),
        _vat_differences(report),
        _listed(report, "documents"),
    ]
    if completeness is not None:
        tables.extend(completeness_tables(completeness, ZoneInfo(report.time_zone)))
    return tables


def _listed(report: PeriodReport, key: str) -> Table:
    title, resource, sheet, note = _LISTS[key]
    return build_table(key, title, resource, getattr(report, key), sheet=sheet, note=note)


def table_of(report: PeriodReport, section: str, completeness: Completeness | None = None) -> Table:
    if section not in SECTIONS:
        raise UnknownSection(section)
    if section in COMPLETENESS_SECTIONS and completeness is None:
        raise ValueError(f"the section {section!r} needs the completeness check")
    return next(t for t in report_tables(report, completeness) if t.key == section)


def _summary(report: PeriodReport) -> Table:
    t = report.totals
    figures = [
        Figure("Σ debit (Soll)", t.debit),
        Figure("Σ credit (Haben)", t.credit),
        Figure("debit − credit", t.debit - t.credit, "ok" if t.balanced else "CHECK"),
        Figure("debtors (debit − credit)", t.debtors),
        Figure("revenue, net (revenue, shipping, discounts)", t.revenue),
        Figure("VAT", t.vat),
        Figure("rounding differences", t.rounding),
        Figure("vouchers redeemed", t.vouchers),
        Figure(
            "debtors − (revenue + VAT + rounding − vouchers)",
            t.debtor_difference,
            "ok" if not t.debtor_difference else "CHECK",
        ),
    ]
    return build_table(
        "summary",
        "Totals and cross-check",
        FigureResource,
        figures,
        sheet="Summary",
        note=f"{t.entries} journal entries dated in the month (Belegdatum), in EUR.",
    )


def _foreign(report: PeriodReport) -> Table:
    rows = [replace(row, case=case_label(row.case)) for row in report.foreign]
    return build_table(
        "foreign",
        "Foreign warehouses: sales not taxable in Germany",
        ForeignResource,
        rows,
        sheet="Foreign warehouses",
        note="Sales whose place of supply is a foreign warehouse's country (§ 3 (6) UStG): "
        "local sales with that country's VAT, intra-community supplies and exports from "
        "there. They belong in that country's VAT return (and EC sales list), not in the "
        "German UStVA or ZM. Net and VAT in EUR, credit positive.",
    )


def _threshold(report: PeriodReport) -> Table:
    status = report.threshold
    figures = []
    if status is not None:
        figures = [
            Figure(f"net EU distance sales {status.year - 1}", status.previous_year),
            Figure(
                f"net EU distance sales {status.year} up to {formatting.day(report.period_to)}",
                status.current_year,
                "exceeded" if status.exceeded else "below",
            ),
            Figure("threshold (§ 3c (4) UStG)", THRESHOLD),
        ]
    return build_table(
        "threshold",
        "EU-wide delivery threshold (§ 3c (4) UStG)",
        FigureResource,
        figures,
        sheet="Threshold",
        note=(status.text + ". " if status else "")
        + "Counted from the books: intra-community distance sales dispatched from home "
        "(EU consumers taxed at home or via OSS), net, by date of supply; sales from a "
        "warehouse abroad do not count.",
    )


def _revenue(report: PeriodReport) -> Table:
    total = report.revenue_total
    return build_table(
        "revenue",
        "Revenue per sales channel and VAT treatment",
        RevenueResource,
        report.revenue,
        sheet="Revenue",
        note="Revenue, shipping and discount lines are net, VAT lines VAT. Credit counts "
        "positive, debit negative: credit notes and reversals reduce the figures. In EUR.",
        footer={
            "origin": "total",
            "net": total.net,
            "vat": total.vat,
            "gross": total.gross,
            "entries": total.entries,
        },
    )


def _oss(report: PeriodReport) -> Table:
    return build_table(
        "oss",
        "OSS: sales taxed in the destination country",
        OssResource,
        report.oss,
        sheet="OSS",
        note="What goes into the quarterly OSS return: net and VAT per destination country "
        "and rate, apart by the country the goods were shipped from. In EUR.",
        footer={
            "country": "total",
            "net": sum((r.net for r in report.oss), ZERO),
            "vat": sum((r.vat for r in report.oss), ZERO),
        }
        if report.oss
        else None,
    )


def _rounding(report: PeriodReport) -> Table:
    return build_table(
        "rounding",
        "Rounding differences",
        RoundingResource,
        report.rounding,
        sheet="Rounding",
        note="Billbee's total minus the lines rounded to cents, booked to the rounding "
        "account (credit positive). In EUR.",
        footer={"number": "total", "amount": report.rounding_total} if report.rounding else None,
    )


def _held(report: PeriodReport) -> list[Table]:
    listed, total = len(report.held_documents), report.held_total
    more = f" The first {listed} of {total} are listed." if listed < total else ""
    return [
        build_table(
            "held",
            "Not in the journal: waiting and rejected",
            ReasonResource,
            reason_rows(report.held, booking_status_label),
            sheet="Held",
            note="Documents of the month that the journal does not hold: waiting or rejected "
            "by bookkeeping, or accepted and not booked yet.",
        ),
        build_table(
            "held_documents",
            "Not in the journal: the documents",
            HeldDocumentResource,
            report.held_documents,
            sheet="Held documents",
            note=f"Each one with its reason.{more}",
        ),
    ]


def _not_accepted(report: PeriodReport) -> Table:
    labels = dict(ExternalOrder.Status.choices)
    return build_table(
        "not_accepted",
        "Upload log: documents not accepted",
        ReasonResource,
        reason_rows(report.not_accepted, lambda status: str(labels.get(status, status))),
        sheet="Not accepted",
        note="Documents of the month that the import did not accept, by reason; under "
        "“excluded by a channel rule” each rule with the documents it excluded.",
    )


def reason_rows(groups: tuple[ReasonGroup, ...], status_label: Any) -> list[SimpleNamespace]:
    """One row per group (its status, name, code and count), and beneath it a row per
    detail (a rule, an origin) with its own count."""
    rows: list[SimpleNamespace] = []
    for group in groups:
        rows.append(
            SimpleNamespace(
                status=status_label(group.status),
                reason=group.reason,
                reason_code=group.reason_code,
                count=group.count,
            )
        )
        rows += [
            SimpleNamespace(status="", reason=f"– {d.label}", reason_code="", count=d.count)
            for d in group.details
        ]
    return rows


def _vat_differences(report: PeriodReport) -> Table:
    rows = [
        VatDifferenceRow(
            r.document_id,
            r.invoice_number,
            r.order_number,
            r.document_date,
            r.origin,
            case_label(r.case),
            r.status,
            r.difference,
        )
        for r in report.vat_differences
    ]
    return build_table(
        "vat_differences",
        "VAT differences against Billbee",
        VatDifferenceResource,
        rows,
        sheet="VAT differences",
        note="Documents whose VAT computed here differs from Billbee's by more than 0,01 €.",
    )


# --- completeness ----------------------------------------------------------------------


def completeness_tables(completeness: Completeness, tz: ZoneInfo) -> list[Table]:
    return [
        _completeness(completeness, tz),
        _pending(completeness, tz),
        _missing(completeness),
        _unlisted(completeness),
        _number_gaps(completeness),
    ]


def _completeness(c: Completeness, tz: ZoneInfo) -> Table:
    if c.checked:
        read = formatting.when(c.read_at, tz)
        state = f"Billbee's invoice register, read {read}: {c.register_count} documents"
        if c.unreadable:
            state += f"; {c.unreadable} entries of the register could not be read"
        gaps = "gap" if c.unexplained == 1 else "gaps"
        state += f"; {c.unexplained} unexplained {gaps}"
        if c.pending:
            state += f", {len(c.pending)} changed after the last import (the next run reads them)"
    else:
        state = c.reason
    return build_table(
        "completeness",
        "Completeness: Billbee against the upload log",
        CompletenessResource,
        [_kind_label(r) for r in c.rows],
        sheet="Completeness",
        note=f"{state}.",
        footer=asdict(_kind_label(c.total)),
    )


def _pending(c: Completeness, tz: ZoneInfo) -> Table:
    if c.checked and c.watermark is not None:
        watermark = formatting.when(c.watermark, tz)
        note = (
            "In Billbee's register, not in the upload log yet: Billbee changed their orders "
            f"after the last import (everything up to {watermark} is imported). Not a gap: "
            "the next run reads them."
        )
    elif c.checked:
        note = "Nothing was imported yet: every register document is missing."
    else:
        note = NOT_READ
    # The table shows when Billbee changed each one, as the connection's local time.
    rows = [
        SimpleNamespace(**{**asdict(_kind_label(d)), "modified_at": _local(d.modified_at, tz)})
        for d in c.pending
    ]
    return build_table(
        "pending",
        "Changed after the last import: the next run reads them",
        PendingResource,
        rows,
        sheet="Changed after import",
        note=note,
    )


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return formatting.when(moment, tz) if moment else ""


def _missing(c: Completeness) -> Table:
    return build_table(
        "missing",
        "In Billbee's register, missing from the upload log",
        MissingResource,
        [_kind_label(d) for d in c.missing],
        sheet="Missing from upload log",
        note="Unexplained gaps: their orders did not change after the last import, so the "
        "import should have read them. What a missing API permission of the API user or an "
        "import gap looks like: check the API user's shops and run the import for these days."
        if c.checked
        else NOT_READ,
    )


def _unlisted(c: Completeness) -> Table:
    return build_table(
        "unlisted",
        "In the upload log, not in Billbee's register",
        UnlistedResource,
        [_kind_label(d) for d in c.unlisted],
        sheet="Not in register",
        note="Upload-log documents of the month with an invoice number that Billbee's "
        "register does not list (deleted or renumbered in Billbee?)."
        if c.checked
        else NOT_READ,
    )


def _number_gaps(c: Completeness) -> Table:
    rows = [
        SeriesRow(
            s.source,
            s.label,
            s.lowest,
            s.highest,
            s.present,
            s.missing_count,
            ", ".join(s.missing) or "none",
        )
        for s in c.series
    ]
    return build_table(
        "number_gaps",
        "Gaps in invoice numbers",
        SeriesResource,
        rows,
        sheet="Number gaps",
        note="Per number series, the numbers missing between the month's lowest and highest. "
        "A number missing from Billbee's register too was never issued there (voided, or its "
        "order deleted): there is no document to import, and the merchant explains it (GoBD). "
        "A number missing only from the upload log is listed above, as changed after the last "
        "import or missing.",
    )


def _kind_label(row: Row) -> Row:
    kind: Any = getattr(row, "kind", "")
    return replace(row, kind=KIND_LABELS.get(kind, kind))  # type: ignore[type-var]
