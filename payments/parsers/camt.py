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
from .errors import StatementFormatError
from .xmlutil import child, children, local_name, namespace, parse_xml_securely, text

WHAT = "CAMT-Kontoauszug"
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


def parse_camt(data: bytes) -> ParsedStatement:
    """Read a CAMT file; raise ``StatementFormatError`` when it is no CAMT at all."""
    root = parse_xml_securely(data, WHAT)
    message = root if local_name(root) in MESSAGES else _message_of(root)
    fmt, container = MESSAGES[local_name(message)]
    result = ParsedStatement(format=fmt, format_version=_version(root, message, fmt))
    position = 0
    for number, statement in enumerate(children(message, container), start=1):
        position = _read_statement(statement, number, position, result)
    result.lines = drop_shared_references(result.lines)
    return result


def _message_of(root: etree._Element) -> etree._Element:
    if local_name(root) != "Document":
        raise StatementFormatError(
            f"Die Datei ist kein {WHAT}: das XML beginnt mit <{local_name(root)}> statt "
            "mit <Document>."
        )
    for candidate in root:
        if local_name(candidate) in MESSAGES:
            return candidate
    names = ", ".join(f"<{local_name(c)}>" for c in root if local_name(c)) or "nichts"
    raise StatementFormatError(
        f"Die Datei ist kein {WHAT}: im <Document> steht {names} statt eines Kontoauszugs "
        "(BkToCstmrStmt), Kontoberichts (BkToCstmrAcctRpt) oder einer Avis "
        "(BkToCstmrDbtCdtNtfctn)."
    )


def _version(root: etree._Element, message: etree._Element, fmt: str) -> str:
    candidates = [namespace(message), namespace(root), *(root.nsmap or {}).values()]
    for uri in candidates:
        match = _NAMESPACE_VERSION.search(uri or "")
        if match and f"camt.{match.group(1)}" == fmt:
            return match.group(2)
    return ""


def _read_statement(
    statement: etree._Element, number: int, position: int, result: ParsedStatement
) -> int:
    account = text(statement, "Acct", "Id", "IBAN") or text(statement, "Acct", "Id", "Othr", "Id")
    account = account.replace(" ", "").upper()
    entries = list(children(statement, "Ntry"))
    if result.account_iban and account and account != result.account_iban:
        result.errors.append(
            LineError(
                position=position + 1,
                reason=(
                    f"Der {number}. Auszug der Datei gehört zum Konto {account}, die Datei "
                    f"beginnt aber mit dem Konto {result.account_iban}; "
                    + (
                        "seine Buchung wurde"
                        if len(entries) == 1
                        else f"seine {len(entries)} Buchungen wurden"
                    )
                    + " nicht übernommen. Bitte die Auszüge je Konto getrennt importieren."
                ),
                raw=text(statement, "Id"),
            )
        )
        return position + len(entries)
    _read_statement_header(statement, account, result)
    for entry_element in entries:
        position += 1
        _read_entry_into(entry_element, position, result)
    return position


def _read_statement_header(
    statement: etree._Element, account: str, result: ParsedStatement
) -> None:
    first = not result.account_iban and not result.statement_id
    result.account_iban = result.account_iban or account
    balance_amount = child(statement, "Bal", "Amt")
    result.account_currency = (
        result.account_currency
        or text(statement, "Acct", "Ccy")
        or (balance_amount.get("Ccy", "") if balance_amount is not None else "")
    ).upper()
    statement_id = text(statement, "Id")
    if statement_id:
        result.statement_id = (
            f"{result.statement_id}, {statement_id}" if result.statement_id else statement_id
        )
    opening, closing = _balances(statement)
    if opening is not None and (first or result.opening_balance is None):
        result.opening_balance = opening
    if closing is not None:
        result.closing_balance = closing
    period_from = _date_or_none(child(statement, "FrToDt"), "FrDtTm", "FrDt")
    period_to = _date_or_none(child(statement, "FrToDt"), "ToDtTm", "ToDt")
    if period_from and (result.period_from is None or period_from < result.period_from):
        result.period_from = period_from
    if period_to and (result.period_to is None or period_to > result.period_to):
        result.period_to = period_to


def _balances(statement: etree._Element) -> tuple[Decimal | None, Decimal | None]:
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
        entry = _read_entry(element, result.account_currency)
    except EntryError as exc:
        result.errors.append(LineError(position, str(exc), _shorten(element)))
        return
    if not result.account_currency:
        result.account_currency = entry.currency
    lines, problem = lines_of_entry(entry)
    result.lines.extend(lines)
    if problem:
        result.errors.append(LineError(position, problem, _shorten(element)))


def _read_entry(element: etree._Element, account_currency: str) -> Entry:
    amount_text = text(element, "Amt")
    if not amount_text:
        raise EntryError("Der Buchung fehlt der Betrag (<Amt>); sie wurde nicht übernommen.")
    amount = parse_amount(amount_text)
    amount_element = child(element, "Amt")
    currency = ((amount_element.get("Ccy") if amount_element is not None else "") or "").upper()
    currency = currency or account_currency
    if not currency:
        raise EntryError(
            "Der Betrag der Buchung hat keine Währung (Ccy); sie wurde nicht übernommen."
        )
    indicator = text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise EntryError(
            f"Die Buchung ist weder als Gutschrift (CRDT) noch als Lastschrift (DBIT) "
            f"gekennzeichnet (»{indicator}«); sie wurde nicht übernommen."
        )
    booking = _date_or_none(child(element, "BookgDt"), "Dt", "DtTm", required="Buchungsdatum")
    value = _date_or_none(child(element, "ValDt"), "Dt", "DtTm", required="Valutadatum")
    if booking is None and value is None:
        raise EntryError(
            "Die Buchung hat weder Buchungs- noch Valutadatum; sie wurde nicht übernommen."
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


def _status(element: etree._Element) -> str:
    # camt.05x.001.02-07: <Sts>BOOK</Sts>; from 001.08: <Sts><Cd>BOOK</Cd></Sts>.
    code = text(element, "Sts", "Cd") or text(element, "Sts", "Prtry") or text(element, "Sts")
    return STATUS_WORDS.get(code.upper(), code.lower())


def _entry_raw(element: etree._Element) -> dict[str, Any]:
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


def _date_or_none(element: etree._Element | None, *names: str, required: str = "") -> date | None:
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
            raise EntryError(
                f"Das {required} »{value}« ist kein gültiges Datum; die Buchung wurde nicht "
                "übernommen."
            ) from None
    return None


def _shorten(element: etree._Element, limit: int = 300) -> str:
    flat = " ".join(etree.tostring(element, encoding="unicode").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = ["parse_camt"]
