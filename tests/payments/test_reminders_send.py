"""Payment reminders end to end: overdue invoices of a group with reminders on
get one reminder per level, in the order's language, with the invoice PDF from the sandbox's
CreateInvoice over real HTTP, the tracking numbers, and Billbee's reminder state; a dry run
sends and logs nothing; an order paid in Billbee since the import gets none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from connector.models import InvoiceRequest
from payments.models import PaymentGroup, ReminderLog
from payments.services.reminders import _send_one, reminders_due, reminders_send
from tests.bookkeeping.helpers import import_and_book
from tests.connector.test_import import doc

from .reminder_shop import LEVEL_1, LEVEL_2, TRACKING, make_shop, reminders_on, unpaid_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0
    settings.DEFAULT_FROM_EMAIL = "shop@holzwerk.example"


@pytest.fixture
def shop(make_sandbox):
    return make_shop(make_sandbox)


def create_invoice_calls(sandbox) -> int:
    return sandbox.stats()["by_endpoint"].get("POST /orders/CreateInvoice/{id}", 0)


def test_a_reminder_is_due_from_the_first_level_s_day_and_only_for_groups_with_reminders(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox)
    import_and_book(connection)

    assert reminders_due(connection, LEVEL_1) == []  # no group has reminders on
    reminders_on(connection)

    assert reminders_due(connection, date(2026, 11, 23)) == []
    due = reminders_due(connection, LEVEL_1)
    assert [(d.document.billbee_order_id, d.level, d.item.amount) for d in due] == [
        (order, 1, Decimal("25.00"))
    ]


def test_the_german_reminder_goes_out_once_with_the_invoice_pdf_from_billbee(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)
    invoice = doc(order, connection)

    run = reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert [(r.status, r.level) for r in run.reminders] == [("sent", 1)]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["katrin@example.com"]
    assert message.from_email == "shop@holzwerk.example"
    assert message.subject == f"Zahlungserinnerung zur Rechnung {invoice.invoice_number}"
    assert "Guten Tag Katrin Krüger" in message.body
    assert "über 25,00 EUR" in message.body and TRACKING in message.body
    assert "Die Rechnung finden Sie im Anhang." in message.body
    name, content, mimetype = message.attachments[0]
    assert name == f"Rechnung_{invoice.invoice_number}.pdf"
    assert content.startswith(b"%PDF") and mimetype == "application/pdf"
    assert invoice.invoice_number.encode() in content  # the sandbox's invoice of this order
    log = ReminderLog.objects.get()
    assert (log.document_id, log.level, log.status, log.channel) == (invoice.pk, 1, "sent", "email")
    assert log.amount_open == Decimal("25.00") and log.to_address == "katrin@example.com"
    assert log.attachment == name and log.sent_at is not None
    assert create_invoice_calls(sandbox) == 1
    assert InvoiceRequest.objects.get(billbee_order_id=order).state == "done"

    # The same day again: nothing more. Level 2 later uses the stored PDF: no second call.
    assert reminders_send(connection, on=LEVEL_1, client=sandbox.client()).reminders == []
    run = reminders_send(connection, on=LEVEL_2, client=sandbox.client())

    assert [(r.status, r.level) for r in run.reminders] == [("sent", 2)]
    assert mail.outbox[1].subject.startswith("2. Mahnung")
    assert mail.outbox[1].attachments[0][1] == content
    assert create_invoice_calls(sandbox) == 1
    assert sorted(ReminderLog.objects.values_list("level", flat=True)) == [1, 2]


def test_an_english_order_gets_the_english_reminder(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox, email="jane@example.co.uk", language="en")
    import_and_book(connection)
    reminders_on(connection)

    reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    message = mail.outbox[0]
    assert message.subject == f"Payment reminder: invoice {doc(order).invoice_number}"
    assert "Dear Katrin Krüger" in message.body and "25.00 EUR" in message.body
    assert message.attachments[0][0].startswith("Invoice_")


def test_the_level_s_billbee_state_is_set_in_the_sandbox(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection, reminder_states=[15, 11, 12])

    reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert sandbox.control("GET", f"orders/{order}")["State"] == 15
    log = ReminderLog.objects.get()
    assert (log.billbee_state, log.billbee_state_result) == (15, "Set to state 15.")


def test_a_dry_run_sends_asks_and_logs_nothing(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection, reminder_states=[15])
    sandbox.control("POST", "stats/reset")

    run = reminders_send(connection, dry_run=True, on=LEVEL_1, client=sandbox.client())

    assert [(r.status, r.level, r.to, r.amount) for r in run.reminders] == [
        ("due", 1, "katrin@example.com", Decimal("25.00"))
    ]
    assert run.reminders[0].attachment.endswith("(asked of Billbee when sent)")
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()
    assert sandbox.stats()["by_endpoint"] == {}
    assert sandbox.control("GET", f"orders/{order}")["State"] == 2


def test_an_order_paid_in_billbee_since_the_import_gets_no_reminder(shop):
    sandbox, connection = shop
    paid = unpaid_invoice(sandbox)
    unpaid_invoice(sandbox, email="jan@example.com")
    import_and_book(connection)
    reminders_on(connection)
    sandbox.control("POST", f"orders/{paid}/state", {"State": 3})

    run = reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert sorted(r.status for r in run.reminders) == ["sent", "skipped"]
    assert [m.to for m in mail.outbox] == [["jan@example.com"]]
    skipped = ReminderLog.objects.get(document=doc(paid))
    assert skipped.status == "skipped" and skipped.sent_at is None
    assert "The order is paid in Billbee (state 3" in skipped.error


def test_an_order_without_an_e_mail_address_fails_with_the_reason_and_the_run_goes_on(shop):
    sandbox, connection = shop
    without = unpaid_invoice(sandbox, email=None)
    unpaid_invoice(sandbox, email="jan@example.com")
    import_and_book(connection)
    reminders_on(connection)

    run = reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert sorted(r.status for r in run.reminders) == ["failed", "sent"]
    assert len(mail.outbox) == 1
    failed = ReminderLog.objects.get(document=doc(without))
    assert failed.status == "failed"
    assert "The order has no e-mail address" in failed.error
    # The next run tries it again (and fails again, once more attempted).
    reminders_send(connection, on=LEVEL_1, client=sandbox.client())
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert len(mail.outbox) == 1


def test_a_second_worker_with_the_same_due_list_sends_nothing(shop):
    sandbox, connection = shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)
    client = sandbox.client()
    first, second = reminders_due(connection, LEVEL_1), reminders_due(connection, LEVEL_1)

    one = _send_one(connection, first[0], LEVEL_1, client)
    two = _send_one(connection, second[0], LEVEL_1, client)

    assert (one.status, two.status) == ("sent", "claimed")
    assert len(mail.outbox) == 1 and ReminderLog.objects.count() == 1


def test_a_letter_group_gets_a_pdf_letter_and_no_e_mail(shop):
    sandbox, connection = shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection, reminder_channel=PaymentGroup.ReminderChannel.LETTER)

    run = reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert [r.status for r in run.reminders] == ["sent"]
    assert mail.outbox == []
    log = ReminderLog.objects.get()
    assert log.channel == "letter" and bytes(log.letter_pdf).startswith(b"%PDF")
    assert log.to_address == "Katrin Krüger\nLindenstraße 5\n10115 Berlin"
    assert create_invoice_calls(sandbox) == 0


def test_a_prepayment_order_without_an_invoice_is_reminded_without_creating_one(shop):
    sandbox, connection = shop
    order = unpaid_invoice(
        sandbox,
        PaymentMethod=59,  # Vorkasse
        State=1,
        ShippedAt=None,
        InvoiceNumber=None,
        InvoiceNumberPrefix=None,
        InvoiceDate=None,
        CreatedAt="2026-11-10T10:00:00",
    )
    import_and_book(connection)
    assert doc(order).invoice_number == ""
    reminders_on(connection, kind=PaymentGroup.Kind.PREPAYMENT, payment_methods=[59])
    sandbox.control("POST", "stats/reset")

    run = reminders_send(connection, on=LEVEL_1, client=sandbox.client())

    assert [r.status for r in run.reminders] == ["sent"]
    assert mail.outbox[0].attachments == []
    assert "Anhang" not in mail.outbox[0].body
    assert ReminderLog.objects.get().note == (
        "Sent without an invoice PDF: the order has no invoice yet."
    )
    assert create_invoice_calls(sandbox) == 0


def test_the_group_refuses_more_billbee_states_than_levels(connection):
    from django.core.exceptions import ValidationError

    group = PaymentGroup(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        open_states=[1, 2],
        reminder_days=[14],
        reminder_states=[15, 11],
    )

    with pytest.raises(ValidationError, match="2 Billbee states for 1 reminder level"):
        group.full_clean()
    group.reminder_days = [14, 14]
    with pytest.raises(ValidationError, match="increasing"):
        group.full_clean()


def test_a_pdf_billbee_still_owes_is_not_asked_again_within_5_minutes_and_not_awaited(shop):
    sandbox, connection = shop
    first = unpaid_invoice(sandbox, email="erste@example.com")
    second = unpaid_invoice(sandbox, email="zweite@example.com")
    import_and_book(connection)
    reminders_on(connection)
    # The order is read again, then CreateInvoice answers with a PDF that cannot be read (the
    # fault leaves answers without a PDF alone).
    sandbox.configure(fail_next=["bad_pdf", "bad_pdf"])
    client = sandbox.client()

    reminders_send(connection, on=LEVEL_1, client=client, documents=[doc(first).pk])

    [message] = mail.outbox
    assert message.attachments == [] and "Anhang" not in message.body
    log = ReminderLog.objects.get(document=doc(first))
    assert log.status == "sent" and log.attachment == ""
    assert log.note.startswith("Sent without the invoice PDF (Rechnung): Billbee's answer")
    assert "asked for again after Billbee's 5-minute limit" in log.note
    assert InvoiceRequest.objects.get(billbee_order_id=first).state == "pending"

    # Within Billbee's 5 minutes: the other order gets its own PDF, and the first order's next
    # level is not held back, but its invoice is not asked for again.
    reminders_send(connection, on=LEVEL_1, client=client)
    reminders_send(connection, on=LEVEL_2, client=client, documents=[doc(first).pk])

    assert [m.to for m in mail.outbox[1:]] == [["zweite@example.com"], ["erste@example.com"]]
    assert mail.outbox[1].attachments[0][1].startswith(b"%PDF")
    assert mail.outbox[2].attachments == []
    assert ReminderLog.objects.get(document=doc(first), level=2).note.startswith(
        "Sent without the invoice PDF"
    )
    assert create_invoice_calls(sandbox) == 2  # one per order
    assert ReminderLog.objects.get(document=doc(second)).attachment.endswith(".pdf")
