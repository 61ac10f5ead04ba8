"""Reads of the payments app: the open items a statement line can pay, the payment groups and
ignore rules of a connection, as the plain data the matching engine takes; and what a payment
reminder reads (the order's JSON, the account to pay to, the stored invoice PDF)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from billbee import jsonutil
from bookkeeping.models import DocumentBooking, JournalEntry
from connector.customers import customer_key
from connector.models import Connection, ExternalOrder, InvoiceRequest

from .matching import IgnoreRule as PlainIgnoreRule
from .matching import MatchConfig, OpenItem
from .models import IgnoreRule, PayerAccount, PaymentGroup, PaymentSource


@dataclass(frozen=True)
class GroupDefaults:
    kind: str
    payment_methods: list[int]
    open_states: list[int]
    paid_state: int = 3
    cancelled_state: int | None = 8
    overdue_state: int | None = 15
    refunded_state: int | None = None
    open_items_months: int = 2


# Komfortkasse's three groups with Billbee's ids (billbee/enums.py): prepayment = 1
# Bankueberweisung, 59 Vorkasse; invoice = 26 Rechnung; cash on delivery = 2 Nachnahme.
# PayPal, cards and the marketplaces' own payments are paid at checkout and are no open
# orders. Open: 1 Bestellt, 2 Bestaetigt (prepayment orders wait unshipped); invoice and cash
# on delivery orders are also open when packed (13), in fulfilment (16) or shipped (4).
# Paid: 3 Zahlung_erhalten; cancelled: 8 Storniert; overdue: 15 Zahlungserinnerung. Billbee
# has no "refunded" state: left empty.
DEFAULT_GROUPS = (
    # An order whose payment reminder (15) or dunning letter (11, 12) went out is still open.
    GroupDefaults(PaymentGroup.Kind.PREPAYMENT, [1, 59], [1, 2, 15, 11, 12]),
    GroupDefaults(PaymentGroup.Kind.INVOICE, [26], [1, 2, 4, 13, 16, 15, 11, 12]),
    GroupDefaults(PaymentGroup.Kind.CASH_ON_DELIVERY, [2], [1, 2, 4, 13, 16]),
)


def default_payment_groups(connection: Connection) -> list[PaymentGroup]:
    """The three groups as a new connection gets them (unsaved)."""
    return [
        PaymentGroup(
            connection=connection,
            kind=d.kind,
            payment_methods=list(d.payment_methods),
            open_states=list(d.open_states),
            paid_state=d.paid_state,
            cancelled_state=d.cancelled_state,
            overdue_state=d.overdue_state,
            refunded_state=d.refunded_state,
            open_items_months=d.open_items_months,
        )
        for d in DEFAULT_GROUPS
    ]


def payment_groups(connection: Connection) -> list[PaymentGroup]:
    """The connection's groups; the defaults (unsaved) for kinds it has not configured."""
    stored = {g.kind: g for g in PaymentGroup.objects.filter(connection=connection)}
    return [stored.get(g.kind, g) for g in default_payment_groups(connection)]


def match_config(connection: Connection) -> MatchConfig:
    """The matching's settings of a connection: its ignore rules, and the Skonto of its
    payment groups (the engine knows one rate and term: the most generous configured)."""
    groups = [g for g in payment_groups(connection) if g.skonto_rate > 0 and g.skonto_days]
    best = max(groups, key=lambda g: (g.skonto_rate, g.skonto_days), default=None)
    return MatchConfig(
        ignore_rules=tuple(ignore_rules(connection)),
        skonto_rate=best.skonto_rate / 100 if best else Decimal(0),
        skonto_days=best.skonto_days if best else 0,
    )


def documents_named(connection: Connection, text: str) -> list[ExternalOrder]:
    """The invoices of the connection that ``text`` names: by invoice or order number (any
    case), or by the document's or Billbee's id."""
    text = text.strip()
    if not text:
        return []
    condition = Q(invoice_number__iexact=text) | Q(order_number__iexact=text)
    if text.isdigit():
        condition |= Q(pk=int(text)) | Q(billbee_order_id=int(text))
    return list(
        ExternalOrder.objects.filter(
            condition, connection=connection, kind=ExternalOrder.Kind.INVOICE
        ).order_by("pk")[:10]
    )


def ignore_rules(connection: Connection) -> list[PlainIgnoreRule]:
    return [r.as_plain() for r in IgnoreRule.objects.filter(connection=connection)]


def payment_group_of(method: int | None, groups: list[PaymentGroup]) -> PaymentGroup | None:
    """The group whose payment methods include ``method``, if any."""
    for group in groups:
        if method is not None and method in group.payment_methods:
            return group
    return None


def _group_of(method: int | None, groups: list[PaymentGroup]) -> str:
    group = payment_group_of(method, groups)
    # One shared string per kind (``str`` of a choice makes a new one each time).
    return sys.intern(str(group.kind)) if group is not None else ""


def payer_ibans(connection: Connection) -> dict[str, tuple[str, ...]]:
    """Customer key → the IBANs remembered for that customer (one query)."""
    ibans: dict[str, list[str]] = {}
    rows = PayerAccount.objects.filter(connection=connection).order_by("customer_key", "pk")
    for key, iban in rows.values_list("customer_key", "iban"):
        ibans.setdefault(key, []).append(iban)
    return {key: tuple(values) for key, values in ibans.items()}


def _customer(
    name: str, details: dict[str, Any] | None, ibans: dict[str, tuple[str, ...]]
) -> dict[str, Any]:
    """An open item's customer fields: name, key and the IBANs remembered for the key. The
    strings are interned: a customer's many items share one copy of their name and key."""
    key = sys.intern(customer_key(details or {}))
    name = sys.intern(name)
    return {
        "customer_name": name,
        "customer_id": key,
        "customer_ibans": ibans.get(key, ()) if key else (),
    }


def _local_date(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return timezone.localtime(moment, zone).date() if moment else None


def open_items(
    connection: Connection, on: date | None = None, documents: Iterable[int] | None = None
) -> list[OpenItem]:
    """Posted invoices not reversed, with what is still open (their total less the credit
    notes posted against them), plus the orders of a prepayment group awaiting payment: in
    one of the group's open states and ordered within its last ``open_items_months``.

    Invoices paid in full by posted payments come back ``settled`` (for "already paid").
    ``documents``: only the open items of these documents (what a person settles), read
    without the rest of the shop's."""
    zone = ZoneInfo(connection.time_zone)
    on = on or timezone.localdate(timezone=zone)
    groups = payment_groups(connection)
    ibans = payer_ibans(connection)
    only = list(documents) if documents is not None else None
    items = _posted_invoices(connection, groups, ibans, only)
    seen = {item.id for item in items}
    items += [
        item
        for item in _awaiting_prepayment(connection, groups, on, zone, ibans, only)
        if item.id not in seen
    ]
    return items


def _posted_invoices(
    connection: Connection,
    groups: list[PaymentGroup],
    ibans: dict[str, tuple[str, ...]],
    documents: list[int] | None,
) -> list[OpenItem]:
    # Plain values, not model instances, read in chunks: a shop has hundreds of thousands of
    # invoices.
    of_documents = Q() if documents is None else Q(document_id__in=documents)
    bookings = (
        DocumentBooking.objects.filter(
            of_documents,
            connection=connection,
            status=DocumentBooking.Status.BOOKED,
            entry__kind=JournalEntry.Kind.INVOICE,
        )
        .order_by("document_id")
        .values_list(
            "document_id",
            "document__order_number",
            "document__payment_reference",
            "document__payment_method",
            "entry__number",
            "entry__document_total",
            "entry__currency",
            "entry__document_date",
            "document__customer_name",
            "document__customer",
        )
        .iterator(chunk_size=10_000)  # not kept as a whole beside the items made of it
    )
    # Payments posted against a document and not reversed (bookkeeping/services/payments.py).
    paid: dict[int, Decimal] = {}
    for document_id, total in JournalEntry.objects.filter(
        of_documents,
        connection=connection,
        kind=JournalEntry.Kind.PAYMENT,
        reversed_by__isnull=True,
    ).values_list("document_id", "document_total"):
        paid[document_id] = paid.get(document_id, Decimal(0)) + total
    # Credit notes per invoice document: one posted before Billbee changed the invoice names
    # the entry that the change reversed, and still reduces what the document's new entry
    # asks for (as the debtor's balance in the journal does).
    credited: dict[int, Decimal] = {}
    credit_notes = DocumentBooking.objects.filter(
        Q() if documents is None else Q(entry__credit_for__document_id__in=documents),
        connection=connection,
        status=DocumentBooking.Status.BOOKED,
        entry__kind=JournalEntry.Kind.CREDIT_NOTE,
        entry__credit_for__isnull=False,
    ).values_list("entry__credit_for__document_id", "entry__document_total")
    for invoice_document, total in credit_notes:
        if invoice_document is None:
            continue
        credited[invoice_document] = credited.get(invoice_document, Decimal(0)) + abs(total)
    items = []
    shared: dict[Any, Any] = {}
    for (
        document,
        order,
        reference,
        method,
        number,
        total,
        currency,
        day,
        customer_name,
        customer,
    ) in bookings:
        credit = credited.get(document, Decimal(0))
        if total - credit <= 0:
            continue  # credited in full: nothing was or is to be paid
        payments = paid.get(document, Decimal(0))
        # Most invoices have neither: their open amount is the total itself, not a copy.
        open_amount = total - credit - payments if credit or payments else total
        # Paid in full: kept as settled, so that a second payment naming it is recognised
        # as "already paid" instead of finding nothing.
        settled = open_amount <= 0
        # Amounts, currencies and dates repeat across a shop's invoices: one object each.
        total = shared.setdefault(total, total)
        items.append(
            OpenItem(
                id=document,
                order_number=order,
                invoice_number=number,
                payment_reference=reference,
                amount=total if settled else shared.setdefault(open_amount, open_amount),
                total=total,
                currency=sys.intern(currency),
                invoice_date=shared.setdefault(day, day),
                group=_group_of(method, groups),
                settled=settled,
                **_customer(customer_name, customer, ibans),
            )
        )
    return items


def _awaiting_prepayment(
    connection: Connection,
    groups: list[PaymentGroup],
    on: date,
    zone: ZoneInfo,
    ibans: dict[str, tuple[str, ...]],
    documents: list[int] | None,
) -> list[OpenItem]:
    condition = Q()
    for group in groups:
        if group.kind != PaymentGroup.Kind.PREPAYMENT:
            continue
        since = on - timedelta(days=round(30.44 * group.open_items_months))
        first = datetime.combine(since, time.min, zone)
        condition |= Q(
            payment_method__in=group.payment_methods,
            billbee_state__in=group.open_states,
            order_date__gte=first,
        )
    if not condition:
        return []
    orders = (
        ExternalOrder.objects.filter(condition, connection=connection, kind="invoice")
        .filter(Q() if documents is None else Q(pk__in=documents))
        .exclude(total_gross__isnull=True)
        .order_by("pk")
    )
    return [
        OpenItem(
            id=order.pk,
            order_number=order.order_number,
            invoice_number=order.invoice_number,
            payment_reference=order.payment_reference,
            amount=order.total_gross.quantize(Decimal("0.01")),
            total=order.total_gross.quantize(Decimal("0.01")),
            currency=order.currency or "EUR",
            invoice_date=_local_date(order.invoice_date or order.order_date, zone) or on,
            group=PaymentGroup.Kind.PREPAYMENT,
            **_customer(order.customer_name, order.customer, ibans),
        )
        for order in orders
        if order.total_gross is not None and order.total_gross > 0
    ]


# --- payment reminders ----------------------------------------------------------------------


def order_raw(document: ExternalOrder) -> dict[str, Any]:
    """The order's JSON as Billbee last sent it."""
    version = document.latest_version()
    return jsonutil.loads(version.raw_text) if version else {}


def payee_iban(connection: Connection, group: PaymentGroup) -> str:
    """The account a reminder names for the payment: the group's, else the first bank's."""
    if group.reminder_iban:
        return group.reminder_iban
    source = (
        PaymentSource.objects.filter(
            connection=connection, kind=PaymentSource.Kind.BANK, is_active=True
        )
        .exclude(iban="")
        .order_by("pk")
        .first()
    )
    return source.iban if source else ""


def stored_invoice_pdf(connection: Connection, document: ExternalOrder) -> bytes | None:
    """The invoice PDF received from Billbee's CreateInvoice for this order, if any."""
    request = InvoiceRequest.objects.filter(
        connection=connection, billbee_order_id=document.billbee_order_id
    ).first()
    return bytes(request.pdf) if request is not None and request.pdf else None
