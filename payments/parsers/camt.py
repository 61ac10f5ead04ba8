"""ISO 20022 CAMT.052 (account report), CAMT.053 (statement) and CAMT.054 (debit/credit
notification), versions 001.02 to 001.08 and later.

Elements are matched by local name, so every version and the un-namespaced variant read alike;
the version is taken from the namespace (``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``).
The mapping of every field, and the decisions on charges, batches that do not add up and
reversals, are documented in ``docs/payments.md`` ("Statement formats → CAMT").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from connector.texts import Joined, Text

from .base import LineError, ParsedStatement
from .camt_details import (
    Entry,
    EntryError,
    bank_transaction_code,
    charges_included,
    parse_amount,
    read_tx_details,
)
from .camt_lines import drop_shared_references, lines_of_entry
from .errors import StatementFormatError, reason_of
from .xmlutil import Node, child, children, local_name, namespace, secure_events, text, to_node

WHAT = Text("CAMT statement")
# Message element → (format, element of one statement/report/notification)
MESSAGES = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrAcctRpt": ("camt.052", "Rpt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_NAMESPACE_VERSION = re.compile(r"camt\.(05[234])\.(\d{3}\.\d{2})")
STATUS_WORDS = {"BOOK": "booked", "PDNG": "pending", "INFO": "info", "FUTR": "future"}
OPENING_BALANCES = ("OPBD", "PRCD")
CLOSING_BALANCES = ("CLBD",)
# The elements the stream reader is told about; all else is read from their subtrees.
STREAMED = ["Document", *MESSAGES, "Stmt", "Rpt", "Ntfctn", "Ntry"]


def parse_camt(data: bytes) -> ParsedStatement:
    """Read a CAMT file; raise ``StatementFormatError`` when it is no CAMT at all."""
    reader = _Reader()
    for event, element in secure_events(data, WHAT, STREAMED):
        if event == "start":
            reader.start(element)
        elif event == "end":
            reader.end(element)
        elif reader.result is None:
            raise _not_camt(element)
    assert reader.result is not None
    reader.result.lines = drop_shared_references(reader.result.lines)
    return reader.result


def _not_camt(root: etree._Element) -> StatementFormatError:
    if local_name(root) != "Document":
        return StatementFormatError(
            Text(
                "The file is not a {what}: the XML begins with <{root}> instead of <Document>.",
                what=WHAT,
                root=local_name(root),
            )
        )
    names = tuple(f"<{local_name(c)}>" for c in root if local_name(c))
    if not names:
        return StatementFormatError(
            Text(
                "The file is not a {what}: the <Document> holds nothing instead of a statement "
                "(BkToCstmrStmt), an account report (BkToCstmrAcctRpt) or a notification "
                "(BkToCstmrDbtCdtNtfctn).",
                what=WHAT,
            )
        )
    return StatementFormatError(
        Text(
            "The file is not a {what}: the <Document> holds {names} instead of a statement "
            "(BkToCstmrStmt), an account report (BkToCstmrAcctRpt) or a notification "
            "(BkToCstmrDbtCdtNtfctn).",
            what=WHAT,
            names=Joined(names),
        )
    )


class _Reader:
    """Reads the event stream: the message, then each statement and its entries in turn."""

    def __init__(self) -> None:
        self.result: ParsedStatement | None = None
        self.message: etree._Element | None = None
        self.container = ""
        self.position = 0  # of the last entry, over the whole file
        self.number = 0  # of the current statement
        self.header_read = False
        self.skipped = 0  # entries of a statement for another account
        self.foreign_account = ""

    def start(self, element: etree._Element) -> None:
        name = local_name(element)
        parent = element.getparent()
        if self.result is None and name in MESSAGES:
            if parent is None or (local_name(parent) == "Document" and parent.getparent() is None):
                self._message(element, name)
        elif name == self.container and parent is self.message:
            self.number += 1
            self.header_read = False
            self.skipped = 0
            self.foreign_account = ""

    def end(self, element: etree._Element) -> None:
        name = local_name(element)
        parent = element.getparent()
        if name == "Ntry" and parent is not None and local_name(parent) == self.container:
            self._entry(element, parent)
        elif name == self.container and element.getparent() is self.message:
            self._statement_end(element)

    def _message(self, element: etree._Element, name: str) -> None:
        fmt, self.container = MESSAGES[name]
        self.message = element
        self.result = ParsedStatement(format=fmt, format_version=_version(element, fmt))

    def _header(self, statement: etree._Element) -> None:
        assert self.result is not None
        self.header_read = True
        header = to_node(statement, skip=frozenset({"Ntry"}))
        account = text(header, "Acct", "Id", "IBAN") or text(header, "Acct", "Id", "Othr", "Id")
        account = account.replace(" ", "").upper()
        if self.result.account_iban and account and account != self.result.account_iban:
            self.foreign_account = account
            return
        _read_statement_header(header, account, self.result)

    def _entry(self, element: etree._Element, statement: etree._Element) -> None:
        assert self.result is not None
        if not self.header_read:
            self._header(statement)
        self.position += 1
        if self.foreign_account:
            self.skipped += 1
        else:
            _read_entry_into(element, self.position, self.result)
        # The entry is read: drop it (and the ones before it) from lxml's tree.
        element.clear()
        while (previous := element.getprevious()) is not None and local_name(previous) == "Ntry":
            statement.remove(previous)

    def _statement_end(self, statement: etree._Element) -> None:
        assert self.result is not None
        if not self.header_read:
            self._header(statement)
        if self.foreign_account:
            count = self.skipped
            self.result.errors.append(
                LineError(
                    position=self.position - count + 1,
                    reason=self._foreign_statement(count),
                    raw=(statement.findtext("{*}Id") or "").strip(),
                )
            )
        statement.clear()

    def _foreign_statement(self, count: int) -> Text:
        assert self.result is not None
        if count == 1:
            return Text(
                "Statement {number} of the file belongs to the account {account}, but the file "
                "begins with the account {first}; its booking was not taken over. Import the "
                "statements of each account separately.",
                number=self.number,
                account=self.foreign_account,
                first=self.result.account_iban,
            )
        return Text(
            "Statement {number} of the file belongs to the account {account}, but the file "
            "begins with the account {first}; its {count} bookings were not taken over. Import "
            "the statements of each account separately.",
            number=self.number,
            account=self.foreign_account,
            first=self.result.account_iban,
            count=count,
        )


def _version(message: etree._Element, fmt: str) -> str:
    root = message.getroottree().getroot()
    candidates = [namespace(message), namespace(root), *(root.nsmap or {}).values()]
    for uri in candidates:
        match = _NAMESPACE_VERSION.search(uri or "")
        if match and f"camt.{match.group(1)}" == fmt:
            return match.group(2)
    return ""


def _read_statement_header(header: Node, account: str, result: ParsedStatement) -> None:
    first = not result.account_iban and not result.statement_id
    result.account_iban = result.account_iban or account
    balance_amount = child(header, "Bal", "Amt")
    result.account_currency = (
        result.account_currency
        or text(header, "Acct", "Ccy")
        or (balance_amount.get("Ccy") if balance_amount is not None else "")
    ).upper()
    statement_id = text(header, "Id")
    if statement_id:
        result.statement_id = (
            f"{result.statement_id}, {statement_id}" if result.statement_id else statement_id
        )
    opening, closing = _balances(header)
    if opening is not None and (first or result.opening_balance is None):
        result.opening_balance = opening
    if closing is not None:
        result.closing_balance = closing
    period_from = _date_or_none(child(header, "FrToDt"), "FrDtTm", "FrDt")
    period_to = _date_or_none(child(header, "FrToDt"), "ToDtTm", "ToDt")
    if period_from and (result.period_from is None or period_from < result.period_from):
        result.period_from = period_from
    if period_to and (result.period_to is None or period_to > result.period_to):
        result.period_to = period_to


def _balances(statement: Node) -> tuple[Decimal | None, Decimal | None]:
    opening: Decimal | None = None
    closing: Decimal | None = None
    for balance in children(statement, "Bal"):
        code = text(balance, "Tp", "CdOrPrtry", "Cd")
        try:
            amount = parse_amount(text(balance, "Amt"))
        except EntryError:
            continue
        if text(balance, "CdtDbtInd") == "DBIT":
            amount = -amount
        if code in OPENING_BALANCES and opening is None:
            opening = amount
        elif code in CLOSING_BALANCES:
            closing = amount
    return opening, closing


def _read_entry_into(element: etree._Element, position: int, result: ParsedStatement) -> None:
    try:
        entry = _read_entry(to_node(element), result.account_currency)
    except EntryError as exc:
        result.errors.append(LineError(position, reason_of(exc), _shorten(element)))
        return
    if not result.account_currency:
        result.account_currency = entry.currency
    lines, problem = lines_of_entry(entry)
    result.lines.extend(lines)
    if problem:
        result.errors.append(LineError(position, problem, _shorten(element)))


def _read_entry(element: Node, account_currency: str) -> Entry:
    amount_text = text(element, "Amt")
    if not amount_text:
        raise EntryError(Text("The booking has no amount (<Amt>); it was not taken over."))
    amount = parse_amount(amount_text)
    amount_element = child(element, "Amt")
    currency = ((amount_element.get("Ccy") if amount_element is not None else "") or "").upper()
    currency = currency or account_currency
    if not currency:
        raise EntryError(
            Text("The amount of the booking has no currency (Ccy); it was not taken over.")
        )
    indicator = text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise EntryError(
            Text(
                "The booking is marked neither as a credit (CRDT) nor as a debit (DBIT) "
                '("{mark}"); it was not taken over.',
                mark=indicator,
            )
        )
    booking = _date_or_none(child(element, "BookgDt"), "Dt", "DtTm", required="booking")
    value = _date_or_none(child(element, "ValDt"), "Dt", "DtTm", required="value")
    if booking is None and value is None:
        raise EntryError(
            Text("The booking has neither a booking date nor a value date; it was not taken over.")
        )
    details = [
        read_tx_details(tx, currency)
        for entry_details in children(element, "NtryDtls")
        for tx in children(entry_details, "TxDtls")
    ]
    return Entry(
        amount=amount,
        currency=currency,
        credit=indicator == "CRDT",
        reversal=text(element, "RvslInd").lower() in ("true", "1"),
        status=_status(element),
        booking_date=booking or value,  # type: ignore[arg-type]  # one is set, checked above
        value_date=value,
        reference=text(element, "AcctSvcrRef"),
        transaction_code=bank_transaction_code(child(element, "BkTxCd")),
        additional_info=text(element, "AddtlNtryInf"),
        details=details,
        charges=charges_included(element),
        raw=_entry_raw(element),
    )


def _status(element: Node) -> str:
    # camt.05x.001.02-07: <Sts>BOOK</Sts>; from 001.08: <Sts><Cd>BOOK</Cd></Sts>.
    code = text(element, "Sts", "Cd") or text(element, "Sts", "Prtry") or text(element, "Sts")
    return STATUS_WORDS.get(code.upper(), code.lower())


def _entry_raw(element: Node) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key, path in (
        ("entry_reference", ("NtryRef",)),
        ("batch_message_id", ("NtryDtls", "Btch", "MsgId")),
        ("batch_payment_information_id", ("NtryDtls", "Btch", "PmtInfId")),
        ("batch_number_of_transactions", ("NtryDtls", "Btch", "NbOfTxs")),
        ("proprietary_code", ("BkTxCd", "Prtry", "Cd")),
    ):
        value = text(element, *path)
        if value:
            raw[key] = value
    return raw


def _date_or_none(element: Node | None, *names: str, required: str = "") -> date | None:
    """The date of the first of ``names`` present (``Dt`` or ``DtTm``), or None when none is."""
    for name in names:
        value = text(element, name)
        if not value:
            continue
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            if not required:
                return None
            if required == "booking":
                raise EntryError(
                    Text(
                        'The booking date "{value}" is not a valid date; the booking was not '
                        "taken over.",
                        value=value,
                    )
                ) from None
            raise EntryError(
                Text(
                    'The value date "{value}" is not a valid date; the booking was not taken over.',
                    value=value,
                )
            ) from None
    return None


def _shorten(element: etree._Element, limit: int = 300) -> str:
    flat = " ".join(etree.tostring(element, encoding="unicode").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = ["parse_camt"]
