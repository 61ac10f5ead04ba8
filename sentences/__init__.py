"""Sentences stored for later readers: English now, the reader's language later.

A reason, a decision trace or a warning is stored in English (the command line, the exports
and the logs read it as it is), and beside it the sentence's template and values, so that the
console can say it again in the reader's language with that language's dates and amounts.

``Text`` is a ``str``: its value is the English sentence, so code that only passes reasons on
keeps working. It also knows its template (English with ``{name}`` placeholders, the msgid in
the catalogues) and its values. ``texts(...)`` turns them into JSON to store beside the
English text, and ``load`` reads them back.

Values keep their type: a ``date``, a ``Decimal``, ``Money`` (amount and currency), a
``Percent``, a Billbee order ``State``, ``Joined`` values, or another ``Text``. The English
text writes them the way the stored sentences always have (``01.10.2026``, ``-12.50``,
``12.50 EUR``, ``25.5``, ``3 Paid``).

This module does not import Django: the Billbee client and the VAT logic, which run without
it, write their sentences here too. Saying a sentence in the reader's language
(``Text.render``, ``said``) is Django's part, in connector/texts.py. The templates are
collected by ``manage.py makemessages``, which knows ``Text`` as a keyword
(connector/management/commands/makemessages.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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


@dataclass(frozen=True, slots=True)
class Percent:
    """A percentage, e.g. a VAT rate: its number as few places as it needs (19, 25.5), or
    ``places`` fixed; ``sign`` adds the "%", else the template writes it ("{rate} %")."""

    value: Decimal
    places: int | None = None
    sign: bool = False

    def number(self) -> tuple[Decimal, int]:
        """The number to write and its places after the decimal point."""
        if self.places is None:
            number = self.value.normalize()
            exponent = number.as_tuple().exponent
            return number, -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self.value.quantize(Decimal(1).scaleb(-self.places)), self.places

    def written(self, number: str) -> str:
        return f"{number} %" if self.sign else number

    def __str__(self) -> str:
        number, places = self.number()
        return self.written(f"{number:.{places}f}")


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
        """The sentence in the active language (Django's catalogues and formats, which this
        module does not import: connector.texts says it)."""
        from connector.texts import render

        return render(self)

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
    if isinstance(value, Percent):
        return {"percent": str(value.value), "places": value.places, "sign": value.sign}
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
    if "percent" in value:
        places = value.get("places")
        return Percent(Decimal(value["percent"]), places, bool(value.get("sign")))
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
