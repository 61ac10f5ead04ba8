"""The matching engine (payments.matching) on small hand-made data: each rule and each state,
and the near misses that must not match."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from payments.matching import (
    IgnoreRule,
    MatchConfig,
    OpenItem,
    match_lines,
    normalise,
    reference_tokens,
)
from payments.parsers.base import LineKind, StatementLine

D = Decimal
INVOICE_DATE = date(2026, 11, 2)
PAID_ON = date(2026, 11, 9)


def item(
    id: int = 1,
    invoice: str = "RE-2026-10440",
    order: str = "302-1234567-7654321",
    reference: str = "",
    amount: str = "49.90",
    total: str | None = None,
    **extra,
) -> OpenItem:
    return OpenItem(
        id=id,
        order_number=order,
        invoice_number=invoice,
        payment_reference=reference,
        amount=D(amount),
        total=D(total or amount),
        currency=extra.pop("currency", "EUR"),
        invoice_date=extra.pop("invoice_date", INVOICE_DATE),
        **extra,
    )


def line(amount: str = "49.90", text: str = "", **extra) -> StatementLine:
    return StatementLine(
        booking_date=extra.pop("booking_date", PAID_ON),
        amount=D(amount),
        currency=extra.pop("currency", "EUR"),
        remittance=text,
        **extra,
    )


def one(statement_line: StatementLine, items, config: MatchConfig | None = None):
    (result,) = match_lines([statement_line], items, config or MatchConfig())
    return result


# --- normalising references -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RE-2026-10440",
        "re 2026 10440",
        "RE2026-10440",
        "Rechnung RE-2026-10440",
        "Rechnungsnr.: RE/2026/10440",
        "Ihre Rechnung\nRE-2026-\n10440 vom 02.11.2026",
        "RE-2026-1 0440",  # broken at a line end by the bank
    ],
)
def test_reference_is_found_as_whole_token_in_its_written_forms(text):
    assert normalise("RE-2026-10440") in reference_tokens(text)
    result = one(line(text=text), [item()])
    assert (result.state, result.auto) == ("matched", True)


@pytest.mark.parametrize("text", ["RE-2026-104401", "RE-2026-910440", "RE-2026-1044", "10440"])
def test_a_longer_or_shorter_number_is_never_the_reference(text):
    assert normalise("RE-2026-10440") not in reference_tokens(text)
    result = one(line(text=text), [item()])
    assert result.auto is False
    assert result.state != "matched"


def test_amounts_with_a_decimal_comma_do_not_join_into_numbers():
    assert "104449" not in reference_tokens("Betrag 1044,49 EUR")


def test_normalise_strips_prefixes_and_separators():
    assert normalise("Rechnung RE-2026-10440") == "202610440"
    assert normalise("Best.-Nr. 302-1234567-7654321") == "30212345677654321"
    assert normalise("RE-1") == ""  # too short to be matched safely


# --- the exact 1:1 rule -----------------------------------------------------------------


def test_exact_rule_by_invoice_order_or_payment_reference():
    items = [
        item(1, invoice="RE-2026-10440", order="A-100001", reference="BB-900001"),
        item(2, invoice="RE-2026-10441", order="A-100002", reference="BB-900002", amount="10"),
    ]
    lines = [
        line("49.90", "Rechnung RE-2026-10440"),
        line("49.90", "Bestellung A-100001 danke"),
        line("10.00", "BB-900002"),
    ]
    results = match_lines(lines, items)
    assert [(r.state, r.auto, r.candidates[0].item_ids) for r in results] == [
        ("matched", True, (1,)),
        ("matched", True, (1,)),
        ("matched", True, (2,)),
    ]
    assert results[0].reason == (
        "Matched to invoice RE-2026-10440: invoice number RE-2026-10440 in the remittance "
        "text; amount equal."
    )


def test_amount_off_by_a_cent_with_tolerance_zero_is_not_auto():
    result = one(line("49.89", "RE-2026-10440"), [item()])
    assert result.auto is False
    assert result.state == "partially_paid"
    assert result.candidates[0].amount_difference == D("-0.01")


def test_tolerance_for_bank_fees_allows_the_exact_rule():
    result = one(line("47.40", "RE-2026-10440"), [item()], MatchConfig(tolerance=D("2.50")))
    assert (result.state, result.auto) == ("matched", True)
    assert result.candidates[0].amount_difference == D("-2.50")


def test_two_items_with_the_same_reference_are_ambiguous():
    items = [item(1, order="100234"), item(2, invoice="RE-2026-20000", order="100234")]
    result = one(line("49.90", "Bestellung 100234"), items)
    assert (result.state, result.auto) == ("ambiguous", False)
    assert {c.item_ids for c in result.candidates[:2]} == {(1,), (2,)}
    assert result.reason == (
        "invoice RE-2026-10440 and invoice RE-2026-20000 fit equally well (order number 100234 "
        "in the remittance text; amount equal); choose the right one by hand."
    )


def test_shared_reference_with_one_amount_equal_is_proposed_not_auto():
    items = [item(1, order="100234"), item(2, invoice="RE-2026-20000", order="100234", amount="80")]
    result = one(line("49.90", "Bestellung 100234"), items)
    assert (result.state, result.auto, result.candidates[0].item_ids) == ("matched", False, (1,))


def test_other_currency_is_not_auto():
    result = one(line("49.90", "RE-2026-10440", currency="CHF"), [item()])
    assert result.auto is False
    assert result.candidates[0].kind == "reference_currency_differs"


# --- the candidates ---------------------------------------------------------------------


def test_partial_payment():
    result = one(line("20.00", "RE-2026-10440 Teilzahlung"), [item()])
    assert result.state == "partially_paid"
    best = result.candidates[0]
    assert (best.kind, best.amount_difference) == ("partial", D("-29.90"))
    assert "29.90 EUR remain open" in " ".join(best.reasons)


def test_skonto_within_rate_and_term():
    config = MatchConfig(skonto_rate=D("0.02"), skonto_days=14)
    items = [item(amount="100.00")]
    result = one(line("98.00", "RE-2026-10440"), items, config)
    assert (result.state, result.auto) == ("amount_differs", False)
    assert (result.candidates[0].kind, result.candidates[0].skonto) == ("skonto", D("2.00"))
    late = one(line("98.00", "RE-2026-10440", booking_date=date(2026, 11, 30)), items, config)
    assert late.candidates[0].kind == "partial"
    too_much = one(line("97.99", "RE-2026-10440"), items, config)
    assert too_much.candidates[0].kind == "partial"


def test_overpayment():
    result = one(line("59.90", "RE-2026-10440"), [item()])
    assert result.state == "amount_differs"
    assert (result.candidates[0].kind, result.candidates[0].amount_difference) == (
        "overpayment",
        D("10.00"),
    )


def test_reference_to_a_settled_item_is_already_paid():
    result = one(line("49.90", "RE-2026-10440"), [item(settled=True)])
    assert (result.state, result.auto) == ("already_paid", False)
    assert "already paid" in result.reason


def test_one_transfer_for_several_invoices_when_the_sum_matches_exactly():
    items = [item(1), item(2, invoice="RE-2026-10441", order="X-200002", amount="20.10")]
    result = one(line("70.00", "RE-2026-10440 RE-2026-10441"), items)
    assert (result.state, result.auto) == ("matched", False)
    assert result.candidates[0].kind == "several_invoices"
    assert result.candidates[0].item_ids == (1, 2)
    off = one(line("70.01", "RE-2026-10440 RE-2026-10441"), items)
    assert all(c.kind != "several_invoices" for c in off.candidates)


def test_several_invoices_of_one_customer_by_iban_without_reference():
    iban = "DE89370400440532013000"
    items = [
        item(1, customer_ibans=(iban,), customer_name="Hans Müller"),
        item(2, invoice="RE-2026-10441", order="X-2", amount="20.10", customer_ibans=(iban,)),
        item(3, invoice="RE-2026-10442", order="X-3", amount="30.00", customer_ibans=(iban,)),
    ]
    result = one(line("70.00", "Danke", counterparty_iban="DE89 3704 0044 0532 0130 00"), items)
    assert result.candidates[0].kind == "several_invoices"
    assert result.candidates[0].item_ids == (1, 2)
    assert result.auto is False


def test_amount_and_date_window_without_payer():
    items = [item(1), item(2, invoice="RE-2026-1", invoice_date=date(2026, 6, 1))]
    result = one(line("49.90", "Danke"), items)
    assert (result.state, result.auto) == ("no_match", False)
    assert [c.item_ids for c in result.candidates] == [(1,)]  # item 2 is outside the window
    assert result.candidates[0].kind == "amount_date"


def test_payer_name_fuzzy_and_iban_remembered():
    iban = "DE89370400440532013000"
    items = [
        item(1, customer_name="Hans Müller"),
        item(2, invoice="RE-2026-2", order="B-2", customer_name="Erika Schmidt"),
        item(3, invoice="RE-2026-3", order="B-3", customer_ibans=(iban,)),
    ]
    by_name = one(line("49.90", "Danke", counterparty_name="MUELLER HANS MÜLLER"), items)
    assert by_name.candidates[0].item_ids == (1,)
    assert by_name.candidates[0].kind == "payer_name"
    assert (by_name.state, by_name.auto) == ("matched", False)
    by_iban = one(line("49.90", "Danke", counterparty_iban=iban), items)
    assert (by_iban.candidates[0].kind, by_iban.candidates[0].item_ids) == ("payer_iban", (3,))
    assert by_iban.auto is False


def test_tie_between_candidates_is_ambiguous_never_auto():
    items = [
        item(1, customer_name="Hans Müller"),
        item(2, invoice="RE-2026-2", order="B-2", customer_name="Hans Müller"),
    ]
    result = one(line("49.90", "Danke", counterparty_name="Hans Müller"), items)
    assert (result.state, result.auto) == ("ambiguous", False)


def test_refund_and_chargeback_reopening_the_item():
    items = [item(settled=True)]
    refund = one(line("-49.90", "Erstattung RE-2026-10440", kind=LineKind.REFUND), items)
    assert (refund.state, refund.auto, refund.candidates[0].kind) == ("matched", False, "refund")
    chargeback = one(line("-49.90", "RE-2026-10440", kind=LineKind.CHARGEBACK), items)
    assert chargeback.candidates[0].kind == "chargeback"
    assert "open again" in chargeback.reason
    unknown = one(line("-80.00", "Miete November"), items)
    assert unknown.state == "no_match"


def test_ignore_rules_fees_and_payouts():
    config = MatchConfig(
        ignore_rules=(IgnoreRule("name", "paypal", "PayPal payouts are booked as transfers."),)
    )
    lines = [
        line("250.00", "Auszahlung", counterparty_name="PayPal Europe S.a.r.l."),
        line("-0.35", "", kind=LineKind.FEE),
        line("120.00", "", kind=LineKind.PAYOUT),
    ]
    results = match_lines(lines, [item()], config)
    assert [r.state for r in results] == ["ignored", "ignored", "ignored"]
    assert results[0].reason == "PayPal payouts are booked as transfers."
    assert results[1].reason.startswith("Fee")
    assert results[2].reason.startswith("Payout, booked as a transfer")


def test_broken_line_is_an_error_and_the_rest_go_on():
    results = match_lines([line("0.00", "RE-2026-10440"), line("49.90", "RE-2026-10440")], [item()])
    assert results[0].state == "error"
    assert "zero" in results[0].reason
    assert (results[1].state, results[1].auto) == ("matched", True)


def test_unrelated_line_has_no_match():
    result = one(line("1234.56", "Gutschrift Finanzamt"), [item()])
    assert (result.state, result.candidates) == ("no_match", ())
    assert "No invoice" in result.reason


def test_results_keep_the_order_of_the_lines_and_cap_candidates():
    items = [item(i, invoice=f"RE-2026-{i:05d}", order=f"O-{i}") for i in range(1, 20)]
    results = match_lines([line("49.90", "x")] * 3, items, MatchConfig(max_candidates=3))
    assert len(results) == 3
    assert all(len(r.candidates) == 3 for r in results)


def test_a_date_in_the_text_is_never_a_reference():
    items = [item(1, order="BB-3004711"), item(2, invoice="RE-2026-2", order="#102026")]
    assert "102026" not in reference_tokens("vom 04.10.2026")
    result = one(line("49.90", "Ihre Bestellung BB-3004711 vom 04.10.2026"), items)
    assert (result.state, result.auto, result.candidates[0].item_ids) == ("matched", True, (1,))


# --- the benchmark's generator at a small size ------------------------------------------


def load_bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "reconcile.py"
    spec = importlib.util.spec_from_file_location("bench_reconcile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generated_statement_has_no_wrong_auto_match_and_most_lines_handled():
    bench = load_bench()
    items, lines, truths = bench.generate(8_000, 2_000, seed=7)
    assert len(lines) == len(truths) == 2_000
    results = match_lines(lines, items, bench.CONFIG)
    figures = bench.evaluate(results, truths)
    counts = figures["counts"]
    assert counts.get("matched_wrongly", 0) == 0
    assert counts.get("ignored_wrongly", 0) == 0
    assert counts["matched_correctly"] >= 0.40 * len(lines)
    # Of the lines left for review, most show the right item(s) as the best candidate.
    assert counts["review_best_candidate_right"] >= 0.6 * counts["left_for_review"]
    # Every kind of line the generator writes reaches the matcher.
    assert {truth.scenario for truth in truths} == set(bench.SCENARIOS)


def test_reference_with_a_typing_error_is_proposed_never_auto():
    items = [item(1), item(2, invoice="RE-2026-10404", order="Z-99999", amount="80.00")]
    result = one(line("49.90", "Rechnung RE-2026-10404"), items)  # 10440 with two digits swapped
    assert result.auto is False
    best = result.candidates[0]
    assert (best.kind, best.item_ids) == ("reference_typo", (1,))
    assert best.reasons[0] == (
        "202610404 in the remittance text is one typing error away from invoice number "
        "RE-2026-10440"
    )
    assert result.candidates[1].item_ids == (2,)  # the invoice the text names, amount differs


def test_open_item_named_beside_a_settled_one_with_the_same_amount_ranks_first():
    items = [item(1, settled=True), item(2, invoice="RE-2026-10441", order="Q-2")]
    result = one(line("49.90", "RE-2026-10440 RE-2026-10441"), items)
    assert (result.state, result.auto, result.candidates[0].item_ids) == ("matched", False, (2,))
    assert result.candidates[1].kind == "already_paid"


def test_a_payment_split_over_two_lines_is_pointed_out():
    lines = [line("20.00", "RE-2026-10440 Teil 1"), line("29.90", "RE-2026-10440 Teil 2")]
    results = match_lines(lines, [item()])
    assert [r.state for r in results] == ["partially_paid", "partially_paid"]
    assert results[0].candidates[0].reasons[-1] == (
        "together with the line of 2026-11-09 over 29.90 EUR the open amount is paid in full"
    )
    assert "together with the line of 2026-11-09 over 20.00 EUR" in results[1].reason


def test_several_invoices_respect_the_limit_of_items_per_transfer():
    items = [
        item(n, invoice=f"RE-2026-1000{n}", order=f"K-1000{n}", amount="10.00") for n in range(1, 4)
    ]
    text = "RE-2026-10001 RE-2026-10002 RE-2026-10003"
    allowed = one(line("30.00", text), items)
    assert (allowed.candidates[0].kind, allowed.candidates[0].item_ids) == (
        "several_invoices",
        (1, 2, 3),
    )
    limited = one(line("30.00", text), items, MatchConfig(max_items_per_transfer=2))
    assert all(c.kind != "several_invoices" for c in limited.candidates)


def test_sepa_end_to_end_id_carries_the_reference():
    result = one(line("49.90", "", end_to_end_id="RE-2026-10440"), [item()])
    assert (result.state, result.auto) == ("matched", True)


def test_chargeback_without_reference_by_the_payers_iban():
    iban = "DE89370400440532013000"
    items = [item(settled=True, customer_ibans=(iban,))]
    result = one(
        line("-49.90", "RUECKLASTSCHRIFT MD06", kind=LineKind.REVERSAL, counterparty_iban=iban),
        items,
    )
    assert (result.state, result.auto) == ("matched", False)
    assert (result.candidates[0].kind, result.candidates[0].item_ids) == ("chargeback", (1,))


def test_ignore_rule_by_iban_and_by_text_and_a_rule_needs_a_known_field():
    config = MatchConfig(
        ignore_rules=(
            IgnoreRule("iban", "DE89 3704 0044 0532 0130 00", "Our own savings account."),
            IgnoreRule("text", "Stripe Payout", "Stripe payouts are transfers."),
        )
    )
    lines = [
        line("49.90", "RE-2026-10440", counterparty_iban="DE89370400440532013000"),
        line("100.00", "STRIPE PAYOUT po_123"),
    ]
    assert [r.reason for r in match_lines(lines, [item()], config)] == [
        "Our own savings account.",
        "Stripe payouts are transfers.",
    ]
    with pytest.raises(ValueError, match="iban, name or text"):
        IgnoreRule("amount", "1", "no")


def test_equal_scores_for_the_same_item_are_no_tie():
    from payments.matching.engine import decide
    from payments.matching.types import Candidate

    same = [
        Candidate((1,), "partial", 0.8, D("-1"), ("partial payment of invoice RE-1",)),
        Candidate((1,), "overpayment", 0.8, D("1"), ("overpayment of invoice RE-1",)),
    ]
    assert decide(same, MatchConfig(), no_match="none").state == "partially_paid"
    other = [same[0], Candidate((2,), "partial", 0.8, D("-1"), ("partial payment of RE-2",))]
    assert decide(other, MatchConfig(), no_match="none").state == "ambiguous"


def test_an_iban_remembered_twice_does_not_count_an_item_twice():
    iban = "DE89370400440532013000"
    items = [item(1, customer_ibans=(iban, "DE89 3704 0044 0532 0130 00"), amount="35.00")]
    result = one(line("70.00", "Danke", counterparty_iban=iban), items)
    assert all(c.kind != "several_invoices" for c in result.candidates)


@pytest.mark.parametrize(
    "text", ["#2459", "Bestellung #2459 danke", "Order # 2459", "#2459/Krüger"]
)
def test_a_short_shop_number_written_with_its_hash_is_a_reference(text):
    """Shopify numbers its orders #1001, #1002 …: four digits, too short to be matched on
    their own, but with the hash they are written exactly as the shop shows them."""
    shop_order = item(invoice="", order="#2459", amount="46.05")

    result = one(line("46.05", text), [shop_order])

    assert (result.state, result.auto) == ("matched", True)


@pytest.mark.parametrize("text", ["2459", "Kundennr 2459", "#24590", "#245", "Hausnr. 2459"])
def test_four_digits_without_the_hash_or_another_number_are_no_shop_number(text):
    shop_order = item(invoice="", order="#2459", amount="46.05")

    result = one(line("46.05", text), [shop_order])

    assert result.auto is False
    assert "#2459" not in reference_tokens(text)


def test_a_payment_providers_line_is_matched_by_what_the_customer_paid_not_the_net():
    # PayPal credits 49.90 less its fee of 1.59: the customer paid the invoice in full.
    paypal = line("48.31", end_to_end_id="302-1234567-7654321", gross=D("49.90"), fee=D("-1.59"))
    short = line("48.31", "RE-2026-10440")  # a bank transfer of 48.31 is short

    paid, partial = match_lines([paypal, short], [item()])

    assert (paid.state, paid.auto) == ("matched", True)
    assert partial.state == "partially_paid"
    assert partial.candidates[0].amount_difference == D("-1.59")
