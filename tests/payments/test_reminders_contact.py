"""Who a reminder goes to, read from the order as Billbee sent it, the letter for paper, and
the time to pay between two levels."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from payments.reminders import (
    ReminderLetter,
    ReminderSchedule,
    order_contact,
    reminder_letter_pdf,
    reminder_level_due,
)

ORDER = {
    "LanguageCode": "en",
    "InvoiceAddress": {
        "FirstName": "Katrin",
        "LastName": "Krüger",
        "Company": None,
        "Street": "Lindenstraße",
        "HouseNumber": "5",
        "Zip": "10115",
        "City": "Berlin",
        "CountryISO2": "DE",
        "Email": None,
    },
    "Customer": {"Name": "Katrin Krüger", "Email": "katrin@example.com"},
    "ShippingIds": [
        {"ShippingId": "00340434161094042557", "ShipmentType": 0},
        {"ShippingId": None, "ShipmentType": 0},
        {"ShippingId": "RETOURE1", "ShipmentType": 1},
    ],
}


def test_the_contact_comes_from_the_invoice_address_the_customer_and_the_shipments():
    contact = order_contact(ORDER)

    assert contact.email == "katrin@example.com"  # the invoice address has none
    assert contact.name == "Katrin Krüger"
    assert contact.language == "en"
    assert contact.tracking == ("00340434161094042557",)  # the return is no shipment to her
    assert contact.address == ("Katrin Krüger", "Lindenstraße 5", "10115 Berlin")


def test_a_company_abroad_gets_its_company_line_and_its_country():
    raw = {
        "InvoiceAddress": {
            "Company": "Holz AG",
            "FirstName": "Jan",
            "LastName": "Maier",
            "Street": "Ring 1",
            "Zip": "1010",
            "City": "Wien",
            "CountryISO2": "AT",
            "Email": "buchhaltung@holz.example",
        }
    }
    contact = order_contact(raw)

    assert contact.email == "buchhaltung@holz.example"
    assert contact.address == ("Holz AG", "Jan Maier", "Ring 1", "1010 Wien", "AT")
    assert (contact.language, contact.tracking) == ("", ())


def test_an_order_without_any_address_has_an_empty_contact():
    contact = order_contact({})

    assert (contact.email, contact.name, contact.address) == ("", "", ())


def test_a_later_level_also_waits_for_the_time_to_pay_of_the_one_before():
    schedule = ReminderSchedule(days=(14, 28, 42), pay_within_days=7)
    invoiced = date(2026, 10, 1)
    # Level 1 went out late, on 25.11.: level 2 (due by days on 29.10.) waits until 02.12.
    late = date(2026, 11, 25)
    assert reminder_level_due(invoiced, date(2026, 12, 1), schedule, {1}, late) is None
    assert reminder_level_due(invoiced, date(2026, 12, 2), schedule, {1}, late) == 2
    # Without a date of the last one the days alone count.
    assert reminder_level_due(invoiced, date(2026, 12, 1), schedule, {1}) == 2


def test_the_letter_is_a_pdf():
    letter = ReminderLetter(
        order_number="SW10023",
        invoice_number="RE-2026-10440",
        invoice_date=date(2026, 11, 2),
        amount=Decimal("1298.50"),
        currency="EUR",
        name="Katrin Krüger",
        email="",
        sender="Holzwerk Sandbox GmbH",
    )
    pdf = reminder_letter_pdf(
        letter,
        2,
        date(2026, 11, 30),
        ReminderSchedule(),
        ("Katrin Krüger", "Lindenstraße 5", "10115 Berlin"),
    )

    assert pdf.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "2. Mahnung zur Rechnung RE-2026-10440" in text
    assert "Katrin Krüger Lindenstraße 5 10115 Berlin" in text
    assert "über 1.298,50 EUR" in text and "30.11.2026" in text
    assert "Anhang" not in text  # a letter has no attachment


def test_a_reminder_without_tracking_and_pdf_has_no_gap_and_promises_no_attachment():
    from payments.reminders import reminder_email

    letter = ReminderLetter(
        order_number="SW10023",
        invoice_number="RE-2026-10440",
        invoice_date=date(2026, 11, 2),
        amount=Decimal("12.5"),
        currency="EUR",
        name="Jan Maier",
        email="jan@example.com",
        sender="Holzwerk Sandbox GmbH",
    )
    body = reminder_email(letter, 1, date(2026, 11, 20), ReminderSchedule()).body

    assert "\n\n\n" not in body and "Anhang" not in body
    assert body.endswith("gegenstandslos.\n\nMit freundlichen Grüßen\nHolzwerk Sandbox GmbH\n")


def test_an_order_paid_or_moved_on_in_billbee_gets_no_reminder():
    from datetime import UTC, datetime

    from payments.reminders import reminder_refusal

    open_states = {1, 2, 15, 11, 12}
    assert reminder_refusal(2, None, open_states, 3) == ""
    assert reminder_refusal(15, None, open_states, 3) == ""  # after the first reminder
    assert reminder_refusal(3, None, open_states, 3).startswith(
        "The order is paid in Billbee (state 3): no reminder was sent."
    )
    paid = datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert "(state 2, paid 20.11.2026)" in reminder_refusal(2, paid, open_states, 3)
    assert reminder_refusal(8, None, open_states, 3) == (
        "The order's state 8 in Billbee is none of the group's open states (1, 2, 11, 12, 15): "
        "no reminder was sent. Check the order in Billbee."
    )


def test_parts_of_another_shape_are_read_as_missing():
    contact = order_contact(
        {"InvoiceAddress": "Lindenstraße 5", "Customer": None, "ShippingIds": ["x", None]}
    )

    assert (contact.email, contact.address, contact.tracking) == ("", (), ())
