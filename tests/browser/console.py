"""The operator console as a person uses it in a browser: open a page, follow a link, fill a
field, press a button, read what the page says. Each flow in the browser tests is a handful of
these steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

T = TypeVar("T")
WAIT_S = 30.0


class Window(Enum):
    TARGET = (1366, 900)  # the smallest screen the console is made for
    WIDE = (1920, 1080)


class Console:
    def __init__(self, driver: WebDriver, url: str, *, downloads: Path, screenshots: Path) -> None:
        self.driver = driver
        self.url = url.rstrip("/")
        self.downloads = downloads
        self.screenshots = screenshots

    # ------------------------------------------------------------------ the window

    def resize(self, window: Window) -> None:
        """The page's viewport exactly ``window`` wide and high (what CSS and a screenshot
        see), whatever the browser's own frame takes."""
        width, height = window.value
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    @property
    def viewport_width(self) -> int:
        return int(self.driver.execute_script("return window.innerWidth"))

    def shoot(self, name: str, *windows: Window) -> list[Path]:
        """Save the page as var/screenshots/<name>-<width>.png at each size (wide and target
        by default); the window is back at the target size afterwards."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        saved = []
        for window in windows or (Window.WIDE, Window.TARGET):
            self.resize(window)
            self.driver.execute_script("window.scrollTo(0, 0)")
            path = self.screenshots / f"{name}-{window.value[0]}.png"
            self.driver.save_screenshot(str(path))
            saved.append(path)
        self.resize(Window.TARGET)
        return saved

    # ------------------------------------------------------------------ moving around

    def forget_session(self) -> None:
        self.driver.get(f"{self.url}/admin/login/")
        self.driver.delete_all_cookies()

    def log_in(self, username: str, password: str) -> None:
        self.open("/admin/login/")
        self.fill("username", username)
        self.fill("password", password)
        self.press("Log in")
        self.wait_for(lambda: "/admin/login/" not in self.driver.current_url, "the login")

    def open(self, path: str) -> None:
        self.driver.get(f"{self.url}{path}")

    @property
    def path(self) -> str:
        return str(self.driver.current_url).removeprefix(self.url)

    def follow(self, text: str, within: str = "body") -> None:
        """Click the link whose text is (or contains) ``text`` and wait for the next page."""
        link = self._link(text, within)
        self._leaving(link.click)

    def _link(self, text: str, within: str) -> WebElement:
        """The first link in ``within`` whose text is ``text`` (else contains it), as written
        in the page: CSS may show it in capitals."""
        link = self.driver.execute_script(
            """
            const [within, text] = arguments;
            const links = [...document.querySelectorAll(within + " a")];
            const said = (a) => a.textContent.replace(/\\s+/g, " ").trim();
            return links.find((a) => said(a) === text) || links.find((a) => said(a).includes(text));
            """,
            within,
            text,
        )
        assert link is not None, f"no link {text!r} in {within} on {self.path}"
        return link  # type: ignore[no-any-return]

    def follow_href(self, part: str, within: str = "body") -> None:
        """Click the first link in ``within`` whose address contains ``part``."""
        links = self.driver.find_elements(By.CSS_SELECTOR, f"{within} a[href*='{part}']")
        assert links, f"no link to {part!r} in {within} on {self.path}"
        self._leaving(links[0].click)

    def href(self, text: str, within: str = "body") -> str:
        return str(self._link(text, within).get_attribute("href")).removeprefix(self.url)

    def fill(self, name: str, value: str) -> None:
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)

    def choose(self, name: str, label: str) -> None:
        Select(self.driver.find_element(By.NAME, name)).select_by_visible_text(label)

    def choose_value(self, selector: str, value: str) -> None:
        Select(self.driver.find_element(By.CSS_SELECTOR, selector)).select_by_value(value)

    def tick(self, name: str) -> None:
        box = self.driver.find_element(By.NAME, name)
        if not box.is_selected():
            box.click()

    def press(self, label: str, within: str = "body") -> None:
        """Press the submit button labelled ``label`` and wait for the next page."""
        scope = self.driver.find_element(By.CSS_SELECTOR, within)
        buttons = [
            b
            for b in scope.find_elements(
                By.CSS_SELECTOR, "input[type=submit], button[type=submit], button:not([type])"
            )
            if label in ((b.get_attribute("value") or "") + b.text)
        ]
        assert buttons, f"no button {label!r} in {within} on {self.path}"
        self._leaving(buttons[0].click)

    def run_action(self, action: str, *row_texts: str) -> None:
        """On a changelist: select the rows that show ``row_texts``, run ``action``."""
        for text in row_texts:
            row = self.driver.find_element(
                By.XPATH, f"//table[@id='result_list']//tr[contains(., '{text}')]"
            )
            row.find_element(By.CSS_SELECTOR, "input.action-select").click()
        self.choose("action", action)
        self.press("Run", within="#changelist-form .actions")

    def _leaving(self, act: Callable[[], None]) -> None:
        """Do ``act`` and wait until the page it leads to has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        act()

        def replaced() -> bool:
            try:
                old.is_enabled()
            except StaleElementReferenceException:
                return True
            except WebDriverException as exc:
                # Asked while the new page replaces the old one, chromedriver may answer that
                # the old node "does not belong to the document" instead of calling it stale.
                if "does not belong to the document" in str(exc):
                    return True
                raise
            return False

        self.wait_for(replaced, "the next page")
        self.wait_for(
            lambda: self.driver.execute_script("return document.readyState") == "complete",
            "the page to load",
        )

    def wait_for(self, condition: Callable[[], T], what: str, timeout: float = WAIT_S) -> T:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(
            lambda _driver: condition(), message=f"waited {timeout:.0f} s for {what} on {self.path}"
        )

    def wait_for_text(self, text: str, timeout: float = WAIT_S) -> None:
        self.wait_for(lambda: text in self.text, repr(text), timeout)

    # ------------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        """What the page shows (visible text only)."""
        try:
            return str(self.driver.find_element(By.TAG_NAME, "body").text)
        except (StaleElementReferenceException, WebDriverException):
            return ""

    @property
    def title(self) -> str:
        return str(self.driver.title)

    def messages(self) -> list[str]:
        return [
            str(li.text) for li in self.driver.find_elements(By.CSS_SELECTOR, ".messagelist li")
        ]

    def texts(self, selector: str) -> list[str]:
        return [str(e.text) for e in self.driver.find_elements(By.CSS_SELECTOR, selector)]

    def one(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def rows(self, selector: str = "#result_list tbody tr") -> list[list[str]]:
        """The cells' texts of each row of a table."""
        return [
            [str(cell.text) for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
            for row in self.driver.find_elements(By.CSS_SELECTOR, selector)
        ]

    def facts(self, within: str) -> dict[str, str]:
        """The two-column rows (a heading, a value) of the tables in ``within``."""
        return {row[0]: row[1] for row in self.rows(f"{within} table tr") if len(row) == 2}

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)

    # ------------------------------------------------------------------ downloads

    def download(self, text: str, within: str = "body", timeout: float = WAIT_S) -> Path:
        """Click the download link ``text``; the file once the browser has written it whole."""
        before = set(self.downloads.iterdir())
        self._link(text, within).click()

        def arrived() -> Path | None:
            new = [
                p
                for p in set(self.downloads.iterdir()) - before
                if not p.name.endswith(".crdownload")
            ]
            return new[0] if new else None

        found = self.wait_for(arrived, f"the download of {text!r}", timeout)
        # The file is renamed from .crdownload once complete; give its size a moment to settle.
        size = -1
        while size != found.stat().st_size:
            size = found.stat().st_size
            time.sleep(0.1)
        return found
