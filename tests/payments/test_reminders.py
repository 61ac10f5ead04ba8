"""Payment reminders: which level is due, and the e-mail in the order's language with the
invoice PDF and the tracking numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from payments.reminders import (
    ReminderLetter,
    ReminderSchedule,
    format_amount,
    reminder_email,
    reminder_level_due,
)

SCHEDULE = ReminderSchedule(days=(14, 28, 42), pay_within_days=7)
INVOICED = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("today", "sent", "level"),
    [
        (date(2026, 11, 15), set(), None),  # 13 days: not yet
        (date(2026, 11, 16), set(), 1),
        (date(2026, 11, 16), {1}, None),  # level 1 sent, level 2 not yet due
        (date(2026, 11, 30), {1}, 2),
        (date(2026, 12, 30), set(), 1),  # very late: still level 1 first, one at a time
        (date(2026, 12, 14), {1, 2}, 3),
        (date(2027, 3, 1), {1, 2, 3}, None),  # three levels at most
    ],
)
def test_one_level_at_a_time_in_order(today, sent, level):
    assert reminder_level_due(INVOICED, today, SCHEDULE, sent) == level


def test_the_schedule_refuses_levels_out_of_order():
    with pytest.raises(ValueError, match="increasing"):
        ReminderSchedule(days=(28, 14))
    with pytest.raises(ValueError, match="one to three"):
        ReminderSchedule(days=(7, 14, 21, 28))


def letter(**fields) -> ReminderLetter:
    data = {
        "order_number": "SW10023",
        "invoice_number": "RE-2026-10440",
        "invoice_date": INVOICED,
        "amount": Decimal("1298.50"),
        "currency": "EUR",
        "name": "Katrin Krüger",
        "email": "katrin@example.com",
        "tracking": ("00340434161094042557",),
        "iban": "DE02 1203 0000 0000 2020 51",
        "sender": "Holzwerk Sandbox GmbH",
        "pdf": b"%PDF-1.4 invoice",
    }
    data.update(fields)
    return ReminderLetter(**data)


def test_a_german_reminder_reads_as_german_with_the_pdf_and_the_tracking_number():
    message = reminder_email(letter(language="de"), 1, date(2026, 11, 20), SCHEDULE)

    assert message.subject == "Zahlungserinnerung zur Rechnung RE-2026-10440"
    assert message.to == ["katrin@example.com"]
    assert "Guten Tag Katrin Krüger" in message.body
    assert "Rechnung RE-2026-10440 vom 02.11.2026 über 1.298,50 EUR" in message.body
    assert "bis zum 27.11.2026" in message.body
    assert "00340434161094042557" in message.body
    assert message.attachments == [
        ("Rechnung_RE-2026-10440.pdf", b"%PDF-1.4 invoice", "application/pdf")
    ]


def test_an_english_final_reminder_writes_english_amounts_and_dates():
    message = reminder_email(letter(language="en-GB"), 3, date(2026, 12, 14), SCHEDULE)

    assert message.subject == "Final reminder: invoice RE-2026-10440"
    assert "1,298.50 EUR" in message.body and "2 Nov 2026" in message.body
    assert "final reminder" in message.body
    assert message.attachments[0][0] == "Invoice_RE-2026-10440.pdf"


def test_any_other_language_gets_the_german_letter_and_no_pdf_means_no_attachment():
    message = reminder_email(letter(language="fr", pdf=None), 2, date(2026, 11, 30), SCHEDULE)

    assert message.subject == "2. Mahnung zur Rechnung RE-2026-10440"
    assert message.attachments == []


def test_the_message_is_sent_through_django_s_mail_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminder_email(letter(), 1, date(2026, 11, 20), SCHEDULE).send()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["katrin@example.com"]


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        (Decimal("1298.5"), "de", "1.298,50"),
        (Decimal("1298.5"), "en", "1,298.50"),
        (Decimal("-0.5"), "de", "-0,50"),
        (Decimal("1234567.891"), "de", "1.234.567,89"),
        (Decimal("0.125"), "de", "0,13"),  # half up, not to even
    ],
)
def test_amounts_are_written_as_the_language_writes_them(amount, language, text):
    assert format_amount(amount, language) == text
