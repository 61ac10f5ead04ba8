"""How the console shows states, amounts and times: small HTML helpers, no decisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Re-exported: the admin modules take every display helper from here.
from connector.formatting import day as day
from connector.formatting import money as money
from connector.formatting import number as number
from connector.formatting import when as when
from connector.labels import REASON_LABELS as REASON_LABELS
from connector.labels import reason_label as reason_label

# Background colours of the badges; white text reads on each, in light and dark mode.
STATUS_COLOURS = {
    # The bookkeeping status of a document (DocumentBooking.Status) and "not booked yet".
    "booked": "#1a7f37",
    "nothing": "#4f7a5a",
    "reversed": "#6e7781",
    "not_booked": "#6e7781",
    "imported": "#1a7f37",
    "updated": "#0b6e4f",
    "unchanged": "#4f7a5a",
    "skipped": "#6e7781",
    "excluded": "#8250df",
    "rejected": "#b42318",
    "waiting": "#b35900",
}
RUN_STATE_COLOURS = {
    "pending": "#6e7781",
    "running": "#0969da",
    "succeeded": "#1a7f37",
    "partial": "#b35900",
    "failed": "#b42318",
}
HEALTH_COLOURS = {
    "ok": "#1a7f37",
    "warning": "#b35900",
    "error": "#b42318",
    "unknown": "#6e7781",
}
HEALTH_SYMBOLS = {"ok": "●", "warning": "▲", "error": "✖", "unknown": "○"}
HEALTH_LABELS = {
    "ok": _("ok"),
    "warning": _("warning"),
    "error": _("error"),
    "unknown": _("unknown"),
}
# The checks of a connection test (connector.services.connections) by their names.
CHECK_LABELS = {
    "credentials": _("credentials"),
    "authentication": _("authentication"),
    "orders": _("orders"),
    "invoices": _("invoices"),
    "shops": _("shops"),
}


def check_label(name: str) -> str:
    return str(CHECK_LABELS.get(name, name))


def html_text(text: str, **values: str) -> SafeString:
    """A translated text with markup and ``%(name)s`` placeholders, filled in: the values are
    escaped (a value that is markup already, such as a link from ``admin_link``, stays as it
    is); the text itself comes from the code and its catalogue."""
    return mark_safe(text % {name: conditional_escape(v) for name, v in values.items()})  # noqa: S308


def badge(text: str, colour: str, title: str = "") -> SafeString:
    return format_html(
        '<span title="{}" style="display:inline-block;padding:1px 7px;border-radius:9px;'
        'background:{};color:#fff;font-size:11px;font-weight:600;white-space:nowrap">{}</span>',
        title,
        colour,
        text,
    )


def status_badge(status: str, label: str, title: str = "") -> SafeString:
    return badge(label, STATUS_COLOURS.get(status, "#6e7781"), title)


def run_state_badge(state: str, label: str) -> SafeString:
    return badge(label, RUN_STATE_COLOURS.get(state, "#6e7781"))


def admin_link(view: str, text: object, *args: object, query: str = "") -> SafeString:
    url = reverse(f"admin:connector_{view}", args=args)
    return format_html('<a href="{}">{}</a>', url + (f"?{query}" if query else ""), text)


def progress_bar(run_id: int, fraction: float, url: str | None) -> SafeString:
    """A <progress> bar with its percentage; with ``url`` the page's script polls it."""
    percent = int(fraction * 100)
    if url:
        return format_html(
            '<progress max="100" value="{}" data-run="{}" data-progress-url="{}">{} %</progress>'
            ' <span data-run="{}" data-counter="percent">{}</span> %',
            percent,
            run_id,
            url,
            percent,
            run_id,
            percent,
        )
    return format_html(
        '<progress max="100" value="{}">{} %</progress> {} %', percent, percent, percent
    )


def short_text(text: str, length: int) -> SafeString | str:
    """``text`` cut to ``length`` characters, the whole of it as the tooltip: long reasons
    and origins keep a list's columns narrow."""
    cut = Truncator(text).chars(length)
    if cut == text:
        return text
    return format_html('<span title="{}">{}</span>', text, cut)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": number(Decimal(str(round(seconds, 1))), 1)}
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return gettext("%(minutes)s min %(seconds)02d s") % {"minutes": minutes, "seconds": rest}
    hours, minutes = divmod(minutes, 60)
    return gettext("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def plain_number(field: str, description: Any) -> Any:
    """A list column of an identifier (account, Billbee id, shop id) written without
    thousands separators, whatever the language: "8400", never "8.400"."""
    from django.contrib import admin

    @admin.display(description=description, ordering=field)
    def column(model_admin: Any, obj: Any) -> str:
        value = getattr(obj, field)
        return "—" if value is None else str(value)

    return column
