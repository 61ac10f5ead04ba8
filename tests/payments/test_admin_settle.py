"""The console's "Settle" page of a statement line and the bulk confirmation: each form books
what it says and says what it booked; without ``payments.confirm_payment`` the page, the link
and the action are refused or hidden and nothing is booked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from bookkeeping.models import JournalEntry
from payments.models import IgnoreRule, StatementTransaction
from payments.services.settling import Part, transaction_settle
from tests.conftest import admin_actions
from tests.payments.test_settling import bank, invoice, line, shop  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
VIEW = "payments.view_statementtransaction"
CONFIRM = "payments.confirm_payment"


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


def settle_url(tx: StatementTransaction) -> str:
    return reverse("admin:payments_statementtransaction_settle", args=[tx.pk])


def booked() -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(kind="payment").order_by("pk"))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def exact_line(shop, bank, number: str = "RE-2026-12001") -> StatementTransaction:  # noqa: F811
    document = invoice(shop, number, "50.00")
    tx = line(bank, "50.00", remittance=number)
    tx.state, tx.auto = StatementTransaction.State.MATCHED, True
    tx.candidates = [
        {"documents": [document.pk], "kind": "exact_reference", "score": 1.0,
         "amount_difference": "0.00", "skonto": "0", "reasons": ["invoice number in the text"]}
    ]  # fmt: skip
    tx.save()
    return tx


def test_without_the_permission_the_page_link_and_action_are_refused(login, shop, bank):  # noqa: F811
    tx = exact_line(shop, bank)
    client = login(VIEW)

    assert client.get(settle_url(tx)).status_code == 403
    posted = client.post(settle_url(tx), {"action": "confirm", "document": "RE-2026-12001"})
    assert posted.status_code == 403
    page = client.get(reverse("admin:payments_statementtransaction_change", args=[tx.pk]))
    assert settle_url(tx) not in page.content.decode()
    listing = client.get(reverse("admin:payments_statementtransaction_changelist"))
    assert "confirm_exact" not in admin_actions(listing)
    client.post(
        reverse("admin:payments_statementtransaction_changelist"),
        {"action": "confirm_exact", "_selected_action": [tx.pk]},
    )
    assert not booked()


def test_the_page_shows_the_candidates_and_confirms_the_best_with_its_skonto(
    login,
    shop,  # noqa: F811
    bank,  # noqa: F811
):
    document = invoice(shop, "RE-2026-12002", "119.00", "107.00")
    tx = line(bank, "221.48", remittance="RE-2026-12002")
    tx.candidates = [
        {"documents": [document.pk], "kind": "skonto", "score": 0.85,
         "amount_difference": "-4.52", "skonto": "4.52",
         "reasons": ["cash discount (Skonto): 4.52 EUR = 2.00 % of 226.00 EUR"]}
    ]  # fmt: skip
    tx.save()
    client = login(VIEW, CONFIRM)
    change = client.get(reverse("admin:payments_statementtransaction_change", args=[tx.pk]))
    assert settle_url(tx) in change.content.decode()

    page = client.get(settle_url(tx))
    html = page.content.decode()
    assert "2.00 % of 226.00 EUR" in html and "RE-2026-12002" in html
    assert page.context["confirm"].initial == {"document": "RE-2026-12002", "rest": "skonto"}

    response = client.post(
        settle_url(tx), {"action": "confirm", "document": "RE-2026-12002", "rest": "skonto"}
    )

    assert response.status_code == 302
    [entry] = booked()
    assert entry.document_total == Decimal("226.00")
    assert [ln.account for ln in entry.lines.filter(role="skonto")] == [8736, 8731]
    shown = messages_of(client.get(response.url))
    assert shown == ["Payment booked: 221.48 for RE-2026-12002 with Skonto 4.52."]


def test_a_refusal_of_the_bookkeeping_reads_in_the_reader_s_language(login, shop, bank):  # noqa: F811
    """The journal refuses a Skonto on an invoice without German VAT; the page says why in
    the reader's language, and nothing is booked."""
    invoice(shop, "RE-2026-12004", "100.00", case="oss")
    tx = line(bank, "98.00")
    client = login(VIEW, CONFIRM)
    form = {"action": "confirm", "document": "RE-2026-12004", "rest": "skonto"}

    english = client.post(settle_url(tx), form, HTTP_ACCEPT_LANGUAGE="en")
    german = client.post(settle_url(tx), form, HTTP_ACCEPT_LANGUAGE="de")

    assert english.context["problems"] == [
        "RE-2026-12004 is taxed as EU consumer, destination VAT (OSS): Skonto and write-offs "
        "are booked here only for invoices with German VAT. Book this one by hand."
    ]
    assert german.context["problems"] == [
        "RE-2026-12004 ist besteuert als EU-Verbraucher, Umsatzsteuer des Bestimmungslands "
        "(OSS): Skonto und Abschreibungen werden hier nur für Rechnungen mit deutscher "
        "Umsatzsteuer gebucht. Buchen Sie diese Rechnung von Hand."
    ]
    assert not booked()


def test_a_skonto_beyond_the_rate_is_refused_on_the_page_with_the_reason(login, shop, bank):  # noqa: F811
    invoice(shop, "RE-2026-12003", "100.00")
    tx = line(bank, "90.00")
    client = login(VIEW, CONFIRM)

    response = client.post(
        settle_url(tx), {"action": "confirm", "document": "RE-2026-12003", "rest": "skonto"}
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "A Skonto of 10.00 EUR is 10.00 % of 100.00 EUR, more than the 2.00 % allowed "
        "(2.00 EUR). Write the rest off if that is what is meant."
    ]
    assert not booked()
    # A German bookkeeper reads the refusal in German, with the amounts as German writes them.
    german = client.post(
        settle_url(tx),
        {"action": "confirm", "document": "RE-2026-12003", "rest": "skonto"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert german.context["problems"] == [
        "Ein Skonto von 10,00 EUR sind 10,00 % von 100,00 EUR, mehr als die erlaubten 2,00 % "
        "(2,00 EUR). Schreiben Sie den Rest ab, wenn das gemeint ist."
    ]
    assert not booked()
    written_off = client.post(
        settle_url(tx), {"action": "confirm", "document": "B-RE-2026-12003", "rest": "loss"}
    )
    assert written_off.status_code == 302
    [entry] = booked()
    assert [ln.account for ln in entry.lines.filter(role="writeoff")] == [2406]


def test_another_open_item_can_be_chosen_and_an_unknown_one_is_refused(login, shop, bank):  # noqa: F811
    tx = exact_line(shop, bank)
    other = invoice(shop, "RE-2026-12009", "50.00")
    client = login(VIEW, CONFIRM)

    unknown = client.post(settle_url(tx), {"action": "confirm", "document": "RE-404"})
    assert unknown.context["confirm"].errors["document"] == [
        "No invoice of this shop is named 'RE-404'."
    ]
    assert not booked()

    client.post(settle_url(tx), {"action": "confirm", "document": "re-2026-12009"})
    [entry] = booked()
    assert entry.document_id == other.pk


def test_a_split_books_one_entry_per_invoice(login, shop, bank):  # noqa: F811
    invoice(shop, "RE-2026-12004", "50.00")
    invoice(shop, "RE-2026-12005", "30.00")
    tx = line(bank, "80.00")
    client = login(VIEW, CONFIRM)
    form = {
        "action": "split",
        "split-TOTAL_FORMS": "4",
        "split-INITIAL_FORMS": "0",
        "split-0-document": "RE-2026-12004",
        "split-0-amount": "50.00",
        "split-1-document": "RE-2026-12005",
        "split-1-amount": "30.00",
    }

    response = client.post(settle_url(tx), form)

    assert response.status_code == 302
    assert [(e.number, e.document_total) for e in booked()] == [
        ("RE-2026-12004", Decimal("50.00")),
        ("RE-2026-12005", Decimal("30.00")),
    ]
    assert (
        "50.00 for RE-2026-12004; 30.00 for RE-2026-12005"
        in messages_of(client.get(response.url))[0]
    )


def test_ignoring_the_payer_creates_the_rule(login, shop, bank):  # noqa: F811
    tx = line(bank, "12.00", name="Stadtwerke")
    client = login(VIEW, CONFIRM)

    client.post(settle_url(tx), {"action": "ignore", "field": "name", "reason": "energy bill"})

    assert IgnoreRule.objects.get().pattern == "Stadtwerke"
    tx.refresh_from_db()
    assert (tx.state, tx.reason) == ("ignored", "energy bill")


def test_undo_reverses_the_payment(login, shop, bank):  # noqa: F811
    tx = exact_line(shop, bank)
    transaction_settle(tx, [Part(tx.candidates[0]["documents"][0], Decimal("50.00"))])
    client = login(VIEW, CONFIRM)

    page = client.get(settle_url(tx))
    assert "Undo" in page.content.decode() and "Confirm and book" not in page.content.decode()
    client.post(settle_url(tx), {"action": "undo", "note": "wrong shop"})

    [payment] = booked()
    assert payment.reversed_by.note == "wrong shop"
    tx.refresh_from_db()
    assert tx.confirmed_at is None


def test_the_bulk_action_confirms_only_the_exact_matches(login, shop, bank):  # noqa: F811
    exact = exact_line(shop, bank)
    waiting = line(bank, "10.00")
    client = login(VIEW, CONFIRM)
    listing = reverse("admin:payments_statementtransaction_changelist")
    assert "confirm_exact" in admin_actions(client.get(listing))

    response = client.post(
        listing, {"action": "confirm_exact", "_selected_action": [exact.pk, waiting.pk]}
    )

    assert [e.number for e in booked()] == ["RE-2026-12001"]
    assert (
        "1 payment booked; the other selected lines wait for a person."
        in messages_of(client.get(response.url))[0]
    )
    waiting.refresh_from_db()
    assert waiting.confirmed_at is None


def test_the_split_form_offers_the_invoices_of_a_several_invoices_candidate(login, shop, bank):  # noqa: F811
    first = invoice(shop, "RE-2026-12006", "50.00")
    second = invoice(shop, "RE-2026-12007", "30.00")
    tx = line(bank, "80.00")
    tx.candidates = [
        {"documents": [first.pk, second.pk], "kind": "several_invoices", "score": 0.9,
         "amount_difference": "0.00", "skonto": "0", "reasons": ["two invoices, sum equal"]}
    ]  # fmt: skip
    tx.save()
    client = login(VIEW, CONFIRM)

    page = client.get(settle_url(tx))

    assert [f.initial.get("document") for f in page.context["split"].forms[:3]] == [
        "RE-2026-12006",
        "RE-2026-12007",
        None,
    ]
