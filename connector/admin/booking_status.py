"""The bookkeeping status of an upload-log document as the console shows it: a badge, and
where the operator fixes what holds the document back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from bookkeeping.labels import NOT_BOOKED, booking_reason_label, booking_status_label

from ..models import ExternalOrder
from ..texts import said
from .display import status_badge

# Reason codes fixed in the set-up lists (besides the debtor mapping and exchange rates).
ACCOUNT_CODES = frozenset({"no_revenue_account", "no_vat_account"})
SETTINGS_CODES = frozenset(
    {"seller_vat_id", "small_business_mode", "home_country_not_eu", "rounding_above_tolerance"}
)


@dataclass(frozen=True)
class Fix:
    text: str
    url: str


def booking_badge(status: str | None, reason_code: str = "", reason: str = "") -> SafeString:
    """The bookkeeping status; its reason as the tooltip. ``None``: no booking (yet)."""
    key = status or NOT_BOOKED
    title = reason or (booking_reason_label(reason_code) if reason_code else "")
    return status_badge(key, booking_status_label(status), title)


def booking_fix(
    document: ExternalOrder, status: str | None, reason_code: str, entry_id: int | None = None
) -> Fix | None:
    """Where the operator sees or fixes the booking of ``document``."""
    if status is None:
        if document.is_accepted:
            return Fix(_("booked after the next import, or now with “Book now”"), "")
        return None
    if status == "booked" and entry_id:
        return Fix(
            _("journal entry #%(id)s") % {"id": entry_id},
            reverse("admin:bookkeeping_journalentry_change", args=[entry_id]),
        )
    if status != "waiting" and status != "rejected":
        return None
    return _fix_of_hold(document, reason_code)


def _fix_of_hold(document: ExternalOrder, code: str) -> Fix:
    connection = {"connection__id__exact": str(document.connection_id)}
    if code == "no_debtor":
        query = urlencode({**connection, "origin": document.origin})
        return Fix(
            _("assign a debtor account to the origin %(origin)s") % {"origin": document.origin},
            reverse("admin:bookkeeping_debtormapping_changelist") + f"?{query}",
        )
    if code == "no_exchange_rate":
        query = urlencode({"currency__exact": document.currency}) if document.currency else ""
        return Fix(
            _("add the exchange rate of %(currency)s") % {"currency": document.currency or "?"},
            reverse("admin:bookkeeping_exchangerate_changelist") + (f"?{query}" if query else ""),
        )
    if code in ACCOUNT_CODES:
        return Fix(
            _("fill in the revenue and VAT accounts"),
            reverse("admin:bookkeeping_taxaccount_changelist") + f"?{urlencode(connection)}",
        )
    if code in SETTINGS_CODES:
        return Fix(
            _("check the bookkeeping settings"),
            reverse("admin:bookkeeping_bookkeepingsettings_changelist")
            + f"?{urlencode(connection)}",
        )
    if code == "original_not_booked" and document.parent_id:
        return Fix(
            _("book the original invoice first"),
            reverse("admin:connector_externalorder_change", args=[document.parent_id]),
        )
    return Fix(_("see the reason and the trace below"), "#bookkeeping")


def booking_values(document: Any) -> tuple[str | None, str, str]:
    """(status, reason code, reason) from the list's annotations; the reason in the reader's
    language (stored in English)."""
    reason = getattr(document, "booking_reason", None) or ""
    return (
        getattr(document, "booking_status", None),
        getattr(document, "booking_reason_code", None) or "",
        said(reason, getattr(document, "booking_reason_data", None)) if reason else "",
    )
