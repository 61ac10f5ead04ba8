"""The key a statement line is stored under, once per source.

Where the bank or provider gives its own id of the transaction (``bank_reference``), the key is
that id together with the line's kind and sign: a bank that gives a payment and its fee the
same reference keeps them as two lines, and so does a reversal of a payment. Otherwise the
key is a hash of the line's content (booking date, amount, currency, counterparty IBAN and
name, remittance text, end-to-end id, kind). Either is followed by the occurrence number of
that id or content within the file, so that two genuinely identical lines (two customers
paying the same amount with the same text on one day) both survive, while re-importing the
same file, or a statement that overlaps an earlier one, finds every key already stored.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from .parsers.base import StatementLine

MAX_KEY = 255


def _text(value: str) -> str:
    return " ".join(value.split())


def line_identity(line: StatementLine) -> str:
    """What identifies a line before its occurrence number is added."""
    sign = "-" if line.amount < 0 else "+"
    if line.bank_reference.strip():
        return f"ref:{line.kind}:{sign}:{_text(line.bank_reference)}"
    content = "\x1f".join(
        [
            line.booking_date.isoformat(),
            format(line.amount.normalize(), "f"),
            line.currency.upper(),
            line.counterparty_iban.replace(" ", "").upper(),
            _text(line.counterparty_name),
            _text(line.remittance),
            _text(line.end_to_end_id),
            line.kind,
        ]
    )
    return "sha:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def line_keys(lines: Iterable[StatementLine]) -> list[str]:
    """The keys of a file's lines, in their order: identity plus occurrence number."""
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        identity = line_identity(line)
        seen[identity] += 1
        key = f"{identity}#{seen[identity]}"
        if len(key) > MAX_KEY:
            digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
            key = f"ref-sha:{digest}#{seen[identity]}"
        keys.append(key)
    return keys
