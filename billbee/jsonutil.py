"""JSON that keeps Billbee's .NET decimals exact in both directions.

Billbee sends money as .NET ``decimal`` with up to 28 significant digits and trailing zeros
(``3498.6000000``, ``846.1929411764705882352941177``). Reading with ``parse_float=Decimal``
keeps every digit. Writing needs the same: the standard encoder cannot emit a ``Decimal`` as a
number, so it is first written as a marked string and the marks are removed afterwards (the C
encoder stays in use, which matters for the sandbox and for hashing 100k orders).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_MARK = "\x00bbdec:"
_MARKED = re.compile(r'"\\u0000bbdec:(-?[0-9][0-9.]*)"')


def loads(data: bytes | str) -> Any:
    """Parse Billbee JSON: floats become ``Decimal`` exactly as written, integers stay ``int``."""
    return json.loads(data, parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        # Fixed-point, never exponent notation, always with a decimal point: Json.NET writes
        # .NET decimals as 0.0000000 (not 0E-7) and 1.0 (not 1).
        text = format(value, "f")
        return _MARK + (text if "." in text else text + ".0")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(
    value: Any, *, sort_keys: bool = False, indent: int | None = None, ensure_ascii: bool = False
) -> str:
    """Serialise with ``Decimal`` values written as JSON numbers, digit for digit."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(
        value,
        default=_default,
        sort_keys=sort_keys,
        indent=indent,
        ensure_ascii=ensure_ascii,
        separators=separators,
    )
    return _MARKED.sub(r"\1", text)
