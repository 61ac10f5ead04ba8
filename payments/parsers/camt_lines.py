"""From one CAMT entry to its statement lines: one per transaction detail of a batch.

The decisions (see ``docs/payments.md``, "Statement formats → CAMT"):

* An entry with at most one ``TxDtls`` is one line with the entry's amount (what moved on the
  account); a differing ``TxDtls`` amount is kept in ``raw`` only.
* A batch (several ``TxDtls``) becomes one line per detail with its own amount. When exactly
  one detail has no amount it gets the rest of the entry amount. When the amounts add up to
  something else than the entry, the lines are still produced (each detail's amount is what the
  bank says of that transaction) and the entry gets a ``LineError`` naming the difference.
  When the split is ambiguous (two or more details without amount, or a detail in another
  currency), the entry stays one line with the entry amount, and a ``LineError`` says why.
* Charges the bank took out of the amount (``Chrgs`` included in it) are the line's ``fee``
  (negative) with ``gross = amount - fee``; they are no separate line, so that the lines add up
  to the entries and to the balances.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from connector.texts import Joined, Money, Text

from .base import LineKind, StatementLine
from .camt_details import Entry, Party, TxDetails

# Bank transaction sub-families (ISO 20022 External Code Sets) that are the bank's own charges.
FEE_SUB_FAMILIES = {"CHRG", "FEES", "COMM"}


def lines_of_entry(entry: Entry) -> tuple[list[StatementLine], str]:
    """The lines of ``entry`` and, when something does not add up, a sentence saying what."""
    entry_amount = entry.amount if entry.credit else -entry.amount
    details = entry.details
    if len(details) <= 1:
        tx = details[0] if details else None
        reference = (tx.reference if tx else "") or entry.reference
        return [_line(entry, tx, entry_amount, reference)], ""
    amounts = [_signed(entry, tx) for tx in details]
    missing = [index for index, amount in enumerate(amounts) if amount is None]
    foreign = sorted({tx.currency for tx in details if tx.currency != entry.currency})
    if foreign or len(missing) > 1:
        return [_collective_line(entry, entry_amount)], _ambiguous(entry, foreign, len(missing))
    if missing:
        known = sum((amount for amount in amounts if amount is not None), Decimal(0))
        amounts[missing[0]] = entry_amount - known
    lines = [
        _line(entry, tx, amount, _batch_reference(entry, details, position), position)
        for position, (tx, amount) in enumerate(zip(details, amounts, strict=True), start=1)
        if amount is not None
    ]
    total = sum((line.amount for line in lines), Decimal(0))
    if total == entry_amount:
        return lines, ""
    return lines, Text(
        "The {count} single transactions of the batch booking add up to {total}, the booking "
        "itself is for {amount} (difference {difference}). The single transactions were taken "
        "over with their own amounts; check the bank's statement.",
        count=len(details),
        total=Money(total, entry.currency),
        amount=Money(entry_amount, entry.currency),
        difference=Money(entry_amount - total, entry.currency),
    )


def drop_shared_references(lines: list[StatementLine]) -> list[StatementLine]:
    """Lines whose bank reference another, different line of the file also carries lose it.

    Some banks give two bookings one ``AcctSvcrRef`` (a payment and its charge, or unrelated
    entries); keyed by it, the second would be taken for a copy of the first and vanish. The
    same booking listed twice (equal in every field) keeps it. The bank's value stays in
    ``raw["shared_bank_reference"]``.
    """
    by_reference: dict[str, list[StatementLine]] = {}
    for line in lines:
        if line.bank_reference:
            by_reference.setdefault(line.bank_reference, []).append(line)
    shared = {
        reference
        for reference, group in by_reference.items()
        if any(line != group[0] for line in group[1:])
    }
    return [
        replace(
            line, bank_reference="", raw={**line.raw, "shared_bank_reference": line.bank_reference}
        )
        if line.bank_reference in shared
        else line
        for line in lines
    ]


def _signed(entry: Entry, tx: TxDetails) -> Decimal | None:
    if tx.amount is None:
        return None
    credit = entry.credit if tx.credit is None else tx.credit
    return tx.amount if credit else -tx.amount


def _ambiguous(entry: Entry, foreign: list[str], missing: int) -> str:
    if foreign:
        return Text(
            "The batch booking over {amount} cannot be split unambiguously because it holds "
            "single transactions in another currency ({currencies}); it was taken over as one "
            "line over the whole amount.",
            amount=Money(entry.amount, entry.currency),
            currencies=Joined(tuple(foreign)),
        )
    return Text(
        "The batch booking over {amount} cannot be split unambiguously because it names no "
        "amount for {missing} single transactions; it was taken over as one line over the "
        "whole amount.",
        amount=Money(entry.amount, entry.currency),
        missing=missing,
    )


def _batch_reference(entry: Entry, details: list[TxDetails], position: int) -> str:
    # The detail's own AcctSvcrRef is its id only where it is unique within the batch (some
    # banks repeat the batch's reference on every detail); otherwise the entry's reference
    # with the position keeps the lines apart.
    own = details[position - 1].reference
    if own and sum(1 for tx in details if tx.reference == own) == 1:
        return own
    base = entry.reference or own
    return f"{base}/{position}" if base else ""


def _line(
    entry: Entry, tx: TxDetails | None, amount: Decimal, reference: str, position: int = 0
) -> StatementLine:
    credit = amount > 0 or (amount == 0 and entry.credit)
    party = _counterparty(entry, tx, credit)
    charges = tx.charges if tx is not None and tx.charges is not None else None
    if charges is None and position == 0:
        charges = entry.charges
    code = (tx.transaction_code if tx else "") or entry.transaction_code
    return StatementLine(
        booking_date=entry.booking_date,
        amount=amount,
        currency=entry.currency,
        kind=_kind(entry, tx, code),
        value_date=entry.value_date,
        counterparty_name=party.name or party.ultimate_name,
        counterparty_iban=party.iban,
        counterparty_bic=party.bic,
        # Without details the entry's own text (AddtlNtryInf) is all the bank says of it.
        remittance=tx.remittance if tx else ("" if entry.details else entry.additional_info),
        end_to_end_id=tx.end_to_end_id if tx else "",
        mandate_id=tx.mandate_id if tx else "",
        creditor_id=tx.creditor.creditor_id if tx else "",
        bank_reference=reference,
        gross=None if charges is None else amount - charges,
        fee=charges,
        return_reason=tx.return_reason if tx else "",
        status=entry.status,
        transaction_code=code,
        raw=_raw(entry, tx, party, position),
    )


def _collective_line(entry: Entry, amount: Decimal) -> StatementLine:
    remittances = dict.fromkeys(tx.remittance for tx in entry.details if tx.remittance)
    line = _line(entry, None, amount, entry.reference)
    raw = {**line.raw, "unsplit_batch": len(entry.details)}
    return replace(line, remittance=" ".join(remittances) or entry.additional_info, raw=raw)


def _counterparty(entry: Entry, tx: TxDetails | None, credit: bool) -> Party:
    # Money in comes from the debtor, money out goes to the creditor. A reversal or return
    # keeps the roles of the original payment, which went the other way: there the debtor of
    # a debit (the customer whose direct debit came back) is the counterparty. When the bank
    # names only the other side, that side is taken.
    if tx is None:
        return Party()
    if entry.reversal or tx.return_reason:
        credit = not credit
    first, second = (tx.debtor, tx.creditor) if credit else (tx.creditor, tx.debtor)
    return first or second if entry.reversal or tx.return_reason else first


def _kind(entry: Entry, tx: TxDetails | None, code: str) -> str:
    if entry.reversal or (tx is not None and tx.return_reason):
        return LineKind.REVERSAL
    parts = code.split("/")
    if len(parts) == 3 and parts[2] in FEE_SUB_FAMILIES:
        return LineKind.FEE
    return LineKind.PAYMENT


def _raw(entry: Entry, tx: TxDetails | None, party: Party, position: int) -> dict[str, Any]:
    raw: dict[str, Any] = dict(entry.raw)
    if entry.reference:
        raw["entry_account_servicer_reference"] = entry.reference
    if entry.additional_info:
        raw["additional_entry_info"] = entry.additional_info
    if position:
        raw["batch_position"] = position
    if tx is None:
        return raw
    for key, value in (
        ("transaction_id", tx.tx_id),
        ("instruction_id", tx.instruction_id),
        ("creditor_reference", tx.creditor_reference),
        ("additional_transaction_info", tx.additional_info),
        ("proprietary_code", tx.proprietary_code),
        ("counterparty_account", party.other_account),
        ("ultimate_party", party.ultimate_name),
    ):
        if value:
            raw[key] = value
    if tx.amount is not None and position == 0 and tx.amount != entry.amount:
        raw["transaction_amount"] = str(tx.amount)
    return raw
