"""The VAT package's sentences for later readers, without Django.

A reason, trace line or warning of the VAT treatment is stored in English and shown in each
reader's language (connector/texts.py). This package stays free of Django (it is plain
logic, tested without it), so its sentences are this module's ``Text``: like
``connector.texts.Text`` a ``str`` whose value is the English sentence, knowing its template
and values; ``bookkeeping.services.decide`` turns them into ``connector.texts.Text`` where a
booking takes them (``stored_sentence``). ``manage.py makemessages`` collects the templates
here too (the keyword is the name ``Text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Joined:
    items: tuple[Any, ...]
    separator: str = ", "

    def __str__(self) -> str:
        return self.separator.join(_english(v) for v in self.items)


class Text(str):
    """An English sentence that knows its template and values (``date``, ``Decimal``,
    ``Joined``, another ``Text`` or plain values)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        english = template.format(**{k: _english(v) for k, v in params.items()})
        self = super().__new__(cls, english)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def _english(value: Any) -> str:
    # As connector.texts writes it: the stored sentences' dates are 01.10.2026.
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)
