"""Payments that come back: a returned direct debit, a returned transfer, a card or PayPal
chargeback.

A return is booked by itself when it names the payment it takes back: the same end-to-end id,
the provider's id of the original transaction (PayPal's "Zugehöriger Transaktionscode",
Stripe's payment), the bank's reference, or the same mandate and amount. It is a payment
entry of its own on the return's date (bookkeeping/services/payment_transfers.py): the item is
open again, the return's fee goes to the fee account, nothing is sent to Billbee (a pending
"paid" for the order is stopped). Refunds, overpayments and the booking of one
confirmed line are in ``refunds``. The other returns get the matching engine's proposal and
wait for a person. docs/payments.md "Chargebacks and returned debits".
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.services.payment_transfers import ReturnPosting, payment_return_post
from connector.models import Connection
from connector.texts import Money, Text, message_of, texts

from ..models import StatementTransaction, Writeback
from ..parsers.base import LineKind

State = StatementTransaction.State
ZERO = Decimal(0)
RETURN_KINDS = (LineKind.REVERSAL, LineKind.CHARGEBACK)
OPEN_STATES = (
    State.NEW,
    State.MATCHED,
    State.NO_MATCH,
    State.AMBIGUOUS,
    State.AMOUNT_DIFFERS,
    State.PARTIALLY_PAID,
    State.ALREADY_PAID,
    State.IGNORED,
)
# ISO 20022 return reasons (ExternalReturnReason1Code) a German bank sends most often.
RETURN_REASONS = {
    "AC01": Text("the account number is wrong"),
    "AC04": Text("the customer's account is closed"),
    "AC06": Text("the customer's account is blocked"),
    "AC13": Text("the debtor's account type does not allow direct debits"),
    "AG01": Text("direct debits are not allowed on the customer's account"),
    "AG02": Text("the bank refused the operation code"),
    "AM04": Text("insufficient funds on the customer's account"),
    "AM05": Text("a duplicate of another collection"),
    "BE05": Text("the creditor is not known to the customer's bank"),
    "CUST": Text("the customer asked for it"),
    "DUPL": Text("a duplicate payment"),
    "FF01": Text("the file format was invalid"),
    "FOCR": Text("returned after a cancellation request"),
    "MD01": Text("there is no valid mandate"),
    "MD02": Text("the mandate data are missing or wrong"),
    "MD06": Text("the customer asked the bank for a refund (disputed direct debit)"),
    "MD07": Text("the customer has died"),
    "MS02": Text("the customer refused it (no reason given)"),
    "MS03": Text("the bank gave no reason"),
    "RC01": Text("the bank identifier (BIC) is wrong"),
    "RR01": Text("the customer's account or identity is missing (regulatory)"),
    "RR04": Text("a regulatory reason"),
    "SL01": Text("a service of the customer's bank (e.g. a creditor block)"),
}


def return_reason_words(code: str) -> str:
    """The return reason in words: "AC04: the customer's account is closed"."""
    code = code.strip()
    if not code:
        return ""
    words = RETURN_REASONS.get(code.upper())
    return Text("{code}: {words}", code=code.upper(), words=words) if words else code


def _direct_debit(tx: StatementTransaction) -> bool:
    return bool(tx.mandate_id) or tx.return_reason.upper().startswith(("MD", "MS", "AM"))


def what_came_back(tx: StatementTransaction) -> Text:
    if tx.kind == LineKind.CHARGEBACK:
        return Text("Chargeback (Rückbuchung)")
    if _direct_debit(tx):
        return Text("Returned direct debit (Rücklastschrift)")
    return Text("Returned payment (Rückbuchung)")


def _came_back_on(tx: StatementTransaction) -> Text:
    """Why a write-back of the payment is not sent any more."""
    day = tx.booking_date
    if tx.kind == LineKind.CHARGEBACK:
        return Text(
            "Not sent: the payment came back on {date} (chargeback (rückbuchung)).", date=day
        )
    if _direct_debit(tx):
        return Text(
            "Not sent: the payment came back on {date} (returned direct debit (rücklastschrift)).",
            date=day,
        )
    return Text(
        "Not sent: the payment came back on {date} (returned payment (rückbuchung)).", date=day
    )


def returned_lines(connection: Connection) -> set[int]:
    """The confirmed payments that a booked return took back."""
    returned: set[int] = set()
    for candidates in StatementTransaction.objects.filter(
        source__connection=connection, kind__in=RETURN_KINDS, confirmed_at__isnull=False
    ).values_list("candidates", flat=True):
        for candidate in candidates or []:
            if isinstance(candidate, dict) and candidate.get("returns_line"):
                returned.add(int(candidate["returns_line"]))
    return returned


def unconfirmed(connection: Connection) -> QuerySet[StatementTransaction]:
    return StatementTransaction.objects.filter(
        source__connection=connection,
        confirmed_at__isnull=True,
        payment_entry__isnull=True,
        state__in=OPEN_STATES,
        amount__lt=0,
    ).select_related("source")


def standing_invoice(document_id: int) -> JournalEntry | None:
    booking = (
        DocumentBooking.objects.filter(
            document_id=document_id,
            status=DocumentBooking.Status.BOOKED,
            entry__kind=JournalEntry.Kind.INVOICE,
        )
        .select_related("entry")
        .first()
    )
    return booking.entry if booking is not None else None


# --- returns ------------------------------------------------------------------------------


def returns_book(connection: Connection, *, now: datetime | None = None) -> int:
    """Book the returns that name a confirmed payment; returns how many were booked."""
    now = now or timezone.now()
    lines = list(unconfirmed(connection).filter(kind__in=RETURN_KINDS).order_by("pk"))
    if not lines:
        return 0
    booked = 0
    returned = returned_lines(connection)
    payments = _payments_named(lines, connection)
    for tx in lines:
        original = _original_of(tx, payments, returned)
        if original is not None and _return_book(tx, original, now):
            returned.add(original.pk)
            booked += 1
    return booked


def _payments_named(
    lines: list[StatementTransaction], connection: Connection
) -> list[StatementTransaction]:
    """The confirmed payments any of the returns may name, read in one query (a query per
    return scanned the connection's lines once each: minutes for a statement of many)."""
    references = {r for tx in lines for r in (tx.related_reference, tx.bank_reference) if r}
    end_to_end = {tx.end_to_end_id for tx in lines if tx.end_to_end_id}
    mandates = {tx.mandate_id for tx in lines if tx.mandate_id}
    if not (references or end_to_end or mandates):
        return []
    return list(
        StatementTransaction.objects.filter(
            Q(bank_reference__in=references)
            | Q(end_to_end_id__in=end_to_end)
            | Q(mandate_id__in=mandates),
            source__connection=connection,
            confirmed_at__isnull=False,
            matched_document__isnull=False,
            amount__gt=0,
        ).order_by("pk")
    )


def _names(tx: StatementTransaction, payment: StatementTransaction) -> bool:
    """Whether the return ``tx`` names ``payment``: the bank's reference of the payment, the
    same SEPA end-to-end id or bank reference, or the same mandate over the same amount."""
    if tx.related_reference and payment.bank_reference == tx.related_reference:
        return True
    if tx.end_to_end_id and payment.end_to_end_id == tx.end_to_end_id:
        return True
    if tx.bank_reference and payment.bank_reference == tx.bank_reference:
        return True
    principal = -tx.paid_amount
    return bool(tx.mandate_id) and (payment.mandate_id, payment.amount) == (
        tx.mandate_id,
        principal,
    )


def _original_of(
    tx: StatementTransaction, payments: list[StatementTransaction], returned: set[int]
) -> StatementTransaction | None:
    """The one confirmed payment the return names, if it names exactly one."""
    found = [
        payment
        for payment in payments
        if payment.pk != tx.pk and payment.pk not in returned and _names(tx, payment)
    ]
    return found[0] if len(found) == 1 else None


def _return_book(tx: StatementTransaction, original: StatementTransaction, now: datetime) -> int:
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().select_related("source").get(pk=tx.pk)
        if tx.confirmed_at is not None:
            return 0
        assert original.matched_document_id is not None
        invoice = standing_invoice(original.matched_document_id)
        entry = None
        if original.payment_entry_id is not None and invoice is not None:
            try:
                entry = return_post(tx, invoice, now)
            except BookkeepingError as exc:
                tx.state = State.ERROR
                tx.set_reason(message_of(exc))
                tx.save(update_fields=["state", "reason", "texts", "updated_at"])
                return 0
        label = (
            invoice.number
            if invoice is not None
            else Text("order {number}", number=str(original.matched_document_id))
        )
        tx.payment_entry, tx.matched_document, tx.confirmed_at = (
            entry,
            original.matched_document,
            now,
        )
        tx.state = State.MATCHED
        tx.set_reason(_return_reason(tx, original, label, entry))
        takes_back = Text("takes back the payment of {date}", date=original.booking_date)
        tx.candidates = [
            {
                "documents": [original.matched_document_id],
                "kind": "chargeback",
                "returns_line": original.pk,
                "reasons": [takes_back],
                "reasons_data": [takes_back.data()],
            }
        ]
        tx.save(
            update_fields=[
                "payment_entry",
                "matched_document",
                "confirmed_at",
                "state",
                "reason",
                "texts",
                "candidates",
                "updated_at",
            ]
        )
        _stop_writeback(original, tx)
    return 1


def return_post(tx: StatementTransaction, invoice: JournalEntry, now: datetime) -> JournalEntry:
    """The return's entry: the debtor owes the principal again; the fee to the fee account."""
    principal = -tx.paid_amount
    fee = -(tx.fee or ZERO) if tx.gross is not None else ZERO
    return payment_return_post(
        ReturnPosting(
            invoice=invoice,
            day=tx.booking_date,
            returned=principal,
            account=tx.source.ledger_account,
            fee=fee,
            fee_account=tx.source.fee_account,
            reference=tx.key[:80],
        ),
        now,
    )


def _return_reason(
    tx: StatementTransaction,
    original: StatementTransaction,
    label: str,
    entry: JournalEntry | None,
) -> str:
    why = return_reason_words(tx.return_reason)
    what, day = what_came_back(tx), original.booking_date
    amount = Money(original.amount, original.currency)
    if why:
        head = Text(
            "{what} of the payment of {date} over {amount} for {label} ({why}).",
            what=what,
            date=day,
            amount=amount,
            label=label,
            why=why,
        )
    else:
        head = Text(
            "{what} of the payment of {date} over {amount} for {label}.",
            what=what,
            date=day,
            amount=amount,
            label=label,
        )
    if entry is None:
        return Text(
            "{head} The payment had not been booked yet (its invoice was not booked): nothing "
            "to book back, and it will not be booked when the invoice is.",
            head=head,
        )
    fee = tx.fee if tx.gross is not None and tx.fee else ZERO
    if fee < 0:
        return Text(
            "{head} Booked back on {date}: {label} is open again (Debitor {debtor}); Billbee is "
            "not marked paid again. The return fee of {fee} is booked to the fee account.",
            head=head,
            date=tx.booking_date,
            label=label,
            debtor=entry.debtor,
            fee=Money(-fee, "EUR"),
        )
    return Text(
        "{head} Booked back on {date}: {label} is open again (Debitor {debtor}); Billbee is "
        "not marked paid again.",
        head=head,
        date=tx.booking_date,
        label=label,
        debtor=entry.debtor,
    )


def _stop_writeback(original: StatementTransaction, tx: StatementTransaction) -> None:
    """A "paid" for Billbee not sent yet is not sent any more."""
    reason = _came_back_on(tx)
    Writeback.objects.filter(
        transaction=original,
        state__in=(Writeback.State.AWAITING_APPROVAL, Writeback.State.PENDING),
    ).update(
        state=Writeback.State.STOPPED,
        reason=reason,
        texts=texts(reason=reason),
    )
