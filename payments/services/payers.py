"""The payer memory: which accounts a customer pays from.

A confirmed statement line teaches the connector the customer's IBAN (``payer_remember``);
``open_items`` (selectors) gives each open item the IBANs remembered for its customer, so that the
matching engine proposes the customer's items for a later transfer without a reference.
"""

from __future__ import annotations

from django.db.models import F
from stdnum import iban as stdnum_iban

from connector.customers import customer_key
from connector.models import ExternalOrder

from ..models import PayerAccount, StatementTransaction


def payer_remember(tx: StatementTransaction, document: ExternalOrder) -> PayerAccount | None:
    """Remember the line's IBAN for the document's customer (inside the confirming
    transaction, so that a confirmation that fails remembers nothing). Lines without a valid
    IBAN (PayPal, cards) and documents without a customer key teach nothing."""
    key = customer_key(document.customer or {})
    iban = stdnum_iban.compact(tx.counterparty_iban or "")
    if not key or not iban or not stdnum_iban.is_valid(iban):
        return None
    account, created = PayerAccount.objects.get_or_create(
        connection_id=document.connection_id,
        customer_key=key[:300],
        iban=iban,
        defaults={
            "name": tx.counterparty_name[:200],
            "customer_name": document.customer_name,
            "last_transaction": tx,
        },
    )
    if not created:
        PayerAccount.objects.filter(pk=account.pk).update(
            payments=F("payments") + 1,
            name=tx.counterparty_name[:200] or account.name,
            customer_name=document.customer_name or account.customer_name,
            last_transaction=tx,
        )
    return account
