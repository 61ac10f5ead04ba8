"""The console's reminders: the page "Reminders due" previews each reminder with its text,
recipient and attachment; "Send" needs ``payments.send_reminders``; the log is read-only and
a letter is downloaded as a PDF."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from payments.models import PaymentGroup, ReminderLog
from tests.bookkeeping.helpers import import_and_book
from tests.connector.test_import import doc

from .reminder_shop import LEVEL_1, make_shop, reminders_on, unpaid_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("static_root")]
DUE = reverse("admin:payments_reminderlog_due")
VIEWER = ("payments.view_reminderlog",)
SENDER = ("payments.view_reminderlog", "payments.send_reminders")


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    sandbox, connection = make_shop(make_sandbox)
    order = unpaid_invoice(sandbox)
    import_and_book(connection)
    return sandbox, connection, order


def test_the_preview_shows_the_text_the_recipient_and_the_attachment(login, shop):
    _, connection, order = shop
    reminders_on(connection)
    client = login(*VIEWER)

    response = client.get(DUE, {"connection": connection.pk})

    assert response.status_code == 200
    [reminder] = response.context["reminders"]
    number = doc(order).invoice_number
    assert (reminder.to, reminder.level) == ("katrin@example.com", 1)
    assert reminder.attachment == f"Rechnung_{number}.pdf (asked of Billbee when sent)"
    page = response.content.decode()
    assert f"Zahlungserinnerung zur Rechnung {number}" in page
    assert "Guten Tag Katrin Krüger" in page
    assert "payments.send_reminders" in page and 'value="Send"' not in page  # no permission
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_send_without_the_permission_is_forbidden_and_sends_nothing(login, shop):
    _, connection, order = shop
    reminders_on(connection)
    client = login(*VIEWER)

    response = client.post(DUE, {"connection": connection.pk, "document": doc(order).pk})

    assert response.status_code == 403
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_send_with_the_permission_sends_the_previewed_reminders(login, shop):
    _, connection, order = shop
    reminders_on(connection)
    client = login(*SENDER)
    assert 'value="Send"' in client.get(DUE).content.decode()

    response = client.post(DUE, {"connection": connection.pk, "document": doc(order).pk})

    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["katrin@example.com"]
    assert mail.outbox[0].attachments[0][1].startswith(b"%PDF")
    log = ReminderLog.objects.get()
    assert (log.status, log.level) == ("sent", 1)
    # Sending again what was previewed sends nothing more.
    client.post(DUE, {"connection": connection.pk, "document": doc(order).pk})
    assert len(mail.outbox) == 1


def test_the_page_needs_the_view_permission(login, shop):
    assert login().get(DUE).status_code == 403


def test_the_log_is_read_only_and_a_letter_is_downloaded(login, shop):
    sandbox, connection, _ = shop
    reminders_on(connection, reminder_channel=PaymentGroup.ReminderChannel.LETTER)
    from payments.services.reminders import reminders_send

    reminders_send(connection, on=LEVEL_1, client=sandbox.client())
    log = ReminderLog.objects.get()
    client = login(*VIEWER)

    page = client.get(reverse("admin:payments_reminderlog_change", args=[log.pk]))
    letter = client.get(reverse("admin:payments_reminderlog_letter", args=[log.pk]))

    assert page.status_code == 200 and "Download the letter" in page.content.decode()
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert b"".join(letter).startswith(b"%PDF")
    assert (
        "Reminders due"
        in client.get(reverse("admin:payments_reminderlog_changelist")).content.decode()
    )
    assert (
        client.post(
            reverse("admin:payments_reminderlog_delete", args=[log.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        login().get(reverse("admin:payments_reminderlog_letter", args=[log.pk])).status_code == 403
    )


def test_send_for_a_connection_without_credentials_says_why_and_sends_nothing(login, shop):
    _, connection, order = shop
    reminders_on(connection)
    connection.username = ""
    connection.save()
    client = login(*SENDER)

    response = client.post(
        DUE, {"connection": connection.pk, "document": doc(order).pk}, follow=True
    )

    assert "Nothing was sent: Connection" in response.content.decode()
    assert mail.outbox == [] and not ReminderLog.objects.exists()
