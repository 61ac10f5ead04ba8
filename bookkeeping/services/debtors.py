"""Which debtor account a document is booked to.

By default a debtor per order origin (``<label>-<Platform>-<BillbeeShopName>``) and payment
method, as AccountOne's "Debitoren weitere Shops": every combination the import has seen is
listed without an account for the operator to fill in, and documents wait until it is. With
the option "one debtor per customer", every Billbee customer gets an account of their own
from a range, and the DATEV master-data export names them (sevDesk's "full customers").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from billbee.dto import Order
from billbee.enums import payment_type_name
from connector.models import Connection, ExternalOrder
from connector.texts import Text

from ..models import BookkeepingSettings, CustomerDebtor, DebtorMapping

ANY = DebtorMapping.ANY_PAYMENT_METHOD


@dataclass(frozen=True)
class DebtorChoice:
    account: int | None
    reason: str  # why this account, or what to do when there is none


class DebtorBook:
    """The debtor mappings of one connection, loaded once per booking run."""

    def __init__(self, connection: Connection, settings: BookkeepingSettings) -> None:
        self.connection = connection
        self.settings = settings
        self.mappings = {
            (m.origin, m.payment_method): m.account
            for m in DebtorMapping.objects.filter(connection=connection)
        }

    def choose(self, origin: str, payment_method: int | None, order: Order | None) -> DebtorChoice:
        if self.settings.debtor_per_customer and order is not None:
            debtor = customer_debtor(self.connection, self.settings, order)
            return DebtorChoice(
                debtor.account,
                Text("customer debtor {debtor} (one per customer)", debtor=str(debtor)),
            )
        method = payment_method or ANY
        exact = self.mappings.get((origin, method))
        if exact:
            return DebtorChoice(
                exact,
                Text(
                    "debtor mapping {origin} / {method}",
                    origin=origin,
                    method=payment_type_name(method),
                ),
            )
        fallback = self.mappings.get((origin, ANY))
        if fallback:
            return DebtorChoice(
                fallback, Text("debtor mapping {origin} / any payment method", origin=origin)
            )
        self.register(origin, method)
        return DebtorChoice(
            None,
            Text(
                "assign a debtor account to origin {origin} / payment method {method} "
                "(Bookkeeping → Debtor mapping)",
                origin=origin,
                method=payment_type_name(method),
            ),
        )

    def register(self, origin: str, method: int) -> None:
        if (origin, method) in self.mappings:
            return
        DebtorMapping.objects.get_or_create(
            connection=self.connection,
            origin=origin,
            payment_method=method,
            defaults={"payment_method_name": payment_type_name(method)[:100]},
        )
        self.mappings[(origin, method)] = None


def debtor_mappings_sync(connection: Connection) -> int:
    """Register every (origin, payment method) of the connection's accepted documents that
    has no mapping row yet; returns how many were added."""
    seen = (
        ExternalOrder.objects.filter(connection=connection, status__in=ExternalOrder.ACCEPTED)
        .values_list("origin", "payment_method")
        .annotate(n=Count("pk"))
    )
    have = set(
        DebtorMapping.objects.filter(connection=connection).values_list("origin", "payment_method")
    )
    new = [
        DebtorMapping(
            connection=connection,
            origin=origin,
            payment_method=method or ANY,
            payment_method_name=payment_type_name(method or ANY)[:100],
        )
        for origin, method, _ in seen
        if (origin, method or ANY) not in have
    ]
    DebtorMapping.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def customer_key(order: Order) -> str:
    """Billbee's customer id; else a fingerprint of the invoice address."""
    if order.customer and order.customer.id:
        return str(order.customer.id)
    address = order.invoice_address
    parts = (
        (address.email or "", address.company or "", address.last_name or "", address.zip or "")
        if address
        else ("", "", "", "")
    )
    return "addr:" + hashlib.sha256("|".join(parts).casefold().encode()).hexdigest()[:40]


def customer_debtor(
    connection: Connection, settings: BookkeepingSettings, order: Order
) -> CustomerDebtor:
    key = customer_key(order)
    found = CustomerDebtor.objects.filter(connection=connection, customer_key=key).first()
    if found is not None:
        return found
    for _ in range(5):  # another worker may take the same number: take the next one
        try:
            with transaction.atomic():
                return CustomerDebtor.objects.create(
                    connection=connection,
                    customer_key=key,
                    account=_next_account(connection, settings),
                    **_master_data(order),
                )
        except IntegrityError:
            found = CustomerDebtor.objects.filter(connection=connection, customer_key=key).first()
            if found is not None:
                return found
    raise RuntimeError("could not allocate a customer debtor account")


def _next_account(connection: Connection, settings: BookkeepingSettings) -> int:
    first, last = settings.customer_debtor_first, settings.customer_debtor_last
    highest = CustomerDebtor.objects.filter(
        connection=connection, account__gte=first, account__lte=last
    ).aggregate(m=Max("account"))["m"]
    number = first if highest is None else highest + 1
    if number > last:
        # The sentence is the reason the document waits with (stored, said in each language).
        raise RuntimeError(
            Text("the customer debtor range {first}–{last} is full", first=first, last=last)
        )
    return number


def _master_data(order: Order) -> dict[str, str]:
    a = order.invoice_address
    if a is None:
        return {}
    street = " ".join(p for p in (a.street, a.house_number) if p)
    return {
        "company": (a.company or "")[:100],
        "first_name": (a.first_name or "")[:60],
        "last_name": (a.last_name or "")[:60],
        "street": street[:100],
        "zip": (a.zip or "")[:20],
        "city": (a.city or "")[:60],
        "country": a.country_code or "",
        "email": (a.email or "")[:200],
        "vat_id": (order.buyer_vat_id or "")[:30],
    }
