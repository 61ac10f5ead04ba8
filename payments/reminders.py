"""Payment reminders (Zahlungserinnerung, Mahnung) for overdue open items.

Up to three levels per open item, each a number of days after the invoice date, sent once and
in order: level 2 only after level 1 was sent, however late the run. The e-mail is written in
the order's language (German or English, German for anything else): its text, subject and
attachment name are rendered with that language active (``translation.override``), whatever
language the console or the worker runs in, and its amounts and dates are written as that
language writes them (``connector.formatting``: 1.298,50 EUR and 02.11.2026 in German,
1,298.50 EUR and 2 Nov 2026 in English). It names the tracking numbers of the shipments and
has the invoice PDF from Billbee's CreateInvoice attached. Plain functions: which level is
due, who the reminder goes to (read from the order as Billbee sent it), the message, and the
letter for merchants who send paper; sending, logging per order and Billbee's reminder states
are ``payments/services/reminders.py``'s.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext

from connector import formatting
from connector.texts import Joined, Text

LANGUAGES = ("de", "en")
SUBJECTS = (
    gettext_lazy("Payment reminder: invoice %(number)s"),
    gettext_lazy("Second reminder: invoice %(number)s"),
    gettext_lazy("Final reminder: invoice %(number)s"),
)
CENT = Decimal("0.01")


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
    invoice_date: date,
    today: date,
    schedule: ReminderSchedule,
    sent: set[int],
    last_sent_on: date | None = None,
) -> int | None:
    """The next level to send today, or None: one level at a time, in order, each once. A
    level after the first also waits for the time to pay the previous one gave (from
    ``last_sent_on``), so that a late run does not send two levels a day apart."""
    level = max(sent, default=0) + 1
    if level > len(schedule.days):
        return None
    due = invoice_date + timedelta(days=schedule.days[level - 1])
    if level > 1 and last_sent_on is not None:
        due = max(due, last_sent_on + timedelta(days=schedule.pay_within_days))
    return level if today >= due else None


@dataclass(frozen=True)
class OrderContact:
    """Who a reminder goes to, as the order says (billbee-api.md §3.1, §3.3, §3.4)."""

    email: str
    name: str
    language: str  # the order's LanguageCode, "" when it has none
    tracking: tuple[str, ...]
    address: tuple[str, ...]  # the invoice address, line by line, for a letter


def _text(value: object) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _part(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def order_contact(raw: dict[str, Any]) -> OrderContact:
    """The e-mail address (invoice address, else the customer's, else the buyer's), the name
    and postal address of the invoice address, the order's language and the tracking numbers
    of its shipments (returns left out) from the order's JSON."""
    invoice, customer, buyer = (_part(raw, key) for key in ("InvoiceAddress", "Customer", "Buyer"))
    email = next(
        (
            _text(part.get("Email"))
            for part in (invoice, customer, buyer)
            if _text(part.get("Email"))
        ),
        "",
    )
    person = " ".join(
        p for p in (_text(invoice.get("FirstName")), _text(invoice.get("LastName"))) if p
    )
    company = _text(invoice.get("Company"))
    name = person or company or _text(customer.get("Name"))
    street = " ".join(
        p for p in (_text(invoice.get("Street")), _text(invoice.get("HouseNumber"))) if p
    )
    place = " ".join(p for p in (_text(invoice.get("Zip")), _text(invoice.get("City"))) if p)
    country = _text(invoice.get("CountryISO2")) or _text(invoice.get("Country"))
    address = tuple(
        line
        for line in (
            company,
            person if company else name,
            _text(invoice.get("NameAddition")),
            street,
            _text(invoice.get("Line2")),
            place,
            "" if country.upper() in ("DE", "DEU", "DEUTSCHLAND", "GERMANY") else country,
        )
        if line
    )
    tracking = tuple(
        _text(shipment.get("ShippingId"))
        for shipment in raw.get("ShippingIds") or []
        if isinstance(shipment, dict)
        and _text(shipment.get("ShippingId"))
        and shipment.get("ShipmentType") != 1  # a return (Retoure) is no shipment to the buyer
    )
    return OrderContact(
        email=email,
        name=name,
        language=_text(raw.get("LanguageCode")),
        tracking=tracking,
        address=address,
    )


def reminder_refusal(
    state: int, paid_at: datetime | None, open_states: set[int], paid_state: int
) -> str:
    """Why an order, as Billbee has it now, gets no reminder ("" when it gets one): it was
    paid, or it left the group's open states (its reminder states count as open)."""
    if paid_at is not None:
        return Text(
            "The order is paid in Billbee (state {state}, paid {paid}): no reminder was sent. "
            "Confirm its payment in the statement lines.",
            state=state,
            paid=paid_at.date(),
        )
    if state == paid_state:
        return Text(
            "The order is paid in Billbee (state {state}): no reminder was sent. Confirm its "
            "payment in the statement lines.",
            state=state,
        )
    if state not in open_states:
        return Text(
            "The order's state {state} in Billbee is none of the group's open states "
            "({listed}): no reminder was sent. Check the order in Billbee.",
            state=state,
            listed=Joined(tuple(sorted(open_states))),
        )
    return ""


def language_of(code: str | None) -> str:
    code = (code or "").strip().lower()[:2]
    return code if code in LANGUAGES else "de"


def format_amount(amount: Decimal, language: str) -> str:
    """1298.5 → "1.298,50" (German) or "1,298.50" (English): to the cent, half up."""
    with translation.override(language_of(language)):
        return formatting.number(amount.quantize(CENT, ROUND_HALF_UP), 2)


def reminder_email(
    letter: ReminderLetter,
    level: int,
    today: date,
    schedule: ReminderSchedule,
    *,
    from_email: str | None = None,
) -> EmailMessage:
    """The reminder of ``level`` (1–3) as an e-mail, the invoice PDF attached when known."""
    context = reminder_context(letter, level, today, schedule)
    message = EmailMessage(
        subject=reminder_subject(letter, level),
        body=_text_of(letter, context) + "\n",
        from_email=from_email,
        to=[letter.email],
    )
    if letter.pdf:
        message.attach(attachment_name(letter), letter.pdf, "application/pdf")
    return message


def _text_of(letter: ReminderLetter, context: dict[str, Any]) -> str:
    """The reminder's text; paragraphs left out (no tracking, no attachment) leave no gap."""
    with translation.override(language_of(letter.language)):
        text = render_to_string("payments/reminder.txt", context).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def attachment_name(letter: ReminderLetter) -> str:
    with translation.override(language_of(letter.language)):
        name = pgettext("file name of the attached invoice", "Invoice")
    return f"{name}_{letter.invoice_number}.pdf"


def reminder_subject(letter: ReminderLetter, level: int) -> str:
    with translation.override(language_of(letter.language)):
        return str(SUBJECTS[level - 1]) % {"number": letter.invoice_number}


def reminder_context(
    letter: ReminderLetter, level: int, today: date, schedule: ReminderSchedule
) -> dict[str, Any]:
    if not 1 <= level <= len(schedule.days):
        raise ValueError(f"there is no reminder level {level}")
    language = language_of(letter.language)
    with translation.override(language):
        return {
            "level": level,
            "name": letter.name or pgettext("salutation of a reminder", "customer"),
            "order_number": letter.order_number,
            "invoice_number": letter.invoice_number,
            "invoice_date": formatting.day(letter.invoice_date),
            "amount": format_amount(letter.amount, language),
            "currency": letter.currency,
            "due_date": formatting.day(today + timedelta(days=schedule.pay_within_days)),
            "tracking": list(letter.tracking),
            "iban": letter.iban,
            "sender": letter.sender,
            "attached": bool(letter.pdf),
        }


def reminder_letter_pdf(
    letter: ReminderLetter,
    level: int,
    today: date,
    schedule: ReminderSchedule,
    address: tuple[str, ...],
) -> bytes:
    """The reminder as a printable A4 letter (WeasyPrint): the sender, the invoice address,
    the date, the subject and the same text as the e-mail (without an attachment)."""
    language = language_of(letter.language)
    context = reminder_context(letter, level, today, schedule)
    context["attached"] = False
    body = _text_of(letter, context)
    with translation.override(language):
        html = render_to_string(
            "payments/reminder_letter.html",
            {
                "language": language,
                "sender": letter.sender,
                "address": address,
                "today": formatting.day(today),
                "subject": reminder_subject(letter, level),
                "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()],
            },
        )
    with warnings.catch_warnings():
        # A packaging notice of WeasyPrint's about an optional system library (as in the
        # period report, bookkeeping/reports/render.py).
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        import weasyprint

    return weasyprint.HTML(string=html).write_pdf()  # type: ignore[no-any-return]
