"""Reading a bank or payment-provider statement into a source: parse, check the account,
key every line, store the new ones.

One statement is one database transaction, and imports into one source run one after the
other (a row lock on the source): a second import of the same file, or of a statement that
overlaps an earlier one, adds no line. A line the parser could not read, or one that does not
fit (an amount beyond the ledger's range), is kept with its reason in the statement's errors
and the other lines go on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DataError, transaction
from django.utils.translation import gettext as _
from stdnum import iban as stdnum_iban

from connector.texts import Text, data_of

from .. import parsers
from ..errors import StatementRefused
from ..keys import line_keys
from ..models import PaymentSource, Statement, StatementTransaction
from ..parsers.base import LineError, ParsedStatement, StatementLine
from ..parsers.csv_mapped import MappingError, parse_csv
from ..parsers.errors import said_of

FORMATS = ("camt053", "camt052", "camt054", "mt940", "paypal", "stripe", "csv")
LOOKUP_CHUNK = 2000
# Rows per INSERT: within PostgreSQL's 65,535 parameters even where Django cannot send arrays.
INSERT_ROWS = 2000
_AMOUNT_FIELD = StatementTransaction._meta.get_field("amount")


@dataclass
class LineOutcome:
    """One line of the preview: new, known (stored already) or error, with the reason."""

    position: int
    outcome: str
    reason: str = ""
    line: StatementLine | None = None
    raw: str = ""


@dataclass
class StatementImportResult:
    source: str
    format: str
    file_name: str
    lines: int = 0
    new: int = 0
    known: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[LineOutcome] = field(default_factory=list)
    statement_id: int | None = None
    account_iban: str = ""
    statement_ref: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file_name,
            "format": self.format,
            "statement_id": self.statement_id,
            "statement": self.statement_ref,
            "account_iban": self.account_iban,
            "lines": self.lines,
            "new": self.new,
            "known": self.known,
            "errors": self.errors,
        }


@dataclass
class _Prepared:
    parsed: ParsedStatement
    keyed: list[tuple[int, str, StatementLine]]
    errors: list[LineError]


def statement_parse(
    source: PaymentSource, data: bytes, *, format: str | None = None
) -> ParsedStatement:
    """The file read in ``format`` (the source's format, else recognised from the file)."""
    chosen = format or source.statement_format
    if chosen is not None and chosen not in FORMATS:
        raise StatementRefused(
            _("%(format)r is not a known format (%(formats)s).")
            % {"format": chosen, "formats": ", ".join(FORMATS)}
        )
    if chosen == "csv":
        if not source.csv_mapping:
            raise StatementRefused(
                _(
                    "%(account)s has no CSV column mapping: set it on the account's page "
                    "before importing a CSV file."
                )
                % {"account": source.name}
            )
        try:
            return parse_csv(data, source.csv_mapping)
        except MappingError as exc:
            raise StatementRefused(
                _("The file does not fit the CSV mapping: %(why)s") % {"why": said_of(exc)}
            ) from None
    try:
        parsed: ParsedStatement = parsers.parse_statement(data, format=chosen)
    except ValueError as exc:
        raise StatementRefused(
            _("The file cannot be read: %(why)s") % {"why": said_of(exc)}
        ) from None
    return parsed


def _check_account(source: PaymentSource, parsed: ParsedStatement) -> None:
    if not parsed.account_iban or not source.iban:
        return
    theirs = stdnum_iban.compact(parsed.account_iban)
    if theirs != stdnum_iban.compact(source.iban):
        raise StatementRefused(
            _(
                "The file is a statement of the account %(theirs)s, not of %(account)s "
                "(%(ours)s). Import it into the account it belongs to, or correct the IBAN of "
                "this account. Nothing was imported."
            )
            % {
                "theirs": stdnum_iban.format(theirs),
                "account": source.name,
                "ours": stdnum_iban.format(source.iban),
            }
        )


def _line_problem(line: StatementLine) -> str:
    """Why a parsed line cannot be stored ("" when it can)."""
    if len(line.currency) != 3 or not line.currency.isalpha():
        return Text(
            "The currency {currency} is not an ISO code like EUR.", currency=repr(line.currency)
        )
    for name in ("amount", "gross", "fee"):
        value = getattr(line, name)
        if value is None:
            continue
        what = _AMOUNT_NAMES[name]
        if not isinstance(value, Decimal) or not value.is_finite():
            return Text("The {what} {value} is not a number.", what=what, value=repr(value))
        if value != value.quantize(Decimal("0.01")):
            return Text(
                "The {what} {value} has more than two decimal places.", what=what, value=str(value)
            )
        try:
            _AMOUNT_FIELD.exact(value)  # type: ignore[attr-defined]
        except DataError:
            return Text(
                "The {what} {value} is larger than any amount the ledger can hold.",
                what=what,
                value=str(value),
            )
    return ""


_AMOUNT_NAMES = {"amount": Text("amount"), "gross": Text("gross"), "fee": Text("fee")}


def _prepare(source: PaymentSource, data: bytes, format: str | None) -> _Prepared:
    parsed = statement_parse(source, data, format=format)
    _check_account(source, parsed)
    errors = list(parsed.errors)
    good: list[tuple[int, StatementLine]] = []
    for position, line in enumerate(parsed.lines, start=1):
        problem = _line_problem(line)
        if problem:
            raw = json.dumps(line.raw, default=str, ensure_ascii=False)[:300]
            errors.append(LineError(position, problem, raw))
        else:
            good.append((position, line))
    keys = line_keys(line for _, line in good)
    keyed = [(pos, key, line) for (pos, line), key in zip(good, keys, strict=True)]
    return _Prepared(parsed, keyed, errors)


def _known_keys(source: PaymentSource, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        known.update(
            StatementTransaction.objects.filter(source=source, key__in=chunk).values_list(
                "key", flat=True
            )
        )
    return known


def _result(
    source: PaymentSource, prepared: _Prepared, known: set[str], file_name: str
) -> StatementImportResult:
    parsed = prepared.parsed
    result = StatementImportResult(
        source=source.name,
        format=parsed.format,
        file_name=file_name,
        account_iban=parsed.account_iban,
        statement_ref=parsed.statement_id,
    )
    for position, key, line in prepared.keyed:
        if key in known:
            result.known += 1
            result.outcomes.append(LineOutcome(position, "known", "stored already", line))
        else:
            result.new += 1
            result.outcomes.append(LineOutcome(position, "new", "", line))
    for error in prepared.errors:
        result.errors.append({"position": error.position, "reason": error.reason, "raw": error.raw})
        result.outcomes.append(LineOutcome(error.position, "error", error.reason, raw=error.raw))
    result.outcomes.sort(key=lambda o: (o.position, o.outcome))
    result.lines = result.new + result.known + len(prepared.errors)
    return result


def _with_data(error: dict[str, Any]) -> dict[str, Any]:
    """A broken line as stored: with its reason's data, to say it in the reader's language."""
    data = data_of(error["reason"])
    return {**error, "reason_data": data} if data is not None else error


def statement_preview(
    source: PaymentSource, data: bytes, *, filename: str = "", format: str | None = None
) -> StatementImportResult:
    """What an import would do, line by line; writes nothing."""
    prepared = _prepare(source, data, format)
    known = _known_keys(source, [key for _position, key, _line in prepared.keyed])
    return _result(source, prepared, known, filename)


def statement_import(
    source: PaymentSource, data: bytes, *, filename: str = "", format: str | None = None
) -> StatementImportResult:
    """Store the file's new lines (state "new") and the statement with its counts and errors.

    Raises ``StatementRefused`` (nothing written) when the file cannot be read, does not fit
    the source's CSV mapping, or is a statement of another account."""
    if not source.is_active:
        raise StatementRefused(
            _("%(account)s is switched off: activate it to import into it.")
            % {"account": source.name}
        )
    prepared = _prepare(source, data, format)
    parsed = prepared.parsed
    with transaction.atomic():
        # One import per source at a time: the second waits and then finds the first's keys.
        PaymentSource.objects.select_for_update().filter(pk=source.pk).exists()
        known = _known_keys(source, [key for _position, key, _line in prepared.keyed])
        result = _result(source, prepared, known, filename)
        statement = Statement.objects.create(
            source=source,
            file_name=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            format=parsed.format,
            account_iban=parsed.account_iban,
            statement_id=parsed.statement_id[:140],
            period_from=parsed.period_from,
            period_to=parsed.period_to,
            opening_balance=parsed.opening_balance,
            closing_balance=parsed.closing_balance,
            line_count=result.lines,
            new_count=result.new,
            known_count=result.known,
            error_count=len(result.errors),
            errors=[_with_data(error) for error in result.errors],
        )
        new = [keyed for keyed in prepared.keyed if keyed[1] not in known]
        # The rows of one INSERT at a time: 50,000 model instances at once would take
        # about a hundred megabytes.
        for start in range(0, len(new), INSERT_ROWS):
            StatementTransaction.objects.bulk_create(
                [
                    _row(source, statement, position, key, line)
                    for position, key, line in new[start : start + INSERT_ROWS]
                ]
            )
    result.statement_id = statement.pk
    return result


def _row(
    source: PaymentSource, statement: Statement, position: int, key: str, line: StatementLine
) -> StatementTransaction:
    return StatementTransaction(
        source=source,
        statement=statement,
        key=key,
        position=position,
        booking_date=line.booking_date,
        value_date=line.value_date,
        amount=line.amount,
        currency=line.currency.upper(),
        kind=line.kind[:10],
        counterparty_name=line.counterparty_name[:200],
        counterparty_iban=line.counterparty_iban[:34],
        counterparty_bic=line.counterparty_bic[:11],
        remittance=line.remittance,
        end_to_end_id=line.end_to_end_id[:140],
        mandate_id=line.mandate_id[:140],
        creditor_id=line.creditor_id[:140],
        bank_reference=line.bank_reference[:140],
        related_reference=line.related_reference[:140],
        gross=line.gross,
        fee=line.fee,
        return_reason=line.return_reason[:140],
        status=line.status[:40],
        transaction_code=line.transaction_code[:40],
        raw=json.loads(json.dumps(line.raw, default=str)),
    )
