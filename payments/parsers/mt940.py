"""SWIFT MT940 account statements as German banks send them.

The tag grammar (``:61:`` statement lines, ``:60F:``/``:62F:`` balances) is read with the
mt-940 library's tag parsers; the file is cut into tags here, so that one unreadable
statement line becomes a ``LineError`` and the others go on. The German ``:86:`` field is
read here after the Deutsche Kreditwirtschaft's "Spezifikation der Datenformate", Anlage 3
(MT940 Mehrzweckfeld): a three-digit business transaction code (GVC), then ``?NN`` subfields:
``?00`` posting text, ``?10`` prima nota, ``?20``–``?29`` and ``?60``–``?63`` remittance
(27 characters each, holding the SEPA keywords ``EREF+``, ``KREF+``, ``MREF+``, ``CRED+``,
``SVWZ+``, ``ABWA+`` …), ``?30`` bank code/BIC, ``?31`` account/IBAN, ``?32``/``?33``
counterparty name and ``?34`` the return reason (Textschlüsselergänzung).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import mt940

from connector.texts import Text

from .base import LineError, LineKind, ParsedStatement, StatementLine
from .common import decode, shorten
from .errors import StatementFormatError, reason_of

FORMAT = "mt940"

_TAG = re.compile(r"^:\n?(?P<tag>[0-9]{2}|NS)(?P<sub>[A-Z])?:", re.MULTILINE)
_KNOWN_TAGS = {"13", "20", "21", "25", "28", "34", "60", "61", "62", "64", "65", "86", "90", "NS"}
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_SUBFIELD_WIDTH = 27  # ?20–?29, ?32/?33 and ?60–?63 are 27 characters wide
_SEPA_KEYWORD = re.compile(
    r"(?<![A-Za-z])(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT)\+"
)
# GVCs of returned transfers and direct debits (DK Anlage 3: 108 SEPA-Lastschrift
# Wiedergutschrift/Rückgabe, 109 SEPA-Basislastschrift Rückbelastung, 159 SEPA-Überweisung
# Retoure, 184 SEPA-Firmenlastschrift Rückbelastung) and of the bank's own charges
# (805 Abschluss, 808 Gebühren).
_RETURN_GVCS = {"108", "109", "159", "184"}
_FEE_GVCS = {"805", "808"}
_RETURN_WORDS = ("RETOURE", "RUECKLASTSCHRIFT", "RÜCKLASTSCHRIFT", "RUECKUEBERWEISUNG", "STORNO")

_STATEMENT_TAG = mt940.tags.Statement()
_BALANCE_TAG = mt940.tags.FinalOpeningBalance()


@dataclass
class _Tag:
    tag: str
    sub: str
    lines: list[str]
    line: int  # 1-based line of the file where the tag starts

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class _Entry:
    line: int
    raw61: str
    parsed: dict[str, Any] | None
    error: str
    currency: str
    account: str
    statement: str
    details: list[str] = field(default_factory=list)
    non_swift: list[str] = field(default_factory=list)


def parse_mt940(data: bytes) -> ParsedStatement:
    """One MT940 file (one or more statements) → ParsedStatement. Raises
    StatementFormatError when the file holds no MT940 statement at all."""
    tags = _tags(decode(data))
    if not any(t.tag == "61" for t in tags) and not any(t.tag == "20" for t in tags):
        raise StatementFormatError(
            Text("The file holds no MT940 statement (no :20: or :61: field).")
        )
    result = ParsedStatement(format=FORMAT)
    reader = _Reader(result)
    for tag in tags:
        reader.feed(tag)
    reader.finish()
    booked = [line.booking_date for line in result.lines]
    if booked:
        result.period_from, result.period_to = min(booked), max(booked)
    return result


def _tags(text: str) -> list[_Tag]:
    """The file cut at its tags; SWIFT envelope lines (``{1:…}``, ``-}``, ``-``) dropped."""
    lines = [line.replace("\r", "").rstrip() for line in text.split("\n")]
    cleaned = "\n".join(lines)
    starts = [m for m in _TAG.finditer(cleaned) if m["tag"] in _KNOWN_TAGS]
    tags = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(cleaned)
        body = cleaned[match.end() : end].split("\n")
        kept = [part for part in body if part.strip() and not _envelope(part)]
        line = cleaned.count("\n", 0, match.start()) + 1
        tags.append(_Tag(match["tag"], match["sub"] or "", kept, line))
    return tags


def _envelope(line: str) -> bool:
    stripped = line.strip()
    return stripped in {"-", "-}"} or stripped.startswith(("{", "-}"))


class _Reader:
    """Walks the tags of a file, statement by statement."""

    def __init__(self, result: ParsedStatement) -> None:
        self.result = result
        self.account = ""
        self.statement = ""
        self.currency = ""
        self.accounts: list[str] = []
        self.statement_ids: list[str] = []
        self.entry: _Entry | None = None

    def feed(self, tag: _Tag) -> None:
        if tag.tag in {"20", "61", "62"}:
            self._close_entry()
        if tag.tag == "20":
            self.currency = ""
        elif tag.tag == "25":
            self._account(tag)
        elif tag.tag == "28":
            self.statement = tag.text
            if tag.text and tag.text not in self.statement_ids:
                self.statement_ids.append(tag.text)
        elif tag.tag == "60":
            balance = self._balance(tag)
            if balance is not None and self.result.opening_balance is None:
                self.result.opening_balance = balance
        elif tag.tag == "62":
            balance = self._balance(tag)
            if balance is not None:
                self.result.closing_balance = balance
        elif tag.tag == "61":
            self.entry = self._entry(tag)
        elif tag.tag == "86" and self.entry is not None:
            self.entry.details.extend(tag.lines)
        elif tag.tag == "NS" and self.entry is not None:
            self.entry.non_swift.extend(tag.lines)

    def finish(self) -> None:
        self._close_entry()
        if len(self.statement_ids) > 1:
            self.result.statement_id = f"{self.statement_ids[0]} – {self.statement_ids[-1]}"
        elif self.statement_ids:
            self.result.statement_id = self.statement_ids[0]

    def _account(self, tag: _Tag) -> None:
        self.account = tag.text
        compact = self.account.replace(" ", "").upper()
        if not self.accounts:
            if _IBAN.fullmatch(compact):
                self.result.account_iban = compact
            else:
                self.result.account_number = self.account
        if self.account not in self.accounts:
            self.accounts.append(self.account)
            if len(self.accounts) == 2:
                self.result.errors.append(
                    LineError(
                        tag.line,
                        Text(
                            "This file holds statements of several accounts ({first} and "
                            "{second}); the account of the file is the first one. Import each "
                            "account's statements into its own source.",
                            first=self.accounts[0],
                            second=self.account,
                        ),
                        shorten(tag.text),
                    )
                )

    def _balance(self, tag: _Tag) -> Decimal | None:
        try:
            match = _BALANCE_TAG.re.match(tag.text)
            if match is None:
                raise ValueError(Text("it does not follow the layout C/D, date, currency, amount"))
            parsed = match.groupdict()
            amount = _decimal(parsed["amount"] or "")
        except ValueError as exc:
            self.result.errors.append(
                LineError(
                    tag.line,
                    Text(
                        "The balance :{tag}: cannot be read ({reason}).",
                        tag=f"{tag.tag}{tag.sub}",
                        reason=reason_of(exc),
                    ),
                )
            )
            return None
        self.currency = (parsed["currency"] or "").upper()
        if not self.result.account_currency:
            self.result.account_currency = self.currency
        return -amount if (parsed["status"] or "").upper() == "D" else amount

    def _entry(self, tag: _Tag) -> _Entry:
        text = tag.text
        entry = _Entry(tag.line, text, None, "", self.currency, self.account, self.statement)
        # The library's pattern, matched here: its parse() logs every miss as an error.
        match = _STATEMENT_TAG.re.match(text)
        if match:
            entry.parsed = match.groupdict()
        else:
            entry.error = Text(
                "The statement line (:61:) does not follow the MT940 layout "
                "(date, C/D mark, amount, transaction type)."
            )
        return entry

    def _close_entry(self) -> None:
        entry, self.entry = self.entry, None
        if entry is None:
            return
        try:
            if entry.error:
                raise ValueError(entry.error)
            self.result.lines.append(_line(entry))
        except ValueError as exc:
            self.result.errors.append(LineError(entry.line, reason_of(exc), shorten(entry.raw61)))


def _decimal(text: str) -> Decimal:
    if not re.fullmatch(r"\d+(,\d*)?", text):
        raise ValueError(Text("{text} is not an MT940 amount", text=repr(text)))
    try:
        return Decimal(text.replace(",", ".").rstrip("."))
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise ValueError(Text("{text} is not an MT940 amount", text=repr(text))) from None


def _day(year: str, month: str, day: str) -> date:
    try:
        parsed = mt940.models.Date(year=year, month=month, day=day)
    except ValueError:
        raise ValueError(
            Text(
                "The date {date} of the statement line does not exist.",
                date=f"{day}.{month}.{year}",
            )
        ) from None
    return date(parsed.year, parsed.month, parsed.day)


def _line(entry: _Entry) -> StatementLine:
    p = entry.parsed or {}
    if not entry.currency:
        raise ValueError(
            Text(
                "The statement names no currency (it has no opening balance :60F:), so the "
                "amount of this line cannot be read."
            )
        )
    mark = p["status"].upper()
    try:
        amount = _decimal(p["amount"])
    except ValueError:
        raise ValueError(
            Text(
                "The amount {amount} of the statement line is not a number.",
                amount=repr(p["amount"]),
            )
        ) from None
    if mark in {"D", "RC"}:  # RC: reversal of a credit, money leaves the account
        amount = -amount
    value_date = _day(p["year"], p["month"], p["day"])
    booking_date = value_date
    if (p.get("entry_month") or "").isdigit() and (p.get("entry_day") or "").isdigit():
        booking_date = _entry_date(value_date, p["entry_month"], p["entry_day"])
    details = parse_details(entry.details)
    customer_reference = (p.get("customer_reference") or "").strip()
    bank_reference = (p.get("bank_reference") or "").strip()
    return StatementLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=entry.currency,
        kind=_kind(mark, amount, details),
        counterparty_name=details.name,
        counterparty_iban=details.iban,
        counterparty_bic=details.bic,
        remittance=details.remittance,
        end_to_end_id=details.end_to_end_id,
        mandate_id=details.mandate_id,
        creditor_id=details.creditor_id,
        bank_reference="" if bank_reference.upper() == "NONREF" else bank_reference,
        return_reason=details.return_code,
        status="booked",
        transaction_code=details.gvc,
        raw={
            "account": entry.account,
            "statement": entry.statement,
            "61": entry.raw61,
            "86": "".join(entry.details),
            "mark": mark,
            "transaction_type": p.get("id") or "",
            "customer_reference": ""
            if customer_reference.upper() == "NONREF"
            else customer_reference,
            "extra_details": (p.get("extra_details") or "").strip(),
            "non_swift": "\n".join(entry.non_swift),
            **details.extra,
        },
    )


def _entry_date(value_date: date, month: str, day: str) -> date:
    """The booking date (MMDD) in the year that puts it nearest the value date: a line
    valued 31 Dec and booked 2 Jan is booked in the next year."""
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(date(year, int(month), int(day)))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(
            Text(
                "The booking date {date} of the statement line does not exist.",
                date=f"{day}.{month}.",
            )
        )
    return min(candidates, key=lambda d: abs((d - value_date).days))


def _kind(mark: str, amount: Decimal, details: Details) -> str:
    posting = details.extra.get("posting_text", "").upper()
    if mark.startswith("R"):
        return LineKind.REVERSAL
    if details.gvc in _RETURN_GVCS or details.return_code:
        return LineKind.REVERSAL
    if any(word in posting for word in _RETURN_WORDS):
        return LineKind.REVERSAL
    if details.gvc in _FEE_GVCS and amount < 0:
        return LineKind.FEE
    return LineKind.PAYMENT


@dataclass
class Details:
    """What a German ``:86:`` field says."""

    gvc: str = ""
    name: str = ""
    iban: str = ""
    bic: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    mandate_id: str = ""
    creditor_id: str = ""
    return_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_details(lines: list[str]) -> Details:
    """The ``:86:`` field (its lines as in the file) → Details. A field without the German
    ``?NN`` structure is all remittance."""
    joined = "".join(line.strip("\r") for line in lines)
    structured = re.match(r"(\d{3})(\D)", joined)
    if not structured:
        return Details(remittance=" ".join(" ".join(line.strip() for line in lines).split()))
    separator = structured[2]
    subfields: dict[str, list[str]] = {}
    order: list[tuple[str, str]] = []
    pattern = re.compile(re.escape(separator) + r"(\d{2})")
    matches = list(pattern.finditer(joined, structured.end() - 1))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(joined)
        value = joined[match.end() : end]
        subfields.setdefault(match[1], []).append(value)
        order.append((match[1], value))
    details = Details(gvc=structured[1])
    purpose = [value for code, value in order if "20" <= code <= "29" or "60" <= code <= "63"]
    _sepa(details, _join_fixed(purpose))
    details.name = " ".join(_join_fixed(subfields.get("32", []) + subfields.get("33", [])).split())
    account = "".join(subfields.get("31", [])).strip().replace(" ", "")
    bank = "".join(subfields.get("30", [])).strip().replace(" ", "")
    if _IBAN.fullmatch(account.upper()):
        details.iban = account.upper()
    elif account:
        details.extra["counterparty_account"] = account
    if _BIC.fullmatch(bank.upper()):
        details.bic = bank.upper()
    elif bank:
        details.extra["counterparty_bank_code"] = bank
    details.return_code = "".join(subfields.get("34", [])).strip()
    for code, name in (("00", "posting_text"), ("10", "prima_nota")):
        if code in subfields:
            details.extra[name] = "".join(subfields[code]).strip()
    return details


def _join_fixed(parts: list[str]) -> str:
    """Subfields of fixed width continue each other: a full one (27 characters) runs on into
    the next without a break (``…CRED+ A`` + ``B12…``), a shorter one ended its line (marked
    with a line break, so a SEPA value stops there)."""
    joined = ""
    for part in parts:
        joined += part
        if len(part) < _SUBFIELD_WIDTH:
            joined += "\n"
    return joined


def _sepa(details: Details, text: str) -> None:
    """Spread the SEPA keywords of the remittance over the fields they belong to."""
    matches = list(_SEPA_KEYWORD.finditer(text))
    free = [text[: matches[0].start()] if matches else text]
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end]
        if match[1] != "SVWZ":
            # Only the purpose runs on over line ends; other values end with their line.
            value, _, rest = value.partition("\n")
            free.append(rest)
        values.setdefault(match[1], " ".join(value.split()))
    remittance = values.get("SVWZ") or " ".join(" ".join(free).split())
    details.remittance = remittance
    eref = values.get("EREF", "")
    details.end_to_end_id = "" if eref.upper() == "NOTPROVIDED" else eref
    details.mandate_id = values.get("MREF", "")
    details.creditor_id = values.get("CRED", "")
    if not details.iban and _IBAN.fullmatch(values.get("IBAN", "").replace(" ", "")):
        details.iban = values["IBAN"].replace(" ", "")
    if not details.bic and _BIC.fullmatch(values.get("BIC", "")):
        details.bic = values["BIC"]
    for keyword, name in (
        ("KREF", "customer_reference_sepa"),
        ("ABWA", "ultimate_debtor"),
        ("ABWE", "ultimate_creditor"),
        ("DEBT", "debtor_id"),
        ("COAM", "compensation_amount"),
        ("OAMT", "original_amount"),
    ):
        if keyword in values:
            details.extra[name] = values[keyword]
    if matches and values.get("SVWZ") and any(part.strip() for part in free):
        details.extra["other_text"] = " ".join(" ".join(free).split())
