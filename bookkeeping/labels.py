"""Readable, translated names of what bookkeeping decided about a document: its status and the
code of the reason it waits or was rejected. The reasons themselves are stored data (they
name the document); these labels name the group, for lists, filters and reports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import DocumentBooking

NOT_BOOKED = "not_booked"

# Per reason code of DocumentBooking (services.booking_steps.SUMMARIES, the holds without a
# summary there and the outcomes booked, not accepted, left the books); a test keeps it in
# step with SUMMARIES and the codes booking_steps stores.
BOOKING_REASON_LABELS = {
    "booked": _("booked"),
    "not_accepted": _("not accepted by the import"),
    "left_the_books": _("left the books: the import no longer accepts it"),
    "no_debtor": _("no debtor account assigned"),
    "debtor_range_full": _("no free debtor account left in the range"),
    "vat_differs_from_invoice": _("VAT differs from Billbee's invoice"),
    "vat_on_tax_free_invoice": _("VAT on the invoice of a tax-free supply"),
    "original_not_booked": _("original invoice not booked yet"),
    "no_exchange_rate": _("no exchange rate"),
    "rounding_above_tolerance": _("rounding difference above the tolerance"),
    "margin_scheme": _("margin scheme (§ 25a UStG): book by hand"),
    "small_business_mode": _("small-business VAT mode, but not a small business"),
    "unknown_vat_mode": _("unknown VAT mode"),
    "ic_invalid_vat_id": _("intra-community supply with an invalid VAT ID"),
    "ic_no_vat_id": _("intra-community supply without a VAT ID"),
    "ic_vat_id_not_eu": _("intra-community supply with a VAT ID outside the EU"),
    "ic_domestic_vat_id": _("intra-community supply with a VAT ID of the ship-from country"),
    "ic_destination_outside_eu": _("intra-community supply to outside the EU"),
    "ic_domestic_destination": _("intra-community supply within one country"),
    "export_destination_in_eu": _("export VAT mode for an EU destination"),
    "no_destination": _("no delivery country"),
    "no_ship_from": _("no ship-from country"),
    "ship_from_outside_eu": _("shipped from outside the EU"),
    "home_country_not_eu": _("home country outside the EU"),
    "unknown_rate": _("no VAT rate for the country and date"),
    "no_revenue_account": _("no revenue account for the treatment and rate"),
    "no_vat_account": _("no VAT account for the treatment and rate"),
    "number_too_long": _("invoice number longer than 36 characters"),
    "seller_vat_id": _("the seller VAT ID on the invoice is not the merchant's"),
    "vat_flags_disagree": _("Billbee's VAT flags contradict the VAT treatment"),
    "internal_error": _("could not be booked (internal error)"),
    "duplicate_invoice_number": _("duplicate invoice number"),
    "implausible_invoice_date": _("implausible invoice date"),
    "implausible_quantity": _("zero or negative quantity on an invoice"),
    "no_currency": _("no currency"),
    "no_order_items": _("invoice without lines"),
    "unknown_currency": _("currency is not an ISO code"),
    "no_service_date": _("no date of supply: neither shipped nor invoiced"),
    "no_invoice_number": _("no invoice number yet"),
    "unreadable": _("the stored document cannot be read"),
    "nothing_to_book": _("nothing to book: the total is 0.00"),
    NOT_BOOKED: _("accepted, not booked yet"),
}


def booking_reason_label(code: str) -> str:
    return str(BOOKING_REASON_LABELS.get(code, code.replace("_", " ") or "—"))


def booking_status_label(status: str | None) -> str:
    """DocumentBooking.Status's label; "not booked yet" without a booking."""
    if not status or status in (NOT_BOOKED, "not booked"):
        return str(_("not booked yet"))
    try:
        return str(DocumentBooking.Status(status).label)
    except ValueError:
        return status
