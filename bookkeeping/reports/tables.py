"""The report's sections as tables: one django-import-export ``Resource`` per section says
which columns it has and what kind each is; every output (HTML/PDF, XLSX, CSV) is made from
the ``tablib.Dataset`` the resource exports, so the four never disagree about a column.

Values stay native (``Decimal``, ``int``, ``date``) in the tables; formatting is the
renderer's business. Titles, notes and column headings are in the active language when the
table is built (the column labels below are lazy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets


class Text(widgets.Widget):
    kind = "text"


class Money(widgets.DecimalWidget):
    kind = "money"


class Amount(widgets.DecimalWidget):
    """An amount in the document's currency (its own column says which)."""

    kind = "amount"


class Rate(widgets.DecimalWidget):
    kind = "rate"


class Count(widgets.IntegerWidget):
    kind = "count"


class Day(widgets.DateWidget):
    kind = "date"


class YesNo(widgets.Widget):
    kind = "text"

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return gettext("yes") if value else ""


def column(
    attribute: str, label: str | Promise, widget: widgets.Widget | None = None
) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=label, widget=widget or Text())


@dataclass(frozen=True)
class Table:
    key: str  # the section's name (CSV ``section=``)
    title: str
    sheet: str  # XLSX sheet name (≤ 31 characters)
    note: str
    headers: tuple[str, ...]
    kinds: tuple[str, ...]  # text | money (EUR) | amount (document currency) | rate | count | date
    rows: tuple[tuple[Any, ...], ...]
    footer: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Figure:
    label: str
    amount: Decimal
    check: str = ""


# --- the resources ---------------------------------------------------------------------


class FigureResource(resources.Resource):
    label = column("label", _("figure"))
    amount = column("amount", _("amount"), Money())
    check = column("check", _("check"))


class ForeignResource(resources.Resource):
    country = column("country", _("country"))
    vat_id = column("vat_id", _("VAT ID there"))
    case = column("case", _("VAT treatment"))
    rate = column("rate", _("rate"), Rate())
    net = column("net", _("net"), Money())
    vat = column("vat", _("VAT"), Money())
    entries = column("entries", _("entries"), Count())


class RevenueResource(resources.Resource):
    origin = column("origin", _("sales channel (origin)"))
    case = column("case_label", _("VAT treatment"))
    net = column("net", _("net"), Money())
    vat = column("vat", _("VAT"), Money())
    gross = column("gross", _("gross"), Money())
    entries = column("entries", _("entries"), Count())


class OssResource(resources.Resource):
    country = column("country", _("destination country"))
    rate = column("rate", _("rate %"), Rate())
    ship_from = column("ship_from", _("shipped from"))
    net = column("net", _("net"), Money())
    vat = column("vat", _("VAT"), Money())
    entries = column("entries", _("entries"), Count())


class CreditNoteResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    number = column("number", _("credit note"))
    reference = column("reference", _("original invoice"))
    origin = column("origin", _("sales channel (origin)"))
    total = column("total", _("total"), Amount())
    currency = column("currency", _("currency"))


class ReceiptResource(resources.Resource):
    account = column("account", _("account"))
    payments = column("payments", _("payments"))
    received = column("received", _("received (gross)"), Amount())
    fees = column("fees", _("fees"), Amount())
    skonto = column("skonto", _("Skonto granted (gross)"), Amount())
    written_off = column("written_off", _("written off (gross)"), Amount())


class TransferResource(resources.Resource):
    from_account = column("from_account", _("from account"))
    to_account = column("to_account", _("to account"))
    transfers = column("transfers", _("transfers"))
    amount = column("amount", _("amount (EUR)"), Amount())


class OpenItemResource(resources.Resource):
    day = column("document_date", _("invoice date"), Day())
    number = column("number", _("invoice"))
    order_number = column("order_number", _("order"))
    debtor = column("debtor", _("debtor (Debitor)"))
    total = column("total", _("total"), Money())
    open = column("open", _("open"), Money())
    days = column("days", _("days"), Count())


class OpenItemAgeResource(resources.Resource):
    bucket = column("bucket", _("age"))
    items = column("items", _("items"), Count())
    open = column("open", _("open"), Money())


class CorrectionResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    kind = column("kind", _("entry"))
    number = column("number", _("document"))
    late = column("late_change", _("late change"), YesNo())
    after_export = column("booked_after_export", _("booked after export"), YesNo())
    total = column("total", _("total"), Amount())
    currency = column("currency", _("currency"))
    note = column("note", _("why"))
    posted = column("posted_on", _("posted on"), Day())


class RoundingResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    number = column("number", _("document"))
    kind = column("kind", _("entry"))
    origin = column("origin", _("sales channel (origin)"))
    account = column("account", _("account"), Count())
    amount = column("amount", _("difference"), Money())


class ReasonResource(resources.Resource):
    status = column("status", _("status"))
    reason = column("reason", _("reason"))
    code = column("reason_code", _("code"))
    count = column("count", _("documents"), Count())


class HeldDocumentResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    number = column("invoice_number", _("invoice number"))
    order = column("order_number", _("order number"))
    billbee_id = column("billbee_id", _("Billbee id"), Count())
    origin = column("origin", _("sales channel (origin)"))
    status = column("status", _("status"))
    reason = column("reason", _("reason"))


class VatDifferenceResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    number = column("invoice_number", _("invoice number"))
    order = column("order_number", _("order number"))
    origin = column("origin", _("sales channel (origin)"))
    case = column("case", _("VAT treatment"))
    status = column("status", _("booking"))
    difference = column("difference", _("our VAT − Billbee's"), Money())


class StatusCountResource(resources.Resource):
    side = column("side", _("where"))
    status = column("status", _("status"))
    count = column("count", _("documents"), Count())


class CompletenessResource(resources.Resource):
    kind = column("kind", _("kind"))
    shop = column("shop", _("shop"))
    in_register = column("in_register", _("in Billbee's register"), Count())
    found = column("found", _("in the upload log"), Count())
    accepted = column("accepted", _("accepted"), Count())
    excluded = column("excluded", _("excluded"), Count())
    skipped = column("skipped", _("skipped"), Count())
    rejected = column("rejected", _("rejected"), Count())
    waiting = column("waiting", _("waiting"), Count())
    pending = column("pending", _("changed after the last import"), Count())
    missing = column("missing", _("missing (unexplained)"), Count())
    only_in_log = column("only_in_log", _("not in the register"), Count())


class MissingResource(resources.Resource):
    day = column("invoice_date", _("invoice date"), Day())
    kind = column("kind", _("kind"))
    number = column("invoice_number", _("invoice number"))
    order = column("order_number", _("order number"))
    billbee_id = column("billbee_id", _("Billbee id"), Count())
    shop = column("shop", _("shop"))
    total = column("total", _("total"), Amount())
    currency = column("currency", _("currency"))


class PendingResource(MissingResource):
    modified = column("modified_at", _("changed in Billbee"))


class UnlistedResource(resources.Resource):
    day = column("document_date", _("date"), Day())
    kind = column("kind", _("kind"))
    number = column("invoice_number", _("invoice number"))
    order = column("order_number", _("order number"))
    billbee_id = column("billbee_id", _("Billbee id"), Count())
    status = column("status", _("upload log"))
    shop = column("shop", _("shop"))


class SeriesResource(resources.Resource):
    source = column("source", _("source"))
    series = column("label", _("series"))
    lowest = column("lowest", _("lowest"), Count())
    highest = column("highest", _("highest"), Count())
    present = column("present", _("numbers present"), Count())
    missing_count = column("missing_count", _("numbers missing"), Count())
    missing = column("missing_text", _("missing"))


@dataclass(frozen=True)
class SeriesRow:
    source: str
    label: str
    lowest: int
    highest: int
    present: int
    missing_count: int
    missing_text: str


def build_table(
    key: str,
    title: str | Promise,
    resource: type[resources.Resource],
    items: Iterable[Any],
    *,
    sheet: str | Promise = "",
    note: str | Promise = "",
    footer: Mapping[str, Any] | None = None,
) -> Table:
    """``footer`` maps attribute names to the values of a total line. Title, sheet, note and
    the column headings are read in the active language."""
    instance = resource()
    dataset = instance.export(list(items), force_native_type=True)
    columns = instance.get_export_fields()
    return Table(
        key=key,
        title=str(title),
        sheet=str(sheet or title)[:31],
        note=str(note),
        headers=tuple(dataset.headers or ()),
        kinds=tuple(getattr(c.widget, "kind", "text") for c in columns),
        rows=tuple(tuple(row) for row in dataset),
        footer=tuple(footer.get(c.attribute, "") for c in columns) if footer else None,
    )
