"""The report's sections as tables: one django-import-export ``Resource`` per section says
which columns it has and what kind each is; every output (HTML/PDF, XLSX, CSV) is made from
the ``tablib.Dataset`` the resource exports, so the four never disagree about a column.

Values stay native (``Decimal``, ``int``, ``date``) in the tables; formatting is the
renderer's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
        return "yes" if value else ""


def column(attribute: str, label: str, widget: widgets.Widget | None = None) -> fields.Field:
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
    label = column("label", "figure")
    amount = column("amount", "amount", Money())
    check = column("check", "check")


class ForeignResource(resources.Resource):
    country = column("country", "country")
    vat_id = column("vat_id", "VAT ID there")
    case = column("case", "VAT treatment")
    rate = column("rate", "rate", Rate())
    net = column("net", "net", Money())
    vat = column("vat", "VAT", Money())
    entries = column("entries", "entries", Count())


class RevenueResource(resources.Resource):
    origin = column("origin", "sales channel (origin)")
    case = column("case_label", "VAT treatment")
    net = column("net", "net", Money())
    vat = column("vat", "VAT", Money())
    gross = column("gross", "gross", Money())
    entries = column("entries", "entries", Count())


class OssResource(resources.Resource):
    country = column("country", "destination country")
    rate = column("rate", "rate %", Rate())
    ship_from = column("ship_from", "shipped from")
    net = column("net", "net", Money())
    vat = column("vat", "VAT", Money())
    entries = column("entries", "entries", Count())


class CreditNoteResource(resources.Resource):
    day = column("document_date", "date", Day())
    number = column("number", "credit note")
    reference = column("reference", "original invoice")
    origin = column("origin", "sales channel (origin)")
    total = column("total", "total", Amount())
    currency = column("currency", "currency")


class ReceiptResource(resources.Resource):
    account = column("account", "account")
    payments = column("payments", "payments")
    received = column("received", "received (gross)", Amount())
    fees = column("fees", "fees", Amount())
    skonto = column("skonto", "Skonto granted (gross)", Amount())
    written_off = column("written_off", "written off (gross)", Amount())


class TransferResource(resources.Resource):
    from_account = column("from_account", "from account")
    to_account = column("to_account", "to account")
    transfers = column("transfers", "transfers")
    amount = column("amount", "amount (EUR)", Amount())


class OpenItemResource(resources.Resource):
    day = column("document_date", "invoice date", Day())
    number = column("number", "invoice")
    order_number = column("order_number", "order")
    debtor = column("debtor", "debtor (Debitor)")
    total = column("total", "total", Money())
    open = column("open", "open", Money())
    days = column("days", "days", Count())


class OpenItemAgeResource(resources.Resource):
    bucket = column("bucket", "age")
    items = column("items", "items", Count())
    open = column("open", "open", Money())


class CorrectionResource(resources.Resource):
    day = column("document_date", "date", Day())
    kind = column("kind", "entry")
    number = column("number", "document")
    late = column("late_change", "late change", YesNo())
    after_export = column("booked_after_export", "booked after export", YesNo())
    total = column("total", "total", Amount())
    currency = column("currency", "currency")
    note = column("note", "why")
    posted = column("posted_on", "posted on", Day())


class RoundingResource(resources.Resource):
    day = column("document_date", "date", Day())
    number = column("number", "document")
    kind = column("kind", "entry")
    origin = column("origin", "sales channel (origin)")
    account = column("account", "account", Count())
    amount = column("amount", "difference", Money())


class ReasonResource(resources.Resource):
    status = column("status", "status")
    reason = column("reason", "reason")
    code = column("reason_code", "code")
    count = column("count", "documents", Count())


class HeldDocumentResource(resources.Resource):
    day = column("document_date", "date", Day())
    number = column("invoice_number", "invoice number")
    order = column("order_number", "order number")
    billbee_id = column("billbee_id", "Billbee id", Count())
    origin = column("origin", "sales channel (origin)")
    status = column("status", "status")
    reason = column("reason", "reason")


class VatDifferenceResource(resources.Resource):
    day = column("document_date", "date", Day())
    number = column("invoice_number", "invoice number")
    order = column("order_number", "order number")
    origin = column("origin", "sales channel (origin)")
    case = column("case", "VAT treatment")
    status = column("status", "booking")
    difference = column("difference", "our VAT − Billbee's", Money())


class StatusCountResource(resources.Resource):
    side = column("side", "where")
    status = column("status", "status")
    count = column("count", "documents", Count())


class CompletenessResource(resources.Resource):
    kind = column("kind", "kind")
    shop = column("shop", "shop")
    in_register = column("in_register", "in Billbee's register", Count())
    found = column("found", "in the upload log", Count())
    accepted = column("accepted", "accepted", Count())
    excluded = column("excluded", "excluded", Count())
    skipped = column("skipped", "skipped", Count())
    rejected = column("rejected", "rejected", Count())
    waiting = column("waiting", "waiting", Count())
    pending = column("pending", "changed after the last import", Count())
    missing = column("missing", "missing (unexplained)", Count())
    only_in_log = column("only_in_log", "not in the register", Count())


class MissingResource(resources.Resource):
    day = column("invoice_date", "invoice date", Day())
    kind = column("kind", "kind")
    number = column("invoice_number", "invoice number")
    order = column("order_number", "order number")
    billbee_id = column("billbee_id", "Billbee id", Count())
    shop = column("shop", "shop")
    total = column("total", "total", Amount())
    currency = column("currency", "currency")


class PendingResource(MissingResource):
    modified = column("modified_at", "changed in Billbee")


class UnlistedResource(resources.Resource):
    day = column("document_date", "date", Day())
    kind = column("kind", "kind")
    number = column("invoice_number", "invoice number")
    order = column("order_number", "order number")
    billbee_id = column("billbee_id", "Billbee id", Count())
    status = column("status", "upload log")
    shop = column("shop", "shop")


class SeriesResource(resources.Resource):
    source = column("source", "source")
    series = column("label", "series")
    lowest = column("lowest", "lowest", Count())
    highest = column("highest", "highest", Count())
    present = column("present", "numbers present", Count())
    missing_count = column("missing_count", "numbers missing", Count())
    missing = column("missing_text", "missing")


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
    title: str,
    resource: type[resources.Resource],
    items: Iterable[Any],
    *,
    sheet: str = "",
    note: str = "",
    footer: Mapping[str, Any] | None = None,
) -> Table:
    """``footer`` maps attribute names to the values of a total line."""
    instance = resource()
    dataset = instance.export(list(items), force_native_type=True)
    columns = instance.get_export_fields()
    return Table(
        key=key,
        title=title,
        sheet=(sheet or title)[:31],
        note=note,
        headers=tuple(dataset.headers or ()),
        kinds=tuple(getattr(c.widget, "kind", "text") for c in columns),
        rows=tuple(tuple(row) for row in dataset),
        footer=tuple(footer.get(c.attribute, "") for c in columns) if footer else None,
    )
