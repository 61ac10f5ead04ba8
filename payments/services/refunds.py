"""Money back to customers, and the booking of one confirmed line against its invoice.

A refund is booked by itself when it names a booked credit note whose amount not yet refunded
it equals (by the credit note's number in the text, or as the provider's refund of a confirmed
payment of the invoice the credit note corrects): a payment entry against the credit note,
with the credit note's key. ``payment_for_line`` posts a line a person (or the exact rule)
confirmed: a return books the payment back, a refund pays the invoice's credit note where one
covers it, a payment larger than the open amount credits the debtor with all of it and says
by how much it overpaid. docs/payments.md "Refunds and overpayments".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.services.payments import PaymentPosting, payment_post
from connector.models import Connection
from connector.texts import Money, Text, message_of

from ..matching import normalise, reference_tokens
from ..models import StatementTransaction
from ..parsers.base import LineKind
from .returns import (
    RETURN_KINDS,
    return_post,
    return_reason_words,
    standing_invoice,
    unconfirmed,
    what_came_back,
)

State = StatementTransaction.State
ZERO = Decimal(0)


# --- refunds ------------------------------------------------------------------------------


def _refund_amounts(tx: StatementTransaction) -> tuple[Decimal, Decimal]:
    """(what the customer gets back, the provider's fee given back to us, ≥ 0)."""
    if tx.gross is not None and tx.fee is not None and tx.fee > 0:
        return -tx.gross, tx.fee
    return -tx.amount, ZERO


def _not_refunded(credit_note: JournalEntry) -> Decimal:
    refunded = JournalEntry.objects.filter(
        document_id=credit_note.document_id,
        kind=JournalEntry.Kind.PAYMENT,
        reversed_by__isnull=True,
    ).aggregate(total=Sum("document_total"))["total"]
    return abs(credit_note.document_total) + (refunded or ZERO)


def _credit_notes_of(invoice: JournalEntry) -> list[JournalEntry]:
    """The booked credit notes of the invoice's document, also those posted against an entry
    of it that a change in Billbee reversed since."""
    return [
        booking.entry
        for booking in DocumentBooking.objects.filter(
            Q(entry__credit_for__document_id=invoice.document_id)
            if invoice.document_id
            else Q(entry__credit_for=invoice),
            status=DocumentBooking.Status.BOOKED,
            entry__kind=JournalEntry.Kind.CREDIT_NOTE,
        )
        .order_by("entry_id")
        .select_related("entry")
        if booking.entry is not None
    ]


def refund_credit_note(invoice: JournalEntry, refund: Decimal) -> JournalEntry | None:
    """The booked credit note of the invoice that the refund pays: the one whose amount not
    yet refunded equals it, else the first that still covers it."""
    notes = [(note, _not_refunded(note)) for note in _credit_notes_of(invoice)]
    equal = [note for note, left in notes if left == refund]
    if equal:
        return equal[0]
    return next((note for note, left in notes if left >= refund), None)


def refunds_book(connection: Connection, *, now: datetime | None = None) -> int:
    """Book the refunds that name exactly one credit note they equal; returns the count."""
    now = now or timezone.now()
    lines = list(
        unconfirmed(connection)
        .filter(kind__in=(LineKind.REFUND, LineKind.PAYMENT), currency="EUR")
        .order_by("pk")
    )
    if not lines:
        return 0
    by_number: dict[str, list[JournalEntry]] = {}
    for booking in DocumentBooking.objects.filter(
        connection=connection,
        status=DocumentBooking.Status.BOOKED,
        entry__kind=JournalEntry.Kind.CREDIT_NOTE,
    ).select_related("entry"):
        if booking.entry is not None:
            by_number.setdefault(normalise(booking.entry.number), []).append(booking.entry)
    if not by_number:
        return 0  # no credit note booked: no refund can name one
    booked = 0
    for tx in lines:
        refund, _ = _refund_amounts(tx)
        named = _named_credit_notes(tx, connection, by_number)
        fitting = {note.pk: note for note in named if _not_refunded(note) == refund}
        if len(fitting) == 1:
            booked += _refund_book(tx, next(iter(fitting.values())), now)
    return booked


def _named_credit_notes(
    tx: StatementTransaction, connection: Connection, by_number: dict[str, list[JournalEntry]]
) -> list[JournalEntry]:
    tokens = reference_tokens(f"{tx.remittance} {tx.end_to_end_id}")
    named = [note for token in tokens for note in by_number.get(token, [])]
    if named or not tx.related_reference:
        return named
    original = (
        StatementTransaction.objects.filter(
            source__connection=connection,
            bank_reference=tx.related_reference,
            confirmed_at__isnull=False,
            matched_document__isnull=False,
            amount__gt=0,
        )
        .order_by("pk")
        .first()
    )
    if original is None or original.matched_document_id is None:
        return []
    invoice = standing_invoice(original.matched_document_id)
    return _credit_notes_of(invoice) if invoice is not None else []


def _refund_book(tx: StatementTransaction, credit_note: JournalEntry, now: datetime) -> int:
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().select_related("source").get(pk=tx.pk)
        if tx.confirmed_at is not None:
            return 0
        try:
            entry = _refund_post(tx, credit_note, now)
        except BookkeepingError as exc:
            tx.state = State.ERROR
            tx.set_reason(message_of(exc))
            tx.save(update_fields=["state", "reason", "texts", "updated_at"])
            return 0
        tx.payment_entry, tx.matched_document_id, tx.confirmed_at = (
            entry,
            credit_note.document_id,
            now,
        )
        tx.state, tx.auto = State.MATCHED, True
        tx.set_reason(_refund_reason(tx, credit_note))
        tx.save(
            update_fields=[
                "payment_entry",
                "matched_document",
                "confirmed_at",
                "state",
                "auto",
                "reason",
                "texts",
                "updated_at",
            ]
        )
    return 1


def _refund_post(
    tx: StatementTransaction, credit_note: JournalEntry, now: datetime
) -> JournalEntry:
    refund, fee_back = _refund_amounts(tx)
    return payment_post(
        PaymentPosting(
            invoice=credit_note,
            day=tx.booking_date,
            amount=-refund,
            account=tx.source.ledger_account,
            fee=fee_back,
            fee_account=tx.source.fee_account,
            reference=tx.key[:80],
        ),
        now,
    )


def _refund_reason(tx: StatementTransaction, credit_note: JournalEntry) -> Text:
    refund, _ = _refund_amounts(tx)
    if credit_note.reference:
        return Text(
            "Refund of {amount} to the customer for credit note {note} (invoice {invoice}): "
            "booked against the credit note (Debitor {debtor}).",
            amount=Money(refund, tx.currency),
            note=credit_note.number,
            invoice=credit_note.reference,
            debtor=credit_note.debtor,
        )
    return Text(
        "Refund of {amount} to the customer for credit note {note}: booked against the credit "
        "note (Debitor {debtor}).",
        amount=Money(refund, tx.currency),
        note=credit_note.number,
        debtor=credit_note.debtor,
    )


# --- one confirmed line against its invoice -----------------------------------------------


def open_amount(invoice: JournalEntry) -> Decimal:
    """What of the invoice is still open: its total less credit notes and payments."""
    credited = sum((abs(note.document_total) for note in _credit_notes_of(invoice)), ZERO)
    paid = JournalEntry.objects.filter(
        document_id=invoice.document_id,
        kind=JournalEntry.Kind.PAYMENT,
        reversed_by__isnull=True,
    ).aggregate(total=Sum("document_total"))["total"]
    return invoice.document_total - credited - (paid or ZERO)


def payment_for_line(
    tx: StatementTransaction, invoice: JournalEntry, now: datetime
) -> tuple[JournalEntry, str]:
    """Post a confirmed line against the invoice it settles: a return books the payment
    back, a refund pays the invoice's credit note where one covers it, a payment larger
    than the open amount credits the debtor with all of it. Returns the entry and, where
    there is something to say, the line's new reason."""
    if tx.amount < 0 and tx.kind in RETURN_KINDS:
        entry = return_post(tx, invoice, now)
        why = return_reason_words(tx.return_reason)
        if why:
            return entry, Text(
                "{what} for {invoice} ({why}): booked back on {date}, the invoice is open again.",
                what=what_came_back(tx),
                invoice=invoice.number,
                why=why,
                date=tx.booking_date,
            )
        return entry, Text(
            "{what} for {invoice}: booked back on {date}, the invoice is open again.",
            what=what_came_back(tx),
            invoice=invoice.number,
            date=tx.booking_date,
        )
    if tx.amount < 0:
        refund, _ = _refund_amounts(tx)
        credit_note = refund_credit_note(invoice, refund)
        if credit_note is not None:
            return _refund_post(tx, credit_note, now), _refund_reason(tx, credit_note)
    fee, amount = tx.provider_fee, tx.paid_amount
    still_open = open_amount(invoice) if amount > 0 else ZERO
    entry = payment_post(
        PaymentPosting(
            invoice=invoice,
            day=tx.booking_date,
            amount=amount,
            account=tx.source.ledger_account,
            fee=fee,
            fee_account=tx.source.fee_account,
            reference=tx.key[:80],
        ),
        now,
    )
    if amount > 0 and amount > still_open:
        excess = amount - max(still_open, ZERO)
        return entry, Text(
            "Confirmed for {invoice}, overpaid by {excess}: the open {open} are settled and the "
            "excess stays as a credit on Debitor {debtor} (refund it, or set it off against a "
            "later invoice).",
            invoice=invoice.number,
            excess=Money(excess, tx.currency),
            open=Money(max(still_open, ZERO), tx.currency),
            debtor=invoice.debtor,
        )
    return entry, ""
