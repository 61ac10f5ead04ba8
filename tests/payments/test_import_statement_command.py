"""``import_statement``: exit codes, the JSON object, one-line errors."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payments.models import Statement, StatementTransaction
from tests.connector.manage import manage
from tests.payments.mappings import SAMPLES

VOLKSBANK_FILE = str(SAMPLES / "volksbank.csv")
SUBPROCESS = pytest.mark.django_db(transaction=True)


def refused(done, message: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0], lines[0]


@SUBPROCESS
def test_a_file_with_a_broken_line_exits_1_and_prints_one_json_object(bank):
    done = manage("import_statement", VOLKSBANK_FILE, "--source", "Volksbank", "--json")

    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    statement = Statement.objects.get()
    assert data == {
        "source": "Volksbank",
        "file": "volksbank.csv",
        "format": "csv",
        "statement_id": statement.pk,
        "statement": "",
        "account_iban": "",
        "lines": 5,
        "new": 4,
        "known": 0,
        "errors": [
            {
                "position": 11,
                "reason": "Line 11: neither the debit nor the credit column has an amount.",
                "raw": "05.11.2026;05.11.2026;Kaputt;;ohne Betrag;EUR;;",
            }
        ],
        # A connection without credentials: Billbee is not asked for open orders.
        "open_orders": {"read": False, "fetched": 0, "stored": 0, "warning": None},
        # No open items in this shop: every new line is matched and finds nothing.
        "matching": {
            "lines": 4,
            "states": {"no_match": 4},
            "confirmed": 0,
            "booked": {"payouts": 0, "returns": 0, "refunds": 0, "advance_payments": 0},
        },
    }
    assert StatementTransaction.objects.count() == 4


@SUBPROCESS
def test_a_clean_file_exits_0_and_a_second_import_adds_nothing(bank, tmp_path):
    clean = tmp_path / "clean.csv"
    clean.write_bytes(
        (SAMPLES / "volksbank.csv")
        .read_bytes()
        .replace(b"05.11.2026;05.11.2026;Kaputt;;ohne Betrag;EUR;;\r\n", b"")
    )

    first = manage("import_statement", str(clean), "--connection", "shop")
    second = manage("import_statement", str(clean))

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert "Volksbank: 4 lines, 4 new, 0 already known, 0 with errors" in first.stdout
    assert "Volksbank: 4 lines, 0 new, 4 already known, 0 with errors" in second.stdout
    assert StatementTransaction.objects.count() == 4


@SUBPROCESS
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--source", "Postbank"],
            "There is no active account named 'Postbank' (known: Volksbank)",
        ),
        (["--format", "qif"], "argument --format: invalid choice: 'qif'"),
        (["--connection", "other"], "There is no connection named 'other'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(bank, args, message):
    refused(manage("import_statement", VOLKSBANK_FILE, *args), message)
    assert Statement.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_and_a_file_of_another_layout_are_refused_with_code_2(bank):
    with pytest.raises(CommandError, match="is not a readable file") as missing:
        call_command("import_statement", "/nonexistent/file.csv", stdout=StringIO())
    with pytest.raises(CommandError, match="does not fit the CSV mapping") as wrong:
        call_command("import_statement", str(SAMPLES / "dkb.csv"), stdout=StringIO())

    assert (missing.value.returncode, wrong.value.returncode) == (2, 2)
    assert Statement.objects.count() == 0


@pytest.mark.django_db
def test_several_accounts_need_source(bank, giro):
    with pytest.raises(CommandError, match=r"several accounts \(Sparkasse Giro, Volksbank\)"):
        call_command("import_statement", VOLKSBANK_FILE, stdout=StringIO())
