"""The completeness check of a month: Billbee's invoice register against the upload log.

Billbee's register (``GET /orders/invoices``, invoice date in the month, in the connection's
time zone) is what the merchant invoiced; the upload log is what the import saw. A document
in the register that the upload log does not hold is what a missing API permission or an
import gap looks like (product.md), so each one is listed. Gaps in the invoice numbers are
found per number series, in both sources.

A register document missing from the upload log is not always a gap: an order changed in
Billbee after the last import (its invoice written, its state advanced) is read by the next
run. Every order modified after the import's watermark is looked up, and such documents are
listed apart as "changed after the last import — the next run reads it"; what remains is a
real gap.

Reads only. Without Billbee (``client=False``, or Billbee unreachable) the upload-log side is
still checked and the reason is shown. Nothing is stored: the register is read when asked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from billbee.client import BillbeeClient
from billbee.errors import BillbeeDataError, BillbeeError
from billbee.parsing import parse_datetime, parse_int
from connector.errors import ConnectorError
from connector.models import Connection, ExternalOrder
from connector.services.connections import connection_client, explain

from .numbers import NumberSeries, invoice_number_gaps
from .period import month_bounds

INVOICE = ExternalOrder.Kind.INVOICE.value
CREDIT_NOTE = ExternalOrder.Kind.CREDIT_NOTE.value
# Names the data keep in English; the report shows them in the reader's language (gettext).
MANUAL = gettext_noop("manual orders (no shop)")
ALL_SHOPS = gettext_noop("all shops")
UPLOAD_LOG = gettext_noop("upload log")
# Upload-log status → the column of the completeness table it counts in.
BUCKETS: dict[str, str] = {
    ExternalOrder.Status.IMPORTED.value: "accepted",
    ExternalOrder.Status.UPDATED.value: "accepted",
    ExternalOrder.Status.UNCHANGED.value: "accepted",
    ExternalOrder.Status.EXCLUDED.value: "excluded",
    ExternalOrder.Status.SKIPPED.value: "skipped",
    ExternalOrder.Status.REJECTED.value: "rejected",
    ExternalOrder.Status.WAITING.value: "waiting",
}
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class RegisterDocument:
    """An entry of Billbee's invoice register."""

    billbee_id: int
    kind: str  # invoice | credit_note
    invoice_number: str
    order_number: str
    invoice_date: date | None
    shop: str
    total: Decimal | None
    currency: str


@dataclass(frozen=True)
class PendingDocument(RegisterDocument):
    """A register document missing from the upload log whose order changed after the last
    import: the next run reads it."""

    modified_at: datetime | None = None  # Billbee's LastModifiedAt
    watermark: datetime | None = None  # the import's, when the check ran


@dataclass(frozen=True)
class LogDocument:
    """An upload-log row, as far as the check needs it."""

    pk: int
    billbee_id: int
    kind: str
    invoice_number: str
    order_number: str
    document_date: date | None
    status: str
    reason: str
    shop: str


@dataclass(frozen=True)
class CompletenessRow:
    kind: str
    shop: str
    in_register: int | None  # None: Billbee not checked
    found: int
    accepted: int = 0
    excluded: int = 0
    skipped: int = 0
    rejected: int = 0
    waiting: int = 0
    pending: int = 0  # in the register, changed after the last import: the next run reads it
    missing: int = 0  # in the register, not in the upload log, not explained
    only_in_log: int = 0  # in the upload log (with an invoice number), not in the register


@dataclass(frozen=True)
class UnlistedDocument:
    """An upload-log document of the month with an invoice number that the register lacks."""

    kind: str
    invoice_number: str
    order_number: str
    billbee_id: int
    document_date: date | None
    status: str
    shop: str


@dataclass(frozen=True)
class Completeness:
    connection: str
    year: int
    month: int
    period_from: date
    period_to: date
    checked: bool  # compared with Billbee's register
    reason: str  # why not, when not checked (in the language the check ran in)
    read_at: datetime
    register_count: int
    unreadable: int  # register entries that could not be parsed
    rows: tuple[CompletenessRow, ...]
    total: CompletenessRow
    missing: tuple[RegisterDocument, ...]
    unlisted: tuple[UnlistedDocument, ...]
    series: tuple[NumberSeries, ...]
    pending: tuple[PendingDocument, ...] = ()
    watermark: datetime | None = None

    @property
    def unexplained(self) -> int:
        """Register documents the books lack for no known reason, and register entries that
        could not be read: what the accountant must ask about."""
        return len(self.missing) + self.unreadable

    @property
    def complete(self) -> bool:
        return self.checked and not self.unexplained and not self.unlisted


def completeness_check(
    connection: Connection,
    year: int,
    month: int,
    *,
    client: BillbeeClient | Literal[False] | None = None,
) -> Completeness:
    """``client``: the Billbee client to read the register with; None builds the
    connection's, False leaves Billbee out."""
    first, last = month_bounds(year, month)
    watermark = connection.watermark
    register, unreadable, reason, changed = _read_register(connection, first, last, client)
    month_log = _month_log(connection, first, last)
    if register is None:
        return _log_only(connection, year, month, month_log, reason)
    log = {d.pk: d for d in [*month_log, *_log_matching(connection, register)]}
    comparison = register_compare(register, list(log.values()), month_log, changed, watermark)
    series = (
        *invoice_number_gaps((d.invoice_number for d in register), "Billbee"),
        *invoice_number_gaps((d.invoice_number for d in month_log), UPLOAD_LOG),
    )
    return Completeness(
        connection=connection.name,
        year=year,
        month=month,
        period_from=first,
        period_to=last,
        checked=True,
        reason="",
        read_at=timezone.now(),
        register_count=len(register),
        unreadable=unreadable,
        rows=comparison.rows,
        total=rows_total(comparison.rows),
        missing=comparison.missing,
        unlisted=comparison.unlisted,
        series=series,
        pending=comparison.pending,
        watermark=watermark,
    )


# --- reading Billbee's register ----------------------------------------------------------


def _read_register(
    connection: Connection,
    first: date,
    last: date,
    client: BillbeeClient | Literal[False] | None,
) -> tuple[list[RegisterDocument] | None, int, str, dict[int, datetime | None]]:
    """(register, unreadable entries, reason when there is no register, the orders modified
    after the watermark with their modification time)."""
    if client is False:
        return None, 0, _not_asked(), {}
    own = client is None
    try:
        if client is None:
            client = connection_client(connection)
        found, unreadable = billbee_register(client, connection.zoneinfo, first, last)
        changed = changed_since(client, connection) if found else {}
    except BillbeeError as exc:
        return None, 0, _unreadable(explain(exc, connection)), {}
    except ConnectorError as exc:
        return None, 0, _unreadable(str(exc)), {}
    finally:
        if own and client:
            client.close()
    return found, unreadable, "", changed


def _not_asked() -> str:
    return gettext("not checked against Billbee (switched off): only the upload log is checked")


def _unreadable(why: str) -> str:
    return gettext("Billbee could not be read: %(why)s") % {"why": why}


def changed_since(client: BillbeeClient, connection: Connection) -> dict[int, datetime | None]:
    """Every order Billbee changed after the import's watermark (Billbee id → LastModifiedAt):
    what the next run reads. Without a watermark nothing was imported yet, and nothing is
    looked up."""
    watermark = connection.watermark
    if watermark is None:
        return {}
    changed: dict[int, datetime | None] = {}
    tz = connection.billbee_zone  # LastModifiedAt is in Billbee's clock
    for page in client.iter_order_records(modified_at_min=watermark):
        for record in page.items:
            raw = record.raw if isinstance(record.raw, dict) else {}
            try:
                billbee_id = parse_int(raw.get("BillBeeOrderId"))
            except BillbeeDataError:
                continue  # the import rejects such a record with its reason
            if billbee_id is None:
                continue
            try:
                changed[billbee_id] = parse_datetime(raw.get("LastModifiedAt"), tz)
            except BillbeeDataError:
                changed[billbee_id] = None
    return changed


def billbee_register(
    client: BillbeeClient, tz: ZoneInfo, first: date, last: date
) -> tuple[list[RegisterDocument], int]:
    """Every register entry with an invoice date from ``first`` to ``last`` (local days).
    Billbee takes both bounds as inclusive wall-clock times of the account's zone; the dates
    are checked again here so that an entry at the edge never counts twice."""
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz) - timedelta(
        milliseconds=1
    )
    found: list[RegisterDocument] = []
    unreadable = 0
    for page in client.iter_invoices(
        min_invoice_date=start, max_invoice_date=end, include_positions=False
    ):
        unreadable += len(page.failures)
        for item in page.items:
            day = item.invoice_date.astimezone(tz).date() if item.invoice_date else None
            if day is not None and not first <= day <= last:
                continue
            found.append(
                RegisterDocument(
                    billbee_id=item.billbee_id,
                    kind=CREDIT_NOTE if item.is_credit_note else INVOICE,
                    invoice_number=item.invoice_number or "",
                    order_number=item.order_number or "",
                    invoice_date=day,
                    shop=item.shop_name or MANUAL,
                    total=item.total_gross,
                    currency=item.currency or "",
                )
            )
    return found, unreadable


# --- reading the upload log -------------------------------------------------------------

_LOG_FIELDS = (
    "pk",
    "billbee_order_id",
    "kind",
    "invoice_number",
    "order_number",
    "document_date",
    "status",
    "reason",
    "channel__shop_name",
)


def _log_rows(rows: Iterable[tuple]) -> Iterator[LogDocument]:
    for pk, billbee_id, kind, number, order, day, status, reason, shop in rows:
        yield LogDocument(pk, billbee_id, kind, number, order, day, status, reason, shop or MANUAL)


def _month_log(connection: Connection, first: date, last: date) -> list[LogDocument]:
    rows = ExternalOrder.objects.filter(
        connection=connection, document_date__gte=first, document_date__lte=last
    ).values_list(*_LOG_FIELDS)
    return list(_log_rows(rows.iterator(chunk_size=2000)))


def _log_matching(connection: Connection, register: list[RegisterDocument]) -> list[LogDocument]:
    """Upload-log rows of any month that share a Billbee id or an invoice number with the
    register: a document the import dated differently is still found."""
    found: list[LogDocument] = []
    for start in range(0, len(register), LOOKUP_CHUNK):
        chunk = register[start : start + LOOKUP_CHUNK]
        ids = {d.billbee_id for d in chunk}
        numbers = {d.invoice_number for d in chunk if d.invoice_number}
        rows = ExternalOrder.objects.filter(connection=connection).filter(
            Q(billbee_order_id__in=ids) | Q(invoice_number__in=numbers)
        )
        found.extend(_log_rows(rows.values_list(*_LOG_FIELDS)))
    return found


def _log_only(
    connection: Connection, year: int, month: int, log: list[LogDocument], reason: str
) -> Completeness:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for document in log:
        counts[(document.kind, document.shop)][BUCKETS[document.status]] += 1
    rows = tuple(
        CompletenessRow(kind, shop, None, sum(c.values()), **c)
        for (kind, shop), c in sorted(counts.items())
    )
    first, last = month_bounds(year, month)
    return Completeness(
        connection=connection.name,
        year=year,
        month=month,
        period_from=first,
        period_to=last,
        checked=False,
        reason=reason,
        read_at=timezone.now(),
        register_count=0,
        unreadable=0,
        rows=rows,
        total=rows_total(rows),
        missing=(),
        unlisted=(),
        series=invoice_number_gaps((d.invoice_number for d in log), UPLOAD_LOG),
    )


# --- comparing: pure functions -----------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    rows: tuple[CompletenessRow, ...] = ()
    missing: tuple[RegisterDocument, ...] = ()
    unlisted: tuple[UnlistedDocument, ...] = ()
    pending: tuple[PendingDocument, ...] = ()


def register_compare(
    register: list[RegisterDocument],
    log: list[LogDocument],
    month_log: list[LogDocument],
    changed: Mapping[int, datetime | None] | None = None,
    watermark: datetime | None = None,
) -> Comparison:
    """Count each register entry under its upload-log row's status (or as pending or
    missing), per kind and shop. ``month_log`` are the upload-log rows dated in the month:
    those with an invoice number that no register entry matched are listed as not in the
    register. ``changed`` holds the orders modified after the import's ``watermark``: a
    register entry missing from the upload log whose order is among them is pending (the
    next run reads it), not missing."""
    changed = changed or {}
    matches = register_match(register, log)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    pending: list[PendingDocument] = []
    missing: list[RegisterDocument] = []
    for entry, match in zip(register, matches, strict=True):
        key = (entry.kind, entry.shop)
        counts[key]["in_register"] += 1
        if match is not None:
            counts[key]["found"] += 1
            counts[key][BUCKETS[match.status]] += 1
        elif watermark is not None and entry.billbee_id in changed:
            counts[key]["pending"] += 1
            pending.append(_pending(entry, changed[entry.billbee_id], watermark))
        else:
            counts[key]["missing"] += 1
            missing.append(entry)
    used = {m.pk for m in matches if m is not None}
    unlisted = sorted(
        (d for d in month_log if d.invoice_number and d.pk not in used),
        key=lambda d: (d.kind, d.invoice_number),
    )
    for document in unlisted:
        counts[(document.kind, document.shop)]["only_in_log"] += 1
    return Comparison(
        rows=tuple(
            CompletenessRow(kind, shop, **{"in_register": 0, "found": 0, **c})
            for (kind, shop), c in sorted(counts.items())
        ),
        missing=tuple(sorted(missing, key=lambda d: (d.kind, d.invoice_number, d.billbee_id))),
        unlisted=tuple(
            UnlistedDocument(
                d.kind,
                d.invoice_number,
                d.order_number,
                d.billbee_id,
                d.document_date,
                d.status,
                d.shop,
            )
            for d in unlisted
        ),
        pending=tuple(sorted(pending, key=lambda d: (d.kind, d.invoice_number, d.billbee_id))),
    )


def _pending(
    entry: RegisterDocument, modified: datetime | None, watermark: datetime
) -> PendingDocument:
    return PendingDocument(**asdict(entry), modified_at=modified, watermark=watermark)


def register_match(
    register: list[RegisterDocument], log: list[LogDocument]
) -> list[LogDocument | None]:
    """The upload-log row of each register entry (None: missing), each row used once: by
    Billbee id when the kind agrees (Billbee may list a credit note under its original
    order's id), else by invoice number."""
    by_id: dict[tuple[int, str], list[LogDocument]] = defaultdict(list)
    by_number: dict[str, list[LogDocument]] = defaultdict(list)
    for document in log:
        by_id[(document.billbee_id, document.kind)].append(document)
        if document.invoice_number:
            by_number[document.invoice_number].append(document)
    used: set[int] = set()
    matches: list[LogDocument | None] = []
    for entry in register:
        match = _first_unused(by_id.get((entry.billbee_id, entry.kind), []), used)
        if match is None and entry.invoice_number:
            match = _first_unused(by_number.get(entry.invoice_number, []), used)
        if match is not None:
            used.add(match.pk)
        matches.append(match)
    return matches


def _first_unused(candidates: list[LogDocument], used: set[int]) -> LogDocument | None:
    return next((d for d in candidates if d.pk not in used), None)


def rows_total(rows: Iterable[CompletenessRow]) -> CompletenessRow:
    rows = list(rows)

    def total(name: str) -> int:
        return sum(getattr(r, name) or 0 for r in rows)

    checked = any(r.in_register is not None for r in rows)
    return CompletenessRow(
        kind="all",
        shop=ALL_SHOPS,
        in_register=total("in_register") if checked else None,
        found=total("found"),
        accepted=total("accepted"),
        excluded=total("excluded"),
        skipped=total("skipped"),
        rejected=total("rejected"),
        waiting=total("waiting"),
        pending=total("pending"),
        missing=total("missing"),
        only_in_log=total("only_in_log"),
    )
