"""Browser tests: Debian's Chromium, driven by Selenium through Debian's chromedriver, against
the console on a live server, with the Billbee sandbox over real HTTP.

One browser and one sandbox per session; every test logs in through the real login form. A
failing test leaves a screenshot and the page source in var/browser-failures/; the tours save
their pictures in var/screenshots/.

Nothing is downloaded: the browser and the driver are the Debian packages (``chromium``,
``chromium-driver``), and Selenium Manager is kept from running at all. Without them the tests
are skipped with the reason, and fail instead in CI (``REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from billbee.sandbox import SandboxConfig, make_server
from tests.browser.console import Console, Window
from tests.browser.data import last_month, shop_connection, shop_imported
from tests.conftest import (
    BERLIN,
    SANDBOX_KEY,
    SANDBOX_PASSWORD,
    SANDBOX_USER,
    Sandbox,
    _require_or_skip,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=en-US",
)
VAR = Path(__file__).resolve().parents[2] / "var"
SCREENSHOTS = VAR / "screenshots"
FAILURES = VAR / "browser-failures"
DOWNLOADS = VAR / "browser-downloads"

OPERATOR = "operator"
OPERATOR_PASSWORD = "browser-test-password-4Tq"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium against a live server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test leaves what the browser showed: a PNG and the page source."""
    report = yield
    console = getattr(item, "funcargs", {}).get("console")
    if report.when == "call" and report.failed and isinstance(console, Console):
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = item.name.replace("/", "_").replace("[", "-").replace("]", "")
        try:
            console.driver.save_screenshot(str(FAILURES / f"{name}.png"))
            (FAILURES / f"{name}.html").write_text(console.driver.page_source, encoding="utf-8")
        except Exception as exc:  # the browser itself may be what failed
            report.sections.append(("browser failure picture", f"not saved: {exc!r}"))
        else:
            report.sections.append(("browser failure picture", str(FAILURES / f"{name}.png")))
    return report


# ------------------------------------------------------------------------- the browser


def _chromium_driver() -> Any:
    """Chromium through chromedriver, both Debian's, with Selenium Manager forbidden: it would
    download a browser or a driver when it ran."""
    for binary, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not binary.exists():
            _require_or_skip(f"{binary} is missing: install Debian's {package}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common import selenium_manager
    except ImportError:
        _require_or_skip("selenium is not installed (pip install -e '.[test]')")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Selenium Manager must not run: it would download a browser")

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"intl.accept_languages": "en-US,en", "download.prompt_for_download": False},
    )
    original = selenium_manager.SeleniumManager.binary_paths
    selenium_manager.SeleniumManager.binary_paths = refuse  # type: ignore[method-assign]
    try:
        return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    finally:
        selenium_manager.SeleniumManager.binary_paths = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def chromium(server: Any) -> Iterator[Any]:
    """The browser, quit before the live server stops (it depends on it)."""
    driver = _chromium_driver()
    driver.set_page_load_timeout(60)
    shutil.rmtree(DOWNLOADS, ignore_errors=True)
    DOWNLOADS.mkdir(parents=True)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(DOWNLOADS), "eventsEnabled": True},
    )
    try:
        yield driver
    finally:
        driver.quit()


# ------------------------------------------------------------------------- the servers


@pytest.fixture(scope="session")
def _server_static_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """WhiteNoise warns (an error here) when STATIC_ROOT does not exist; the live server's
    middleware is built once, so the folder must exist for the whole session."""
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=str(folder)):
        yield


@pytest.fixture(scope="session")
def server(_server_static_root: None, django_db_setup: None, live_server: Any) -> Iterator[Any]:
    """The console on pytest-django's live server, stopped before the test database is
    dropped (it depends on it)."""
    yield live_server
    # The browser has quit by now: the threads that served its kept-alive connections end,
    # closing their database connections, which would otherwise keep PostgreSQL from
    # dropping the test database.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)


@pytest.fixture(scope="session")
def shop_sandbox() -> Iterator[Sandbox]:
    """One Billbee sandbox for the session: 40 orders from the 4th to the 24th of last month,
    so that last month is over and has something to export whenever the tests run."""
    month = last_month()
    server = make_server(
        port=int(os.environ.get("BROWSER_SANDBOX_PORT", "0")),
        timezone="Europe/Berlin",
        orders=40,
        seed=11,
        days=20,
        end=datetime(month.year, month.month, 24, 18, 0, tzinfo=BERLIN),
        config=SandboxConfig(
            username=SANDBOX_USER,
            api_password=SANDBOX_PASSWORD,
            api_key=SANDBOX_KEY,
            rate_limit=0,
        ),
    )
    server.start_in_thread()
    yield Sandbox(server)
    server.stop()


# ------------------------------------------------------------------------- data and login


@pytest.fixture
def eager(settings: Any) -> None:
    """The console's tasks (import, booking) run in the request that starts them: the live
    server has no worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def shop(server: Any, shop_sandbox: Sandbox, eager: None) -> Any:
    """A connection to the session's sandbox, importing from the first of last month."""
    return shop_connection(shop_sandbox)


@pytest.fixture
def imported_shop(server: Any, shop_sandbox: Sandbox, eager: None) -> Any:
    """The connection after one import as the console starts it: read, decided and booked."""
    return shop_imported(shop_sandbox)


@pytest.fixture
def console(chromium: Any, server: Any) -> Console:
    """The browser logged in as an operator (a superuser) through the login form, at the
    target size of 1366 × 900."""
    from django.contrib.auth.models import User

    User.objects.create_superuser(OPERATOR, "operator@example.com", OPERATOR_PASSWORD)
    return make_console(chromium, server)


def make_console(chromium: Any, server: Any) -> Console:
    console = Console(chromium, server.url, downloads=DOWNLOADS, screenshots=SCREENSHOTS)
    console.resize(Window.TARGET)
    console.forget_session()
    console.log_in(OPERATOR, OPERATOR_PASSWORD)
    return console
