"""Booking on a real PostgreSQL outside a test transaction: the writer thread that writes each
document's statement while the next one is decided, its failures, and what it commits."""

from __future__ import annotations

import pytest

from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine
from bookkeeping.services import booking_steps as booking_service
from bookkeeping.services import pgwrite
from bookkeeping.services.booking import documents_book
from connector.models import ExternalOrder
from tests.bookkeeping.helpers import generated_books

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_run_on_postgres_writes_every_document_in_its_own_committed_transaction(
    postgres, make_sandbox, monkeypatch
):
    written = []
    real = pgwrite.entry_and_booking_insert

    def spy(entry, lines, row):
        import threading

        written.append(threading.current_thread().name)
        return real(entry, lines, row)

    monkeypatch.setattr(booking_service, "entry_and_booking_insert", spy)
    _, result = generated_books(make_sandbox(orders=300))

    assert result.internal_errors == 0
    assert written and set(written) == {"booking-writer"}  # the writer thread wrote them
    assert result.booked == len(written) == JournalEntry.objects.count()
    for entry in JournalEntry.objects.prefetch_related("lines"):
        sides = {"S": 0, "H": 0}
        for line in entry.lines.all():
            sides[line.side] += line.amount
        assert sides["S"] == sides["H"] > 0
    booked = DocumentBooking.objects.filter(status="booked")
    assert booked.count() == result.booked and not booked.filter(entry__isnull=True).exists()
    # Credit notes were decided after their originals' writes were committed.
    credits = JournalEntry.objects.filter(kind="credit_note")
    assert credits.exists() and not credits.filter(credit_for__isnull=True).exists()


def test_a_write_that_fails_in_the_writer_is_recorded_and_the_run_goes_on(
    postgres, make_sandbox, monkeypatch
):
    real = pgwrite.entry_and_booking_insert
    victims: list[int] = []

    def flaky(entry, lines, row):
        if not victims:
            victims.append(row["document_id"])
            raise RuntimeError("the database went away for a moment")
        return real(entry, lines, row)

    monkeypatch.setattr(booking_service, "entry_and_booking_insert", flaky)
    connection, result = generated_books(make_sandbox(orders=120))

    assert result.internal_errors == 1
    failed = DocumentBooking.objects.get(document_id=victims[0])
    assert (failed.status, failed.reason_code) == ("rejected", "internal_error")
    assert failed.reason.startswith("could not be booked because of an internal error")
    assert failed.trace[0] == "internal error: RuntimeError: the database went away for a moment"
    assert not JournalEntry.objects.filter(document_id=victims[0]).exists()
    assert result.booked == JournalEntry.objects.count() > 0
    # The next run books it (rejected documents are decided again).
    monkeypatch.setattr(booking_service, "entry_and_booking_insert", real)
    again = documents_book(connection)
    assert again.booked == 1
    assert DocumentBooking.objects.get(document_id=victims[0]).status == "booked"
    assert JournalLine.objects.filter(entry__document_id=victims[0]).exists()
    assert ExternalOrder.objects.filter(pk=victims[0], connection=connection).exists()
