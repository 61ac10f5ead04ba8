"""Stripe balance exports: the "balance change from activity" itemized report, the payout
reconciliation report (snake_case API report columns) and the Dashboard's balance history
export (title-case columns such as "Created (UTC)", "Amount", "Type").

One row is one balance transaction: amount = net (what moved the Stripe balance), with gross
and fee (negative) beside it; kind from ``reporting_category`` (else the Dashboard's "Type").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from connector.texts import Text

from .base import LineError, LineKind, ParsedStatement, StatementLine
from .common import booking_day, csv_rows, decode, parse_amount, shorten
from .errors import StatementFormatError, reason_of

FORMAT = "stripe"

_ALIASES = {
    "id": "balance_transaction_id",
    "created": "created_utc",
    "available_on": "available_on_utc",
    "amount": "gross",
    "source": "source_id",
    "type": "type",
}
_KINDS = {
    "charge": LineKind.PAYMENT,
    "payment": LineKind.PAYMENT,
    "refund": LineKind.REFUND,
    "refund_failure": LineKind.REFUND,
    "partial_capture_reversal": LineKind.REFUND,
    "dispute": LineKind.CHARGEBACK,
    "dispute_reversal": LineKind.CHARGEBACK,
    "payout": LineKind.PAYOUT,
    "payout_reversal": LineKind.PAYOUT,
    "topup": LineKind.PAYOUT,
    "topup_reversal": LineKind.PAYOUT,
    "fee": LineKind.FEE,
    "stripe_fee": LineKind.FEE,
    "network_cost": LineKind.FEE,
    "tax": LineKind.FEE,
}
_PAYMENT_ID = re.compile(r"(?:pi|ch|py)_\w+")


def parse_stripe(data: bytes) -> ParsedStatement:
    """A Stripe balance or payout reconciliation CSV → ParsedStatement (format "stripe").
    Raises StatementFormatError when the file is not such an export."""
    rows = csv_rows(decode(data))
    if not rows:
        raise StatementFormatError(Text("The file is empty."))
    header = [_column(cell) for cell in rows[0][1]]
    missing = [
        c for c in ("balance_transaction_id", "created_utc", "currency", "gross") if c not in header
    ]
    if missing or not ({"reporting_category", "type"} & set(header)):
        raise StatementFormatError(
            Text(
                "The file is not a Stripe balance export: it needs the columns "
                "balance_transaction_id (or id), created_utc (or created), currency, gross "
                "(or amount) and reporting_category (or type)."
            )
        )
    result = ParsedStatement(format=FORMAT)
    for position, cells in rows[1:]:
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        try:
            result.lines.append(_line(row))
        except ValueError as exc:
            result.errors.append(LineError(position, reason_of(exc), shorten(",".join(cells))))
    currencies = {line.currency for line in result.lines}
    if len(currencies) == 1:
        result.account_currency = currencies.pop()
    if result.lines:
        result.period_from = min(line.booking_date for line in result.lines)
        result.period_to = max(line.booking_date for line in result.lines)
    return result


def _column(cell: str) -> str:
    """``Created (UTC)`` → ``created_utc``; ``payment_metadata[order]`` stays as it is."""
    name = cell.replace("\ufeff", "").strip().strip('"')
    if name.startswith(("payment_metadata[", "metadata[")):
        return name
    name = re.sub(r"\s*\(utc\)", "_utc", name.lower()).replace(" ", "_")
    return _ALIASES.get(name, name)


def _line(row: dict[str, str]) -> StatementLine:
    transaction_id = row["balance_transaction_id"]
    if not transaction_id:
        raise ValueError(Text("The row has no balance transaction id."))
    currency = row["currency"].upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(
            Text(
                "The currency {currency} is not a three-letter ISO code.",
                currency=repr(row["currency"]),
            )
        )
    try:
        gross = parse_amount(row["gross"], ".")
        fee_column = parse_amount(row["fee"], ".") if row.get("fee") else Decimal(0)
        net = parse_amount(row["net"], ".") if row.get("net") else gross - abs(fee_column)
    except ValueError as exc:
        raise ValueError(
            Text("An amount of the row cannot be read: {reason}.", reason=reason_of(exc))
        ) from None
    fee = net - gross
    if abs(fee) != abs(fee_column):
        raise ValueError(
            Text(
                "Gross {gross}, fee {fee} and net {net} do not add up: net must be gross minus "
                "the fee.",
                gross=row["gross"],
                fee=str(row.get("fee")),
                net=str(row.get("net")),
            )
        )
    category = (row.get("reporting_category") or row.get("type") or "").lower()
    created = _moment(row["created_utc"], "created")
    available = row.get("available_on_utc", "")
    source = row.get("source_id", "")
    payment = row.get("payment_intent_id") or row.get("charge_id") or ""
    if not payment and _PAYMENT_ID.fullmatch(source):
        payment = source
    return StatementLine(
        booking_date=created.date(),
        value_date=_moment(available, "available on").date() if available else None,
        amount=net,
        currency=currency,
        kind=_KINDS.get(category, LineKind.OTHER),
        counterparty_name=row.get("customer_name", ""),
        remittance=_remittance(row),
        end_to_end_id=payment,
        bank_reference=transaction_id,
        related_reference=source,
        gross=gross,
        fee=fee,
        status="booked",
        transaction_code=category,
        raw=dict(row),
    )


def _remittance(row: dict[str, str]) -> str:
    """The description, then the payment's metadata (where shops put the order number)."""
    parts = [row.get("description", "")]
    for name, value in row.items():
        match = re.fullmatch(r"(?:payment_)?metadata\[(.+)\]", name)
        if match and value:
            parts.append(f"{match[1]}: {value}")
    return " ".join(" ".join(p for p in parts if p).split())


def _moment(text: str, what: str) -> datetime:
    """A UTC timestamp (``2026-01-23 08:26:29``, ISO, or Unix seconds) → the moment in the
    booking zone."""
    value = text.strip()
    try:
        if value.isdigit():
            moment = datetime.fromtimestamp(int(value), tz=UTC)
        else:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        if what == "created":
            raise ValueError(
                Text("The created time {text} cannot be read.", text=repr(text))
            ) from None
        raise ValueError(
            Text("The available on time {text} cannot be read.", text=repr(text))
        ) from None
    return booking_day(moment)
