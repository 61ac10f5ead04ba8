"""Matching stored statement lines, confirming payments, and the write-back outbox.

``transactions_match`` runs the matching engine (``payments/matching``, pure) over a
connection's lines not yet confirmed, against its open items (``payments/selectors.py``), and
stores each line's state, reason and candidates. ``transaction_confirm`` confirms one line for
one document: it posts the payment in the journal (bookkeeping/services/payments.py, one
transaction per line) and, when the document's payment group writes back, adds an outbox entry
that the worker sends later (``writebacks_send``), never inside the transaction.
``transactions_confirm_exact`` confirms every line the exact 1:1 rule matched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billbee.client import BillbeeClient
from billbee.errors import BillbeeError
from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DocumentBooking
from connector.models import Connection, ExternalOrder
from connector.texts import Text, data_of, message_of, rendered, texts

from ..errors import PaymentsError
from ..matching import LineMatch, MatchConfig, match_lines
from ..models import PaymentGroup, StatementTransaction, Writeback
from ..parsers.base import StatementLine
from ..selectors import match_config, open_items, payment_group_of, payment_groups
from ..writeback import WritebackTarget, order_mark_paid
from .payers import payer_remember
from .refunds import payment_for_line
from .transfers import transfers_process

logger = logging.getLogger("payments.matching")
UNCONFIRMED = (
    StatementTransaction.State.NEW,
    StatementTransaction.State.MATCHED,
    StatementTransaction.State.PARTIALLY_PAID,
    StatementTransaction.State.NO_MATCH,
    StatementTransaction.State.AMOUNT_DIFFERS,
    StatementTransaction.State.AMBIGUOUS,
    StatementTransaction.State.ALREADY_PAID,
)
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)


@dataclass
class MatchSummary:
    lines: int = 0
    states: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    # Booked without a person before the matching: payouts, returns, refunds, advance payments.
    booked: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "states": self.states,
            "confirmed": self.confirmed,
            "booked": self.booked,
        }


# The fields of a stored line that matching reads, in ``StatementLine``'s names.
_LINE_FIELDS = (
    "booking_date",
    "amount",
    "currency",
    "kind",
    "value_date",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_bic",
    "remittance",
    "end_to_end_id",
    "bank_reference",
    "related_reference",
    "gross",
    "fee",
    "return_reason",
    "status",
)
_REPEATED_FIELDS = ("booking_date", "value_date", "currency", "kind", "status")
# Lines whose results one statement stores.
STORE_CHUNK = 5000
_STORE_RESULTS = """
    UPDATE payments_statementtransaction AS line
       SET state = result.state, reason = result.reason, auto = result.auto,
           candidates = result.candidates::jsonb, texts = result.texts::jsonb, updated_at = %s
      FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::boolean[], %s::text[], %s::text[])
           AS result (id, state, reason, auto, candidates, texts)
     WHERE line.id = result.id
"""


def transactions_match(
    connection: Connection, *, config: MatchConfig | None = None
) -> MatchSummary:
    """Match every line of the connection that no one has confirmed yet; store the results.

    Payouts, returns naming their payment, refunds naming their credit note and advance
    payments whose invoice is booked now are booked first (``transfers.transfers_process``)."""
    booked = transfers_process(connection).as_dict()
    config = config or match_config(connection)
    # Plain values, not model instances: a statement of 50,000 lines is read in a second.
    rows = (
        StatementTransaction.objects.filter(
            source__connection=connection, state__in=UNCONFIRMED, confirmed_at__isnull=True
        )
        .order_by("booking_date", "pk")
        .values_list("pk", *_LINE_FIELDS)
        .iterator(chunk_size=STORE_CHUNK)  # not kept as a whole beside the lines made of it
    )
    ids, lines = [], []
    shared: dict[Any, Any] = {}  # dates, currencies, kinds and states repeat: one object each
    for pk, *values in rows:
        ids.append(pk)
        fields = dict(zip(_LINE_FIELDS, values, strict=True))
        for name in _REPEATED_FIELDS:
            fields[name] = shared.setdefault(fields[name], fields[name])
        lines.append(StatementLine(**fields))
    summary = MatchSummary(lines=len(lines), booked=booked)
    if not lines:
        return summary
    results = match_lines(lines, open_items(connection), config)
    for result in results:
        summary.states[result.state] = summary.states.get(result.state, 0) + 1
    results_store(ids, results)
    return summary


def _candidates(result: LineMatch) -> list[dict[str, Any]]:
    return [
        {
            "documents": list(c.item_ids),
            "kind": c.kind,
            "score": round(c.score, 3),
            "amount_difference": str(c.amount_difference),
            "skonto": str(c.skonto),
            "reasons": list(c.reasons),
            "reasons_data": [data_of(reason) for reason in c.reasons],
        }
        for c in result.candidates
    ]


def results_store(ids: list[int], results: list[LineMatch]) -> None:
    """Store each line's state, reason and candidates. On PostgreSQL one UPDATE per
    ``STORE_CHUNK`` lines, the values as arrays (``bulk_update`` builds a CASE per field and
    line, half a minute for 50,000 lines); elsewhere ``bulk_update``."""
    now = timezone.now()
    if db_connection.vendor != "postgresql":
        StatementTransaction.objects.bulk_update(
            [
                StatementTransaction(
                    pk=pk,
                    state=result.state,
                    reason=result.reason,
                    auto=result.auto,
                    candidates=_candidates(result),
                    texts=texts(reason=result.reason),
                    updated_at=now,
                )
                for pk, result in zip(ids, results, strict=True)
            ],
            ["state", "reason", "auto", "candidates", "texts", "updated_at"],
            batch_size=500,
        )
        return
    with db_connection.cursor() as cursor:
        for start in range(0, len(ids), STORE_CHUNK):
            chunk = results[start : start + STORE_CHUNK]
            cursor.execute(
                _STORE_RESULTS,
                [
                    now,
                    ids[start : start + STORE_CHUNK],
                    [result.state for result in chunk],
                    [result.reason for result in chunk],
                    [result.auto for result in chunk],
                    [json.dumps(_candidates(result), ensure_ascii=False) for result in chunk],
                    [
                        json.dumps(texts(reason=result.reason), ensure_ascii=False)
                        for result in chunk
                    ],
                ],
            )


def transactions_confirm_exact(connection: Connection, now: datetime | None = None) -> int:
    """Confirm every line matched by the exact 1:1 rule; the others wait for a person."""
    confirmed = 0
    lines = StatementTransaction.objects.filter(
        source__connection=connection,
        state=StatementTransaction.State.MATCHED,
        auto=True,
        confirmed_at__isnull=True,
    ).order_by("booking_date", "pk")
    for tx in lines:
        document_id = tx.candidates[0]["documents"][0]
        try:
            with translation.override(None):  # a refusal here is only logged: in English
                transaction_confirm(tx, document_id, now=now)
        except PaymentsError as exc:
            logger.warning("line %s not confirmed: %s", tx.pk, exc)
            continue
        confirmed += 1
    if confirmed:
        # A return on the same statement as the payment it takes back finds it confirmed now.
        transfers_process(connection, now=now)
    return confirmed


def transaction_confirm(
    tx: StatementTransaction, document_id: int, *, now: datetime | None = None
) -> StatementTransaction:
    """Confirm that ``tx`` pays the document: post the payment and queue the write-back."""
    now = now or timezone.now()
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().get(pk=tx.pk)
        if tx.confirmed_at is not None:
            raise PaymentsError(_("Line %(id)s is confirmed already.") % {"id": tx.pk})
        # Locked like a settled line's documents (services/settling.py), for the same reason.
        document = ExternalOrder.objects.select_for_update(of=("self",)).get(pk=document_id)
        payer_remember(tx, document)  # undone with the rest if the confirmation fails
        booking = DocumentBooking.objects.filter(
            document=document, status=DocumentBooking.Status.BOOKED
        ).first()
        group = payment_group_of(document.payment_method, payment_groups(document.connection))
        if booking is None or booking.entry is None:
            if group is None or group.kind != PaymentGroup.Kind.PREPAYMENT:
                raise PaymentsError(
                    _(
                        "Order %(order)s has no booked invoice yet: the payment is confirmed "
                        "once its invoice is booked."
                    )
                    % {"order": document.order_number or document.billbee_order_id}
                )
            # A prepayment (Vorkasse) arrives before the invoice: it is matched and written
            # back to Billbee now; its journal entry waits for the invoice (payments.md).
            tx.matched_document, tx.confirmed_at = document, now
            tx.state = StatementTransaction.State.MATCHED
            tx.save(update_fields=["matched_document", "confirmed_at", "state"])
            _queue_writeback(tx, document, group)
            return tx
        try:
            # Returns, refunds of a credit note and overpayments: see services/refunds.py.
            entry, reason = payment_for_line(tx, booking.entry, now)
        except BookkeepingError as exc:
            raise PaymentsError(rendered(message_of(exc))) from exc
        tx.payment_entry, tx.matched_document, tx.confirmed_at = entry, document, now
        tx.state = StatementTransaction.State.MATCHED
        if reason:
            tx.set_reason(reason)
        tx.save(
            update_fields=[
                "payment_entry",
                "matched_document",
                "confirmed_at",
                "state",
                "reason",
                "texts",
            ]
        )
        if tx.amount > 0:  # money back to the customer is no reason to mark the order paid
            _queue_writeback(tx, document, group)
    return tx


def _queue_writeback(
    tx: StatementTransaction, document: ExternalOrder, group: PaymentGroup | None
) -> None:
    if group is None or group.writeback == PaymentGroup.Writeback.OFF:
        return
    if Writeback.objects.filter(
        transaction=tx, billbee_order_id=document.billbee_order_id
    ).exists():
        return  # sent before the line was undone and confirmed again: Billbee knows it
    Writeback.objects.create(
        connection_id=document.connection_id,
        transaction=tx,
        billbee_order_id=document.billbee_order_id,
        open_states=list(group.open_states),
        paid_state=group.paid_state,
        tag=group.writeback_tag,
        message=f"Zahlung vom {tx.booking_date:%d.%m.%Y} über {tx.amount} {tx.currency} "
        f"({tx.source.name}) zugeordnet.",
        state=Writeback.State.PENDING
        if group.writeback == PaymentGroup.Writeback.AUTO
        else Writeback.State.AWAITING_APPROVAL,
    )


def writebacks_send(
    connection: Connection, client: BillbeeClient, *, now: datetime | None = None
) -> dict[str, int]:
    """Send the connection's due outbox entries through the client (its shared rate limiter):
    each reads the order again first; done, stopped with the reason, or tried again later."""
    now = now or timezone.now()
    counts = {"done": 0, "stopped": 0, "retry": 0}
    due = Writeback.objects.filter(connection=connection, state=Writeback.State.PENDING).exclude(
        next_attempt_at__gt=now
    )
    for entry in due.order_by("pk"):
        target = WritebackTarget(tuple(entry.open_states), entry.paid_state)
        try:
            result = order_mark_paid(
                client, entry.billbee_order_id, target, tag=entry.tag, message=entry.message
            )
        except BillbeeError as exc:
            entry.attempts += 1
            step = RETRY_AFTER[min(entry.attempts, len(RETRY_AFTER)) - 1]
            entry.next_attempt_at = now + step
            entry.set_reason(
                Text(
                    "Billbee answered: {answer}. Tried again from {when}.",
                    answer=str(exc),
                    when=entry.next_attempt_at,
                )
            )
            entry.save(
                update_fields=["attempts", "next_attempt_at", "reason", "texts", "updated_at"]
            )
            counts["retry"] += 1
            continue
        entry.attempts += 1
        entry.state = Writeback.State.STOPPED if result.action == "stop" else Writeback.State.DONE
        entry.set_reason(result.reason)
        entry.save(update_fields=["attempts", "state", "reason", "texts", "updated_at"])
        counts["stopped" if result.action == "stop" else "done"] += 1
    return counts
