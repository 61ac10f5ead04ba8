"""What a person decides about a statement line: which documents it settles and how (the
money, a Skonto within the payment group's rate and term, the rest written off), ignoring its
payer, and undoing a confirmed line.

``transaction_settle`` posts one payment entry per document (bookkeeping/services/
payment_adjustments.py) and records a ``PaymentAllocation`` for each, all in one transaction
per line; the write-back to Billbee is queued for each order and sent later by the worker.
``transaction_undo`` reverses the entries, withdraws write-backs not sent yet and matches the
line again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.services.payment_adjustments import Adjustment, WriteOff, payment_settle
from bookkeeping.services.payments import PaymentPosting, payment_reverse
from connector import formatting
from connector.models import ExternalOrder
from connector.texts import Joined, Text, message_of, rendered

from ..errors import PaymentsError
from ..matching import OpenItem
from ..models import (
    IgnoreRule,
    PaymentAllocation,
    PaymentGroup,
    StatementTransaction,
    Writeback,
)
from ..selectors import open_items, payment_group_of, payment_groups
from .matching import _queue_writeback, transaction_confirm, transactions_match
from .payers import payer_remember

ZERO = Decimal(0)
CENT = Decimal("0.01")
NOT_SENT = (Writeback.State.AWAITING_APPROVAL, Writeback.State.PENDING)


@dataclass(frozen=True)
class Part:
    """One document a line pays: the money of the line for it, and what settles the rest."""

    document_id: int
    amount: Decimal
    skonto: Decimal = ZERO
    write_off: Decimal = ZERO
    write_off_kind: str = WriteOff.LOSS

    @property
    def plain(self) -> bool:
        return not self.skonto and not self.write_off


def skonto_refusal(skonto: Decimal, item: OpenItem, group: PaymentGroup | None, day: date) -> str:
    """Why a Skonto may not be granted on ``item`` for a payment on ``day`` ("" if it may)."""
    if group is None or group.skonto_rate <= 0 or not group.skonto_days:
        return _(
            "No Skonto is configured for the payment group of %(item)s: set its Skonto rate "
            "and term, or write the rest off."
        ) % {"item": item_name(item)}
    if item.amount != item.total:
        return _("%(item)s is paid in part already: Skonto applies to a whole invoice.") % {
            "item": item_name(item)
        }
    allowed = (item.total * group.skonto_rate / 100).quantize(CENT, ROUND_HALF_UP)
    if skonto > allowed:
        return _(
            "A Skonto of %(skonto)s is %(share)s %% of %(total)s, more than the %(rate)s %% "
            "allowed (%(allowed)s). Write the rest off if that is what is meant."
        ) % {
            "skonto": formatting.money(skonto, "EUR"),
            "share": formatting.number(skonto * 100 / item.total, 2),
            "total": formatting.money(item.total, "EUR"),
            "rate": formatting.number(group.skonto_rate, 2),
            "allowed": formatting.money(allowed, "EUR"),
        }
    days = (day - item.invoice_date).days
    if days > group.skonto_days:
        return _(
            "Paid %(days)s days after the invoice date, beyond the Skonto term of %(term)s "
            "days. Write the rest off if that is what is meant."
        ) % {"days": days, "term": group.skonto_days}
    return ""


def item_name(item: OpenItem) -> str:
    """An open item as a refusal names it: its invoice number (else its label)."""
    return item.invoice_number or item.order_number or item.label


class Rest:
    """What becomes of the rest an invoice keeps open after the line's money."""

    OPEN = ""  # a partial payment: the rest stays open
    SKONTO = "skonto"
    LOSS = WriteOff.LOSS
    DIFFERENCE = WriteOff.DIFFERENCE


def part_with_rest(tx: StatementTransaction, document: ExternalOrder, rest: str) -> Part:
    """The whole line for ``document``; what then remains open of it settled as ``rest``."""
    amount = tx.paid_amount
    if rest == Rest.OPEN:
        return Part(document.pk, amount)
    items = open_items(tx.source.connection, on=tx.booking_date, documents=[document.pk])
    item = next((i for i in items if i.id == document.pk and not i.settled), None)
    if item is None:
        raise PaymentsError(
            _("%(document)s is not an open invoice: there is no rest to settle.")
            % {"document": document.invoice_number or document.order_number}
        )
    remaining = item.amount - amount
    if remaining <= 0:
        raise PaymentsError(
            _("The line pays %(amount)s, %(item)s has %(open)s open: there is no rest to settle.")
            % {
                "amount": formatting.money(amount, "EUR"),
                "item": item_name(item),
                "open": formatting.money(item.amount, "EUR"),
            }
        )
    if rest == Rest.SKONTO:
        return Part(document.pk, amount, skonto=remaining)
    return Part(document.pk, amount, write_off=remaining, write_off_kind=rest)


def transaction_settle(
    tx: StatementTransaction, parts: Sequence[Part], *, now: datetime | None = None
) -> StatementTransaction:
    """Confirm ``tx`` for the documents of ``parts``: one payment entry each (with its Skonto
    and write-off), their allocations, and the write-backs. Raises ``PaymentsError`` with the
    reason when anything does not fit; then nothing is booked."""
    now = now or timezone.now()
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().select_related("source").get(pk=tx.pk)
        _check_parts(tx, parts)
        connection = tx.source.connection
        # The documents are locked before their open amounts are read: a second line settling
        # one of them waits, then finds what this one booked (never both read it open).
        ids = [p.document_id for p in parts]
        documents_lock(ids)
        items = {
            item.id: item for item in open_items(connection, on=tx.booking_date, documents=ids)
        }
        groups = payment_groups(connection)
        fee = tx.provider_fee
        documents = []
        for position, part in enumerate(parts):
            document = ExternalOrder.objects.filter(
                pk=part.document_id, connection=connection
            ).first()
            if document is None:
                raise PaymentsError(
                    _("Document %(id)s is not one of this shop's.") % {"id": part.document_id}
                )
            payer_remember(tx, document)  # as an exact match does; undone if this fails
            group = payment_group_of(document.payment_method, groups)
            entry = _post_part(tx, part, document, items.get(document.pk), group, fee, now)
            if entry is not None:
                fee = ZERO  # a provider's fee is taken once, from the first entry
            PaymentAllocation.objects.create(
                transaction=tx,
                document=document,
                amount=part.amount,
                skonto=part.skonto,
                write_off=part.write_off,
                write_off_kind=part.write_off_kind if part.write_off else "",
                entry=entry,
            )
            documents.append((document, group, entry if position == 0 else None))
        first, _first_group, first_entry = documents[0]
        tx.payment_entry, tx.matched_document, tx.confirmed_at = first_entry, first, now
        tx.state = StatementTransaction.State.MATCHED
        tx.set_reason(_settled_reason(parts, documents))
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
        for document, group, _entry in documents:
            _queue_writeback(tx, document, group)
    return tx


def documents_lock(document_ids: Sequence[int]) -> None:
    """Lock the documents' rows until the transaction ends (in id order: no deadlock)."""
    list(
        ExternalOrder.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(document_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_parts(tx: StatementTransaction, parts: Sequence[Part]) -> None:
    if tx.confirmed_at is not None:
        raise PaymentsError(_("Line %(id)s is confirmed already: undo it first.") % {"id": tx.pk})
    if not parts:
        raise PaymentsError(_("Name at least one document the line pays."))
    if len({p.document_id for p in parts}) != len(parts):
        raise PaymentsError(_("Each document may be named once."))
    if tx.currency != "EUR":
        raise PaymentsError(
            _(
                "The line is in %(currency)s: payments are booked in EUR. Book the conversion "
                "first and settle the EUR line."
            )
            % {"currency": tx.currency}
        )
    line_amount = tx.paid_amount
    if line_amount <= 0:
        raise PaymentsError(
            _(
                "Only incoming payments are split or settled here: confirm a refund for its "
                "document on its own."
            )
        )
    total = sum((p.amount for p in parts), ZERO)
    if total != line_amount:
        raise PaymentsError(
            _("The amounts add up to %(total)s, the line is %(line)s: they must be equal.")
            % {
                "total": formatting.money(total, tx.currency),
                "line": formatting.money(line_amount, tx.currency),
            }
        )
    for part in parts:
        if part.amount <= 0 or part.skonto < 0 or part.write_off < 0:
            raise PaymentsError(_("Amounts, Skonto and write-offs are positive."))
        if part.write_off and part.write_off_kind not in WriteOff.ALL:
            raise PaymentsError(
                _("Unknown kind of write-off: %(kind)r.") % {"kind": part.write_off_kind}
            )


def _post_part(
    tx: StatementTransaction,
    part: Part,
    document: ExternalOrder,
    item: OpenItem | None,
    group: PaymentGroup | None,
    fee: Decimal,
    now: datetime,
) -> JournalEntry | None:
    """The payment entry of one document (None: a prepayment whose invoice comes later)."""
    name = document.invoice_number or document.order_number or str(document.billbee_order_id)
    booking = DocumentBooking.objects.filter(
        document=document, status=DocumentBooking.Status.BOOKED
    ).first()
    if booking is None or booking.entry is None:
        if part.plain and group is not None and group.kind == PaymentGroup.Kind.PREPAYMENT:
            return None  # booked with its invoice (payments.md, prepayments)
        raise PaymentsError(
            _("%(name)s has no booked invoice yet: its payment is confirmed once it is booked.")
            % {"name": name}
        )
    if not part.plain:
        if item is None or item.settled:
            raise PaymentsError(
                _("%(name)s is not open: there is no rest to settle.") % {"name": name}
            )
        if part.amount + part.skonto + part.write_off != item.amount:
            raise PaymentsError(
                _(
                    "%(name)s has %(open)s open: the payment %(amount)s, Skonto %(skonto)s and "
                    "write-off %(write_off)s must add up to it."
                )
                % {
                    "name": name,
                    "open": formatting.money(item.amount, "EUR"),
                    "amount": formatting.money(part.amount, "EUR"),
                    "skonto": formatting.money(part.skonto, "EUR"),
                    "write_off": formatting.money(part.write_off, "EUR"),
                }
            )
        if part.skonto:
            refusal = skonto_refusal(part.skonto, item, group, tx.booking_date)
            if refusal:
                raise PaymentsError(refusal)
    posting = PaymentPosting(
        invoice=booking.entry,
        day=tx.booking_date,
        amount=part.amount,
        account=tx.source.ledger_account,
        fee=fee,
        fee_account=tx.source.fee_account,
        reference=tx.key[:80],
    )
    adjustment = Adjustment(part.skonto, part.write_off, part.write_off_kind)
    try:
        return payment_settle(posting, adjustment, now)
    except BookkeepingError as exc:
        raise PaymentsError(rendered(message_of(exc))) from exc


def _settled_reason(parts: Sequence[Part], documents: list) -> Text:
    said = []
    for part, (document, _item, _group) in zip(parts, documents, strict=True):
        name = document.invoice_number or document.order_number or str(document.billbee_order_id)
        said.append(_settled_part(part, name))
    return Text("Confirmed: {parts}.", parts=Joined(tuple(said), "; "))


def _settled_part(part: Part, name: str) -> Text:
    amount, skonto, write_off = part.amount, part.skonto, part.write_off
    if part.write_off and part.write_off_kind == WriteOff.LOSS:
        off = Text("{amount} written off (loss)", amount=write_off)
    elif part.write_off:
        off = Text("{amount} written off (difference)", amount=write_off)
    if part.skonto and part.write_off:
        return Text(
            "{amount} for {name} with Skonto {skonto}, {off}",
            amount=amount,
            name=name,
            skonto=skonto,
            off=off,
        )
    if part.skonto:
        return Text(
            "{amount} for {name} with Skonto {skonto}", amount=amount, name=name, skonto=skonto
        )
    if part.write_off:
        return Text("{amount} for {name}, {off}", amount=amount, name=name, off=off)
    return Text("{amount} for {name}", amount=amount, name=name)


def transaction_undo(
    tx: StatementTransaction, *, note: str, now: datetime | None = None
) -> StatementTransaction:
    """Undo a confirmed line: reverse its payment entries, withdraw the write-backs not sent
    yet, and match the line again. A write-back already sent stays; the reason says so."""
    now = now or timezone.now()
    if not note.strip():
        raise PaymentsError(_("Say why the line is undone (kept in the reversal's note)."))
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().select_related("source").get(pk=tx.pk)
        if tx.confirmed_at is None:
            raise PaymentsError(
                _("Line %(id)s is not confirmed: there is nothing to undo.") % {"id": tx.pk}
            )
        live = tx.allocations.filter(undone_at__isnull=True)
        entries = {a.entry for a in live.select_related("entry") if a.entry is not None}
        if tx.payment_entry is not None:
            entries.add(tx.payment_entry)
        for entry in sorted(entries, key=lambda e: e.pk):
            if not JournalEntry.objects.filter(reverses=entry).exists():
                payment_reverse(entry, now, note=note)
        live.update(undone_at=now)
        Writeback.objects.filter(transaction=tx, state__in=NOT_SENT).delete()
        sent = list(
            tx.writebacks.filter(state=Writeback.State.DONE).values_list(
                "billbee_order_id", flat=True
            )
        )
        tx.payment_entry = tx.matched_document = tx.confirmed_at = None
        tx.state, tx.auto = StatementTransaction.State.NEW, False
        tx.save(
            update_fields=["payment_entry", "matched_document", "confirmed_at", "state", "auto"]
        )
    transactions_match(tx.source.connection)
    tx.refresh_from_db()
    on, why = now.date(), note.strip()
    undone = Text("Undone on {date}: {note}.", date=on, note=why)
    if sent:
        undone = Text(
            "Undone on {date}: {note}. Billbee had marked order {orders} paid already: set it "
            "back there by hand.",
            date=on,
            note=why,
            orders=Joined(tuple(str(o) for o in sent)),
        )
    if tx.reason:
        undone = Text("{undone} {reason}", undone=undone, reason=tx.reason_as_text())
    tx.set_reason(undone)
    tx.save(update_fields=["reason", "texts"])
    return tx


def transaction_ignore_payer(tx: StatementTransaction, *, field: str, reason: str) -> IgnoreRule:
    """Set the line's payer aside from now on (an ignore rule on its IBAN or name), and match
    the shop's lines again."""
    if tx.confirmed_at is not None:
        raise PaymentsError(_("The line is confirmed: undo it before ignoring its payer."))
    if field not in (IgnoreRule.Field.IBAN, IgnoreRule.Field.NAME):
        raise PaymentsError(_("A payer is ignored by IBAN or by name."))
    pattern = tx.counterparty_iban if field == IgnoreRule.Field.IBAN else tx.counterparty_name
    if not pattern.strip():
        raise PaymentsError(
            _("The line has no payer IBAN to ignore.")
            if field == IgnoreRule.Field.IBAN
            else _("The line has no payer name to ignore.")
        )
    if not reason.strip():
        raise PaymentsError(_("Say why: the reason is shown on every line the rule sets aside."))
    connection = tx.source.connection
    rule, _created = IgnoreRule.objects.get_or_create(
        connection=connection, field=field, pattern=pattern, defaults={"reason": reason.strip()}
    )
    transactions_match(connection)
    return rule


def transactions_confirm_exact_of(
    lines: Iterable[StatementTransaction], *, now: datetime | None = None
) -> tuple[int, list[str]]:
    """Confirm those of ``lines`` the exact 1:1 rule matched; (how many, why the others not)."""
    confirmed, problems = 0, []
    for tx in lines:
        if not (tx.auto and tx.state == StatementTransaction.State.MATCHED) or tx.confirmed_at:
            continue
        try:
            transaction_confirm(tx, tx.candidates[0]["documents"][0], now=now)
        except PaymentsError as exc:
            problems.append(f"line {tx.pk}: {exc}")
            continue
        confirmed += 1
    return confirmed, problems
