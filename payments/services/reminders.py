"""Payment reminders (Zahlungserinnerung, Mahnung) sent: which are due, and sending them once.

A reminder is due for an open item of a payment group with reminders on, not settled, when its
next level is due (``payments.reminders.reminder_level_due``). Sending one:

1. claims its row in ``ReminderLog`` (unique per document and level, so that two workers never
   send the same level twice; a failed or skipped row is claimed again by compare-and-swap);
2. reads the order again in Billbee: an order paid or moved on since the last import gets no
   reminder (the reason is stored);
3. attaches the invoice PDF: the stored one, else asked of Billbee's CreateInvoice through
   ``connector.services.invoices.invoice_request``, which never asks twice for an order within
   Billbee's 5 minutes (only for an order invoiced already: CreateInvoice would create the
   invoice of one that is not). When Billbee owes the PDF, the reminder goes out without it and its
   row says so: a late reminder costs more than a missing copy of an invoice the customer has;
4. sends the e-mail through Django's e-mail backend, or renders the letter (WeasyPrint) and
   keeps it on the row for printing;
5. sets the level's Billbee state when the group names one (15, 11, 12), only while the
   order is still open.

One broken order never stops the run: its row keeps the reason and the next run tries again.
No HTTP call, e-mail or PDF rendering runs inside a transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from billbee.client import BillbeeClient
from billbee.errors import BillbeeError
from connector.models import Connection, ExternalOrder
from connector.services.connections import connection_client, explain
from connector.services.invoices import invoice_request
from connector.texts import Text, texts

from ..matching import OpenItem
from ..models import PaymentGroup, ReminderLog
from ..reminders import (
    OrderContact,
    ReminderLetter,
    ReminderSchedule,
    attachment_name,
    order_contact,
    reminder_email,
    reminder_letter_pdf,
    reminder_level_due,
    reminder_refusal,
)
from ..selectors import open_items, order_raw, payee_iban, stored_invoice_pdf

logger = logging.getLogger("payments.reminders")
Status = ReminderLog.Status
RETRIED = (Status.FAILED, Status.SKIPPED)


@dataclass(frozen=True)
class DueReminder:
    item: OpenItem
    document: ExternalOrder
    group: PaymentGroup
    level: int
    retry: ReminderLog | None = None  # the failed or skipped row of this level


@dataclass
class ReminderOutcome:
    """One reminder as previewed (``status`` "due") or as the run left it."""

    document_id: int
    order_number: str
    invoice_number: str
    level: int
    channel: str
    to: str
    amount: Decimal
    currency: str
    subject: str = ""
    body: str = ""
    attachment: str = ""
    status: str = "due"
    reason: str = ""
    log_id: int | None = None

    @property
    def channel_label(self) -> str:
        """The channel as the console names it ("e-mail", "letter (PDF to print)")."""
        return str(PaymentGroup.ReminderChannel(self.channel).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.order_number,
            "invoice": self.invoice_number,
            "level": self.level,
            "channel": self.channel,
            "to": self.to,
            "amount": str(self.amount),
            "currency": self.currency,
            "subject": self.subject,
            "attachment": self.attachment,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class ReminderRun:
    dry_run: bool
    reminders: list[ReminderOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.reminders if r.status == status)


def schedule_of(group: PaymentGroup) -> ReminderSchedule:
    return ReminderSchedule(
        days=tuple(group.reminder_days), pay_within_days=group.reminder_pay_within_days
    )


def reminder_groups(connection: Connection) -> dict[str, PaymentGroup]:
    return {
        str(g.kind): g
        for g in PaymentGroup.objects.filter(connection=connection, reminders_enabled=True)
    }


def reminders_due(
    connection: Connection, on: date | None = None, documents: Iterable[int] | None = None
) -> list[DueReminder]:
    """The reminders to send ``on`` (default: today in the connection's zone): overdue, not
    settled open items of the groups with reminders on, the next level each (only those of
    ``documents`` when given)."""
    on = on or timezone.localdate(timezone=connection.zoneinfo)
    groups = reminder_groups(connection)
    if not groups:
        return []
    items = [
        i
        for i in open_items(connection, on, documents)
        if not i.settled and i.amount > 0 and i.group in groups
    ]
    logs: dict[int, dict[int, ReminderLog]] = {}
    wanted = {i.id for i in items}
    # The connection's log, joined here: the overdue items may be more than a query's
    # parameters.
    for log in ReminderLog.objects.filter(connection=connection).defer("body", "letter_pdf"):
        if log.document_id in wanted:
            logs.setdefault(log.document_id, {})[log.level] = log
    documents = ExternalOrder.objects.select_related("connection").in_bulk([i.id for i in items])
    due = []
    for item in items:
        group, rows = groups[item.group], logs.get(item.id, {})
        sent = {level for level, row in rows.items() if row.status == Status.SENT}
        last_on = max((rows[level].dated for level in sent), default=None)
        level = reminder_level_due(item.invoice_date, on, schedule_of(group), sent, last_on)
        if level is None:
            continue
        row = rows.get(level)
        if row is not None and row.status not in RETRIED:
            continue  # being sent by another worker (or it died while sending: see the log)
        due.append(DueReminder(item, documents[item.id], group, level, row))
    return due


def _letter(
    due: DueReminder, contact: OrderContact, iban: str, pdf: bytes | None
) -> ReminderLetter:
    item, document = due.item, due.document
    return ReminderLetter(
        order_number=item.order_number or document.order_number,
        invoice_number=item.invoice_number or document.invoice_number or item.order_number,
        invoice_date=item.invoice_date,
        amount=item.amount,
        currency=item.currency,
        name=contact.name,
        email=contact.email,
        language=contact.language,
        tracking=contact.tracking,
        iban=iban,
        sender=due.group.reminder_signature or due.document.connection.name,
        pdf=pdf,
    )


def _outcome(due: DueReminder, contact: OrderContact) -> ReminderOutcome:
    letter = due.group.reminder_channel == PaymentGroup.ReminderChannel.LETTER
    return ReminderOutcome(
        document_id=due.document.pk,
        order_number=due.item.order_number or due.document.order_number,
        invoice_number=due.item.invoice_number or due.document.invoice_number,
        level=due.level,
        channel=str(due.group.reminder_channel),
        to="\n".join(contact.address) if letter else contact.email,
        amount=due.item.amount,
        currency=due.item.currency,
    )


def reminders_preview(
    connection: Connection, on: date | None = None, documents: Iterable[int] | None = None
) -> list[ReminderOutcome]:
    """Each due reminder as it would go out, rendered, without asking Billbee or sending:
    the attachment is the stored invoice PDF, or the one Billbee will be asked for."""
    on = on or timezone.localdate(timezone=connection.zoneinfo)
    iban_of: dict[int, str] = {}
    previews = []
    for due in reminders_due(connection, on, documents):
        contact = order_contact(order_raw(due.document))
        outcome = _outcome(due, contact)
        iban = iban_of.setdefault(due.group.pk, payee_iban(connection, due.group))
        pdf = stored_invoice_pdf(connection, due.document)
        letter = _letter(due, contact, iban, pdf)
        message = reminder_email(letter, due.level, on, schedule_of(due.group))
        outcome.subject, outcome.body = str(message.subject), str(message.body)
        # The preview's notes are the reader's (the console's language); the attachment's name
        # is the order's, like the e-mail it goes with.
        if outcome.channel == PaymentGroup.ReminderChannel.LETTER:
            outcome.reason = gettext("A letter (PDF) to print; it is kept on the reminder's page.")
        elif pdf:
            outcome.attachment = attachment_name(letter)
        else:
            outcome.attachment = gettext("%(name)s (asked of Billbee when sent)") % {
                "name": attachment_name(letter)
            }
        problem = _problem(outcome, contact)
        outcome.reason = problem.render() if problem else outcome.reason
        previews.append(outcome)
    return previews


def _problem(outcome: ReminderOutcome, contact: OrderContact) -> Text | None:
    """Why the reminder cannot go out (None when it can): the preview says it in the reader's
    language; ``_deliver`` stores it in English, like every stored reason."""
    if outcome.channel == PaymentGroup.ReminderChannel.EMAIL and not contact.email:
        return Text(
            "The order has no e-mail address (invoice address, customer): add one in Billbee; "
            "the reminder is tried again by the next run after the next import."
        )
    if outcome.channel == PaymentGroup.ReminderChannel.LETTER and not contact.address:
        return Text("The order has no invoice address for a letter: add it in Billbee.")
    return None


def reminders_send(
    connection: Connection,
    *,
    dry_run: bool = False,
    on: date | None = None,
    client: BillbeeClient | None = None,
    documents: Iterable[int] | None = None,
) -> ReminderRun:
    """Send the due reminders (only those of ``documents`` when given). ``dry_run``: the
    preview of what would be sent; nothing is sent, asked of Billbee or logged."""
    on = on or timezone.localdate(timezone=connection.zoneinfo)
    if dry_run:
        return ReminderRun(dry_run=True, reminders=reminders_preview(connection, on, documents))
    due = reminders_due(connection, on, documents)
    run = ReminderRun(dry_run=False)
    if not due:
        return run
    own = client is None
    client = client or connection_client(connection)
    try:
        for reminder in due:
            run.reminders.append(_send_one(connection, reminder, on, client))
    finally:
        if own:
            client.close()
    return run


def _claim(due: DueReminder, outcome: ReminderOutcome, on: date) -> ReminderLog | None:
    """The row of this reminder, claimed for this worker; None when another has it."""
    if due.retry is not None:
        claimed = ReminderLog.objects.filter(pk=due.retry.pk, status__in=RETRIED).update(
            status=Status.SENDING, attempts=F("attempts") + 1, error="", dated=on
        )
        return ReminderLog.objects.get(pk=due.retry.pk) if claimed else None
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                connection=due.document.connection,
                document=due.document,
                level=due.level,
                dated=on,
                channel=outcome.channel,
                amount_open=outcome.amount,
                currency=outcome.currency,
                invoice_number=outcome.invoice_number,
                to_address=outcome.to,
            )
    except IntegrityError:
        return None  # another worker claimed this level first


def _send_one(
    connection: Connection, due: DueReminder, on: date, client: BillbeeClient
) -> ReminderOutcome:
    contact = order_contact(order_raw(due.document))
    outcome = _outcome(due, contact)
    log = _claim(due, outcome, on)
    if log is None:
        outcome.status, outcome.reason = "claimed", "Another run is sending this reminder."
        return outcome
    outcome.log_id = log.pk
    # A row tried again takes the reminder as it is now (the group or the order may have
    # changed since).
    log.channel, log.to_address = outcome.channel, outcome.to
    log.amount_open, log.currency = outcome.amount, outcome.currency
    log.invoice_number, log.note = outcome.invoice_number, ""
    try:
        _deliver(connection, due, on, client, contact, outcome, log)
    except Exception as exc:  # one broken order never stops the run
        logger.exception("reminder %s of document %s", due.level, due.document.pk)
        log.status, log.error = (
            Status.FAILED,
            Text("The reminder failed: {error}. Tried again next run.", error=repr(exc)),
        )
    log.texts = texts(error=log.error, note=log.note, billbee_state_result=log.billbee_state_result)
    log.save()
    outcome.status = str(log.status)
    outcome.reason = log.error or log.note
    return outcome


def _deliver(
    connection: Connection,
    due: DueReminder,
    on: date,
    client: BillbeeClient,
    contact: OrderContact,
    outcome: ReminderOutcome,
    log: ReminderLog,
) -> None:
    problem = _problem(outcome, contact)  # stored: English, whatever language sends it
    if problem:
        log.status, log.error = Status.FAILED, problem
        return
    order_state, why_not = _still_open(connection, due, client)
    if why_not:
        log.status, log.error = Status.SKIPPED, why_not
        return
    letter_channel = due.group.reminder_channel == PaymentGroup.ReminderChannel.LETTER
    pdf = None if letter_channel else _invoice_pdf(connection, due, client, log)
    letter = _letter(due, contact, payee_iban(connection, due.group), pdf)
    schedule = schedule_of(due.group)
    message = reminder_email(
        letter,
        due.level,
        on,
        schedule,
        from_email=due.group.reminder_from_email or settings.DEFAULT_FROM_EMAIL,
    )
    log.subject, log.body = str(message.subject)[:300], str(message.body)
    if letter_channel:
        log.letter_pdf = reminder_letter_pdf(letter, due.level, on, schedule, contact.address)
    else:
        log.attachment = attachment_name(letter) if pdf else ""
        message.send()
    log.status, log.sent_at, log.error = Status.SENT, timezone.now(), ""
    _set_state(due, client, order_state, log)


def _still_open(
    connection: Connection, due: DueReminder, client: BillbeeClient
) -> tuple[int | None, str]:
    """The order's state as Billbee has it now, and why no reminder goes out ("" if it
    does): the order was paid or left the group's open states since the last import."""
    group = due.group
    try:
        order = client.get_order(due.document.billbee_order_id)
    except BillbeeError as exc:
        what = explain(exc, connection, "/orders/{id}")
        return None, Text(
            "The order could not be read again in Billbee: {what}. Tried again next run.",
            what=what,
        )
    open_states = {*group.open_states, *(s for s in group.reminder_states if s)}
    return order.state, reminder_refusal(order.state, order.paid_at, open_states, group.paid_state)


def _invoice_pdf(
    connection: Connection, due: DueReminder, client: BillbeeClient, log: ReminderLog
) -> bytes | None:
    stored = stored_invoice_pdf(connection, due.document)
    if stored:
        return stored
    if not due.document.invoice_number:
        # CreateInvoice would create the invoice of an order not invoiced yet (a prepayment
        # order awaiting payment): a reminder must not change the books.
        log.note = Text("Sent without an invoice PDF: the order has no invoice yet.")
        return None
    request = invoice_request(connection, due.document.billbee_order_id, client=client)
    if request.pdf:
        return bytes(request.pdf)
    why = request.error or Text("Billbee's answer carried no PDF (only a download link).")
    log.note = Text("Sent without the invoice PDF (Rechnung): {why}", why=why)
    return None


def _set_state(
    due: DueReminder, client: BillbeeClient, order_state: int | None, log: ReminderLog
) -> None:
    states = due.group.reminder_states
    target = states[due.level - 1] if len(states) >= due.level else None
    if not target:
        return
    log.billbee_state = target
    if order_state == target:
        log.billbee_state_result = Text("The order already had state {state}.", state=target)
        return
    try:
        client.update_order_state(due.document.billbee_order_id, target)
    except Exception as exc:  # the reminder went out: it must not be sent again for this
        what = (
            explain(exc, due.document.connection, "/orders/{id}/orderstate")
            if isinstance(exc, BillbeeError)
            else repr(exc)
        )
        log.billbee_state_result = Text(
            "The reminder went out, but Billbee's state {state} could not be set: {what}. Set "
            "it by hand in Billbee.",
            state=target,
            what=what,
        )
    else:
        log.billbee_state_result = Text("Set to state {state}.", state=target)
