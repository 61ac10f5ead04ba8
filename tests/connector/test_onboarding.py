"""The set-up wizard of a new connection: its seven steps against the Billbee sandbox over
real HTTP, each step's validation, resuming, permissions, and secrets never on a page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from bookkeeping.models import Account, BookkeepingSettings, DebtorMapping, JournalEntry
from connector.models import ChannelRule, Connection, ExternalOrder, SalesChannel
from connector.services.connections import connection_upsert
from connector.services.onboarding import connections_not_onboarded
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER

pytestmark = pytest.mark.django_db

SETUP = "admin:connector_connection_setup"
STEP = "admin:connector_connection_onboarding_step"
SECRETS = (SANDBOX_PASSWORD, SANDBOX_KEY)


@pytest.fixture(autouse=True)
def _pages(static_root, settings):
    """Every test here renders admin pages; the sandbox needs no pacing."""
    settings.BILLBEE_RATE_LIMIT = 0


@pytest.fixture
def recent_sandbox(make_sandbox):
    """Orders of the last 30 days up to an hour ago: the wizard works with the real clock."""
    return make_sandbox(orders=120, days=30, end=timezone.now() - timedelta(hours=1))


def _start_date():
    return (timezone.now() - timedelta(days=20)).date()


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text
    return text


def _step_url(connection: Connection, step: int) -> str:
    return reverse(STEP, args=[connection.pk, step])


def _access(sandbox, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "shop",
        "label": "[Billbee]",
        "api_url": sandbox.api_url,
        "username": SANDBOX_USER,
        "new_api_password": SANDBOX_PASSWORD,
        "new_api_key": SANDBOX_KEY,
    }
    data.update(changes)
    return data


def _books(**changes: Any) -> dict[str, Any]:
    data = {
        "chart": "skr03",
        "consultant_number": "1234567",
        "client_number": "4711",
        "fiscal_year_start_month": "1",
    }
    data.update(changes)
    return data


def _schedule(**changes: Any) -> dict[str, Any]:
    data = {
        "schedule_enabled": "on",
        "schedule_window_start": "06:00",
        "schedule_window_end": "22:00",
        "schedule_spacing_minutes": "240",
    }
    data.update(changes)
    return data


def _new_connection(client, sandbox) -> Connection:
    response = client.post(reverse(SETUP), _access(sandbox))
    connection = Connection.objects.get(name="shop")
    assert response.status_code == 302
    assert response["Location"] == _step_url(connection, 2)
    return connection


def _through(client, connection: Connection, step: int, sandbox) -> None:
    """Walk the wizard up to ``step`` (a test of a later step starts there)."""
    posts = {
        2: {"_test": "1"},
        3: _books(),
        4: {"excluded_platforms": ["Amazon", "eBay"], "import_start_date": _start_date()},
        5: {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"},
        6: {"_dry_run": "1"},
    }
    for number in range(2, step):
        client.post(_step_url(connection, number), posts[number])
        if number == 2:
            client.post(_step_url(connection, 2), {"_continue": "1"})
    connection.refresh_from_db()
    assert connection.onboarding_step == step


def _debtor_rows(page_context) -> dict[str, Any]:
    """What the browser sends back for step 5, the shown values unchanged."""
    formset = page_context["formset"]
    management = formset.management_form
    data = {
        "form-TOTAL_FORMS": str(management.initial["TOTAL_FORMS"]),
        "form-INITIAL_FORMS": str(management.initial["INITIAL_FORMS"]),
    }
    for index, form in enumerate(formset.forms):
        for name in ("mapping", "account", "name"):
            value = form.initial.get(name)
            data[f"form-{index}-{name}"] = "" if value is None else str(value)
    return data


# ---------------------------------------------------------------- the whole flow


def test_a_new_user_sets_up_a_connection_from_the_list_to_the_dashboard(
    admin_client, recent_sandbox
):
    sandbox = recent_sandbox
    listing = _page(admin_client.get(reverse("admin:connector_connection_changelist")))
    assert reverse(SETUP) in listing and "Set up a new connection" in listing

    # 1. Billbee access: where to find the password and the key, then saved encrypted.
    first = _page(admin_client.get(reverse(SETUP)))
    assert "Settings → Billbee API → General settings" in first
    assert "support@billbee.io" in first
    connection = _new_connection(admin_client, sandbox)
    assert connection.secret("api_password") == SANDBOX_PASSWORD
    stored = Connection.objects.filter(pk=connection.pk).values_list("api_password", flat=True)
    assert SANDBOX_PASSWORD not in str(stored[0])
    assert connection.schedule_enabled is False  # not before the last step
    assert connection.onboarded_at is None
    assert set(
        ChannelRule.objects.filter(connection=connection, is_default=True).values_list(
            "platform", flat=True
        )
    ) == {"Amazon", "eBay", "WooCommerce", "Shopify", "Magento", "Etsy", "Kaufland"}

    # 2. Test, then continue.
    tested = _page(admin_client.post(_step_url(connection, 2), {"_test": "1"}))
    assert "The connection works." in tested and "signed in as tester@example.com" in tested
    response = admin_client.post(_step_url(connection, 2), {"_continue": "1"})
    assert response["Location"] == _step_url(connection, 3)

    # 3. Books: SKR04 replaces the SKR03 preset (nothing booked yet), DATEV numbers stored.
    assert Account.objects.filter(connection=connection, number=8400).exists()
    response = admin_client.post(_step_url(connection, 3), _books(chart="skr04"))
    assert response["Location"] == _step_url(connection, 4)
    connection.refresh_from_db()
    numbers = set(Account.objects.filter(connection=connection).values_list("number", flat=True))
    assert connection.chart == "skr04" and 4400 in numbers and 8400 not in numbers
    books = BookkeepingSettings.objects.get(connection=connection)
    assert (books.consultant_number, books.client_number) == (1234567, 4711)

    # 4. The shop connections from Billbee; Shopify and WooCommerce are booked here.
    channels = _page(admin_client.get(_step_url(connection, 4)))
    assert "Möbel Verkauf 24" in channels and "100000000092372" in channels
    kept = ["Amazon", "eBay", "Magento", "Etsy", "Kaufland"]
    response = admin_client.post(
        _step_url(connection, 4),
        {"excluded_platforms": kept, "import_start_date": _start_date().isoformat()},
    )
    assert response["Location"] == _step_url(connection, 5)
    connection.refresh_from_db()
    assert connection.import_start_date == _start_date()
    assert set(
        ChannelRule.objects.filter(connection=connection, is_default=True).values_list(
            "platform", flat=True
        )
    ) == set(kept)

    # 5. No origin known yet: continue to the dry run.
    debtors = admin_client.get(_step_url(connection, 5))
    assert "No origins are known yet" in _page(debtors)
    response = admin_client.post(_step_url(connection, 5), _debtor_rows(debtors.context))
    assert response["Location"] == _step_url(connection, 6)

    # 6. The dry run: outcomes, channels and the documents waiting for a debtor; nothing
    # written to the log, the watermark stays.
    dry = admin_client.post(_step_url(connection, 6), {"_dry_run": "1"})
    text = _page(dry)
    preview = dry.context["preview"]
    assert preview.ok and preview.result["fetched"] > 0 and preview.accepted > 0
    assert "Excluded" in text and "[Billbee]-Amazon-Amazon EU" in text
    waiting = {w.origin for w in preview.waiting_for_debtor}
    assert "[Billbee]-Shopify-Möbel Verkauf 24" in waiting
    assert not any(origin.startswith("[Billbee]-Amazon") for origin in waiting)
    assert ExternalOrder.objects.filter(connection=connection).count() == 0
    connection.refresh_from_db()
    assert connection.watermark is None and connection.onboarding_step == 7
    assert SalesChannel.objects.filter(connection=connection, platform="Shopify").exists()

    # 5 again: the origins found, with proposed debtor accounts; saving accepts them.
    debtors = admin_client.get(_step_url(connection, 5))
    text = _page(debtors)
    assert "[Billbee]-Shopify-Möbel Verkauf 24" in text and "proposed" in text
    response = admin_client.post(_step_url(connection, 5), _debtor_rows(debtors.context))
    assert response.status_code == 302
    accounts = DebtorMapping.objects.filter(connection=connection).values_list("origin", "account")
    assert all(account is not None for _, account in accounts), list(accounts)
    assert min(account for _, account in accounts) == 10000
    shopify = DebtorMapping.objects.filter(
        connection=connection, origin="[Billbee]-Shopify-Möbel Verkauf 24"
    ).first()
    assert shopify is not None and shopify.name == "Shopify Möbel Verkauf 24"

    # 6 again: nothing waits any more; continue.
    again = admin_client.post(_step_url(connection, 6), {"_dry_run": "1"})
    assert again.context["preview"].waiting_for_debtor == []
    response = admin_client.post(_step_url(connection, 6), {"_continue": "1"})
    assert response["Location"] == _step_url(connection, 7)

    # 7. Schedule on, finished, to the dashboard.
    response = admin_client.post(_step_url(connection, 7), _schedule())
    assert response["Location"] == reverse("admin:index")
    connection.refresh_from_db()
    assert connection.schedule_enabled and connection.schedule_spacing_minutes == 240
    assert connection.onboarded_at is not None
    page = _page(
        admin_client.get(reverse("admin:connector_connection_change", args=[connection.pk]))
    )
    assert "Continue the set-up" not in page


def test_the_wizard_reads_german(admin_client, recent_sandbox):
    page = admin_client.get(reverse(SETUP), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    assert 'lang="de"' in page.content.decode()


# ---------------------------------------------------------------- validation


def test_step_1_needs_both_secrets_for_a_new_connection_and_keeps_them_when_left_empty(
    admin_client, recent_sandbox
):
    response = admin_client.post(
        reverse(SETUP), _access(recent_sandbox, new_api_password="", new_api_key="")
    )
    errors = response.context["form"].errors
    assert errors["new_api_password"] == ["Required for a new connection."]
    assert errors["new_api_key"] == ["Required for a new connection."]
    assert not Connection.objects.exists()

    connection = _new_connection(admin_client, recent_sandbox)
    form = _page(admin_client.get(_step_url(connection, 1)))
    assert "An API password is stored." in form
    response = admin_client.post(
        _step_url(connection, 1),
        _access(recent_sandbox, new_api_password="", new_api_key="", label="[BB]"),
    )
    assert response["Location"] == _step_url(connection, 2)
    connection.refresh_from_db()
    assert connection.label == "[BB]" and connection.secret("api_key") == SANDBOX_KEY


def test_a_failed_test_is_explained_and_continuing_needs_an_explicit_choice(
    admin_client, recent_sandbox
):
    response = admin_client.post(
        reverse(SETUP), _access(recent_sandbox, new_api_password="wrong-password")
    )
    assert response.status_code == 302
    connection = Connection.objects.get(name="shop")
    page = _page(admin_client.post(_step_url(connection, 2), {"_test": "1"}))
    assert "The connection does not work yet." in page
    assert "failed" in page and "authentication" in page
    assert "Continue without a successful test" in page
    assert "wrong-password" not in page

    response = admin_client.post(_step_url(connection, 2), {"_continue": "1"})
    assert response.status_code == 200  # not on without a successful test
    connection.refresh_from_db()
    assert connection.onboarding_step == 2
    assert admin_client.get(_step_url(connection, 3))["Location"] == _step_url(connection, 2)

    response = admin_client.post(_step_url(connection, 2), {"_continue_untested": "1"})
    assert response["Location"] == _step_url(connection, 3)


def test_a_dry_run_that_cannot_sign_in_says_why_and_does_not_open_the_last_step(
    admin_client, recent_sandbox
):
    admin_client.post(reverse(SETUP), _access(recent_sandbox, new_api_password="wrong-password"))
    connection = Connection.objects.get(name="shop")
    admin_client.post(_step_url(connection, 2), {"_continue_untested": "1"})
    admin_client.post(_step_url(connection, 3), _books())
    admin_client.post(
        _step_url(connection, 4),
        {"excluded_platforms": [], "import_start_date": _start_date().isoformat()},
    )
    admin_client.post(
        _step_url(connection, 5), {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"}
    )
    page = _page(admin_client.post(_step_url(connection, 6), {"_dry_run": "1"}))
    assert "The dry run did not finish" in page
    assert "wrong-password" not in page
    connection.refresh_from_db()
    assert connection.onboarding_step == 6
    assert admin_client.get(_step_url(connection, 7))["Location"] == _step_url(connection, 6)


def test_changed_access_needs_a_new_test(admin_client, recent_sandbox):
    connection = _new_connection(admin_client, recent_sandbox)
    admin_client.post(_step_url(connection, 2), {"_test": "1"})
    connection.refresh_from_db()
    assert connection.last_test_ok is True
    admin_client.post(
        _step_url(connection, 1),
        _access(recent_sandbox, new_api_password="another-password", new_api_key=""),
    )
    connection.refresh_from_db()
    assert connection.last_test_ok is None
    page = _page(admin_client.get(_step_url(connection, 2)))
    assert 'name="_continue"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("consultant_number", "1000", "greater than or equal to 1001"),
        ("consultant_number", "10000000", "less than or equal to 9999999"),
        ("client_number", "0", "greater than or equal to 1"),
        ("client_number", "100000", "less than or equal to 99999"),
        ("fiscal_year_start_month", "13", "Select a valid choice"),
    ],
)
def test_step_3_refuses_datev_numbers_out_of_range(
    admin_client, recent_sandbox, field, value, message
):
    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 3, recent_sandbox)
    response = admin_client.post(_step_url(connection, 3), _books(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert BookkeepingSettings.objects.get(connection=connection).consultant_number == 1001


def test_the_chart_is_locked_once_something_is_booked(admin_client, recent_sandbox, eager):
    from bookkeeping.services.booking import documents_book
    from connector.services.imports import orders_import

    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 3, recent_sandbox)
    connection.import_start_date = _start_date()
    connection.save()
    settings = BookkeepingSettings.objects.get(connection=connection)
    settings.debtor_per_customer = True
    settings.save()
    orders_import(connection)
    documents_book(connection)
    assert JournalEntry.objects.filter(connection=connection).exists()

    page = _page(admin_client.get(_step_url(connection, 3)))
    assert "can no longer be changed" in page
    response = admin_client.post(_step_url(connection, 3), _books(chart="skr04"))
    assert response["Location"] == _step_url(connection, 4)  # the locked choice stays
    connection.refresh_from_db()
    assert connection.chart == "skr03"
    assert Account.objects.filter(connection=connection, number=8400).exists()


def test_step_4_refuses_a_start_date_in_the_future(admin_client, recent_sandbox):
    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 4, recent_sandbox)
    tomorrow = (timezone.now() + timedelta(days=2)).date()
    response = admin_client.post(
        _step_url(connection, 4), {"excluded_platforms": [], "import_start_date": tomorrow}
    )
    assert "lies in the future" in " ".join(response.context["form"].errors["import_start_date"])
    assert ChannelRule.objects.filter(connection=connection, is_default=True).count() == 7


def test_step_5_refuses_an_account_outside_the_debtor_range(admin_client, recent_sandbox):
    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 7, recent_sandbox)  # the dry run found the origins
    debtors = admin_client.get(_step_url(connection, 5))
    assert debtors.context["rows"]
    data = _debtor_rows(debtors.context)
    data["form-0-account"] = "9999"
    response = admin_client.post(_step_url(connection, 5), data)
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors["account"]
    assert "greater than or equal to 10000" in " ".join(errors)
    assert not DebtorMapping.objects.filter(connection=connection).exclude(account=None).exists()


def test_step_7_refuses_a_window_that_ends_before_it_starts(admin_client, recent_sandbox):
    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 7, recent_sandbox)
    response = admin_client.post(
        _step_url(connection, 7),
        _schedule(schedule_window_start="20:00", schedule_window_end="08:00"),
    )
    assert response.status_code == 200
    assert "must end after it starts" in str(response.context["form"].errors)
    connection.refresh_from_db()
    assert connection.onboarded_at is None and connection.schedule_enabled is False


# ---------------------------------------------------------------- resuming


def test_the_wizard_resumes_at_the_step_reached_and_allows_going_back(admin_client, recent_sandbox):
    connection = _new_connection(admin_client, recent_sandbox)
    _through(admin_client, connection, 4, recent_sandbox)
    resume = reverse("admin:connector_connection_onboarding", args=[connection.pk])
    assert admin_client.get(resume)["Location"] == _step_url(connection, 4)
    assert admin_client.get(_step_url(connection, 6))["Location"] == _step_url(connection, 4)
    back = _page(admin_client.get(_step_url(connection, 2)))
    assert _step_url(connection, 3) in back  # the steps reached are links
    change = _page(
        admin_client.get(reverse("admin:connector_connection_change", args=[connection.pk]))
    )
    assert "Continue the set-up" in change and resume in change


def test_connections_made_elsewhere_can_be_finished_in_the_wizard(admin_client, recent_sandbox):
    connection, _, _ = connection_upsert(
        name="cli",
        api_url=recent_sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    resume = reverse("admin:connector_connection_onboarding", args=[connection.pk])
    assert admin_client.get(resume)["Location"] == _step_url(connection, 1)
    page = _page(admin_client.get(_step_url(connection, 1)))
    assert "An API password is stored." in page


# ---------------------------------------------------------------- permissions


CHANGE = "connector.change_connection"


@pytest.mark.parametrize(
    ("step", "granted"),
    [
        (1, ()),
        (2, (CHANGE,)),
        (3, (CHANGE, "connector.test_connection")),
        (4, (CHANGE, "connector.add_channelrule")),
        (5, (CHANGE, "bookkeeping.view_debtormapping")),
        (6, (CHANGE, "bookkeeping.change_debtormapping")),
        (7, ("connector.view_connection",)),
    ],
)
def test_each_step_refuses_a_user_lacking_its_permission(
    client, login, recent_sandbox, step, granted
):
    connection, _, _ = connection_upsert(
        name="shop",
        api_url=recent_sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    Connection.objects.filter(pk=connection.pk).update(onboarding_step=7)
    login(*granted)
    assert client.get(_step_url(connection, step)).status_code == 403
    assert (
        client.post(_step_url(connection, step), {"_test": "1", "_dry_run": "1"}).status_code == 403
    )
    connection.refresh_from_db()
    assert connection.last_test_at is None


def test_setting_up_a_new_connection_needs_the_add_permission(client, login, recent_sandbox):
    login(CHANGE, "connector.view_connection")
    assert client.get(reverse(SETUP)).status_code == 403
    assert client.post(reverse(SETUP), _access(recent_sandbox)).status_code == 403
    assert not Connection.objects.exists()
    listing = client.get(reverse("admin:connector_connection_changelist")).content.decode()
    assert reverse(SETUP) not in listing


def test_a_user_with_the_step_permissions_gets_through(client, login, recent_sandbox):
    login(
        "connector.add_connection",
        CHANGE,
        "connector.test_connection",
        "bookkeeping.change_bookkeepingsettings",
    )
    connection = _new_connection(client, recent_sandbox)
    assert "The connection works." in _page(client.post(_step_url(connection, 2), {"_test": "1"}))
    client.post(_step_url(connection, 2), {"_continue": "1"})
    response = client.post(_step_url(connection, 3), _books())
    assert response["Location"] == _step_url(connection, 4)
    assert client.get(_step_url(connection, 4)).status_code == 403
    assert User.objects.count() == 1


def test_connections_older_than_the_wizard_count_as_set_up(recent_sandbox):
    """Migration 0017 marks the connections that exist when it runs as set up."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("connector.migrations.0017_onboarding")
    connection, _, _ = connection_upsert(
        name="old",
        api_url=recent_sandbox.api_url,
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
    )
    assert connection.onboarded_at is None and connection.onboarding_step == 1

    migration.existing_connections_are_set_up(apps, None)

    connection.refresh_from_db()
    assert connection.onboarded_at == connection.created_at
    assert connection.onboarding_step == 7
    assert not connections_not_onboarded().exists()
