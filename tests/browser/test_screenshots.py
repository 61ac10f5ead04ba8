"""The pictures of the main screens (var/screenshots/, at 1920 × 1080 and 1366 × 900), taken
on a shop with something on every page; each page is checked for what it must show first, so
that no picture of an error page is ever saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.console import Console
from tests.browser.data import last_month, shop_with_everything


@pytest.fixture
def everything(server: Any, shop_sandbox: Any, eager: None, tmp_path: Any) -> Any:
    return shop_with_everything(shop_sandbox, tmp_path)


def test_the_main_screens_are_photographed(console: Console, everything: Any) -> None:
    from connector.models import ExternalOrder, ImportRun
    from payments.models import StatementTransaction

    console.open("/admin/")
    assert "BILLBEE IMPORT" in console.text.upper()
    console.shoot("dashboard")

    console.follow("External orders", within="#content")
    assert "40 external orders" in console.text
    console.shoot("upload-log")

    booked = ExternalOrder.objects.filter(booking__status="booked").order_by("pk")[0]
    console.open(f"/admin/connector/externalorder/{booked.pk}/change/")
    assert "Decision trace" in console.text and booked.invoice_number in console.text
    console.shoot("document-trace")

    console.follow("Work queue", within="#header")
    assert "to do for Shop" in console.text
    console.shoot("work-queue")

    console.open("/admin/bookkeeping/debtormapping/")
    assert "[Billbee]-" in console.text
    console.shoot("debtor-mapping")

    run = ImportRun.objects.get()
    console.open(f"/admin/connector/importrun/{run.pk}/change/")
    assert console.facts(".import-run")["state"] == "succeeded"
    console.shoot("import-run")

    month = last_month()
    console.follow("Period report", within="#header")
    console.choose("connection", "Shop")
    console.fill("month", f"{month:%Y-%m}")
    console.press("Show the report")
    assert f"Period report {month:%m/%Y}" in console.text or "Period report" in console.title
    console.shoot("period-report")

    console.open("/admin/bookkeeping/exportbatch/export/")
    assert "Lint and export" in (console.one("input[type=submit]").get_attribute("value") or "")
    console.shoot("datev-export")

    console.open("/admin/payments/statementtransaction/")
    lines = StatementTransaction.objects.count()
    assert lines > 0 and f"{lines} statement lines" in console.text.lower()
    console.shoot("statement-lines")

    waiting = StatementTransaction.objects.filter(confirmed_at__isnull=True).order_by("pk")[0]
    console.open(f"/admin/payments/statementtransaction/{waiting.pk}/settle/")
    assert "Confirm for one invoice" in console.text
    console.shoot("settle")
