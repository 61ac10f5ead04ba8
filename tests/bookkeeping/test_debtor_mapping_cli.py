"""``manage.py debtor_mapping``: the debtor mapping from a script. Listing shows what waits
for a debtor, assigning one books it, and the file round trip (CSV and XLSX) writes every row
or none."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bookkeeping.models import DebtorMapping
from connector.models import Connection
from tests.bookkeeping.helpers import MANUAL, ORIGIN, booking, import_and_book
from tests.connector.test_import import insert, make_connection

pytestmark = pytest.mark.django_db

MANUAL_ORIGIN = "[Billbee]--"
HEADER = "connection,origin,payment_method,payment_method_name,account,name"


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("debtor_mapping", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        command(*args)
    return caught.value


def mappings(connection) -> list[tuple[str, int, int | None, str]]:
    return list(
        DebtorMapping.objects.filter(connection=connection)
        .order_by("origin", "payment_method")
        .values_list("origin", "payment_method", "account", "name")
    )


@pytest.fixture
def paypal_waits(account, shop) -> int:
    """A manual PayPal order whose invoice waits for a debtor of origin ``[Billbee]--``."""
    billbee_id = insert(account, Seller=MANUAL, PaymentMethod=3)
    import_and_book(shop)
    assert booking(billbee_id).status == "waiting"
    return billbee_id


# ---------------------------------------------------------------- list


def test_list_shows_every_row_with_the_documents_waiting_for_it(shop, paypal_waits):
    rows = json.loads(command("list", "--connection", "shop", "--json"))

    assert rows == [
        {
            "origin": MANUAL_ORIGIN,
            "payment_method": 3,
            "payment_method_name": "PayPal",
            "account": None,
            "name": "",
            "waiting": 1,
        },
        {
            "origin": ORIGIN,
            "payment_method": "any",
            "payment_method_name": "any payment method",
            "account": 10001,
            "name": "",
            "waiting": 0,
        },
    ]


def test_list_unassigned_shows_only_rows_without_an_account(shop, paypal_waits):
    text = command("list", "--connection", "shop", "--unassigned")

    lines = text.splitlines()
    assert lines[0].split() == ["origin", "payment", "method", "account", "name", "waiting"]
    assert len(lines) == 2
    assert lines[1].startswith(MANUAL_ORIGIN) and "3 PayPal" in lines[1]
    assert lines[1].endswith("1")
    assert ORIGIN not in text


def test_an_unknown_connection_is_named(shop):
    error = refused("list", "--connection", "nope")

    assert "no connection named 'nope'" in str(error)


# ---------------------------------------------------------------- set


def test_set_assigns_the_debtor_and_books_the_documents_waiting_for_it(
    shop, paypal_waits, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = command(
            "set",
            "--connection", "shop",
            "--origin", MANUAL_ORIGIN,
            "--payment-method", "3",
            "--account", "10500",
            "--name", "Marktplätze",
        )  # fmt: skip

    assert len(callbacks) == 1
    assert out.splitlines() == [
        f"Updated: {MANUAL_ORIGIN} / PayPal → 10500 Marktplätze",
        "1 document(s) waiting for it are booked on a worker.",
    ]
    assert (MANUAL_ORIGIN, 3, 10500, "Marktplätze") in mappings(shop)
    assert booking(paypal_waits).status == "booked"
    assert booking(paypal_waits).entry.debtor == 10500


def test_set_creates_the_row_of_an_origin_the_import_has_not_seen(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        out = command(
            "set", "--connection", "shop", "--origin", "[Billbee]-Amazon-Amazon EU", "--account",
            "12000",
        )  # fmt: skip

    assert out.startswith("Created: [Billbee]-Amazon-Amazon EU / any payment method → 12000")
    mapping = DebtorMapping.objects.get(connection=shop, origin="[Billbee]-Amazon-Amazon EU")
    assert (mapping.payment_method, mapping.account, mapping.payment_method_name) == (0, 12000, "")
    assert len(callbacks) == 1  # a booking on a worker


def test_setting_the_same_account_again_changes_nothing_and_books_nothing(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        out = command("set", "--connection", "shop", "--origin", ORIGIN, "--account", "10001")

    assert out.startswith("Unchanged:")
    assert callbacks == []


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("9999", "account: Ensure this value is greater than or equal to 10000."),
        ("70000", "account: Ensure this value is less than or equal to 69999."),
        ("1o001", "account: “1o001” value must be an integer."),
    ],
)
def test_a_bad_account_is_refused_with_exit_code_2_and_nothing_is_written(
    shop, number, reason, django_capture_on_commit_callbacks
):
    before = mappings(shop)

    with django_capture_on_commit_callbacks() as callbacks:
        error = refused(
            "set", "--connection", "shop", "--origin", ORIGIN, "--account", number, "--name", "X"
        )

    assert error.returncode == 2
    assert str(error) == f"Debtor mapping {ORIGIN} / payment method any not saved: {reason}"
    assert "\n" not in str(error)
    assert mappings(shop) == before
    assert callbacks == []


def test_a_bad_payment_method_is_refused_with_exit_code_2(shop):
    error = refused(
        "set", "--connection", "shop", "--origin", "X", "--payment-method", "PayPal", "--account",
        "10002",
    )  # fmt: skip

    assert error.returncode == 2
    assert "'PayPal' is not a payment method id" in str(error)
    assert not DebtorMapping.objects.filter(origin="X").exists()


# ---------------------------------------------------------------- export and import


@pytest.fixture
def three_rows(shop) -> Connection:
    DebtorMapping.objects.create(
        connection=shop, origin=MANUAL_ORIGIN, payment_method=3, payment_method_name="PayPal"
    )
    DebtorMapping.objects.create(
        connection=shop, origin="[Billbee]-Amazon-Amazon EU", account=12000, name="Amazon Ö"
    )
    return shop


def rows_of(path: Path) -> list[list]:
    if path.suffix == ".csv":
        return [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    sheet = openpyxl.load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_exported_file_imports_again_without_changing_anything(three_rows, tmp_path, suffix):
    path = tmp_path / f"debtors{suffix}"
    before = list(DebtorMapping.objects.order_by("pk").values())

    out = command("export", "--connection", "shop", "--output", str(path))
    again = command("import", "--connection", "shop", str(path))

    assert out == f"{path}: 3 rows\n"
    assert again.splitlines()[-1] == "0 created, 0 updated, 3 unchanged, 0 error."
    assert list(DebtorMapping.objects.order_by("pk").values()) == before  # updated_at too


def test_the_file_has_the_connection_by_name_and_the_natural_key_columns(three_rows, tmp_path):
    csv_path, xlsx_path = tmp_path / "d.csv", tmp_path / "d.xlsx"
    command("export", "--connection", "shop", "--output", str(csv_path))
    command("export", "--connection", "shop", "--output", str(xlsx_path))

    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        HEADER,
        "shop,[Billbee]--,3,PayPal,,",
        "shop,[Billbee]-Amazon-Amazon EU,any,,12000,Amazon Ö",
        f"shop,{ORIGIN},any,,10001,",
    ]
    assert rows_of(xlsx_path) == [
        HEADER.split(","),
        ["shop", MANUAL_ORIGIN, 3, "PayPal", None, None],
        ["shop", "[Billbee]-Amazon-Amazon EU", "any", None, 12000, "Amazon Ö"],
        ["shop", ORIGIN, "any", None, 10001, None],
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_import_creates_and_updates_rows_by_their_natural_key(three_rows, tmp_path, suffix):
    path = tmp_path / f"debtors{suffix}"
    command("export", "--connection", "shop", "--output", str(path))
    expected = mappings(three_rows)
    DebtorMapping.objects.filter(origin="[Billbee]-Amazon-Amazon EU").delete()
    DebtorMapping.objects.filter(origin=ORIGIN).update(account=10009, name="changed")

    out = command("import", "--connection", "shop", str(path))

    assert out.splitlines() == [
        f"row    2  unchanged  {MANUAL_ORIGIN} / payment method 3",
        "row    3  created    [Billbee]-Amazon-Amazon EU / payment method any",
        f"row    4  updated    {ORIGIN} / payment method any",
        "1 created, 1 updated, 1 unchanged, 0 error.",
    ]
    assert mappings(three_rows) == expected
    assert DebtorMapping.objects.count() == 3


@pytest.mark.django_db(transaction=True)  # the import's own transaction is rolled back
def test_an_import_with_one_bad_row_writes_nothing_and_names_the_row(three_rows, tmp_path):
    path = tmp_path / "debtors.csv"
    path.write_text(
        "origin,payment_method,account,name\n"
        "[Billbee]-Amazon-Amazon EU,any,12001,Amazon\n"
        "[Billbee]-Otto-Otto Market,any,5000,Otto\n"
        "[Billbee]--,3,10500,\n",
        encoding="utf-8",
    )
    before = list(DebtorMapping.objects.order_by("pk").values())

    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("debtor_mapping", "import", "--connection", "shop", str(path), stdout=out)

    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "Nothing was imported: row 3: account: Ensure this value is greater than or equal to 10000."
    )
    assert out.getvalue().splitlines() == [
        "row    2  updated    [Billbee]-Amazon-Amazon EU / payment method any",
        "row    3  error      [Billbee]-Otto-Otto Market / payment method any: account: Ensure "
        "this value is greater than or equal to 10000.",
        "row    4  updated    [Billbee]-- / payment method 3",
        "0 created, 2 updated, 0 unchanged, 1 error; nothing was written (invalid rows).",
    ]
    assert list(DebtorMapping.objects.order_by("pk").values()) == before


def test_a_row_of_another_connection_is_refused_unless_its_connection_is_empty(
    account, three_rows, tmp_path
):
    other = make_connection(account, name="other")
    path = tmp_path / "debtors.csv"
    command("export", "--connection", "shop", "--output", str(path))

    error = refused("import", "--connection", "other", str(path))
    emptied = tmp_path / "emptied.csv"
    emptied.write_text(
        "\n".join(line.removeprefix("shop") for line in path.read_text().splitlines()),
        encoding="utf-8",
    )
    out = command("import", "--connection", "other", str(emptied))

    assert error.returncode == 2
    assert "row 2: connection: this row is for connection 'shop'" in str(error)
    assert out.splitlines()[-1] == "3 created, 0 updated, 0 unchanged, 0 error."
    assert [m[1:] for m in mappings(other)] == [m[1:] for m in mappings(three_rows)]


def test_a_dry_run_reports_and_writes_nothing(three_rows, tmp_path):
    path = tmp_path / "debtors.csv"
    path.write_text("origin,payment_method,account\n[Billbee]--,3,10500\n", encoding="utf-8")

    report = json.loads(command("import", "--connection", "shop", str(path), "--dry-run", "--json"))

    assert report == {
        "written": False,
        "dry_run": True,
        "created": 0,
        "updated": 1,
        "unchanged": 0,
        "error": 0,
        "file_errors": [],
        "rows": [
            {
                "row": 2,
                "outcome": "updated",
                "key": "[Billbee]-- / payment method 3",
                "reason": "",
            }
        ],
    }
    assert DebtorMapping.objects.get(origin=MANUAL_ORIGIN).account is None


def test_an_import_books_the_documents_waiting_for_a_debtor(
    shop, paypal_waits, tmp_path, eager, django_capture_on_commit_callbacks
):
    path = tmp_path / "debtors.xlsx"
    command("export", "--connection", "shop", "--output", str(path))
    book = openpyxl.load_workbook(path)
    for row in book.active.iter_rows(min_row=2):
        if row[1].value == MANUAL_ORIGIN:
            row[4].value = 10500
    book.save(path)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = command("import", "--connection", "shop", str(path))

    assert out.splitlines()[-1] == "0 created, 1 updated, 1 unchanged, 0 error."
    assert len(callbacks) == 1  # one booking for the whole file
    assert booking(paypal_waits).status == "booked"
    assert booking(paypal_waits).entry.debtor == 10500


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(shop, tmp_path):
    path = tmp_path / "debtors.ods"
    path.write_bytes(b"")

    export = refused("export", "--connection", "shop", "--output", str(path))
    load = refused("import", "--connection", "shop", str(path))

    assert export.returncode == load.returncode == 2
    assert str(load) == "debtors.ods: the file name must end in .csv or .xlsx"
    assert not path.read_bytes()


def test_a_file_without_the_key_columns_is_refused(shop, tmp_path):
    path = tmp_path / "debtors.csv"
    path.write_text("account,name\n10002,X\n", encoding="utf-8")

    error = refused("import", "--connection", "shop", str(path))

    assert error.returncode == 2
    assert "origin" in str(error) and "payment_method" in str(error)
    assert DebtorMapping.objects.count() == 1
