"""What bookkeeping makes of Billbee's invoice register and of the order fields it used to
ignore: the printed invoice number, the seller VAT ID, the customer type and the VAT flags."""

from __future__ import annotations

import pytest

from bookkeeping.reports.completeness import completeness_check
from tests.bookkeeping.helpers import booking, import_and_book
from tests.bookkeeping.test_export import export_november, field, rows_of
from tests.connector.test_import import insert

pytestmark = pytest.mark.django_db


def printed(sandbox, billbee_id: int, number: str | None = None, **fields) -> None:
    """Billbee's invoice register lists the order's invoice (with ``number`` printed)."""
    if number is not None:
        fields["InvoiceNumber"] = number
    sandbox.control("POST", f"orders/{billbee_id}/register", fields)


# ---------------------------------------------------------------- the printed number


def test_the_printed_number_is_belegfeld_1_in_the_journal_and_the_datev_file(account, shop):
    billbee_id = insert(account)
    printed(account, billbee_id, "RE-2026-0000042")

    import_and_book(shop)

    assert booking(billbee_id).entry.number == "RE-2026-0000042"
    [row] = rows_of(export_november(shop).batches[0])
    assert field(row, 11) == "RE-2026-0000042"


def test_the_completeness_check_compares_the_printed_numbers(account, shop):
    ids = [insert(account) for _ in range(3)]
    for number, billbee_id in enumerate(ids, start=7):
        printed(account, billbee_id, f"RE2026/{number:04d}")
    import_and_book(shop)

    check = completeness_check(shop, 2026, 11, client=account.client())

    assert check.missing == () and check.unlisted == ()
    billbee = {(s.source, s.label, s.lowest, s.highest) for s in check.series}
    assert billbee == {("Billbee", "RE2026/…", 7, 9), ("upload log", "RE2026/…", 7, 9)}


# ---------------------------------------------------------------- the seller VAT ID


def own_vat_id(connection, vat_id: str = "DE136695976") -> None:
    settings = connection.bookkeeping
    settings.vat_id = vat_id
    settings.save()


def test_a_seller_vat_id_that_is_not_the_merchant_s_holds_the_document(account, shop):
    own_vat_id(shop)
    wrong = insert(account, MerchantVatId="DE811128135")
    right = insert(account, MerchantVatId="DE 136 695 976")

    import_and_book(shop)

    held = booking(wrong)
    assert (held.status, held.reason_code) == ("waiting", "seller_vat_id")
    assert "seller VAT ID DE811128135" in held.reason
    assert "merchant's own VAT ID (DE136695976)" in held.reason
    assert booking(right).status == "booked"
    assert "seller VAT ID DE 136 695 976 on the invoice: the merchant's" in booking(right).trace


def test_without_an_own_vat_id_the_seller_vat_id_is_noted_as_not_checked(account, shop):
    billbee_id = insert(account, MerchantVatId="DE811128135")

    import_and_book(shop)

    assert booking(billbee_id).status == "booked"
    assert any("not checked" in line for line in booking(billbee_id).trace)


def test_the_seller_vat_id_may_be_the_registration_s_of_the_ship_from_country():
    from bookkeeping.vat.crosscheck import seller_vat_id_problem

    registrations = {"PL": "PL5261040828"}
    assert seller_vat_id_problem("PL5261040828", "PL", "DE", "DE136695976", registrations) is None
    assert seller_vat_id_problem("DE136695976", "PL", "DE", "DE136695976", registrations) is None
    problem = seller_vat_id_problem("PL5261040828", "DE", "DE", "DE136695976", registrations)
    assert problem is not None and "PL5261040828" in problem
    problem = seller_vat_id_problem("CZ699001237", "CZ", "DE", "DE136695976", registrations)
    assert problem is not None and "no VAT ID of a registration in CZ" in problem


# ---------------------------------------------------------------- customer type, VAT flags


def test_a_business_customer_taxed_as_a_consumer_abroad_is_noted(account, shop):
    from tests.bookkeeping.helpers import insert_austrian_sale

    business = insert_austrian_sale(account, Customer={"Id": 5, "Type": 1}, CustomerVatId=None)
    consumer = insert_austrian_sale(account, Customer={"Id": 6, "Type": 0})

    import_and_book(shop)

    assert booking(business).status == booking(consumer).status == "booked"
    [note] = [w for w in booking(business).warnings if "business" in w]
    assert "no VAT ID" in note and "consumer in AT" in note
    assert not any("business" in w for w in booking(consumer).warnings)


def test_vat_flags_that_contradict_the_treatment_hold_the_document(account, shop):
    export_seen = insert(account)
    agreeing = insert(account)
    printed(account, export_seen, VatFlags={"ThirdPartyCountry": True})
    printed(account, agreeing)

    import_and_book(shop)

    held = booking(export_seen)
    assert (held.status, held.reason_code) == ("waiting", "vat_flags_disagree")
    assert held.reason.startswith(
        "Billbee's invoice register treats the sale as an export to a third country, the "
        "connector as a domestic sale."
    )
    assert booking(agreeing).status == "booked"
    assert any("VAT flags in the invoice register agree" in t for t in booking(agreeing).trace)


def test_vat_flag_disagreements_in_words():
    from bookkeeping.vat.crosscheck import vat_flags_disagreement
    from bookkeeping.vat.model import Case

    assert vat_flags_disagreement(Case.DOMESTIC, {}) is None
    assert vat_flags_disagreement(Case.EXPORT, {"ThirdPartyCountry": True}) is None
    no_id = vat_flags_disagreement(Case.IC_SUPPLY, {"CustomerHasVatId": False})
    assert no_id is not None and "says the customer has no VAT ID" in no_id
    same = vat_flags_disagreement(Case.OSS, {"SrcCountryIsEqualToDstCountry": True})
    assert same is not None and "ship within one country" in same
    assert vat_flags_disagreement(Case.DOMESTIC, {"SrcCountryIsEqualToDstCountry": True}) is None


def test_a_number_the_register_prints_after_booking_is_booked_by_reversal(account, shop):
    from bookkeeping.models import JournalEntry
    from tests.bookkeeping.helpers import book
    from tests.connector.test_import import patch, run

    billbee_id = insert(account)
    import_and_book(shop)
    first = booking(billbee_id).entry
    printed(account, billbee_id, f"{first.number}-A")
    patch(account, billbee_id, ShippedAt="2026-11-13T09:00:00")

    run(shop)
    result = book(shop)

    assert result.rebooked == 1
    numbers = sorted(JournalEntry.objects.values_list("kind", "number"))
    assert booking(billbee_id).entry.number == f"{first.number}-A"
    assert ("invoice", first.number) in numbers and ("invoice", f"{first.number}-A") in numbers
    assert len(numbers) == 3  # the first entry, its reversal, the entry with the new number
