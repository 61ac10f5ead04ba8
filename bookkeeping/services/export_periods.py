"""What a month's DATEV export is: its kind (the first export, a supplement, a re-export), the
name and label that tell its files apart, and what is still open in the month.

Open items are the month itself (not over yet in the connection's zone), documents of the
month that wait for bookkeeping or were rejected (internal errors among them), and documents
of the month (or of no known date) that the import could not read or store. A month
exported with open items is incomplete: the accountant must know before importing it (GoBD:
DATEV refuses the VAT return while batches of the period stay open)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from connector.models import Connection, ExternalOrder
from connector.storable import FAILURE_CODES
from connector.texts import Joined, Text, stored_field, stored_text

from ..models import DocumentBooking, ExportBatch

LISTED = 50


@dataclass(frozen=True)
class OpenDocument:
    number: str
    billbee_order_id: int
    status: str
    reason: str


@dataclass
class MonthOpen:
    """The open items of one month."""

    start: date
    end: date
    not_over: bool = False
    documents: list[OpenDocument] = field(default_factory=list)
    total: int = 0  # all open documents; ``documents`` lists the first of them

    @property
    def is_open(self) -> bool:
        return self.not_over or self.total > 0

    def summary(self, now: datetime) -> str:
        """What is open, as the batch keeps it (a ``Text``: its reasons said in the reader's
        language on the console)."""
        parts = []
        if self.not_over:
            parts.append(Text("the month was not over yet ({now})", now=now))
        if self.total:
            shown = Joined(
                tuple(
                    Text("{number} ({reason})", number=d.number, reason=d.reason)
                    for d in self.documents[:10]
                ),
                "; ",
            )
            parts.append(
                Text(
                    "{count} document(s) waiting or rejected: {shown}; … {more} more",
                    count=self.total,
                    shown=shown,
                    more=self.total - 10,
                )
                if self.total > 10
                else Text(
                    "{count} document(s) waiting or rejected: {shown}",
                    count=self.total,
                    shown=shown,
                )
            )
        return Text("{month}: {open}", month=f"{self.start:%m/%Y}", open=Joined(tuple(parts)))


def month_open_items(connection: Connection, start: date, end: date, now: datetime) -> MonthOpen:
    today = timezone.localtime(now, connection.zoneinfo).date()
    month = MonthOpen(start, end, not_over=end >= today)
    held = DocumentBooking.objects.filter(
        connection=connection,
        document__document_date__gte=start,
        document__document_date__lte=end,
        status__in=(DocumentBooking.Status.WAITING, DocumentBooking.Status.REJECTED),
    ).order_by("document__invoice_number", "document_id")
    failed = (
        ExternalOrder.objects.filter(
            connection=connection,
            status=ExternalOrder.Status.REJECTED,
            reason_code__in=FAILURE_CODES,
        )
        .filter(Q(document_date__gte=start, document_date__lte=end) | Q(document_date__isnull=True))
        .order_by("billbee_order_id")
    )
    month.total = held.count() + failed.count()
    # Each reason with its sentence's data, to say it in the reader's language on the page.
    data = KeyTransform("reason", "texts")
    rows = [
        *held.annotate(reason_data=data).values_list(
            "document__invoice_number",
            "document__order_number",
            "document__billbee_order_id",
            "status",
            "reason",
            "reason_data",
        )[:LISTED],
        *failed.annotate(reason_data=data).values_list(
            "invoice_number", "order_number", "billbee_order_id", "status", "reason", "reason_data"
        )[:LISTED],
    ]
    month.documents = [
        OpenDocument(
            number or order or str(billbee_id), billbee_id, status, stored_text(reason, stored)
        )
        for number, order, billbee_id, status, reason, stored in rows[:LISTED]
    ]
    return month


@dataclass(frozen=True)
class BatchKind:
    kind: str  # ExportBatch.Kind
    sequence: int  # 0 for the first export, else 1, 2, … per kind and month

    def label(self) -> str:
        """The kind as the accountant reads it in the file name and the Bezeichnung."""
        if self.kind == ExportBatch.Kind.SUPPLEMENT:
            return f"Nachtrag {self.sequence}"
        if self.kind == ExportBatch.Kind.REEXPORT:
            return f"Wiederholung {self.sequence}"
        return ""


def batch_kind(connection: Connection, start: date, reexport: bool) -> BatchKind:
    """The month's first export, its next supplement, or its next re-export."""
    earlier = ExportBatch.objects.filter(connection=connection, period_from=start, part=1)
    if reexport:
        kind = ExportBatch.Kind.REEXPORT
        return BatchKind(kind, earlier.filter(kind=kind).count() + 1)
    exported = earlier.exclude(kind=ExportBatch.Kind.REEXPORT)
    if not exported.exists():
        return BatchKind(ExportBatch.Kind.FIRST, 0)
    kind = ExportBatch.Kind.SUPPLEMENT
    return BatchKind(kind, exported.filter(kind=kind).count() + 1)


def batch_notices(batches: list[ExportBatch]) -> list[str]:
    notices: list[str] = []
    for batch in batches:
        if batch.kind == ExportBatch.Kind.REEXPORT:
            notices.append(
                Text(
                    "{file} is a re-export: its entries were exported before. Importing it and "
                    "the earlier file into DATEV books them twice: import only one of them, or "
                    "undo the earlier import in DATEV first.",
                    file=batch.file_name,
                )
            )
        if batch.incomplete:
            notices.append(
                Text(
                    "{file} was exported incomplete: {what}",
                    file=batch.file_name,
                    what=stored_field(batch, "incomplete"),
                )
            )
    return notices


def batch_file_name(connection: str, start: date, kind: BatchKind, part: int) -> str:
    """``EXTF_Buchungsstapel_<connection>_2026-11.csv`` for the first export,
    ``…_2026-11_Nachtrag-2.csv`` for a supplement, ``…_Wiederholung-1.csv`` for a re-export,
    ``…_Teil-2`` for the second part of a month of more than 99,999 rows: never the same twice."""
    suffix = kind.label().replace(" ", "-")
    pieces = [f"EXTF_Buchungsstapel_{connection}_{start:%Y-%m}"]
    if suffix:
        pieces.append(suffix)
    if part > 1:
        pieces.append(f"Teil-{part}")
    return "_".join(pieces) + ".csv"
