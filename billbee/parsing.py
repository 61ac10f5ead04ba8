"""Lenient conversion of Billbee wire values into Python values.

Billbee timestamps are ISO-8601 without offset, 0–3 fraction digits, trailing zeros dropped
(billbee-api.md §1.6). They are read as wall-clock time in one configured zone (the
connection's, default Europe/Berlin). During the autumn DST change a wall-clock time occurs
twice; the first occurrence (summer time, ``fold=0``) is taken. A time inside the spring gap
does not exist; Python maps it to the offset before the change, which is what Billbee's
servers would have stored for a clock that had not moved yet.

The result is an aware datetime **in UTC**: an ambiguous wall-clock time kept in its zone is
an "exceptional" value that Python never considers equal to any instant of another zone
(PEP 495), which would make comparisons and de-duplication silently wrong on DST nights.
Convert with ``.astimezone(connection zone)`` for calendar days and display.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sentences import Text

from .errors import BillbeeDataError

# .NET's default(DateTime): a non-nullable date that was never set.
_DOTNET_MIN_YEAR = 1

# The largest amount the upload log and the journal can hold (18 digits, 4 of them after the
# decimal point). Billbee amounts are .NET decimals, which go up to 7.9E+28: a value beyond
# this is garbage, refused when it is read, so that it is never stored (SQLite would keep it,
# and every page reading it back would fail).
AMOUNT_LIMIT = Decimal("1E14")


def parse_datetime(value: Any, tz: ZoneInfo, field: str = "") -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _not_a_time(value, field) from exc
    else:
        raise _not_a_time(value, field)
    if parsed.year == _DOTNET_MIN_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def parse_decimal(value: Any, field: str = "") -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return checked_amount(value, field)
    if isinstance(value, bool):
        raise _not_a_number(value, field)
    if isinstance(value, int):
        return checked_amount(Decimal(value), field)
    if isinstance(value, float):
        # Only reachable when someone parsed without parse_float=Decimal; repr keeps the
        # shortest exact decimal form of the float.
        return checked_amount(Decimal(repr(value)), field)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise _not_a_number(value, field) from exc
        if result.is_finite():
            return checked_amount(result, field)
    raise _not_a_number(value, field)


def checked_amount(value: Decimal, field: str = "") -> Decimal:
    """``value`` when a document can hold it; else ``BillbeeDataError`` in a sentence."""
    if value.is_finite() and -AMOUNT_LIMIT < value < AMOUNT_LIMIT:
        return value
    if not value.is_finite():
        raise BillbeeDataError(
            Text("{field}: {value} is not a number", field=field or "amount", value=str(value)),
            field=field,
        )
    raise BillbeeDataError(
        Text(
            "{field} is {value}, beyond any amount a document can hold (at most 14 digits "
            "before the decimal point)",
            field=field or "amount",
            value=str(value),
        ),
        field=field,
    )


def parse_int(value: Any, field: str = "") -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _not_an_integer(value, field)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise _not_an_integer(value, field)


# A value Billbee sent that is not what its field holds: stored as the document's reason, and
# said in the reader's language.


def _not_a_time(value: Any, field: str) -> BillbeeDataError:
    name = field or "timestamp"
    text = Text("{field}: {value} is not a date/time", field=name, value=repr(value))
    return BillbeeDataError(text, field=field)


def _not_a_number(value: Any, field: str) -> BillbeeDataError:
    text = Text("{field}: {value} is not a number", field=field or "amount", value=repr(value))
    return BillbeeDataError(text, field=field)


def _not_an_integer(value: Any, field: str) -> BillbeeDataError:
    text = Text("{field}: {value} is not an integer", field=field or "number", value=repr(value))
    return BillbeeDataError(text, field=field)


def parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def parse_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return str(value)


def format_datetime_param(value: datetime, tz: ZoneInfo) -> str:
    """A query-string timestamp in the same convention Billbee answers with: naive wall-clock
    time of the connection's zone, milliseconds always written (modifiedAtMin is exclusive, so
    precision matters)."""
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds")


def as_naive_local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value


ONE_MS = timedelta(milliseconds=1)
