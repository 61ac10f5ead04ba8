"""Statement lines that are no customer's payment of an open item, booked without a person:
payouts of a payment provider to the bank (via the transit account, Geldtransit), payments
that come back (``returns``), refunds of credit notes (``refunds``), and advance payments
(Vorkasse) whose invoice was booked after they were confirmed.

``transfers_process`` runs them all; ``transactions_match`` calls it before the matching
engine, so that the lines it books are confirmed already and the engine leaves them alone.

Payouts. A provider's payout line (PayPal "Allgemeine Abbuchung", a Stripe payout) is booked
on its own date from the provider's account to its transit account. The bank's line of the
same payout (money in from the provider, recognised by the provider's "payouts arrive as":
its IBAN, name or a word of the text; the provider's name when empty) is paired with a payout
line of the same amount booked up to ``PAYOUT_DAYS`` days before it, and booked from the
transit account to the bank. Both lines end "matched" with their transfer entry. A bank line
recognised as a payout without its partner is "ignored" with the reason and booked once the
provider's statement brings the partner; a payout line whose bank line has not arrived yet is
booked and says so. docs/payments.md "Payouts".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from stdnum import iban as stdnum_iban

from bookkeeping.errors import BookkeepingError
from bookkeeping.models import DocumentBooking, JournalEntry
from bookkeeping.services.payment_transfers import TransferPosting, transfer_post
from connector.models import Connection
from connector.texts import Money, Text, message_of

from ..matching.candidates import all_of
from ..models import PaymentSource, StatementTransaction
from ..parsers.base import LineKind
from .refunds import payment_for_line, refunds_book
from .returns import returned_lines, returns_book

logger = logging.getLogger("payments.transfers")
State = StatementTransaction.State
PAYOUT_DAYS = 5  # a payout reaches the bank at most this many days after the provider's line
PROVIDER_NAMES: dict[str, str] = {"paypal": "PayPal", "stripe": "Stripe"}
PSP_KINDS = (PaymentSource.Kind.PAYPAL, PaymentSource.Kind.STRIPE)
BANK_KINDS = (PaymentSource.Kind.BANK, PaymentSource.Kind.CSV)
# Lines no one has confirmed and that no person set aside: what this module may book.
OPEN_STATES = (
    State.NEW,
    State.MATCHED,
    State.NO_MATCH,
    State.AMBIGUOUS,
    State.AMOUNT_DIFFERS,
    State.PARTIALLY_PAID,
    State.ALREADY_PAID,
    State.IGNORED,
)


@dataclass
class TransferSummary:
    payouts: int = 0  # lines booked as a half of a payout
    returns: int = 0  # payments booked back
    refunds: int = 0  # refunds booked against their credit note
    advance_payments: int = 0  # confirmed prepayments booked once their invoice was

    def as_dict(self) -> dict[str, int]:
        return {
            "payouts": self.payouts,
            "returns": self.returns,
            "refunds": self.refunds,
            "advance_payments": self.advance_payments,
        }


def transfers_process(connection: Connection, *, now: datetime | None = None) -> TransferSummary:
    """Book what needs no person: advance payments whose invoice is booked, payouts,
    returned payments and refunds of credit notes named unambiguously."""
    now = now or timezone.now()
    summary = TransferSummary()
    summary.advance_payments = payments_post_waiting(connection, now=now)
    summary.payouts = payouts_book(connection, now=now)
    summary.returns = returns_book(connection, now=now)
    summary.refunds = refunds_book(connection, now=now)
    return summary


# --- payouts ------------------------------------------------------------------------------


def _unconfirmed(connection: Connection) -> QuerySet[StatementTransaction]:
    return StatementTransaction.objects.filter(
        source__connection=connection,
        confirmed_at__isnull=True,
        payment_entry__isnull=True,
        state__in=OPEN_STATES,
    ).select_related("source", "statement")


def payouts_book(connection: Connection, *, now: datetime | None = None) -> int:
    """Book the payout lines of the connection's providers, then the bank lines they pair
    with; returns how many lines were booked."""
    now = now or timezone.now()
    booked = 0
    psp_lines = _unconfirmed(connection).filter(source__kind__in=PSP_KINDS, kind=LineKind.PAYOUT)
    for tx in psp_lines.order_by("booking_date", "pk"):
        booked += _payout_book(tx, now)
    providers = list(
        PaymentSource.objects.filter(connection=connection, kind__in=PSP_KINDS, is_active=True)
    )
    if not providers:
        return booked
    bank_lines = _unconfirmed(connection).filter(
        _from_providers(providers), source__kind__in=BANK_KINDS, amount__gt=0
    )
    for tx in bank_lines.order_by("booking_date", "pk"):
        provider = next((p for p in providers if payout_recognised(tx, p)), None)
        if provider is not None:
            booked += _bank_half_book(tx, provider, now)
    return booked


def _from_providers(providers: list[PaymentSource]) -> Q:
    """The bank lines that may come from one of the providers (narrowed in the database;
    ``payout_recognised`` decides)."""
    condition = Q(pk__in=[])
    for provider in providers:
        pattern = payout_pattern(provider)
        compact = stdnum_iban.compact(pattern)
        if stdnum_iban.is_valid(compact):
            condition |= Q(counterparty_iban__iexact=compact)
        else:
            condition |= Q(counterparty_name__icontains=pattern) | Q(remittance__icontains=pattern)
    return condition


def payout_pattern(provider: PaymentSource) -> str:
    return provider.payout_payer.strip() or PROVIDER_NAMES.get(provider.kind, provider.name)


def payout_recognised(
    tx: StatementTransaction, provider: PaymentSource, *, text: bool = True
) -> bool:
    """Whether a bank line comes from the provider: its IBAN, or its name (or the text)."""
    pattern = payout_pattern(provider)
    compact = stdnum_iban.compact(pattern)
    if stdnum_iban.is_valid(compact):
        return stdnum_iban.compact(tx.counterparty_iban or "") == compact
    folded = pattern.casefold()
    in_text = text and folded in tx.remittance.casefold()
    return folded in tx.counterparty_name.casefold() or in_text


def _payout_number(tx: StatementTransaction) -> str:
    """Belegfeld 1 of a payout: the provider's id of it (Stripe's payout id ``po_…``, which
    the bank's text names, rather than its balance transaction), else the statement's id."""
    if tx.related_reference.startswith("po_"):
        return tx.related_reference
    return tx.bank_reference or tx.statement.statement_id or tx.booking_date.strftime("%Y%m%d")


def _set_aside(tx: StatementTransaction, state: str, reason: str) -> int:
    if (tx.state, tx.reason) != (state, reason):
        tx.state, tx.auto = state, False
        tx.set_reason(reason)
        tx.save(update_fields=["state", "reason", "texts", "auto", "updated_at"])
    return 0


def _payout_book(tx: StatementTransaction, now: datetime) -> int:
    source: PaymentSource = tx.source
    amount = abs(tx.amount)
    if source.transit_account is None:
        return _set_aside(
            tx,
            State.IGNORED,
            Text(
                "Payout of {amount}: {source} has no transit account (Geldtransit, SKR03 1360 / "
                "SKR04 1460). Set it on the account's page; the payout is booked with the next "
                "matching.",
                amount=Money(amount, tx.currency),
                source=source.name,
            ),
        )
    if tx.currency != "EUR":
        return _set_aside(
            tx,
            State.IGNORED,
            Text(
                "Payout in {currency}: the journal books EUR; book the payout by hand.",
                currency=tx.currency,
            ),
        )
    to_bank = tx.amount < 0  # money leaving the provider's balance for the bank
    posting = TransferPosting(
        connection_id=source.connection_id,
        day=tx.booking_date,
        amount=amount,
        from_account=source.ledger_account if to_bank else source.transit_account,
        to_account=source.transit_account if to_bank else source.ledger_account,
        transit_account=source.transit_account,
        number=_payout_number(tx),
        text=f"{'Auszahlung' if to_bank else 'Rückbuchung Auszahlung'} {source.name}",
        reference=tx.key,
    )
    if to_bank:
        reason = Text(
            "Payout of {amount} to the bank, booked {account} → transit {transit} (Geldtransit); "
            "the bank's line of it has not arrived yet: the transit account holds the amount "
            "until it does.",
            amount=Money(amount, tx.currency),
            account=source.ledger_account,
            transit=source.transit_account,
        )
    else:
        reason = Text(
            "Payout of {amount} returned to {source}, booked transit {transit} → {account} "
            "(Geldtransit).",
            amount=Money(amount, tx.currency),
            source=source.name,
            transit=source.transit_account,
            account=source.ledger_account,
        )
    return _confirm_transfer(tx, posting, reason, now)


def _confirm_transfer(
    tx: StatementTransaction, posting: TransferPosting, reason: str, now: datetime, **extra: object
) -> int:
    with transaction.atomic():
        locked = StatementTransaction.objects.select_for_update().get(pk=tx.pk)
        if locked.confirmed_at is not None or locked.payment_entry_id is not None:
            return 0  # booked meanwhile by another run
        try:
            entry = transfer_post(posting, now)
        except BookkeepingError as exc:
            locked.state = State.ERROR
            locked.set_reason(message_of(exc))
            locked.save(update_fields=["state", "reason", "texts", "updated_at"])
            return 0
        locked.payment_entry, locked.confirmed_at = entry, now
        locked.state, locked.auto = State.MATCHED, False
        locked.set_reason(reason)
        fields = [
            "payment_entry",
            "confirmed_at",
            "state",
            "reason",
            "texts",
            "auto",
            "updated_at",
        ]
        for name, value in extra.items():
            setattr(locked, name, value)
            fields.append(name)
        locked.save(update_fields=fields)
    tx.refresh_from_db()
    return 1


def _paired_payouts(connection: Connection) -> set[int]:
    """The payout lines a booked bank line has been paired with."""
    paired: set[int] = set()
    for candidates in StatementTransaction.objects.filter(
        source__connection=connection,
        source__kind__in=BANK_KINDS,
        payment_entry__kind=JournalEntry.Kind.TRANSFER,
    ).values_list("candidates", flat=True):
        for candidate in candidates or []:
            if isinstance(candidate, dict) and candidate.get("payout_line"):
                paired.add(int(candidate["payout_line"]))
    return paired


def _bank_half_book(tx: StatementTransaction, provider: PaymentSource, now: datetime) -> int:
    source: PaymentSource = tx.source
    window = (tx.booking_date - timedelta(days=PAYOUT_DAYS), tx.booking_date)
    paired = _paired_payouts(source.connection)
    partners = [
        line
        for line in StatementTransaction.objects.filter(
            source=provider,
            kind=LineKind.PAYOUT,
            amount=-tx.amount,
            currency=tx.currency,
            booking_date__range=window,
            payment_entry__kind=JournalEntry.Kind.TRANSFER,
        ).order_by("booking_date", "pk")
        if line.pk not in paired
    ]
    label = Text(
        "Payout from {provider} (recognised by “{pattern}”)",
        provider=provider.name,
        pattern=payout_pattern(provider),
    )
    if not partners and not payout_recognised(tx, provider, text=False):
        return 0  # named only in the text: maybe a customer's payment; the engine decides
    if not partners:
        return _set_aside(
            tx,
            State.IGNORED,
            Text(
                "{label}: no booked payout of {provider} over {amount} in the {days} days "
                "before. Import {provider}'s statement (and set its transit account); the line "
                "is booked then.",
                label=label,
                provider=provider.name,
                amount=Money(tx.amount, tx.currency),
                days=PAYOUT_DAYS,
            ),
        )
    named = [line for line in partners if _payout_number(line) in tx.remittance]
    partners = named or partners  # the bank's text naming the payout's id decides
    distances = [(tx.booking_date - line.booking_date).days for line in partners]
    nearest = [line for line, d in zip(partners, distances, strict=True) if d == min(distances)]
    if len(nearest) > 1:
        return _set_aside(
            tx,
            State.AMBIGUOUS,
            Text(
                "{label}: {count} payouts of {provider} over {amount} fit ({dates}); book the "
                "line by hand.",
                label=label,
                count=len(nearest),
                provider=provider.name,
                amount=Money(tx.amount, tx.currency),
                dates=all_of(line.booking_date for line in nearest),
            ),
        )
    partner = nearest[0]
    transit = provider.transit_account
    assert transit is not None  # the partner was booked through it
    posting = TransferPosting(
        connection_id=source.connection_id,
        day=tx.booking_date,
        amount=tx.amount,
        from_account=transit,
        to_account=source.ledger_account,
        transit_account=transit,
        number=_payout_number(partner),
        text=f"Auszahlung {provider.name}",
        reference=tx.key,
    )
    reason = Text(
        "{label} of {date} ({number}), booked transit {transit} → {account} (Geldtransit); the "
        "transit account is clear for this payout.",
        label=label,
        date=partner.booking_date,
        number=_payout_number(partner),
        transit=transit,
        account=source.ledger_account,
    )
    pairing = [{"documents": [], "kind": "payout", "payout_line": partner.pk, "reasons": []}]
    booked = _confirm_transfer(tx, posting, reason, now, candidates=pairing)
    if booked:
        partner.set_reason(
            Text(
                "Payout of {amount} to the bank, booked {account} → transit {transit} "
                "(Geldtransit); received on {date} on {source}, so the transit account is clear.",
                amount=Money(abs(partner.amount), partner.currency),
                account=provider.ledger_account,
                transit=transit,
                date=tx.booking_date,
                source=source.name,
            )
        )
        partner.save(update_fields=["reason", "texts", "updated_at"])
    return booked


# --- advance payments ---------------------------------------------------------------------


def payments_post_waiting(connection: Connection, *, now: datetime | None = None) -> int:
    """Post the payments confirmed before their invoice was booked (a prepayment order,
    Vorkasse) whose invoice is booked now; each once. Returns how many were posted."""
    now = now or timezone.now()
    waiting = StatementTransaction.objects.filter(
        source__connection=connection,
        confirmed_at__isnull=False,
        payment_entry__isnull=True,
        matched_document__isnull=False,
        amount__gt=0,
    ).exclude(kind__in=(LineKind.PAYOUT, LineKind.REVERSAL, LineKind.CHARGEBACK))
    ids = list(waiting.values_list("pk", "matched_document_id"))
    if not ids:
        return 0
    invoices = dict(
        DocumentBooking.objects.filter(
            document_id__in={document for _, document in ids},
            status=DocumentBooking.Status.BOOKED,
            entry__kind=JournalEntry.Kind.INVOICE,
        ).values_list("document_id", "entry_id")
    )
    returned = returned_lines(connection)
    posted = 0
    for pk, document in ids:
        if document in invoices and pk not in returned:
            posted += _post_waiting(pk, invoices[document], now)
    return posted


def _post_waiting(pk: int, invoice_id: int, now: datetime) -> int:
    with transaction.atomic():
        tx = StatementTransaction.objects.select_for_update().select_related("source").get(pk=pk)
        if tx.payment_entry_id is not None:
            return 0
        invoice = JournalEntry.objects.get(pk=invoice_id)
        try:
            entry, reason = payment_for_line(tx, invoice, now)
        except BookkeepingError as exc:
            tx.set_reason(
                Text(
                    "Confirmed before its invoice; booking it against {invoice} failed: {error}",
                    invoice=invoice.number,
                    error=message_of(exc),
                )
            )
            tx.save(update_fields=["reason", "texts", "updated_at"])
            return 0
        tx.payment_entry = entry
        booked = Text(
            "Advance payment (Vorkasse) confirmed before its invoice; booked when invoice "
            "{invoice} was booked.",
            invoice=invoice.number,
        )
        tx.set_reason(Text("{booked} {reason}", booked=booked, reason=reason) if reason else booked)
        tx.save(update_fields=["payment_entry", "reason", "texts", "updated_at"])
    return 1
