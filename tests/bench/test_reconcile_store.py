"""The whole reconciliation run of bench/reconcile.py (``--store``) at a small size: the
generated items stored as booked invoices, the lines as a CAMT.053 file, imported and matched
through the app's own services, and the stored results compared with the truth."""

from __future__ import annotations

import pytest

from payments.matching import match_lines
from payments.models import StatementTransaction
from tests.payments.test_matching import load_bench

pytestmark = pytest.mark.django_db


def test_whole_run_stores_every_line_and_auto_matches_as_the_engine_alone(tmp_path):
    bench = load_bench()
    import reconcile_store as store  # beside reconcile.py, which puts bench/ on the path

    items, lines, truths = bench.generate(2_000, 500, seed=3)
    connection_id, source_id = store.create_connection("bench", bench.CONFIG)
    documents = store.store_items(connection_id, items)
    path = tmp_path / "statement.camt053.xml"
    path.write_bytes(store.camt053(lines))

    figures = store.run_timed(connection_id, source_id, path, bench.CONFIG)

    assert (figures["new_lines"], figures["errors"], figures["matched_lines"]) == (500, 0, 500)
    assert not StatementTransaction.objects.filter(state="new").exists()
    stored = bench.evaluate(store.stored_results(figures["statement_id"], documents), truths)
    alone = bench.evaluate(match_lines(lines, items, bench.CONFIG), truths)
    counts = stored["counts"]
    assert counts.get("matched_wrongly", 0) == 0
    assert counts.get("ignored_wrongly", 0) == 0
    # The exact 1:1 rule needs references and open amounts only, and the database keeps both.
    assert counts["matched_correctly"] == alone["counts"]["matched_correctly"] > 150
    # Bank fees come back as fees (code CHRG), the PayPal payout through the stored ignore
    # rule; a PSP payout on a bank statement is an ordinary debit, left for review.
    expected = sum(truth.scenario in ("fee", "bank_payout") for truth in truths)
    assert counts["ignored_correctly"] == expected > 0


def test_the_whole_run_is_measured_on_postgresql_only():
    bench = load_bench()
    import reconcile_store as store

    assert "PostgreSQL" in store.refusal("sqlite:///db.sqlite3")
    assert bench is not None and store.refusal("postgres://postgres@127.0.0.1/bench") == ""
