"""Stored sentences (the Django-free ``sentences`` package) said in each reader's language.

A reason, a decision trace or a warning is stored in English with its template and values
beside it (``sentences.Text``, ``texts(...)``). This module says it again in the active
language: the catalogue's translation of the template, with that language's dates, amounts
and percentages (connector.formatting). ``said(english, data)`` falls back to the English text
when the data is missing (rows stored before) or does not give the stored English back (a
template changed since): a reader never sees a sentence other than the one stored, only its
translation. With no language active (the command line, the English exports) a stored
sentence stays exactly as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext

from sentences import (
    Data,
    Joined,
    Money,
    Percent,
    State,
    Text,
    data_of,
    load,
    message_of,
    texts,
    texts_of_reasons,
)

__all__ = [
    "Data",
    "Joined",
    "Money",
    "Percent",
    "State",
    "Text",
    "data_of",
    "load",
    "message_of",
    "render",
    "rendered",
    "said",
    "said_field",
    "said_list",
    "said_list_field",
    "stored_field",
    "stored_text",
    "texts",
    "texts_of_reasons",
]


def render(text: Text) -> str:
    """The sentence in the active language."""
    values = {k: _local(v) for k, v in text.params.items()}
    try:
        return gettext(text.template).format(**values)
    except (KeyError, IndexError, ValueError):  # a translation with other placeholders
        return text.template.format(**values)


def _local(value: Any) -> str:
    from connector import formatting

    if isinstance(value, Text):
        return render(value)
    if isinstance(value, datetime):
        return formatting.when(value)
    if isinstance(value, date):
        return formatting.day(value)
    if isinstance(value, Money):
        return formatting.money(value.amount, value.currency)
    if isinstance(value, Decimal):
        return formatting.money(value)
    if isinstance(value, Percent):
        return value.written(formatting.number(*value.number()))
    if isinstance(value, State):
        from connector.states import order_state_name

        return f"{value.number} {order_state_name(value.number)}"
    if isinstance(value, Joined):
        return value.separator.join(_local(v) for v in value.items)
    return str(value)


# ------------------------------------------------------------------ read back


def rendered(value: str) -> str:
    """A sentence just made, in the active language (a plain string as it is); as stored
    when no language is active."""
    if isinstance(value, Text) and get_language() is not None:
        return render(value)
    return value


def stored_text(english: str, data: Any) -> str:
    """The stored sentence ``english`` as its ``Text`` when ``data`` gives it back; else the
    English as stored (rows stored before their sentences' data, or a template changed since)."""
    text = load(data)
    return text if text is not None and str(text) == english else english


def said(english: str, data: Any) -> str:
    """The stored sentence ``english`` in the active language, when ``data`` gives it back."""
    return rendered(stored_text(english, data))


def said_list(english: Iterable[str], data: Any) -> list[str]:
    """Each stored sentence of a list in the active language (see ``said``)."""
    sentences = list(english or [])
    items = data if isinstance(data, list) and len(data) == len(sentences) else []
    if not items:
        return [str(s) for s in sentences]
    return [said(str(s), d) for s, d in zip(sentences, items, strict=True)]


def stored_field(row: object, name: str, store: str = "texts") -> str:
    """A row's stored sentence ``name`` as its ``Text`` when the row's data gives it back
    (see ``stored_text``); the row keeps the data of its sentences in its JSON field
    ``store``. To say it inside another sentence."""
    stored: Mapping[str, Any] = getattr(row, store, None) or {}
    return stored_text(getattr(row, name) or "", stored.get(name))


def said_field(row: object, name: str, store: str = "texts") -> str:
    """A row's stored sentence ``name`` in the active language (see ``stored_field``)."""
    return rendered(stored_field(row, name, store))


def said_list_field(row: object, name: str, store: str = "texts") -> list[str]:
    stored: Mapping[str, Any] = getattr(row, store, None) or {}
    return said_list(getattr(row, name) or [], stored.get(name))
