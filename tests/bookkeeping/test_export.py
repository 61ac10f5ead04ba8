"""The DATEV export of the journal: what the rows say, each entry exported once, re-exports,
late changes, the lint before download, and the command."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from bookkeeping.datev import lint_file, lint_stream, read_extf
from bookkeeping.errors import ExportRefused
from bookkeeping.models import CouponRule, ExportBatch, ExportedEntry, JournalEntry, TaxAccount
from bookkeeping.services.export import datev_export, month_ranges
from bookkeeping.services.setup import bookkeeping_settings
from tests.bookkeeping.helpers import (
    booking,
    generated_books,
    import_and_book,
    insert_austrian_sale,
    item,
)
from tests.connector.test_import import credit_json, insert, patch

pytestmark = pytest.mark.django_db

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def rows_of(batch: ExportBatch) -> list[list[str]]:
    return [row.fields for row in read_extf(batch.data).rows]


def field(row: list[str], number: int) -> str:
    """Field ``number`` (1-based, as DATEV numbers the columns) of a parsed row."""
    return row[number - 1]


def export_november(connection, **options):
    return datev_export(connection, *NOVEMBER, **options)


def test_month_ranges_never_span_two_months_or_years():
    assert month_ranges(date(2026, 11, 15), date(2027, 1, 10)) == [
        (date(2026, 11, 15), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 10)),
    ]


def test_a_domestic_invoice_is_one_gross_row_on_the_automatic_account(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)
    result = export_november(shop)

    [batch] = result.batches
    [row] = rows_of(batch)
    entry = booking(billbee_id).entry
    assert (field(row, 1), field(row, 2), field(row, 7), field(row, 8)) == (
        "25,00",
        "S",
        "10001",
        "8400",
    )
    assert field(row, 9) == ""  # no BU key on an automatic account
    assert field(row, 10) == "1011"  # Belegdatum TTMM
    assert field(row, 11) == entry.number
    assert field(row, 115) == field(row, 116) == "12112026"  # Leistungsdatum = ShippedAt
    assert field(row, 114) == "0"  # Festschreibung written explicitly
    header = read_extf(batch.data).header
    assert (header.period_from, header.period_to) == NOVEMBER
    assert (header.consultant_number, header.client_number, header.chart) == (1001, 1, "03")
    assert lint_file(batch.data) == []
    assert (batch.rows, batch.entries) == (1, 1)


def test_oss_rows_carry_bu_240_the_destination_and_its_rate(account, shop):
    insert_austrian_sale(account)
    import_and_book(shop)
    [row] = rows_of(export_november(shop).batches[0])

    # DATEV's documented four-digit form: "240" would read as Generalumkehr of key 40.
    assert (field(row, 1), field(row, 8), field(row, 9)) == ("120,00", "8320", "0240")
    assert (field(row, 40), field(row, 41)) == ("AT", "20,00")


def test_a_credit_note_is_the_mirror_row_and_names_its_original(account, shop):
    original_id = insert(account)
    original = account.control("GET", f"orders/{original_id}")
    credit_id = account.control("POST", "orders", credit_json(original))["BillBeeOrderId"]
    import_and_book(shop)
    rows = rows_of(export_november(shop).batches[0])

    credit_number = booking(credit_id).entry.number
    invoice_number = booking(original_id).entry.number
    [invoice_row] = [r for r in rows if field(r, 2) == "S"]
    [credit_row] = [r for r in rows if field(r, 2) == "H"]
    assert (field(credit_row, 1), field(credit_row, 8)) == ("25,00", "8400")
    # DATEV's open-item key: the credit note carries the invoice's Belegfeld 1 (13 characters,
    # too long for Belegfeld 2), so DATEV offsets the invoice; its own number follows.
    assert len(invoice_number) == 13
    assert field(credit_row, 11) == field(invoice_row, 11) == invoice_number
    assert field(credit_row, 12) == credit_number  # GS-2026-5xx fits 12 characters
    assert field(credit_row, 14).startswith(credit_number)
    info = [field(credit_row, n) for n in range(21, 37)]
    assert info[info.index("Originalrechnung") + 1] == invoice_number
    assert info[info.index("Gutschrift") + 1] == credit_number


def test_a_credit_note_may_keep_its_own_number_in_belegfeld_1(account, shop):
    settings = bookkeeping_settings(shop)
    settings.credit_note_document_field = "own"
    settings.save()
    original_id = insert(account)
    original = account.control("GET", f"orders/{original_id}")
    credit_id = account.control("POST", "orders", credit_json(original))["BillBeeOrderId"]
    import_and_book(shop)
    rows = rows_of(export_november(shop).batches[0])

    [credit_row] = [r for r in rows if field(r, 2) == "H"]
    assert field(credit_row, 11) == booking(credit_id).entry.number
    assert field(credit_row, 12) == ""  # the 13-character invoice number does not fit
    info = [field(credit_row, n) for n in range(21, 37)]
    assert info[info.index("Originalrechnung") + 1] == booking(original_id).entry.number


def test_each_entry_is_exported_once_and_a_reexport_is_explicit(account, shop):
    insert(account)
    import_and_book(shop)
    first = export_november(shop)
    second = export_november(shop)

    assert len(first.batches) == 1 and second.batches == []
    assert second.empty_months == ["2026-11"]
    again = export_november(shop, reexport=True)
    [batch] = again.batches
    assert (
        batch.reexport and batch.file_name == "EXTF_Buchungsstapel_shop_2026-11_Wiederholung-1.csv"
    )
    assert read_extf(batch.data).header.label == "Wiederholung 1 11/2026 shop"
    assert ExportedEntry.objects.filter(reexport=False).count() == 1
    assert ExportedEntry.objects.filter(reexport=True).count() == 1
    [notice] = again.notices
    assert "importing it and the earlier file into datev books them twice" in notice.lower()
    # A second re-export has a name of its own.
    assert export_november(shop, reexport=True).batches[0].file_name.endswith("_Wiederholung-2.csv")


def test_after_a_late_change_the_next_export_holds_the_reversal_and_the_new_entry(account, shop):
    billbee_id = insert(account)
    import_and_book(shop)
    export_november(shop)

    patch(account, billbee_id, OrderItems=[item("30.00", 1, "4.79")], TotalCost=35)
    import_and_book(shop)
    [batch] = export_november(shop).batches

    rows = rows_of(batch)
    assert batch.entries == 2
    assert (batch.kind, batch.sequence, batch.file_name) == (
        "supplement",
        1,
        "EXTF_Buchungsstapel_shop_2026-11_Nachtrag-1.csv",
    )
    assert {
        (e.late_change, e.booked_after_export)
        for e in JournalEntry.objects.filter(exports__batch=batch)
    } == {(True, False)}
    reversal = next(r for r in rows if field(r, 118) == "1")
    replacement = next(r for r in rows if field(r, 118) == "0")
    # The Storno repeats the original booking with the Generalumkehr flag.
    assert (field(reversal, 1), field(reversal, 2), field(reversal, 8)) == ("25,00", "S", "8400")
    assert (field(replacement, 1), field(replacement, 2)) == ("35,00", "S")
    assert lint_file(batch.data) == []


def test_a_document_booked_after_its_month_was_exported_goes_into_a_named_supplement(account, shop):
    """Not a late change: the document arrived late. The first export and each supplement of
    the month are told apart in the file name, the Bezeichnung and the batch list."""
    insert(account)
    import_and_book(shop)
    [first] = export_november(shop).batches
    late = insert(account, InvoiceNumber=4712)
    patch(account, late, SellerComment="arrived after the export")  # read by the next run
    import_and_book(shop)

    entry = booking(late).entry
    assert (entry.booked_after_export, entry.late_change) == (True, False)
    assert "booked after export" in entry.note
    [supplement] = export_november(shop).batches

    assert (first.kind, first.file_name) == ("first", "EXTF_Buchungsstapel_shop_2026-11.csv")
    assert (supplement.kind, supplement.sequence) == ("supplement", 1)
    assert supplement.file_name == "EXTF_Buchungsstapel_shop_2026-11_Nachtrag-1.csv"
    assert read_extf(first.data).header.label == "11/2026 shop"
    assert read_extf(supplement.data).header.label == "Nachtrag 1 11/2026 shop"
    assert supplement.entries == 1


def test_a_month_with_waiting_documents_is_exported_only_when_confirmed(account, shop):
    from bookkeeping.errors import ExportIncomplete
    from tests.bookkeeping.helpers import MANUAL

    insert(account)
    waiting = insert(account, Seller=MANUAL, InvoiceNumber=4713)  # no debtor for its origin
    import_and_book(shop)
    assert booking(waiting).status == "waiting"

    with pytest.raises(ExportIncomplete) as refused:
        export_november(shop)

    [month] = refused.value.months
    assert (month.not_over, month.total) == (False, 1)
    assert month.documents[0].number == "RE-2026-4713"
    assert "1 document(s) waiting or rejected: RE-2026-4713 (assign a debtor" in str(refused.value)
    assert not ExportBatch.objects.exists()

    [batch] = export_november(shop, allow_incomplete=True).batches
    assert batch.incomplete.startswith("11/2026: 1 document(s) waiting or rejected: RE-2026-4713")


def test_the_current_month_is_exported_only_when_confirmed(account, shop):
    from datetime import datetime

    from bookkeeping.errors import ExportIncomplete

    insert(account)
    import_and_book(shop)
    during = datetime(2026, 11, 20, 12, tzinfo=UTC)

    with pytest.raises(ExportIncomplete) as refused:
        datev_export(shop, *NOVEMBER, now=during)

    assert refused.value.months[0].not_over
    assert "the month was not over yet (20.11.2026" in str(refused.value)


def test_a_file_with_findings_is_refused_naming_the_billbee_order(account, shop):
    billbee_id = insert(account, InvoiceNumberPrefix="RE 2026_")  # a space: not allowed
    import_and_book(shop)

    with pytest.raises(ExportRefused) as refused:
        export_november(shop)

    assert "nothing was exported" in str(refused.value)
    belegfeld = [f for f in refused.value.findings if f.field == "Belegfeld 1"]
    assert belegfeld and all(f.ref == str(billbee_id) for f in belegfeld)
    assert "' '" in belegfeld[0].message
    assert not ExportBatch.objects.exists() and not ExportedEntry.objects.exists()


def test_the_file_is_linted_in_slices_with_the_same_findings(account, shop):
    for _ in range(7):
        insert(account)
    import_and_book(shop)
    data = export_november(shop).batches[0].data
    broken = data.replace(b';"S";', b';"X";', 3)  # three rows with a bad S/H

    whole = lint_file(broken)
    sliced = lint_stream(io.BytesIO(broken), slice_rows=2)

    assert len(whole) == 3
    assert [(f.line, f.rule) for f in sliced] == [(f.line, f.rule) for f in whole]


def test_export_datev_command_lists_an_incomplete_month_and_needs_allow_incomplete(
    account, shop, tmp_path, capsys
):
    from tests.bookkeeping.helpers import MANUAL

    insert(account)
    insert(account, Seller=MANUAL, InvoiceNumber=4713)
    import_and_book(shop)
    target = tmp_path / "november.csv"
    args = ["export_datev", "--connection", "shop", "--from", "2026-11-01", "--to", "2026-11-30"]

    with pytest.raises(SystemExit) as refused:
        call_command(*args, "--output", str(target))

    assert refused.value.code == 1 and not target.exists()
    err = capsys.readouterr().err
    assert "11/2026: RE-2026-4713 (waiting: assign a debtor" in err
    assert "--allow-incomplete" in err

    call_command(*args, "--output", str(target), "--allow-incomplete")

    assert target.exists()
    assert "exported incomplete" in capsys.readouterr().err


def test_export_datev_command_writes_the_file_and_its_json(account, shop, tmp_path):
    insert(account)
    import_and_book(shop)
    out = StringIO()
    target = tmp_path / "november.csv"

    call_command(
        "export_datev",
        "--connection",
        shop.name,
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--output",
        str(target),
        "--json",
        stdout=out,
    )

    assert target.read_bytes().startswith(b'"EXTF";700;21;"Buchungsstapel";13;')
    assert b"\r\n" in target.read_bytes()
    assert str(target) in out.getvalue()


def test_export_datev_command_writes_one_file_per_month_into_a_zip(account, shop, tmp_path):
    insert(account)
    insert(account, InvoiceDate="2026-10-30T10:00:00", CreatedAt="2026-10-29T10:00:00")
    shop.import_start_date = date(2026, 10, 1)
    shop.save()
    import_and_book(shop)
    target = tmp_path / "export.zip"

    call_command(
        "export_datev",
        "--connection",
        shop.name,
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--output",
        str(target),
        stdout=StringIO(),
    )

    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == [
            f"EXTF_Buchungsstapel_{shop.name}_2026-10.csv",
            f"EXTF_Buchungsstapel_{shop.name}_2026-11.csv",
        ]
        for name in names:
            assert lint_file(archive.read(name)) == []


def test_export_datev_command_lists_findings_and_exits_1(account, shop, tmp_path, capsys):
    insert(account, InvoiceNumberPrefix="RE 2026_")
    import_and_book(shop)

    with pytest.raises(SystemExit) as stopped:
        call_command(
            "export_datev",
            "--connection",
            shop.name,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--output",
            str(tmp_path / "x.csv"),
        )

    assert stopped.value.code == 1
    assert not (tmp_path / "x.csv").exists()
    assert "Belegfeld 1" in capsys.readouterr().err


def test_the_entries_of_the_generated_data_export_without_findings(make_sandbox):
    connection, _ = generated_books(make_sandbox(orders=400))

    # The generated data keeps documents waiting on purpose (manual invoices whose VAT
    # differs from Billbee's): the months are exported as incomplete, which they record.
    result = datev_export(connection, date(2026, 8, 1), date(2026, 11, 30), allow_incomplete=True)

    assert len(result.batches) >= 3
    assert any(
        "VAT differs" in b.incomplete or "Billbee charged" in b.incomplete for b in result.batches
    )
    exported = sum(b.entries for b in result.batches)
    assert exported == JournalEntry.objects.filter(connection=connection).count()
    for batch in result.batches:
        assert lint_file(batch.data) == [], batch.file_name
    assert result.warnings == [] or all(w.severity == "warning" for w in result.warnings)


def test_the_debtors_master_data_names_customer_and_collective_debtors(account, shop, tmp_path):
    from bookkeeping.models import BookkeepingSettings

    BookkeepingSettings.objects.filter(pk=shop.pk).update(debtor_per_customer=True)
    address = {
        "CountryISO2": "AT",
        "FirstName": "Anna",
        "LastName": "Huber",
        "Zip": "1010",
        "City": "Wien",
        "Street": "Graben",
        "HouseNumber": "1",
        "Company": "Huber KG",
    }
    insert(
        account,
        Customer={"Id": 501},
        InvoiceAddress=address,
        ShippingAddress=address,
        VatMode=2,
        CustomerVatId="ATU13585627",
        OrderItems=[item("100.00", 1, "0")],
        ShippingCost=0,
        TotalCost="100.00",
    )
    import_and_book(shop)
    target = tmp_path / "debtors.csv"

    call_command(
        "export_debtors", "--connection", shop.name, "--output", str(target), stdout=StringIO()
    )

    data = target.read_bytes()
    parsed = read_extf(data)
    assert (parsed.header.category, parsed.header.format_name) == (16, "Debitoren/Kreditoren")
    rows = {row.fields[0]: row.fields for row in parsed.rows}
    customer = rows["20000"]
    assert (customer[1], customer[6], customer[8], customer[9]) == (
        "Huber KG",
        "2",
        "AT",
        "U13585627",
    )
    assert (customer[15], customer[17], customer[18], customer[19]) == (
        "Graben 1",
        "1010",
        "Wien",
        "AT",
    )
    assert rows["10001"][1].startswith("[Billbee]-Shopware")  # the mapping's collective debtor
    assert lint_file(data) == []


def test_a_month_with_more_rows_than_a_file_holds_is_split_into_parts(account, shop, monkeypatch):
    from bookkeeping.services import export

    for _ in range(5):
        insert(account)
    import_and_book(shop)
    monkeypatch.setattr(export, "MAX_ROWS", 2)

    batches = export_november(shop).batches

    # Each invoice is one gross row: two per file, the fifth in a third file.
    assert [(b.part, b.rows, b.entries) for b in batches] == [(1, 2, 2), (2, 2, 2), (3, 1, 1)]
    assert batches[1].file_name.endswith("_2026-11_Teil-2.csv")
    assert read_extf(batches[1].data).header.label == "11/2026 Teil 2 shop"
    assert (
        ExportedEntry.objects.count() == 5 == len({e.entry_id for e in ExportedEntry.objects.all()})
    )


def test_the_lock_flag_follows_the_setting(account, shop):
    from bookkeeping.models import BookkeepingSettings

    BookkeepingSettings.objects.filter(pk=shop.pk).update(lock_exported=True)
    insert(account)
    import_and_book(shop)
    [batch] = export_november(shop).batches

    parsed = read_extf(batch.data)
    assert parsed.header.locked == "1"
    assert field(parsed.rows[0].fields, 114) == "1"


def test_a_zero_rated_line_of_an_oss_sale_names_its_rate_too(account, shop):
    insert_austrian_sale(
        account,
        OrderItems=[item("120.00", 1, "20.00"), item("10.00", 0, "0")],
        TotalCost="130.00",
    )
    import_and_book(shop)
    [batch] = export_november(shop).batches

    rows = sorted(rows_of(batch), key=lambda r: field(r, 1))
    assert [(field(r, 1), field(r, 40), field(r, 41)) for r in rows] == [
        ("10,00", "AT", "00,00"),
        ("120,00", "AT", "20,00"),
    ]
    assert lint_file(batch.data) == []


@pytest.mark.parametrize(
    ("voucher_account", "expected"),
    [
        # The default (8720, automatic): the voucher row is gross and DATEV derives its VAT.
        (None, [("119,00", "S", "8400"), ("23,80", "H", "8720")]),
        # An account without the automatic: DATEV derives the goods' VAT only, so the VAT the
        # voucher carried is booked back on the VAT account.
        (1718, [("119,00", "S", "8400"), ("20,00", "H", "1718"), ("3,80", "H", "1776")]),
    ],
)
def test_a_single_purpose_voucher_exports_the_vat_of_the_entry(
    account, shop, voucher_account, expected
):
    CouponRule.objects.create(connection=shop, text="EZ-", kind="single_purpose")
    TaxAccount.objects.filter(connection=shop, case="domestic", rate=19).update(
        voucher_account=voucher_account
    )
    voucher = {
        "Quantity": 1,
        "TotalPrice": "-23.80",
        "IsCoupon": True,
        "TaxIndex": 0,
        "Product": {"Title": "EZ-Gutschein", "SKU": None},
    }
    insert(
        account, OrderItems=[item("119.00", 1, "19.00"), voucher], ShippingCost=0, TotalCost="95.20"
    )
    import_and_book(shop)
    [batch] = export_november(shop).batches

    rows = [(field(r, 1), field(r, 2), field(r, 8)) for r in rows_of(batch)]
    assert rows == expected
    # What DATEV books: the debtor carries the document total.
    debtor = sum(Decimal(a.replace(",", ".")) * (1 if s == "S" else -1) for a, s, _ in rows)
    assert debtor == Decimal("95.20")
    assert lint_file(batch.data) == []


def test_a_payment_is_exported_with_its_invoice_crediting_the_debtor(account, shop):
    from django.utils import timezone

    from bookkeeping.services.payments import PaymentPosting, payment_post

    billbee_id = insert(account)
    import_and_book(shop)
    invoice = booking(billbee_id).entry
    payment_post(
        PaymentPosting(
            invoice=invoice,
            day=date(2026, 11, 20),
            amount=Decimal("25.00"),
            account=1201,
            fee=Decimal("0.97"),
            fee_account=4970,
        ),
        timezone.now(),
    )

    [batch] = export_november(shop).batches
    rows = rows_of(batch)

    payments = [r for r in rows if field(r, 8) in ("1201", "4970")]
    assert [
        (field(r, 1), field(r, 2), field(r, 7), field(r, 8), field(r, 11)) for r in payments
    ] == [
        ("24,03", "H", "10001", "1201", invoice.number),
        ("0,97", "H", "10001", "4970", invoice.number),
    ]
    assert all(field(r, 9) == "" and field(r, 10) == "2011" for r in payments)
    assert lint_file(batch.data) == []
    assert (batch.rows, batch.entries) == (3, 2)
