"""A shop with something on every page of the console: imported from the sandbox, debtors
assigned and booked, last month exported, the sandbox's bank statement imported and matched,
and one row in each set-up list that an import leaves empty."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import Sandbox
from tests.connector.test_import import make_connection

BERLIN = ZoneInfo("Europe/Berlin")
HAUSBANK_IBAN = "DE02120300000000202051"  # the account of the sandbox's statements


def last_month() -> date:
    """The first day of the month before this one (Europe/Berlin): the month a merchant
    exports now."""
    first = datetime.now(BERLIN).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def shop_connection(sandbox: Sandbox) -> Any:
    """A connection to the sandbox, importing from the first of last month."""
    return make_connection(sandbox, name="Shop", import_start_date=last_month())


def shop_imported(sandbox: Sandbox) -> Any:
    """The connection after one import as the console starts it: read, decided, booked."""
    from connector.models import ImportRun
    from connector.tasks import import_orders_task

    connection = shop_connection(sandbox)
    import_orders_task(connection.pk, ImportRun.Trigger.ADMIN)
    return connection


def documents_book_all(connection: Any) -> list[str]:
    """Assign a debtor to every origin and book what waited for one; the invoice numbers of
    last month's booked documents."""
    from bookkeeping.models import DebtorMapping, DocumentBooking
    from bookkeeping.tasks import book_documents_task

    DebtorMapping.objects.filter(connection=connection).update(account=10001)
    book_documents_task(connection.pk)
    month = last_month()
    return list(
        DocumentBooking.objects.filter(
            connection=connection,
            status=DocumentBooking.Status.BOOKED,
            document__document_date__year=month.year,
            document__document_date__month=month.month,
        ).values_list("document__invoice_number", flat=True)
    )


def shop_with_everything(sandbox: Sandbox, folder: Path) -> Any:
    from bookkeeping.services.export import datev_export

    connection = shop_imported(sandbox)
    documents_book_all(connection)
    month = last_month()
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    datev_export(connection, month, end, allow_incomplete=True)
    statement_imported(connection, sandbox, folder)
    set_up_lists_filled(connection)
    return connection


def statement_imported(connection: Any, sandbox: Sandbox, folder: Path) -> None:
    """The sandbox's CAMT.053 statement of its unpaid orders, imported and matched as the
    command does it."""
    from django.core.management import call_command

    from payments.models import PaymentSource

    PaymentSource.objects.create(
        connection=connection,
        name="Hausbank",
        iban=HAUSBANK_IBAN,
        ledger_account=1200,
        fee_account=4970,
    )
    reply = sandbox.control("GET", "statements/camt053?days=40")
    path = folder / reply["filename"]
    path.write_text(reply["content"], encoding="utf-8")
    call_command("import_statement", str(path), "--source", "Hausbank", "--no-billbee")


def set_up_lists_filled(connection: Any) -> None:
    """One row in each list an import does not fill, so that every list has its columns."""
    from bookkeeping.models import CouponRule, CustomerDebtor, ExchangeRate, ForeignRegistration
    from connector.models import ExternalOrder, InvoiceRequest
    from payments.models import IgnoreRule, ReminderLog

    ExchangeRate.objects.create(
        currency="CHF", day=last_month(), kind=ExchangeRate.Kind.MONTHLY, rate=Decimal("0.9312")
    )
    CouponRule.objects.create(connection=connection, text="GUTSCHEIN", kind="multi_purpose")
    ForeignRegistration.objects.create(
        connection=connection,
        country="AT",
        vat_id="ATU12345678",
        local_account=4315,
        ic_supply_account=4125,
        export_account=4120,
        vat_account=3806,
    )
    CustomerDebtor.objects.create(
        connection=connection,
        customer_key="browser-test-1",
        account=20001,
        company="Möbelhaus Krüger GmbH",
        city="Leipzig",
        country="DE",
    )
    IgnoreRule.objects.create(
        connection=connection,
        field=IgnoreRule.Field.NAME,
        pattern="Finanzamt",
        reason="Finanzamt: bucht die Steuerkanzlei",  # written by the merchant, in German
    )
    invoice = ExternalOrder.objects.filter(connection=connection).exclude(invoice_number="")[0]
    InvoiceRequest.objects.create(
        connection=connection,
        billbee_order_id=invoice.billbee_order_id + 1_000_000,
        error="Billbee answered 500: try again later",
        attempts=2,
    )
    ReminderLog.objects.create(
        connection=connection,
        document=invoice,
        level=1,
        channel="email",
        status=ReminderLog.Status.SENT,
        dated=last_month() + timedelta(days=27),
        to_address="kunde@example.com",
        subject=f"Zahlungserinnerung {invoice.invoice_number}",
        amount_open=Decimal("49.90"),
        currency="EUR",
        invoice_number=invoice.invoice_number,
    )
