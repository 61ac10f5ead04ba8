"""Which sections the report has, in which order, with the words an accountant reads.

The words are the reader's: titles, notes, column headings and the labels of figures,
statuses, kinds, VAT treatments and reason groups are read in the active language when the
tables are built (from the codes the report holds). The few labels the report holds as
text (the upload log's statuses per document count, the channel rules under their group)
are in the language it was selected in: the console selects and renders in one language.
What the data name (origins, numbers, a document's stored reason or note) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export.resources import Resource

from connector import formatting
from connector.labels import reason_label
from connector.models import ExternalOrder
from connector.texts import rendered

from ..labels import NOT_BOOKED, booking_reason_label, booking_status_label
from ..models import JournalEntry
from ..texts import in_reader_language
from ..vat.threshold import THRESHOLD
from .completeness import Completeness
from .completeness_sections import COMPLETENESS_SECTIONS, completeness_tables
from .documents import NOT_BOOKED_REASON
from .period import PeriodReport, case_label
from .rows import ReasonGroup, VatDifferenceRow
from .tables import (
    CorrectionResource,
    CreditNoteResource,
    Figure,
    FigureResource,
    ForeignResource,
    HeldDocumentResource,
    OpenItemAgeResource,
    OpenItemResource,
    OssResource,
    ReasonResource,
    ReceiptResource,
    RevenueResource,
    RoundingResource,
    StatusCountResource,
    Table,
    TransferResource,
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
SECTIONS = PERIOD_SECTIONS + COMPLETENESS_SECTIONS
ZERO = Decimal(0)
CENT = Decimal("0.01")


class UnknownSection(ValueError):
    def __init__(self, section: str) -> None:
        super().__init__(
            _("there is no section '%(section)s': choose one of %(sections)s")
            % {"section": section, "sections": ", ".join(SECTIONS)}
        )


# Sections that list one field of the report: (title, resource, sheet, note).
_LISTS: dict[str, tuple[Promise, type[Resource], Promise, Promise]] = {
    "credit_notes": (
        gettext_lazy("Credit notes"),
        CreditNoteResource,
        gettext_lazy("Credit notes"),
        gettext_lazy("Totals in the document's currency, negative as on the credit note."),
    ),
    "receipts": (
        gettext_lazy("Payments received"),
        ReceiptResource,
        gettext_lazy("Payments"),
        gettext_lazy(
            "Payments from bank and payment-provider statements booked in the month, per "
            "account: what customers paid less refunds (gross), the providers' fees, and what "
            "settled invoices besides the money: Skonto granted and rests written off (gross; "
            "their VAT correction is in the DATEV export). Reversed payments are left out."
        ),
    ),
    "open_items_age": (
        gettext_lazy("Open items at the month's end, by age"),
        OpenItemAgeResource,
        gettext_lazy("Open items by age"),
        gettext_lazy(
            "Invoices not cleared on the month's last day (Offene Posten), by days since the "
            "invoice date: what the debtors still owe, in EUR. Negative: customers paid more."
        ),
    ),
    "open_items": (
        gettext_lazy("Open items at the month's end (OPOS)"),
        OpenItemResource,
        gettext_lazy("Open items"),
        gettext_lazy(
            "Every invoice whose debtor is not cleared by the payments, credit notes, returns "
            "and reversals dated up to the month's last day, as DATEV's open-item list shows "
            "it for the same batches. A negative amount is a customer's credit (overpaid)."
        ),
    ),
    "transfers": (
        gettext_lazy("Transfers between own accounts (Geldtransit)"),
        TransferResource,
        gettext_lazy("Transfers"),
        gettext_lazy(
            "Payouts of payment providers to the bank, booked on their own statement dates via "
            "the transit account (Geldtransit): the provider's account to transit, transit to "
            "the bank. When both halves are booked the transit account is clear; a half whose "
            "partner has not arrived yet stays as its balance. Reversed transfers are left out."
        ),
    ),
    "corrections": (
        gettext_lazy("Reversals, late changes and documents booked after export"),
        CorrectionResource,
        gettext_lazy("Corrections"),
        gettext_lazy(
            "Reversals (Storno), corrections posted after the month had been exported (late "
            "changes) and documents booked for the first time after it (booked after export): "
            "they are in the month's supplement batches (Nachtrag). Totals in the document's "
            "currency."
        ),
    ),
    "documents": (
        gettext_lazy("Documents of the month"),
        StatusCountResource,
        gettext_lazy("Documents"),
        gettext_lazy("Documents dated in the month (invoice date, else order date), per status."),
    ),
}


def report_tables(report: PeriodReport, completeness: Completeness | None = None) -> list[Table]:
    tables = [
        _summary(report),
        _revenue(report),
        _oss(report),
        _foreign(report),
        _threshold(report),
        _listed("credit_notes", report.credit_notes),
        _listed("receipts", report.receipts),
        _listed(
            "open_items_age",
            [replace(row, bucket=_(row.bucket)) for row in report.open_items_age],
        ),
        _listed("open_items", report.open_items),
        _listed("transfers", report.transfers),
        _listed(
            "corrections",
            [
                replace(row, kind=entry_kind_label(row.kind), note=rendered(row.note))
                for row in report.corrections
            ],
        ),
        _rounding(report),
        *_held(report),
        _not_accepted(report),
        _vat_differences(report),
        _listed("documents", [replace(row, side=_(row.side)) for row in report.documents]),
    ]
    if completeness is not None:
        tables.extend(completeness_tables(completeness, ZoneInfo(report.time_zone)))
    return tables


def _listed(key: str, rows: Iterable[Any]) -> Table:
    title, resource, sheet, note = _LISTS[key]
    return build_table(key, title, resource, rows, sheet=sheet, note=note)


def table_of(report: PeriodReport, section: str, completeness: Completeness | None = None) -> Table:
    if section not in SECTIONS:
        raise UnknownSection(section)
    if section in COMPLETENESS_SECTIONS and completeness is None:
        raise ValueError(f"the section {section!r} needs the completeness check")
    return next(t for t in report_tables(report, completeness) if t.key == section)


def entry_kind_label(kind: str) -> str:
    """A journal entry's kind as the reader's language names it ("reversal" → "Storno…")."""
    try:
        return str(JournalEntry.Kind(kind).label)
    except ValueError:
        return kind


def _check(ok: bool) -> str:
    return _("ok") if ok else _("CHECK")


def _summary(report: PeriodReport) -> Table:
    t = report.totals
    figures = [
        Figure(_("Σ debit (Soll)"), t.debit),
        Figure(_("Σ credit (Haben)"), t.credit),
        Figure(_("debit − credit"), t.debit - t.credit, _check(t.balanced)),
        Figure(_("debtors (debit − credit)"), t.debtors),
        Figure(_("revenue, net (revenue, shipping, discounts)"), t.revenue),
        Figure(_("VAT"), t.vat),
        Figure(_("rounding differences"), t.rounding),
        Figure(_("vouchers redeemed"), t.vouchers),
        Figure(
            _("debtors − (revenue + VAT + rounding − vouchers)"),
            t.debtor_difference,
            _check(not t.debtor_difference),
        ),
    ]
    return build_table(
        "summary",
        _("Totals and cross-check"),
        FigureResource,
        figures,
        sheet=_("Summary"),
        note=ngettext(
            "%(count)s journal entry dated in the month (Belegdatum), in EUR.",
            "%(count)s journal entries dated in the month (Belegdatum), in EUR.",
            t.entries,
        )
        % {"count": t.entries},
    )


def _foreign(report: PeriodReport) -> Table:
    rows = [replace(row, case=case_label(row.case)) for row in report.foreign]
    return build_table(
        "foreign",
        _("Foreign warehouses: sales not taxable in Germany"),
        ForeignResource,
        rows,
        sheet=_("Foreign warehouses"),
        note=_(
            "Sales whose place of supply is a foreign warehouse's country (§ 3 (6) UStG): "
            "local sales with that country's VAT, intra-community supplies and exports from "
            "there. They belong in that country's VAT return (and EC sales list), not in the "
            "German UStVA or ZM. Net and VAT in EUR, credit positive."
        ),
    )


def _threshold(report: PeriodReport) -> Table:
    status = report.threshold
    figures = []
    if status is not None:
        figures = [
            Figure(
                _("net EU distance sales %(year)s") % {"year": status.year - 1},
                status.previous_year,
            ),
            Figure(
                _("net EU distance sales %(year)s up to %(day)s")
                % {"year": status.year, "day": formatting.day(report.period_to)},
                status.current_year,
                _("exceeded") if status.exceeded else _("below"),
            ),
            Figure(_("threshold (§ 3c (4) UStG)"), THRESHOLD),
        ]
    counted = _(
        "Counted from the books: intra-community distance sales dispatched from home (EU "
        "consumers taxed at home or via OSS), net, by date of supply; sales from a warehouse "
        "abroad do not count."
    )
    return build_table(
        "threshold",
        _("EU-wide delivery threshold (§ 3c (4) UStG)"),
        FigureResource,
        figures,
        sheet=_("Threshold"),
        note=f"{status.text}. {counted}" if status else counted,
    )


def _revenue(report: PeriodReport) -> Table:
    total = report.revenue_total
    return build_table(
        "revenue",
        _("Revenue per sales channel and VAT treatment"),
        RevenueResource,
        [replace(row, case_label=case_label(row.case)) for row in report.revenue],
        sheet=_("Revenue"),
        note=_(
            "Revenue, shipping and discount lines are net, VAT lines VAT. Credit counts "
            "positive, debit negative: credit notes and reversals reduce the figures. In EUR."
        ),
        footer={
            "origin": _("total"),
            "net": total.net,
            "vat": total.vat,
            "gross": total.gross,
            "entries": total.entries,
        },
    )


def _oss(report: PeriodReport) -> Table:
    return build_table(
        "oss",
        _("OSS: sales taxed in the destination country"),
        OssResource,
        report.oss,
        sheet="OSS",
        note=_(
            "What goes into the quarterly OSS return: net and VAT per destination country "
            "and rate, apart by the country the goods were shipped from. In EUR."
        ),
        footer={
            "country": _("total"),
            "net": sum((r.net for r in report.oss), ZERO),
            "vat": sum((r.vat for r in report.oss), ZERO),
        }
        if report.oss
        else None,
    )


def _rounding(report: PeriodReport) -> Table:
    return build_table(
        "rounding",
        _("Rounding differences"),
        RoundingResource,
        [replace(row, kind=entry_kind_label(row.kind)) for row in report.rounding],
        sheet=_("Rounding"),
        note=_(
            "Billbee's total minus the lines rounded to cents, booked to the rounding "
            "account (credit positive). In EUR."
        ),
        footer={"number": _("total"), "amount": report.rounding_total} if report.rounding else None,
    )


def _held(report: PeriodReport) -> list[Table]:
    listed, total = len(report.held_documents), report.held_total
    note = _("Each one with its reason.")
    if listed < total:
        more = _("The first %(listed)s of %(total)s are listed.")
        note += " " + more % {"listed": listed, "total": total}
    # Stored reasons name one document each and are said in the report's language (as stored
    # where their sentence's data is missing); the one a document without a booking run gets
    # is the report's own words.
    documents = [
        replace(
            d,
            status=booking_status_label(d.status),
            reason=_(NOT_BOOKED_REASON)
            if d.reason_code == NOT_BOOKED
            else in_reader_language(d.reason),
        )
        for d in report.held_documents
    ]
    return [
        build_table(
            "held",
            _("Not in the journal: waiting and rejected"),
            ReasonResource,
            reason_rows(report.held, booking_status_label, booking_reason_label),
            sheet=_("Held"),
            note=_(
                "Documents of the month that the journal does not hold: waiting or rejected "
                "by bookkeeping, or accepted and not booked yet."
            ),
        ),
        build_table(
            "held_documents",
            _("Not in the journal: the documents"),
            HeldDocumentResource,
            documents,
            sheet=_("Held documents"),
            note=note,
        ),
    ]


def _not_accepted(report: PeriodReport) -> Table:
    labels = dict(ExternalOrder.Status.choices)
    return build_table(
        "not_accepted",
        _("Upload log: documents not accepted"),
        ReasonResource,
        reason_rows(
            report.not_accepted, lambda status: str(labels.get(status, status)), reason_label
        ),
        sheet=_("Not accepted"),
        note=_(
            "Documents of the month that the import did not accept, by reason; under "
            "“%(group)s” each rule with the documents it excluded."
        )
        % {"group": reason_label("channel_rule")},
    )


def reason_rows(
    groups: tuple[ReasonGroup, ...],
    status_label: Callable[[str], str],
    reason_label: Callable[[str], str],
) -> list[SimpleNamespace]:
    """One row per group (its status, name, code and count), and beneath it a row per
    detail (a rule, an origin) with its own count. The group is named by its code's label."""
    rows: list[SimpleNamespace] = []
    for group in groups:
        rows.append(
            SimpleNamespace(
                status=status_label(group.status),
                reason=reason_label(group.reason_code),
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
            booking_status_label(r.status),
            r.difference,
        )
        for r in report.vat_differences
    ]
    return build_table(
        "vat_differences",
        _("VAT differences against Billbee"),
        VatDifferenceResource,
        rows,
        sheet=_("VAT differences"),
        note=_("Documents whose VAT computed here differs from Billbee's by more than %(cent)s.")
        % {"cent": formatting.money(CENT, "EUR")},
    )
