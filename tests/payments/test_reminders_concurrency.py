"""Two reminder runs of one connection at the same moment send each level once: the log's
row per document and level is claimed by one of them (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connections

from payments.models import ReminderLog
from payments.services.reminders import reminders_send
from tests.bookkeeping.helpers import import_and_book

from .reminder_shop import LEVEL_1, make_shop, reminders_on, unpaid_invoice


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.mark.django_db(transaction=True)
def test_simultaneous_runs_send_each_reminder_once(postgres, make_sandbox):
    sandbox, connection = make_shop(make_sandbox)
    for n in range(4):
        unpaid_invoice(sandbox, email=f"kunde{n}@example.com")
    import_and_book(connection)
    reminders_on(connection)
    runs, errors = [], []
    start = threading.Barrier(2)

    def one_run() -> None:
        try:
            client = sandbox.client()
            start.wait()
            runs.append(reminders_send(connection, on=LEVEL_1, client=client))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(run.count("sent") for run in runs) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [f"kunde{n}@example.com" for n in range(4)]
    assert ReminderLog.objects.filter(status="sent", level=1).count() == 4
