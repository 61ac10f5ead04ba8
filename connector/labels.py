"""Readable, translated names of the upload log's reason codes (connector.classify and
services.documents): the name of a group of documents, for lists, filters and reports. The
reasons themselves are stored data and name the document."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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
