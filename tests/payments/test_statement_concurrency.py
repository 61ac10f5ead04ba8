"""Two imports of one file into one account at the same moment store every line once: the
second waits for the first's lock on the account and then finds its keys (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from payments.models import PaymentSource, StatementTransaction
from payments.services.statements import statement_import
from tests.payments.mappings import sample


@pytest.mark.django_db(transaction=True)
def test_simultaneous_imports_of_one_file_store_each_line_once(postgres, bank):
    results = []
    errors = []
    start = threading.Barrier(2)

    def one_import() -> None:
        try:
            source = PaymentSource.objects.get(pk=bank.pk)
            start.wait()
            results.append(statement_import(source, sample("volksbank.csv")))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_import) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted((r.new, r.known) for r in results) == [(0, 4), (4, 0)]
    assert StatementTransaction.objects.count() == 4
