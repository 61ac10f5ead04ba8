"""Booking one document: post its entry, or a reversal and a new entry, or record why it
waits or is rejected. Called by the run (``booking.py``) inside the document's transaction
where it needs more than one statement."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection as db_connection
from django.db import transaction

from billbee import jsonutil
from billbee.dto import Order, parse_order
from billbee.errors import BillbeeDataError
from connector.models import ExternalOrder
from connector.texts import Text, texts

from ..errors import Hold
from ..models import DocumentBooking, ExportedEntry, JournalEntry
from ..posting import net_revenue
from ..vat import Case
from ..vat.threshold import DISTANCE_SALE_CASES, crossing_note
from .decide import (
    Booking,
    BookingContext,
    Original,
    booking_decide,
    status_word,
    stored_reason,
)
from .entries import entry_fields, entry_post, entry_reverse, lines_balance, plan_lines_of
from .pgwrite import entry_and_booking_insert

BOOKED = DocumentBooking.Status.BOOKED
BOOKED_REASON = Text("booked")
ACCEPTED = frozenset(ExternalOrder.ACCEPTED)


@dataclass
class BookingResult:
    connection: str
    examined: int = 0
    booked: int = 0
    rebooked: int = 0
    reversed: int = 0
    unchanged: int = 0
    nothing: int = 0
    late_changes: int = 0
    booked_after_export: int = 0
    internal_errors: int = 0
    vat_differences: int = 0
    waiting: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["waiting"] = dict(self.waiting.most_common())
        data["rejected"] = dict(self.rejected.most_common())
        return data

    def outcome_counts(self) -> dict[str, Any]:
        """What one document may add to: taken before it, put back when it fails."""
        return {
            name: Counter(value) if isinstance(value, Counter) else value
            for name, value in vars(self).items()
            if name not in ("connection", "examined", "internal_errors", "duration_s")
        }

    def restore(self, counts: dict[str, Any]) -> None:
        """A document that failed counts as the internal error it is, not as what it would
        have been (booked, rebooked, a late change …)."""
        for name, value in counts.items():
            setattr(self, name, value)

    def write_failed(self, counted: tuple[str, ...]) -> None:
        """A document handed to the background writer whose write failed: take back what it
        was counted as."""
        for name in counted:
            setattr(self, name, getattr(self, name) - 1)
        self.internal_errors += 1


def parse_stored(ctx: BookingContext, text: str) -> Order | None:
    try:
        # Billbee's naive timestamps in Billbee's clock; calendar days later in ctx.tz.
        return parse_order(jsonutil.loads(text), ctx.connection.billbee_zone, text=text)
    except BillbeeDataError:
        return None


def document_book(
    ctx: BookingContext,
    document: ExternalOrder,
    text: str | None,
    booking: DocumentBooking | None,
    originals: dict[int, Original],
    result: BookingResult,
) -> None:
    current = booking.entry if booking and booking.status == BOOKED else None
    if document.status not in ACCEPTED:
        if current is None and booking is not None:
            note = _not_accepted_note(document)
            _store(
                ctx,
                document,
                booking,
                DocumentBooking.Status.NOTHING,
                "not_accepted",
                note,
                None,
                [note],
                None,
            )
            result.nothing += 1
        if current is not None:
            note = Text(
                "the document left the books ({status}: {reason})",
                status=status_word(document),
                reason=stored_reason(document),
            )
            with transaction.atomic():
                _reverse(ctx, current, note, result)
                _store(
                    ctx,
                    document,
                    booking,
                    DocumentBooking.Status.REVERSED,
                    "left_the_books",
                    note,
                    None,
                    [note],
                    None,
                )
            result.reversed += 1
        return
    order = parse_stored(ctx, text) if text else None
    if order is None:
        _hold(
            ctx,
            document,
            booking,
            current,
            result,
            Hold("rejected", "unreadable", Text("the stored document cannot be read")),
            [],
        )
        return
    original = originals.get(document.parent_id) if document.parent_id else None
    if document.kind == ExternalOrder.Kind.CREDIT_NOTE and original is None:
        original = Original(None, None, document.order_number.removesuffix("-GS") or "?")
    try:
        decided = booking_decide(ctx, document, order, document.raw_hash, original)
    except Hold as hold:
        _hold(ctx, document, booking, current, result, hold, [])
        return
    _post(ctx, document, booking, current, decided, result)


def _not_accepted_note(document: ExternalOrder) -> Text:
    reason = stored_reason(document)
    if document.status == ExternalOrder.Status.SKIPPED:
        return Text("not booked: the import skipped it ({reason})", reason=reason)
    if document.status == ExternalOrder.Status.EXCLUDED:
        return Text("not booked: the import excluded it ({reason})", reason=reason)
    if document.status == ExternalOrder.Status.REJECTED:
        return Text("not booked: the import rejected it ({reason})", reason=reason)
    return Text(
        "not booked: the import {status} it ({reason})",
        status=status_word(document),
        reason=reason,
    )


def _post(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    current: JournalEntry | None,
    decided: Booking,
    result: BookingResult,
) -> None:
    values, trace = decided.values, decided.trace
    if abs(decided.treatment.vat_difference) > Decimal("0.01"):
        result.vat_differences += 1
    if current is not None and current.plan_hash == values.plan_hash:
        trace.append(
            Text("booked before as entry #{entry}; the booking did not change", entry=current.pk)
        )
        _store(ctx, document, booking, BOOKED, "booked", BOOKED_REASON, current, trace, decided)
        result.unchanged += 1
        return
    if current is None:
        result.booked += 1
        _post_new(ctx, document, booking, decided, result)
        return
    with transaction.atomic():
        # A change of a document whose booking (or month) was exported is a late change; its
        # new entry is one too, not a document booked after export.
        late = _exported(current) or values.booked_after_export
        _reverse(ctx, current, Text("the document changed after it was booked"), result, late=late)
        values.late_change, values.booked_after_export = late, False
        values.note = Text("replaces entry #{entry} (the document changed)", entry=current.pk)
        trace.append(
            Text("the document changed: entry #{entry} reversed, booked anew", entry=current.pk)
        )
        result.rebooked += 1
        _post_new(ctx, document, booking, decided, result)


def _post_new(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    decided: Booking,
    result: BookingResult,
) -> None:
    values, lines = decided.values, decided.plan.lines
    _threshold(ctx, decided)
    if values.late_change:
        values.note = _also(values.note, LATE_CHANGE)
        result.late_changes += 1
    elif values.booked_after_export:
        values.note = _also(
            values.note,
            Text("booked after export: the period was already exported; in its next supplement"),
        )
        result.booked_after_export += 1
    decided.trace.append(Text("posted as a new journal entry"))
    if db_connection.vendor == "postgresql":
        lines_balance(lines)
        row = _booking_row(ctx, document, BOOKED, "booked", BOOKED_REASON, decided.trace, decided)
        fields = entry_fields(ctx.connection.pk, document.pk, values, ctx.now)
        if ctx.writer is None or db_connection.in_atomic_block:
            entry_and_booking_insert(fields, lines, row)
            return

        counted = (
            "booked",
            *(("late_changes",) if values.late_change else ()),
            *(("booked_after_export",) if values.booked_after_export else ()),
        )

        def failed(exc: BaseException) -> None:
            ctx.failed_writes.append(counted)  # counted back by the run, in its thread
            store_internal_error(ctx, document, booking, exc)

        ctx.writer.submit(lambda: entry_and_booking_insert(fields, lines, row), failed)
        return
    entry = entry_post(ctx.connection.pk, document.pk, values, lines, ctx.now)
    _store(ctx, document, booking, BOOKED, "booked", BOOKED_REASON, entry, decided.trace, decided)


def _threshold(ctx: BookingContext, decided: Booking) -> None:
    """Keep the year's net distance sales (§ 3c (4) UStG) and flag the sale that crosses the
    EU-wide threshold, or one taxed at home after it was crossed."""
    values = decided.values
    if values.case not in DISTANCE_SALE_CASES:
        return
    year = (values.service_date or values.document_date).year
    net = net_revenue(decided.plan.lines)
    before = ctx.distance_total(year)
    note = crossing_note(
        year,
        ctx.distance_total(year - 1),
        before,
        before + net,
        home_taxed=values.case == Case.EU_B2C_HOME_TAXED.value,
    )
    ctx.distance_add(year, net)
    if note:
        decided.warnings.append(note)
        decided.trace.append(note)


def _exported(entry: JournalEntry) -> bool:
    return ExportedEntry.objects.filter(entry=entry).exists()


LATE_CHANGE = Text("late change: the period was already exported")


def _also(note: str, addition: Text) -> str:
    """A journal entry's note with one more remark, after a semicolon."""
    return Text("{note}; {addition}", note=note, addition=addition) if note else addition


def _reverse(
    ctx: BookingContext,
    entry: JournalEntry,
    note: str,
    result: BookingResult,
    late: bool | None = None,
) -> None:
    if late is None:
        late = _exported(entry) or f"{entry.document_date:%Y-%m}" in ctx.exported_months
    if late:
        note = _also(note, LATE_CHANGE)
        result.late_changes += 1
    if entry.case in DISTANCE_SALE_CASES:  # the year's distance sales lose it again
        year = (entry.service_date or entry.document_date).year
        ctx.distance_add(year, -net_revenue(plan_lines_of(entry)))
    entry_reverse(entry, ctx.now, late_change=late, note=note)


def _hold(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    current: JournalEntry | None,
    result: BookingResult,
    hold: Hold,
    trace: list[str],
) -> None:
    counter = result.rejected if hold.status == "rejected" else result.waiting
    if hold.status == DocumentBooking.Status.NOTHING:
        result.nothing += 1
    else:
        counter[_summary(hold)] += 1
    if current is None:
        store_hold(ctx, document, booking, hold.status, hold.code, hold.reason, trace)
        return
    with transaction.atomic():
        # What was booked no longer matches the document: it is reversed, not left standing.
        # The reversal's note says why, in the reader's language on the journal's pages.
        note = Text(
            "the document changed and can no longer be booked: {reason}", reason=hold.reason
        )
        _reverse(ctx, current, note, result)
        result.reversed += 1
        store_hold(ctx, document, booking, hold.status, hold.code, hold.reason, trace)


# Per reason code, the reason without document-specific values: what a run counts.
SUMMARIES = {
    "no_debtor": "no debtor account assigned",
    "vat_differs_from_invoice": "VAT differs from Billbee's invoice",
    "vat_on_tax_free_invoice": "VAT on the invoice of a tax-free supply",
    "original_not_booked": "original invoice not booked yet",
    "no_exchange_rate": "no exchange rate",
    "rounding_above_tolerance": "rounding difference above the tolerance",
    "margin_scheme": "margin scheme (§ 25a UStG): book by hand",
    "small_business_mode": "small-business VAT mode, but not a small business",
    "unknown_vat_mode": "unknown VAT mode",
    "ic_invalid_vat_id": "intra-community supply with an invalid VAT ID",
    "ic_no_vat_id": "intra-community supply without a VAT ID",
    "ic_vat_id_not_eu": "intra-community supply with a VAT ID outside the EU",
    "ic_domestic_vat_id": "intra-community supply with a VAT ID of the ship-from country",
    "ic_destination_outside_eu": "intra-community supply to outside the EU",
    "ic_domestic_destination": "intra-community supply within one country",
    "export_destination_in_eu": "export VAT mode for an EU destination",
    "no_destination": "no delivery country",
    "no_ship_from": "no ship-from country",
    "ship_from_outside_eu": "shipped from outside the EU",
    "home_country_not_eu": "home country outside the EU",
    "unknown_rate": "no VAT rate for the country and date",
    "no_revenue_account": "no revenue account for the treatment and rate",
    "no_vat_account": "no VAT account for the treatment and rate",
    "number_too_long": "invoice number longer than 36 characters",
    "seller_vat_id": "the seller VAT ID on the invoice is not the merchant's",
    "vat_flags_disagree": "Billbee's VAT flags contradict the VAT treatment",
    "internal_error": "could not be booked (internal error)",
    "duplicate_invoice_number": "duplicate invoice number",
    "implausible_invoice_date": "implausible invoice date",
    "implausible_quantity": "zero or negative quantity on an invoice",
    "no_currency": "no currency",
    "no_order_items": "invoice without lines",
    "unknown_currency": "currency is not an ISO code",
}


def _summary(hold: Hold) -> str:
    return SUMMARIES.get(hold.code) or (hold.reason if len(hold.reason) <= 80 else hold.code)


def store_hold(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    status: str,
    code: str,
    reason: str,
    trace: list[str],
) -> None:
    _store(
        ctx, document, booking, status, code, reason, None, [*trace, _outcome(status, reason)], None
    )


def _outcome(status: str, reason: str) -> Text:
    """The trace's last line: the outcome and its reason."""
    if status == DocumentBooking.Status.WAITING:
        return Text("→ waiting: {reason}", reason=reason)
    if status == DocumentBooking.Status.REJECTED:
        return Text("→ rejected: {reason}", reason=reason)
    if status == DocumentBooking.Status.NOTHING:
        return Text("→ nothing: {reason}", reason=reason)
    return Text("→ {status}: {reason}", status=status, reason=reason)


def internal_error_reason() -> Text:
    """What a person reads about a document that failed for a fault of the connector (an
    unexpected exception): a sentence, never the exception itself (that is in the trace and
    the log)."""
    return Text(
        "could not be booked because of an internal error of the connector (not of the "
        "document): it is tried again on every booking run, and its month cannot be exported "
        "until it is booked; the technical details are in the trace and the worker's log"
    )


def store_internal_error(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    exc: BaseException,
) -> None:
    # The technical detail stays as it is, in every language.
    detail = f"internal error: {type(exc).__name__}: {str(exc)[:500]}"
    store_hold(
        ctx, document, booking, "rejected", "internal_error", internal_error_reason(), [detail]
    )


def _booking_row(
    ctx: BookingContext,
    document: ExternalOrder,
    status: str,
    code: str,
    reason: str,
    trace: list[str],
    decided: Booking | None,
) -> dict[str, Any]:
    warnings = decided.warnings if decided else []
    return {
        "document_id": document.pk,
        "connection_id": ctx.connection.pk,
        "status": status,
        "reason_code": code,
        "reason": reason,
        "source_hash": document.raw_hash,
        "case": decided.treatment.case.value if decided else "",
        "debtor": decided.values.debtor if decided else None,
        "vat_difference": decided.treatment.vat_difference if decided else None,
        "warnings": warnings,
        "trace": trace,
        "texts": texts(reason=reason, trace=trace, warnings=warnings),
        "decided_at": ctx.now,
    }


def _store(
    ctx: BookingContext,
    document: ExternalOrder,
    booking: DocumentBooking | None,
    status: str,
    code: str,
    reason: str,
    entry: JournalEntry | None,
    trace: list[str],
    decided: Booking | None,
) -> None:
    values = _booking_row(ctx, document, status, code, reason, trace, decided)
    values.pop("document_id")
    values["entry"] = entry
    if booking is None:
        DocumentBooking.objects.create(document=document, **values)
    else:
        DocumentBooking.objects.filter(pk=booking.pk).update(**values)
