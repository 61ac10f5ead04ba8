"""Bad command-line input: one line on stderr, exit code 2, never a traceback.

Each case runs ``manage.py`` as an operator does (a subprocess); a few also through
``call_command``, which raises a ``CommandError`` with return code 2.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from connector.models import Connection, ImportRun
from tests.connector.manage import manage

ONE_CONNECTION = pytest.mark.django_db(transaction=True)


def refused(done, message: str) -> None:
    """Exit code 2 and exactly one line on stderr that contains ``message``."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0], lines[0]


def make_shop() -> Connection:
    return Connection.objects.create(
        name="shop",
        api_url="http://127.0.0.1:9/api/v1",
        username="owner@example.com",
        api_password="pw",
        api_key="key",
    )


# ---------------------------------------------------------------- parsed before anything runs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "export_datev",
                "--connection",
                "shop",
                "--from",
                "yesterday",
                "--to",
                "2026-11-30",
                "--output",
                "x.csv",
            ],
            "argument --from: 'yesterday' is not a date: write it as YYYY-MM-DD",
        ),
        (
            [
                "export_datev",
                "--connection",
                "shop",
                "--from",
                "0001-01-01",
                "--to",
                "2026-11-30",
                "--output",
                "x.csv",
            ],
            "argument --from: '0001-01-01' lies outside the years 1990 to 2100",
        ),
        (
            ["setup_periodic_tasks", "--tick-minutes", "-5"],
            "argument --tick-minutes: '-5' is not a number of minutes from 1 to 1440",
        ),
        (
            ["setup_periodic_tasks", "--tick-minutes", "0"],
            "argument --tick-minutes: '0' is not a number of minutes from 1 to 1440",
        ),
        (
            ["setup_periodic_tasks", "--tick-minutes", "five"],
            "argument --tick-minutes: 'five' is not a number of minutes from 1 to 1440",
        ),
        (
            ["connection_create", "shop", "--sender-country", "XX"],
            "argument --sender-country: 'XX' is not an ISO 3166 country code",
        ),
        (
            ["connection_create", "shop", "--sender-country", "de"],
            "argument --sender-country: 'de' is not an ISO 3166 country code",
        ),
        (
            ["connection_create", "shop", "--time-zone", "Mars/Olympus"],
            "argument --time-zone: 'Mars/Olympus' is not a known time zone",
        ),
        (["connection_create", " "], "argument name: a connection name must not be empty"),
        (
            ["connection_create", "x" * 101],
            "is not a usable connection name: at most 100 characters",
        ),
        (
            ["import_orders", "--since", "last week"],
            "argument --since: 'last week' is not a date or date/time",
        ),
        (
            ["import_orders", "--until", "9999-12-31"],
            "argument --until: '9999-12-31' lies outside the years 1990 to 2100",
        ),
        (
            ["period_report", "--connection", "shop", "--month", "2026-13"],
            "argument --month: '2026-13' is not a month: write it as YYYY-MM",
        ),
        (
            ["import_exchange_rates", "rates.csv", "--year", "26"],
            "argument --year: '26' is not a year from 1990 to 2100",
        ),
        (["billbee", "orders", "--limit", "-1"], "argument --limit: '-1' is not a number"),
        (
            ["billbee_sandbox", "--port", "70000"],
            "argument --port: '70000' is not a port from 0 to 65535",
        ),
        (
            ["billbee_sandbox", "--rate-limit", "-2"],
            "argument --rate-limit: '-2' is not a number of at least 0",
        ),
        (
            ["billbee_sandbox", "--end", "tomorrow"],
            "argument --end: 'tomorrow' is not a date or date/time",
        ),
        (["debtor_mapping", "set", "--connection", "shop"], "the following arguments are required"),
        (
            ["mcp_server", "--transport", "ftp"],
            "argument --transport: invalid choice: 'ftp'",
        ),
        (["mcp_server", "--port", "0"], "argument --port: '0' is not a port from 1 to 65535"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_bad_option_values_are_one_line_and_exit_code_2(args, message):
    refused(manage(*args), message)


def test_call_command_raises_a_command_error_with_return_code_2():
    with pytest.raises(CommandError) as caught:
        call_command("setup_periodic_tasks", "--tick-minutes", "0")

    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "Error: argument --tick-minutes: '0' is not a number of minutes from 1 to 1440"
    )


@pytest.mark.django_db
def test_a_good_tick_still_creates_the_schedule():
    call_command("setup_periodic_tasks", "--tick-minutes", "10", stdout=StringIO())

    assert PeriodicTask.objects.get().interval.every == 10


# ---------------------------------------------------------------- checked against each other


@ONE_CONNECTION
def test_import_since_after_until_is_refused_before_anything_runs():
    make_shop()

    done = manage("import_orders", "--since", "2026-11-10", "--until", "2026-11-01")

    refused(
        done,
        "CommandError: --since 10.11.2026 00:00 (Europe/Berlin) is not before --until "
        "01.11.2026 00:00 (Europe/Berlin): give a start before the end.",
    )
    assert not ImportRun.objects.exists()


@ONE_CONNECTION
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_import_from_or_up_to_the_future_is_refused(option):
    make_shop()
    future = timezone.localtime(timezone.now() + timedelta(days=2))

    done = manage("import_orders", option, future.strftime("%Y-%m-%dT%H:%M"))

    refused(
        done,
        f"CommandError: {option} {future:%d.%m.%Y %H:%M} (Europe/Berlin) is in the future: "
        "Billbee has no changes from then yet.",
    )


@ONE_CONNECTION
def test_export_from_after_to_is_refused():
    make_shop()

    done = manage(
        "export_datev",
        "--connection",
        "shop",
        "--from",
        "2026-11-30",
        "--to",
        "2026-11-01",
        "--output",
        "x.csv",
    )

    refused(
        done,
        "CommandError: --from 30.11.2026 is after --to 01.11.2026: give the period's first "
        "day, then its last.",
    )


@ONE_CONNECTION
@pytest.mark.parametrize(
    "args",
    [
        ["book_documents", "--connection", "nope"],
        ["export_debtors", "--connection", "nope", "--output", "x.csv"],
        ["period_report", "--connection", "nope", "--month", "2026-11"],
        ["connection_test", "nope"],
        ["import_orders", "--connection", "nope"],
        ["mcp_server", "--connection", "nope"],
    ],
    ids=lambda args: args[0],
)
def test_an_unknown_connection_name_is_one_line_and_exit_code_2(args):
    make_shop()

    refused(manage(*args), "nope")


@ONE_CONNECTION
def test_connection_create_with_an_invalid_url_is_exit_code_2():
    done = manage(
        "connection_create",
        "shop",
        "--api-url",
        "not a url",
        "--username",
        "u",
        "--api-password",
        "p",
        "--api-key",
        "k",
    )

    refused(done, "CommandError: Connection 'shop' not saved: api_url:")
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_the_console_refuses_an_unknown_sender_country_too():
    shop = make_shop()
    shop.sender_country = "XX"

    with pytest.raises(Exception) as caught:
        shop.full_clean()

    assert caught.value.message_dict["sender_country"] == [
        "'XX' is not an ISO 3166 country code: use two capital letters such as DE, AT or PL."
    ]
