"""Payment reminders (Zahlungserinnerung, Mahnung) for overdue open items.

Up to three levels per open item, each a number of days after the invoice date, sent once and
in order: level 2 only after level 1 was sent, however late the run. The e-mail is written in
the order's language (German or English, German for anything else), with the amounts and
dates as that language writes them, the tracking numbers of the shipments, and the invoice PDF
from Billbee's CreateInvoice attached. Plain functions: which level is due, and the message;
sending, logging per order and Billbee's reminder states are the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from bookkeeping.reports.render import format_decimal

LANGUAGES = ("de", "en")
SUBJECTS = {
    "de": (
        "Zahlungserinnerung zur Rechnung {number}",
        "2. Mahnung zur Rechnung {number}",
        "Letzte Mahnung zur Rechnung {number}",
    ),
    "en": (
        "Payment reminder: invoice {number}",
        "Second reminder: invoice {number}",
        "Final reminder: invoice {number}",
    ),
}


@dataclass(frozen=True)
class ReminderSchedule:
    """Days after the invoice date at which each level is due, and the time to pay that a
    reminder gives."""

    days: tuple[int, ...] = (14, 28, 42)
    pay_within_days: int = 7

    def __post_init__(self) -> None:
        if not 1 <= len(self.days) <= 3 or list(self.days) != sorted(set(self.days)):
            raise ValueError("one to three reminder levels, in increasing days")
        if self.days[0] < 1 or self.pay_within_days < 1:
            raise ValueError("reminder days and the time to pay are at least one day")


@dataclass(frozen=True)
class ReminderLetter:
    order_number: str
    invoice_number: str
    invoice_date: date
    amount: Decimal  # still open
    currency: str
    name: str
    email: str
    language: str = "de"  # the order's language code; anything but "en" is written in German
    tracking: tuple[str, ...] = ()
    iban: str = ""  # where to pay
    sender: str = ""  # the shop's name under the letter
    pdf: bytes | None = field(default=None, repr=False)  # the invoice from CreateInvoice


def reminder_level_due(
    invoice_date: date, today: date, schedule: ReminderSchedule, sent: set[int]
) -> int | None:
    """The next level to send today, or None: one level at a time, in order, each once."""
    level = max(sent, default=0) + 1
    if level > len(schedule.days):
        return None
    due = invoice_date + timedelta(days=schedule.days[level - 1])
    return level if today >= due else None


def language_of(code: str | None) -> str:
    code = (code or "").strip().lower()[:2]
    return code if code in LANGUAGES else "de"


def format_amount(amount: Decimal, language: str) -> str:
    """1298.5 → "1.298,50" (German) or "1,298.50" (English)."""
    if language == "en":
        return f"{amount.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    return format_decimal(amount)  # the period report's German form


def reminder_email(
    letter: ReminderLetter,
    level: int,
    today: date,
    schedule: ReminderSchedule,
    *,
    from_email: str | None = None,
) -> EmailMessage:
    """The reminder of ``level`` (1–3) as an e-mail, the invoice PDF attached when known."""
    if not 1 <= level <= len(schedule.days):
        raise ValueError(f"there is no reminder level {level}")
    language = language_of(letter.language)
    context = {
        "level": level,
        "name": letter.name or ("Kundin, Kunde" if language == "de" else "customer"),
        "order_number": letter.order_number,
        "invoice_number": letter.invoice_number,
        "invoice_date": letter.invoice_date,
        "amount": format_amount(letter.amount, language),
        "currency": letter.currency,
        "due_date": today + timedelta(days=schedule.pay_within_days),
        "tracking": list(letter.tracking),
        "iban": letter.iban,
        "sender": letter.sender,
    }
    message = EmailMessage(
        subject=SUBJECTS[language][level - 1].format(number=letter.invoice_number),
        body=render_to_string(f"payments/reminder_{language}.txt", context).strip() + "\n",
        from_email=from_email,
        to=[letter.email],
    )
    if letter.pdf:
        name = "Rechnung" if language == "de" else "Invoice"
        message.attach(f"{name}_{letter.invoice_number}.pdf", letter.pdf, "application/pdf")
    return message
