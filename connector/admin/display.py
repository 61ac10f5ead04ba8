"""How the console shows states, amounts and times: small HTML helpers, no decisions."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Re-exported: the admin modules take every display helper from here.
from connector.formatting import day as day
from connector.formatting import money as money
from connector.formatting import number as number
from connector.formatting import when as when

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

# Readable names of ExternalOrder.reason_code (connector.classify and services.documents).
REASON_LABELS = {
    "imported": _("imported"),
    "updated": _("imported again: changed"),
    "unchanged": _("imported, unchanged since"),
    "channel_rule": _("excluded by a channel rule"),
    "state_not_imported": _("order state not imported"),
    "before_start_date": _("dated before the start date"),
    "no_invoice_number": _("no invoice number yet"),
    "cancelled_credit_note": _("cancelled credit note"),
    "credit_without_positions": _("credit note without positions"),
    "credit_not_negative": _("credit note total not negative"),
    "credit_original_missing": _("original order not in the log"),
    "credit_original_not_imported": _("original order not imported"),
    "credit_exceeds_original": _("credit note exceeds the original"),
    "cancelled_after_import": _("cancelled after import: needs a credit note"),
    "deleted_after_import": _("deleted after import: needs a credit note"),
    "credit_note_imported": _("cancelled after import, credit note imported"),
    "unparseable": _("unreadable value from Billbee"),
    "unstorable_value": _("a value the upload log cannot hold"),
    "internal_error": _("could not be processed (internal error)"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code.replace("_", " ") or "—"))


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
