"""Template filters of the console: ``{% load console %}`` then ``{{ amount|money:"EUR" }}``,
``{{ day|day }}``, ``{{ moment|when }}`` and ``{{ count|number }}``, in the active language's
format (connector.formatting)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template

from connector import formatting

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    return formatting.money(None if value in (None, "") else Decimal(value), currency)


@register.filter
def day(value: date | None) -> str:
    return formatting.day(value)


@register.filter
def when(value: datetime | None) -> str:
    return formatting.when(value)


@register.filter
def number(value: Decimal | int | None, places: int | None = None) -> str:
    return formatting.number(value, places)
