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


_DECODER = json.JSONDecoder(parse_float=Decimal)
_WS = re.compile(r"[ \t\n\r]*")


def loads_with_record_texts(text: str) -> tuple[Any, list[str] | None]:
    """Parse a response like ``loads`` and also return, for an envelope whose ``Data`` is a
    list, the exact JSON text of each record as sent.

    The record texts give each order a stable fingerprint (a hash of the bytes Billbee sent)
    and let the upload log keep the raw JSON verbatim, without serialising anything again.
    Any other shape returns ``(loads(text), None)``.
    """
    try:
        return _envelope_with_spans(text)
    except (IndexError, ValueError, _NotAnEnvelope):
        return loads(text), None


class _NotAnEnvelope(Exception):
    pass


def _skip(text: str, index: int) -> int:
    return _WS.match(text, index).end()  # type: ignore[union-attr]


def _envelope_with_spans(text: str) -> tuple[Any, list[str] | None]:
    index = _skip(text, 0)
    if text[index] != "{":
        raise _NotAnEnvelope
    index += 1
    envelope: dict[str, Any] = {}
    texts: list[str] | None = None
    index = _skip(text, index)
    if text[index] == "}":
        return envelope, None
    while True:
        if text[index] != '"':
            raise ValueError("expected a key")
        key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip(text, index)
        if text[index] != ":":
            raise ValueError("expected ':'")
        index = _skip(text, index + 1)
        if key == "Data" and text[index] == "[":
            records, texts, index = _array_with_spans(text, index + 1)
            envelope[key] = records
        else:
            envelope[key], index = _DECODER.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == "}":
            break
        if text[index] != ",":
            raise ValueError("expected ',' or '}'")
        index = _skip(text, index + 1)
    if _skip(text, index + 1) != len(text):
        raise ValueError("extra data after the envelope")
    return envelope, texts


def _array_with_spans(text: str, index: int) -> tuple[list[Any], list[str], int]:
    records: list[Any] = []
    texts: list[str] = []
    index = _skip(text, index)
    if text[index] == "]":
        return records, texts, index + 1
    while True:
        start = index
        record, index = _DECODER.raw_decode(text, index)
        records.append(record)
        texts.append(text[start:index])
        index = _skip(text, index)
        if text[index] == "]":
            return records, texts, index + 1
        if text[index] != ",":
            raise ValueError("expected ',' or ']'")
        index = _skip(text, index + 1)
