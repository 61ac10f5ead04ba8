"""The pictures of the main screens (var/screenshots/, at 1920 × 1080 and 1366 × 900), taken
in German (the console's default language) on a shop with something on every page; each page
is checked for what it must show first, so that no picture of an error page is ever saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tests.browser.console import Console
from tests.browser.data import last_month, shop_with_everything


@pytest.fixture
def everything(server: Any, shop_sandbox: Any, eager: None, tmp_path: Any) -> Any:
    return shop_with_everything(shop_sandbox, tmp_path)


def de(text: str) -> str:
    """What the German console shows for ``text``."""
    with translation.override("de"):
        return translation.gettext(text)


def test_the_main_screens_are_photographed(console: Console, everything: Any) -> None:
    from connector.models import ExternalOrder, ImportRun
    from payments.models import StatementTransaction

    console.open("/admin/")
    console.driver.add_cookie({"name": "django_language", "value": "de", "path": "/"})
    console.open("/admin/")
    assert 'lang="de"' in console.driver.page_source
    assert de("Billbee import").upper() in console.text.upper()
    console.shoot("dashboard")

    console.follow(de("External orders"), within="#content")
    assert f"40 {de('external orders')}" in console.text
    console.shoot("upload-log")

    booked = ExternalOrder.objects.filter(booking__status="booked").order_by("pk")[0]
    console.open(f"/admin/connector/externalorder/{booked.pk}/change/")
    assert de("Decision trace") in console.text and booked.invoice_number in console.text
    console.shoot("document-trace")

    console.follow(de("Work queue"), within="#header")
    assert "Shop" in console.one("#total").text
    console.shoot("work-queue")

    console.open("/admin/bookkeeping/debtormapping/")
    assert "[Billbee]-" in console.text
    console.shoot("debtor-mapping")

    run = ImportRun.objects.get()
    console.open(f"/admin/connector/importrun/{run.pk}/change/")
    with translation.override("de"):
        succeeded = str(run.get_state_display())
    assert succeeded != run.state and succeeded in console.text  # the German label
    console.shoot("import-run")

    month = last_month()
    console.follow(de("Period report"), within="#header")
    console.choose("connection", "Shop")
    console.fill("month", f"{month:%Y-%m}")
    console.press(de("Show the report"))
    assert de("Period report") in console.title
    console.shoot("period-report")

    console.open("/admin/bookkeeping/exportbatch/export/")
    button = console.one("input[type=submit]").get_attribute("value") or ""
    assert de("Lint and export") in button
    console.shoot("datev-export")

    console.open("/admin/payments/statementtransaction/")
    lines = StatementTransaction.objects.count()
    assert lines > 0 and f"{lines} {de('Statement lines')}".lower() in console.text.lower()
    console.shoot("statement-lines")

    waiting = StatementTransaction.objects.filter(confirmed_at__isnull=True).order_by("pk")[0]
    console.open(f"/admin/payments/statementtransaction/{waiting.pk}/settle/")
    assert de("Confirm for one invoice") in console.text
    console.shoot("settle")
