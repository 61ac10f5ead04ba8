"""A new connection set up in the browser with the wizard, as a new user does it: Billbee
access, test, chart and DATEV numbers, channels and start date, debtor accounts, a dry run,
the schedule; at the end the start page shows the connection."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.console import Console
from tests.browser.data import last_month
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER


def test_a_connection_to_the_sandbox_is_set_up_with_the_wizard(
    console: Console, shop_sandbox: Any, eager: None
) -> None:
    from connector.models import Connection, ExternalOrder

    console.open("/admin/")
    console.follow("Connections", within="#content")
    console.follow("Set up a new connection", within="#content")

    # 1 Billbee access: the secrets are typed once and never shown again
    console.fill("name", "newshop")
    console.fill("api_url", shop_sandbox.api_url)
    console.fill("username", SANDBOX_USER)
    console.fill("new_api_password", SANDBOX_PASSWORD)
    console.fill("new_api_key", SANDBOX_KEY)
    console.press("Save and continue")
    assert SANDBOX_PASSWORD not in console.driver.page_source
    assert SANDBOX_KEY not in console.driver.page_source

    # 2 Test
    console.press("Test the connection")
    assert "The connection works." in console.text
    console.press("Continue", within=".submit-row")

    # 3 Books
    console.choose("chart", "SKR04")
    console.fill("consultant_number", "1234567")
    console.fill("client_number", "4711")
    console.press("Save and continue")

    # 4 Channels and start date: the sandbox's orders start on the 4th of last month
    console.fill("import_start_date", f"{last_month().replace(day=4):%Y-%m-%d}")
    console.press("Save and continue")

    # 5 Debtor accounts (none known before the dry run has read the shop's orders)
    console.press("Continue", within=".submit-row")

    # 6 Dry run: what the first import would do, nothing written
    console.press("Run the dry run")
    read = re.search(r"(\d+) documents? read", console.text)
    assert read and int(read.group(1)) > 0
    assert "WOULD BE" in console.text.upper()  # the table of outcomes (headers in capitals)
    connection = Connection.objects.get(name="newshop")
    assert not ExternalOrder.objects.filter(connection=connection).exists()
    console.press("Continue", within=".submit-row")

    # 7 Schedule on, finished: the start page shows the new connection
    console.tick("schedule_enabled")
    console.press("Finish and go to the dashboard")
    assert console.path == "/admin/"
    assert "newshop" in console.text
    connection.refresh_from_db()
    assert connection.onboarded_at is not None and connection.schedule_enabled
    assert connection.chart == "skr04"
