"""Who may do what on the import pages of the console: testing a connection, starting an
import and applying the rules again each need a named permission. A staff user without it
does not see the action, gets 403 on its page, and nothing happens; with it, it works."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connector.models import Connection, ImportRun
from connector.services.connections import connection_upsert
from connector.services.import_runs import import_run_start
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER, admin_actions

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:connector_connection_changelist"


@pytest.fixture(autouse=True)
def _static_root(static_root):
    """Every test here renders admin pages."""


@pytest.fixture
def shop(sandbox) -> Connection:
    connection, _, _ = connection_upsert(
        name="shop",
        api_url=sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    return connection


def run_action(client: Client, name: str, connection: Connection, capture) -> None:
    with capture(execute=False):
        client.post(reverse(CHANGELIST), {"action": name, "_selected_action": [connection.pk]})


def test_testing_a_connection_needs_the_test_permission(
    login, shop, django_capture_on_commit_callbacks
):
    viewer = login("connector.view_connection")
    assert "test_connections" not in admin_actions(viewer.get(reverse(CHANGELIST)))
    run_action(viewer, "test_connections", shop, django_capture_on_commit_callbacks)
    shop.refresh_from_db()
    assert shop.last_test_at is None

    tester = login("connector.view_connection", "connector.test_connection")
    assert "test_connections" in admin_actions(tester.get(reverse(CHANGELIST)))
    run_action(tester, "test_connections", shop, django_capture_on_commit_callbacks)
    shop.refresh_from_db()
    assert shop.last_test_at is not None and shop.last_test_ok


def test_import_now_needs_the_import_permission(login, shop, django_capture_on_commit_callbacks):
    editor = login("connector.view_connection", "connector.change_connection")
    assert "import_now" not in admin_actions(editor.get(reverse(CHANGELIST)))
    run_action(editor, "import_now", shop, django_capture_on_commit_callbacks)
    page = reverse("admin:connector_connection_import_now", args=[shop.pk])
    assert editor.get(page).status_code == 403
    assert editor.post(page).status_code == 403
    assert not ImportRun.objects.exists()
    change = editor.get(reverse("admin:connector_connection_change", args=[shop.pk]))
    assert page not in change.content.decode()

    importer = login("connector.view_connection", "connector.run_import")
    assert "import_now" in admin_actions(importer.get(reverse(CHANGELIST)))
    run_action(importer, "import_now", shop, django_capture_on_commit_callbacks)
    assert ImportRun.objects.get().trigger == ImportRun.Trigger.ADMIN
    assert importer.get(page).status_code == 200
    change = importer.get(reverse("admin:connector_connection_change", args=[shop.pk]))
    assert page in change.content.decode()


def test_applying_the_rules_again_needs_the_change_permission(
    login, shop, django_capture_on_commit_callbacks
):
    page = reverse("admin:connector_connection_reevaluate", args=[shop.pk])
    viewer = login("connector.view_connection", "connector.run_import")
    assert "apply_rules_again" not in admin_actions(viewer.get(reverse(CHANGELIST)))
    with django_capture_on_commit_callbacks() as refused:
        assert viewer.post(page).status_code == 403
    assert refused == []
    change = viewer.get(reverse("admin:connector_connection_change", args=[shop.pk]))
    assert page not in change.content.decode()

    editor = login("connector.view_connection", "connector.change_connection")
    assert "apply_rules_again" in admin_actions(editor.get(reverse(CHANGELIST)))
    with django_capture_on_commit_callbacks() as queued:
        assert editor.post(page).status_code == 302
    assert len(queued) == 1


@pytest.mark.parametrize("page", ["changelist", "change", "progress"])
def test_import_run_pages_need_the_view_permission_of_import_runs(login, shop, page):
    run = import_run_start(shop, ImportRun.Trigger.ADMIN)
    url = reverse(
        f"admin:connector_importrun_{page}", args=[] if page == "changelist" else [run.pk]
    )
    assert login("connector.view_connection").get(url).status_code == 403
    assert login("connector.view_importrun").get(url).status_code == 200


@pytest.mark.parametrize("model", ["externalorder", "saleschannel"])
def test_the_upload_log_and_the_channels_need_their_view_permission(login, shop, model):
    url = reverse(f"admin:connector_{model}_changelist")
    assert login("connector.view_connection").get(url).status_code == 403
    assert login(f"connector.view_{model}").get(url).status_code == 200
