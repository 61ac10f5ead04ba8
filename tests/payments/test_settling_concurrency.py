"""Two statement lines settling the same invoice at the same moment (PostgreSQL): the second
waits for the first and finds the invoice cleared, instead of both reading it open and the
debtor being credited twice."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connections

import payments.services.settling as settling
from bookkeeping.models import JournalEntry
from payments.errors import PaymentsError
from payments.models import PaymentSource
from payments.services.settling import Part, transaction_settle

from .test_settling import bank, invoice, line, shop  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_two_lines_settling_one_invoice_at_once_book_it_once(
    postgres,
    shop,  # noqa: F811
    bank,  # noqa: F811
    monkeypatch,
):
    document = invoice(shop, "RE-2001", "119.00")
    # From two accounts: locking a line locks its account too, which would hide the race.
    other = PaymentSource.objects.create(
        connection=shop, name="Sparkasse", iban="DE02120300000000202051", ledger_account=1210
    )
    first, second = line(bank, "90.00"), line(other, "100.00")
    read_open = settling.open_items
    both_read = threading.Barrier(2, timeout=3)

    def open_items_then_wait(*args, **kwargs):
        items = read_open(*args, **kwargs)
        # Without a lock both read the invoice open here before either books.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return items

    monkeypatch.setattr(settling, "open_items", open_items_then_wait)
    outcomes: list[str] = []

    def settle(tx, paid: str) -> None:
        try:
            rest = Decimal("119.00") - Decimal(paid)
            transaction_settle(
                tx, [Part(document.pk, Decimal(paid), write_off=rest, write_off_kind="loss")]
            )
            outcomes.append("settled")
        except PaymentsError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=settle, args=(first, "90.00")),
        threading.Thread(target=settle, args=(second, "100.00")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("settled") == 1, outcomes
    [refusal] = [o for o in outcomes if o != "settled"]
    assert "not open" in refusal, refusal
    payments = JournalEntry.objects.filter(document=document, kind=JournalEntry.Kind.PAYMENT)
    assert payments.count() == 1
