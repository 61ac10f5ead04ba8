"""``send_reminders``: the dry run lists what would go out and sends nothing, a real run sends
and exits 1 when reminders failed, bad input is one line with exit code 2; the schedule sends
reminders once a day per connection."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from payments.models import PaymentGroup, ReminderLog
from tests.bookkeeping.helpers import import_and_book
from tests.connector.test_import import doc

from .reminder_shop import LEVEL_1, make_shop, reminders_on, unpaid_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pacing(settings):
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(make_sandbox):
    return make_shop(make_sandbox)


def test_the_dry_run_prints_recipient_level_order_and_amount_and_sends_nothing(shop):
    sandbox, connection = shop
    order = unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)
    out = StringIO()

    call_command(
        "send_reminders",
        "--connection",
        connection.name,
        "--dry-run",
        "--date",
        LEVEL_1.isoformat(),
        stdout=out,
    )

    number = doc(order).order_number
    text = out.getvalue()
    assert f"{connection.name}: 1 reminder(s) due (dry run: nothing sent)" in text
    assert f"level 1 email to katrin@example.com: order {number}" in text
    assert "25.00 EUR open" in text
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_run_sends_and_reports_as_json(shop):
    sandbox, connection = shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)
    out = StringIO()

    call_command(
        "send_reminders",
        "--connection",
        connection.name,
        "--date",
        LEVEL_1.isoformat(),
        "--json",
        stdout=out,
    )

    data = json.loads(out.getvalue())
    assert (data["dry_run"], data["sent"], data["failed"]) == (False, 1, 0)
    assert data["reminders"][0]["to"] == "katrin@example.com"
    assert data["reminders"][0]["amount"] == "25.00"
    assert len(mail.outbox) == 1


def test_a_failed_reminder_makes_the_exit_code_1(shop):
    sandbox, connection = shop
    unpaid_invoice(sandbox, email=None)
    import_and_book(connection)
    reminders_on(connection)

    with pytest.raises(SystemExit) as exited:
        call_command(
            "send_reminders",
            "--connection",
            connection.name,
            "--date",
            LEVEL_1.isoformat(),
            stdout=StringIO(),
        )

    assert exited.value.code == 1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--connection", "nope"], "nope"),
        (["--connection", "shop", "--date", "24.11.2026"], "is not a date"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(connection, args, words):
    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", *args)

    assert refused.value.returncode == 2 and words in str(refused.value)


def test_the_schedule_sends_reminders_once_a_day_from_the_morning(connection):
    from payments.tasks import reminders_due_today

    PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        reminders_enabled=True,
    )
    night = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    assert reminders_due_today(night) == []
    assert reminders_due_today(morning) == [connection.pk]
    assert reminders_due_today(morning.replace(hour=15)) == []  # the same day: once
    assert reminders_due_today(datetime(2026, 11, 25, 8, 0, tzinfo=UTC)) == [connection.pk]


def test_the_schedule_leaves_connections_without_reminders_alone(connection):
    from payments.tasks import reminders_due_today

    PaymentGroup.objects.create(
        connection=connection, kind=PaymentGroup.Kind.INVOICE, payment_methods=[26]
    )

    assert reminders_due_today(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) == []


def test_the_tick_enqueues_the_reminders(
    connection, monkeypatch, django_capture_on_commit_callbacks
):
    from connector.services.scheduling import schedule_tick
    from payments import tasks

    PaymentGroup.objects.create(
        connection=connection,
        kind=PaymentGroup.Kind.INVOICE,
        payment_methods=[26],
        reminders_enabled=True,
    )
    sent: list[int] = []
    monkeypatch.setattr(tasks.reminders_send_task, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick(now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        schedule_tick(now=datetime(2026, 11, 24, 9, 5, tzinfo=UTC))

    assert sent == [connection.pk]


def test_the_task_sends_the_connection_s_due_reminders(shop):
    from payments.tasks import reminders_send_task

    sandbox, connection = shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)

    # Today (the run's day) lies after 24.11.2026: level 1 is due.
    assert reminders_send_task(connection.pk) == {"sent": 1, "failed": 0, "skipped": 0}
    assert len(mail.outbox) == 1
    assert reminders_send_task(connection.pk) == {"sent": 0, "failed": 0, "skipped": 0}


def test_a_connection_without_credentials_sends_nothing_and_says_why(shop):
    sandbox, connection = shop
    unpaid_invoice(sandbox)
    import_and_book(connection)
    reminders_on(connection)
    connection.username = ""
    connection.save()

    with pytest.raises(CommandError) as refused:
        call_command(
            "send_reminders", "--connection", connection.name, "--date", LEVEL_1.isoformat()
        )

    assert refused.value.returncode == 2
    assert "has no complete credentials" in str(refused.value)
    assert mail.outbox == [] and not ReminderLog.objects.exists()
