"""Every list of the console fits the target screen of 1366 px: its key columns (status,
state, reason) are on the screen without scrolling the table sideways.

The lists are walked once, on one shop with something in every list, and each list's verdict
is a test of its own, so that a list that does not fit yet is marked with its name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin

from tests.browser.conftest import OPERATOR, OPERATOR_PASSWORD, SCREENSHOTS, make_console
from tests.browser.data import shop_with_everything

APPS = ("connector", "bookkeeping", "payments")
# A key column: what a person looks for in each row, named so in list_display.
KEY_WORDS = ("status", "state", "reason", "health", "incomplete")
# Lists that do not fit yet (found by this test): each turns green with the list's fix.
TOO_WIDE: dict[str, str] = {}


def changelists() -> list[str]:
    return sorted(
        f"{model._meta.app_label}.{model._meta.model_name}"
        for model in admin.site._registry
        if model._meta.app_label in APPS
    )


def marked(name: str) -> Any:
    if name in TOO_WIDE:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=TOO_WIDE[name]))
    return name


MEASURE = """
const table = document.querySelector('#result_list');
if (!table) { return null; }
const heads = [...table.querySelectorAll('thead th')];
// The table scrolls inside the first ancestor that clips it (Django's .results): what lies
// beyond that box's right edge is out of sight until one scrolls the table sideways.
let box = table.parentElement;
while (box && !['auto', 'scroll', 'hidden'].includes(getComputedStyle(box).overflowX)) {
  box = box.parentElement;
}
const visible = box ? Math.min(box.getBoundingClientRect().right, window.innerWidth)
                    : window.innerWidth;
return {
  viewport: window.innerWidth,
  visible: Math.floor(visible),
  columns: heads.map((th) => ({
    name: [...th.classList].find((c) => c.startsWith('column-'))?.slice(7) || '',
    right: Math.round(th.getBoundingClientRect().right),
  })),
  rows: table.querySelectorAll('tbody tr').length,
};
"""


@pytest.fixture(scope="module")
def measured(
    django_db_setup: None,
    django_db_blocker: Any,
    server: Any,
    chromium: Any,
    shop_sandbox: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Each changelist's columns as laid out at 1366 px. The data is made and removed here,
    outside the tests' own transactions: one shop for all lists."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        try:
            shop_with_everything(shop_sandbox, tmp_path_factory.mktemp("statements"))
            User.objects.create_superuser(OPERATOR, "operator@example.com", OPERATOR_PASSWORD)
            console = make_console(chromium, server)
            results = {}
            for name in changelists():
                app_label, model_name = name.split(".")
                console.open(f"/admin/{app_label}/{model_name}/")
                results[name] = console.script(MEASURE)
                if results[name] and too_wide(results[name]):
                    console.driver.save_screenshot(str(SCREENSHOTS / f"too-wide-{name}.png"))
        finally:
            call_command("flush", interactive=False, verbosity=0)
    yield results


def too_wide(layout: dict[str, Any]) -> list[str]:
    """The key columns whose right edge is beyond what the list shows without scrolling."""
    return [
        f"{c['name']} ends at {c['right']} px, the list shows up to {layout['visible']} px"
        for c in key_columns(layout)
        if c["right"] > layout["visible"]
    ]


def key_columns(layout: dict[str, Any]) -> list[dict[str, Any]]:
    keys = [c for c in layout["columns"] if any(w in c["name"] for w in KEY_WORDS)]
    # A list without a status column: its first three columns say what each row is.
    return keys or [c for c in layout["columns"] if c["name"] != "action_checkbox"][:3]


@pytest.mark.parametrize("name", [marked(name) for name in changelists()])
def test_the_key_columns_of_the_list_fit_1366_px(name: str, measured: dict[str, Any]) -> None:
    layout = measured[name]
    assert layout is not None, f"{name}: the list showed no rows, so nothing was measured"
    assert layout["rows"] > 0 and layout["viewport"] == 1366
    assert key_columns(layout)
    assert not too_wide(layout), f"{name} at 1366 px: {too_wide(layout)}"
