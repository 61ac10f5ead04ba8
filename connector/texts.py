"""Sentences stored for later readers, shown in each reader's language.

A reason, a decision trace or a warning is stored in English (the command line, the exports
and the logs read it as it is), and beside it the sentence's template and values, so that the
console can say it again in the reader's language with that language's dates and amounts.

``Text`` is a ``str``: its value is the English sentence, so code that only passes reasons on
keeps working. It also knows its template (English with ``{name}`` placeholders, the msgid in
the catalogues) and its values. ``texts(...)`` turns them into JSON to store beside the
English text; ``said(english, data)`` reads them back in the active language, and falls back
to the English text when the data is missing (rows stored before) or does not give the
stored English back (a template changed since): a reader never sees a sentence other than
the one stored, only its translation.

Values keep their type: a ``date``, a ``Decimal``, ``Money`` (amount and currency), a Billbee
order ``State``, ``Joined`` values, or another ``Text``. The English text writes them the way
the stored sentences always have (``01.10.2026``, ``-12.50``, ``12.50 EUR``, ``3 Paid``); a
translation writes them with connector.formatting.

The templates are collected by ``manage.py makemessages``, which knows ``Text`` as a keyword
(connector/management/commands/makemessages.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

Data = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}".strip()


@dataclass(frozen=True, slots=True)
class State:
    """A Billbee order state, written as its number and name ("3 Paid")."""

    number: int

    def __str__(self) -> str:
        from billbee.enums import order_state_label

        return f"{self.number} {order_state_label(self.number)}"


@dataclass(frozen=True, slots=True)
class Joined:
    items: tuple[Any, ...]
    separator: str = ", "

    def __str__(self) -> str:
        return self.separator.join(_english(v) for v in self.items)


# The instance dict's keys: the template's, and each value's name behind a mark, so that no
# value shadows a method of str (a value named "count" or "split").
_TEMPLATE = "\x00"
_VALUE = "\x01"


class Text(str):
    """An English sentence that knows its template and values.

    The template and the values live in the instance's one dict, made at once (the values'
    names marked, see _VALUE): the matching engine keeps some hundred thousand sentences at a
    time, and a second dict each would cost a third more."""

    def __new__(cls, template: str, /, **params: Any) -> Text:
        if not params:
            # A sentence without values is the same object every time (a Text is immutable):
            # matching and classifying make the same few sentences hundreds of thousands of
            # times.
            known = _CONSTANT.get(template)
            if known is None:
                known = _CONSTANT[template] = cls.written(template, template, {})
            return known
        # Every value writes itself as str() does, except dates (01.10.2026, not ISO).
        english_values = params
        for value in params.values():
            if isinstance(value, date):
                english_values = {k: _english(v) for k, v in params.items()}
                break
        return cls.written(template.format_map(english_values), template, params)

    @classmethod
    def written(cls, english: str, template: str, params: dict[str, Any]) -> Text:
        """A Text whose English is already written (by the VAT package's own Text)."""
        self = super().__new__(cls, english)
        marked = _MARKED
        stored = {marked.get(k) or _marked(k): v for k, v in params.items()}
        stored[_TEMPLATE] = template
        self.__dict__ = stored
        return self

    @property
    def template(self) -> str:
        return self.__dict__[_TEMPLATE]  # type: ignore[no-any-return]

    @property
    def params(self) -> dict[str, Any]:
        return {k[1:]: v for k, v in self.__dict__.items() if k != _TEMPLATE}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, self.params))

    def render(self) -> str:
        """The sentence in the active language."""
        values = {k: _local(v) for k, v in self.params.items()}
        try:
            return gettext(self.template).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation with other placeholders
            return self.template.format(**values)

    def data(self) -> Data:
        return {"t": self.template, "p": {k: _encode(v) for k, v in self.params.items()}}


_CONSTANT: dict[str, Text] = {}
_MARKED: dict[str, str] = {}


def _marked(name: str) -> str:
    """A value's key in a Text's dict, one string per name (not one per sentence)."""
    key = _MARKED.get(name)
    if key is None:
        key = _MARKED[name] = _VALUE + name
    return key


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def _english(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def _local(value: Any) -> str:
    from connector import formatting

    if isinstance(value, Text):
        return value.render()
    if isinstance(value, datetime):
        return formatting.when(value)
    if isinstance(value, date):
        return formatting.day(value)
    if isinstance(value, Money):
        return formatting.money(value.amount, value.currency)
    if isinstance(value, Decimal):
        return formatting.money(value)
    if isinstance(value, State):
        from connector.states import order_state_name

        return f"{value.number} {order_state_name(value.number)}"
    if isinstance(value, Joined):
        return value.separator.join(_local(v) for v in value.items)
    return str(value)


# ------------------------------------------------------------------ stored as JSON


# Values stored as they are; most values of a sentence are (order numbers, accounts): checked
# first, because booking and importing encode every sentence of every document.
_PLAIN = frozenset({str, int, bool, type(None)})


def _encode(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Text):
        return value.data()
    if isinstance(value, datetime):
        return {"when": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Money):
        return {"money": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, State):
        return {"state": value.number}
    if isinstance(value, Joined):
        return {"join": [_encode(v) for v in value.items], "separator": value.separator}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "t" in value:
        return load(value)
    if "when" in value:
        return datetime.fromisoformat(value["when"])
    if "date" in value:
        return date.fromisoformat(value["date"])
    if "money" in value:
        return Money(Decimal(value["money"]), value.get("currency", ""))
    if "decimal" in value:
        return Decimal(value["decimal"])
    if "state" in value:
        return State(int(value["state"]))
    if "join" in value:
        return Joined(tuple(_decode(v) for v in value["join"]), value.get("separator", ", "))
    raise ValueError(f"unknown stored value {value!r}")


def load(data: Any) -> Text | None:
    """The ``Text`` stored as ``data``; None when there is none or it cannot be read."""
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        return None
    try:
        params = {k: _decode(v) for k, v in (data.get("p") or {}).items()}
        return Text(data["t"], **params)
    except (KeyError, IndexError, ValueError, TypeError, InvalidOperation):
        return None


def data_of(value: Any) -> Data | None:
    """What to store beside an English text: its data when it is a ``Text``, else None."""
    return value.data() if isinstance(value, Text) else None


def texts(**fields: Any) -> Data:
    """The stored data of a row's sentences: per field a ``Text``'s data or, for a list of
    sentences, a list of them (None for a sentence without). Plain strings leave no data."""
    stored: Data = {}
    for name, value in fields.items():
        if isinstance(value, str):
            found = data_of(value)
            if found is not None:
                stored[name] = found
        elif isinstance(value, Iterable):
            items = [data_of(v) for v in value]
            if any(items):
                stored[name] = items
    return stored


def message_of(exc: BaseException) -> str:
    """An exception's message, as the ``Text`` it was raised with when it was one."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Text) else str(exc)


def texts_of_reasons(counts: Iterable[Iterable[str]]) -> Data:
    """Per counted reason (the keys of counters) that is a ``Text``: its data."""
    return {str(k): k.data() for counter in counts for k in counter if isinstance(k, Text)}


# ------------------------------------------------------------------ read back


def rendered(value: str) -> str:
    """A sentence just made, in the active language (a plain string as it is)."""
    return value.render() if isinstance(value, Text) else value


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


def said_field(row: object, name: str, store: str = "texts") -> str:
    """A row's stored sentence ``name`` in the active language; the row keeps the data of its
    sentences in its JSON field ``store``."""
    stored: Mapping[str, Any] = getattr(row, store, None) or {}
    return said(getattr(row, name) or "", stored.get(name))


def said_list_field(row: object, name: str, store: str = "texts") -> list[str]:
    stored: Mapping[str, Any] = getattr(row, store, None) or {}
    return said_list(getattr(row, name) or [], stored.get(name))
