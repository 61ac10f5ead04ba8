"""Open items: posted invoices with what is still open, and prepayment orders awaiting
payment, read from documents imported from the sandbox over HTTP and booked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bookkeeping.models import DebtorMapping
from connector.models import ExternalOrder
from payments.models import PaymentGroup
from payments.selectors import OpenItem, open_items, payment_groups
from tests.bookkeeping.helpers import ORIGIN, import_and_book
from tests.conftest import BERLIN
from tests.connector.test_import import NOVEMBER, doc, insert, insert_credit, make_connection

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    account = make_sandbox(orders=5, days=10, end=datetime(2026, 5, 1, 18, tzinfo=BERLIN))
    connection = make_connection(account, import_start_date=NOVEMBER)
    DebtorMapping.objects.create(connection=connection, origin=ORIGIN, account=10001)
    return account, connection


def awaiting(**fields):
    """A prepayment order (Vorkasse) not paid and not invoiced yet."""
    values = {
        "State": 1,
        "PaymentMethod": 59,
        "PayedAt": None,
        "ShippedAt": None,
        "InvoiceNumber": None,
        "InvoiceNumberPrefix": None,
        "InvoiceDate": None,
        "TotalCost": 49.9,
        "ShippingCost": 4.9,
        "OrderItems": [
            {"Quantity": 1, "TotalPrice": 45, "TaxIndex": 1, "Product": {"Title": "Lampe"}}
        ],
    }
    values.update(fields)
    return values


def test_posted_invoices_and_awaiting_prepayment_orders_are_open(shop):
    sandbox, connection = shop
    invoiced = insert(sandbox, PaymentMethod=26, PaymentReference="RF18 5390 0754 7034")
    credited = insert(sandbox)
    insert_credit(sandbox, credited)
    waiting = insert(sandbox, **awaiting(CreatedAt="2026-10-01T09:00:00", PaymentReference="VK-77"))
    insert(sandbox, **awaiting(CreatedAt="2026-09-01T09:00:00"))  # older than two months
    insert(sandbox, **awaiting(State=3, PayedAt="2026-11-11T10:00:00"))  # paid already
    insert(sandbox, **awaiting(PaymentMethod=3))  # PayPal: no open order
    import_and_book(connection)

    items = open_items(connection, on=ON)

    # The credited invoice is booked, and so is its credit note: nothing of it is open.
    assert doc(credited, connection).booking.status == "booked"
    invoice = doc(invoiced, connection)
    order = doc(waiting, connection)
    assert items == [
        OpenItem(
            id=invoice.pk,
            order_number=invoice.order_number,
            invoice_number=invoice.invoice_number,
            payment_reference="RF18 5390 0754 7034",
            amount=Decimal("25.00"),
            total=Decimal("25.00"),
            currency="EUR",
            invoice_date=date(2026, 11, 10),
            group="invoice",
        ),
        OpenItem(
            id=order.pk,
            order_number=order.order_number,
            invoice_number="",
            payment_reference="VK-77",
            amount=Decimal("49.90"),
            total=Decimal("49.90"),
            currency="EUR",
            invoice_date=date(2026, 10, 1),
            group="prepayment",
        ),
    ]


def test_the_groups_configured_decide_which_orders_are_open(shop):
    sandbox, connection = shop
    insert(sandbox, **awaiting(CreatedAt="2026-09-01T09:00:00", State=2))
    import_and_book(connection)
    assert open_items(connection, on=ON) == []

    group = PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.PREPAYMENT,
        payment_methods=[59],
        open_states=[2],
        open_items_months=3,
    )

    assert [i.amount for i in open_items(connection, on=ON)] == [Decimal("49.90")]
    assert payment_groups(connection)[0] == group


def test_a_new_connection_has_komfortkasses_three_groups_with_defaults(shop):
    _, connection = shop

    groups = payment_groups(connection)

    assert [(g.kind, g.payment_methods, g.open_states, g.paid_state) for g in groups] == [
        ("prepayment", [1, 59], [1, 2, 15, 11, 12], 3),
        ("invoice", [26], [1, 2, 4, 13, 16, 15, 11, 12], 3),
        ("cod", [2], [1, 2, 4, 13, 16], 3),
    ]
    assert {
        (g.cancelled_state, g.overdue_state, g.refunded_state, g.open_items_months) for g in groups
    } == {(8, 15, None, 2)}


def test_the_sandboxs_generated_shop_has_open_invoices_and_awaiting_prepayment_orders(
    make_sandbox,
):
    from tests.bookkeeping.helpers import generated_books
    from tests.conftest import SANDBOX_END

    connection, _ = generated_books(make_sandbox(orders=300))

    items = open_items(connection, on=SANDBOX_END.date())

    assert len({i.id for i in items}) == len(items)
    assert all(i.amount > 0 and i.amount <= i.total for i in items)
    awaiting_orders = [i for i in items if not i.invoice_number]
    assert awaiting_orders, "the generated data has prepayment orders awaiting payment"
    for item in awaiting_orders:
        order = ExternalOrder.objects.get(pk=item.id)
        assert (item.group, order.billbee_state, order.payment_method in (1, 59)) == (
            "prepayment",
            order.billbee_state if order.billbee_state in (1, 2) else "not open",
            True,
        )
        assert (SANDBOX_END.date() - item.invoice_date).days <= 62
    assert any(i.payment_reference for i in awaiting_orders)
    assert any(i.invoice_number and i.group == "invoice" for i in items)


def test_posted_payments_reduce_what_is_open_and_a_full_one_settles_the_item(shop):
    from django.utils import timezone

    from bookkeeping.services.payments import PaymentPosting, payment_post, payment_reverse

    sandbox, connection = shop
    partly, fully = insert(sandbox, PaymentMethod=26), insert(sandbox, PaymentMethod=26)
    import_and_book(connection)
    entries = {
        key: doc(order, connection).booking.entry for key, order in (("p", partly), ("f", fully))
    }
    now = timezone.now()
    payment_post(PaymentPosting(entries["p"], date(2026, 11, 15), Decimal("10.00"), 1200), now)
    full = payment_post(
        PaymentPosting(entries["f"], date(2026, 11, 15), Decimal("25.00"), 1200), now
    )

    items = {item.id: item for item in open_items(connection, on=ON)}
    part_item, full_item = items[doc(partly, connection).pk], items[doc(fully, connection).pk]
    assert (part_item.amount, part_item.settled) == (Decimal("15.00"), False)
    assert (full_item.amount, full_item.settled) == (Decimal("25.00"), True)

    payment_reverse(full, now, note="wrong invoice")
    reopened = {item.id: item for item in open_items(connection, on=ON)}[full_item.id]
    assert (reopened.amount, reopened.settled) == (Decimal("25.00"), False)


def test_the_open_items_of_some_documents_are_those_of_the_full_read(shop):
    """Settling a line reads the open items of its documents only, not the whole shop's,
    and gets exactly what the full read says of them (payments and credit notes included)."""
    from django.utils import timezone

    from bookkeeping.services.payments import PaymentPosting, payment_post

    sandbox, connection = shop
    partly = insert(sandbox, PaymentMethod=26)
    credited = insert(sandbox, PaymentMethod=26)
    insert_credit(sandbox, credited)
    other = insert(sandbox, PaymentMethod=26)
    waiting = insert(sandbox, **awaiting(CreatedAt="2026-10-01T09:00:00"))
    import_and_book(connection)
    entry = doc(partly, connection).booking.entry
    payment_post(PaymentPosting(entry, date(2026, 11, 15), Decimal("10.00"), 1200), timezone.now())
    wanted = [doc(order, connection).pk for order in (partly, credited, waiting)]

    some = open_items(connection, on=ON, documents=wanted)

    full = {item.id: item for item in open_items(connection, on=ON)}
    assert doc(other, connection).pk in full
    assert some == [full[pk] for pk in wanted if pk in full]
    assert [item.id for item in some] == [wanted[0], wanted[2]]  # the credited one is not open
