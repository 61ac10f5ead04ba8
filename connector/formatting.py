"""One way to write amounts, dates and times per language, for every page, report and e-mail.

German: 1.298,00 EUR and 02.12.2026 05:01; English: 1,298.00 EUR and 2 Dec 2026 05:01 (the
formats live in connector/formats/<language>/formats.py). The currency code follows the amount
in both languages, so that amounts in several currencies line up and read alike.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from billbee.parsing import AMOUNT_LIMIT

CENT = Decimal("0.01")


def number(value: Decimal | int | None, places: int | None = None) -> str:
    """A number in the active language's separators, with thousands grouped."""
    if value is None:
        return "—"
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def money(value: Decimal | None, currency: str = "") -> str:
    """Cents when that is exact (4.9000 → 4,90), else every digit Billbee sent."""
    if value is None:
        return "—"
    if not value.is_finite() or abs(value) >= AMOUNT_LIMIT:  # stored before range checks
        out_of_range = _("out of range")
        return f"{value} {currency} ({out_of_range})".replace("  ", " ")
    cents = value.quantize(CENT)
    if cents == value:
        text = number(cents, 2)
    else:
        exponent = value.normalize().as_tuple().exponent
        text = number(value, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{text} {currency}".strip()


def day(value: date | None) -> str:
    if value is None:
        return "—"
    return formats.date_format(value, "SHORT_DATE_FORMAT", use_l10n=True)


def when(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A moment in the connection's zone (else the installation's), to the minute."""
    if value is None:
        return "—"
    local = timezone.localtime(value, zone) if timezone.is_aware(value) else value
    return formats.date_format(local, "SHORT_DATETIME_FORMAT", use_l10n=True)
