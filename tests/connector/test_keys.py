"""A wrong or malformed CREDENTIALS_KEY, and rotating the keys.

A key that cannot read the stored credentials breaks only what needs them, with one sentence
that says what to do; the console asks for them again; ``check`` refuses a malformed key at
startup; ``rotate_credentials`` re-encrypts every credential with the first key.
"""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection as db

from connector.crypto import PREFIX, UNREADABLE, CredentialsUnreadable, _fernet
from connector.models import Connection
from connector.services.connections import connection_client, connection_test
from tests.connector.manage import manage

PASSWORD = "Api-Pa55word-Ümlaut-7Qx"
API_KEY = "api-key-0123456789-Z3k9"
OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture(autouse=True)
def _fresh_fernet_cache():
    _fernet.cache_clear()
    yield
    _fernet.cache_clear()


def use_keys(settings, *keys: str) -> None:
    settings.CREDENTIALS_KEYS = list(keys)
    _fernet.cache_clear()


def stored(pk: int) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT api_password, api_key FROM connector_connection WHERE id = %s", [pk])
        return cursor.fetchone()


def create(name: str = "shop", api_url: str = "http://127.0.0.1:9/api/v1") -> Connection:
    return Connection.objects.create(
        name=name,
        api_url=api_url,
        username="owner@example.com",
        api_password=PASSWORD,
        api_key=API_KEY,
    )


# ---------------------------------------------------------------- a wrong key


@pytest.mark.django_db
def test_a_wrong_key_loads_the_connection_and_only_revealing_fails(settings):
    use_keys(settings, OLD)
    shop = create()
    use_keys(settings, NEW)

    loaded = Connection.objects.get(pk=shop.pk)

    assert loaded.credentials_unreadable
    assert loaded.has_api_password and loaded.has_api_key
    with pytest.raises(CredentialsUnreadable) as caught:
        loaded.secret("api_password")
    assert "keeping the old one in the list" in str(caught.value)
    with pytest.raises(CredentialsUnreadable) as caught:
        connection_client(loaded)
    assert str(caught.value) == (
        "The stored credentials of connection 'shop' cannot be decrypted with the current "
        "CREDENTIALS_KEY: enter them again (in the console or with connection_create), or put "
        "the old key back at the end of CREDENTIALS_KEY."
    )


@pytest.mark.django_db
def test_saving_a_connection_with_unreadable_credentials_keeps_them_as_they_were(settings):
    use_keys(settings, OLD)
    shop = create()
    before = stored(shop.pk)
    use_keys(settings, NEW)

    loaded = Connection.objects.get(pk=shop.pk)
    loaded.label = "[Shop]"
    loaded.save()

    assert stored(shop.pk) == before  # the old key, once back, still reads them
    use_keys(settings, NEW, OLD)
    assert Connection.objects.get(pk=shop.pk).secret("api_key") == API_KEY


@pytest.mark.django_db
def test_the_connection_test_says_the_credentials_must_be_entered_again(settings):
    use_keys(settings, OLD)
    shop = create()
    use_keys(settings, NEW)

    result = connection_test(Connection.objects.get(pk=shop.pk))

    assert not result.ok
    assert result.checks[-1].message.startswith(
        "The API password or API key is unreadable with the current CREDENTIALS_KEY: enter "
        "them again"
    )


@pytest.mark.django_db(transaction=True)
def test_commands_without_credentials_work_and_with_them_fail_in_one_line(settings, sandbox):
    use_keys(settings, OLD)
    create(api_url=sandbox.api_url)
    wrong = {"CREDENTIALS_KEY": NEW}

    booking = manage("book_documents", env=wrong)
    report = manage(
        "period_report", "--connection", "shop", "--month", "2026-11", "--format", "json", env=wrong
    )
    importing = manage("import_orders", env=wrong)

    assert (booking.returncode, booking.stderr) == (0, ""), booking.stderr
    assert booking.stdout.startswith("shop: 0 booked")
    assert report.returncode == 0, report.stderr
    assert importing.returncode == 1
    assert importing.stderr == (
        "CommandError: The stored credentials of connection 'shop' cannot be decrypted with "
        "the current CREDENTIALS_KEY: enter them again (in the console or with "
        "connection_create), or put the old key back at the end of CREDENTIALS_KEY.\n"
    )
    assert "Traceback" not in importing.stderr + booking.stderr + report.stderr


@pytest.mark.django_db
def test_the_console_asks_for_unreadable_credentials_and_takes_them_again(
    settings, admin_client, static_root
):
    use_keys(settings, OLD)
    shop = create()
    use_keys(settings, NEW)
    url = f"/admin/connector/connection/{shop.pk}/change/"

    listing = admin_client.get("/admin/connector/connection/")
    page = admin_client.get(url)

    assert listing.status_code == 200 and UNREADABLE in listing.content.decode()
    assert page.status_code == 200
    assert f"Connection shop: {UNREADABLE}" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        name="shop",
        label=shop.label,
        api_url=shop.api_url,
        username=shop.username,
        new_api_password="Entered-again-9",
        new_api_key="key-entered-again",
        imported_states=[str(s) for s in shop.imported_states],
        **{
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
        },
    )
    saved = admin_client.post(url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    again = Connection.objects.get(pk=shop.pk)
    assert not again.credentials_unreadable
    assert again.secret("api_password") == "Entered-again-9"
    assert again.secret("api_key") == "key-entered-again"


@pytest.mark.django_db
def test_an_import_queued_in_the_console_fails_at_once_with_the_reason(settings):
    from connector.services.import_runs import import_run_enqueue
    from connector.tasks import import_orders_task

    use_keys(settings, OLD)
    shop = create()
    use_keys(settings, NEW)
    queued = import_run_enqueue(shop, "admin")

    outcome = import_orders_task(shop.pk, trigger="admin", run_id=queued.pk)

    queued.refresh_from_db()
    assert outcome["state"] == "not started"
    assert queued.state == "failed"
    assert queued.error.startswith(
        "Not started: The stored credentials of connection 'shop' cannot be decrypted"
    )


# ---------------------------------------------------------------- a malformed key


def test_check_refuses_a_malformed_key_and_says_how_to_make_one(settings):
    use_keys(settings, NEW, "not-a-fernet-key")

    with pytest.raises(SystemCheckError) as caught:
        call_command("check")

    message = str(caught.value)
    assert "(connector.E001) Key 2 of CREDENTIALS_KEY is not a Fernet key." in message
    assert "Fernet.generate_key()" in message


def test_check_accepts_well_formed_keys_and_no_key(settings):
    use_keys(settings, NEW, OLD)
    call_command("check")
    use_keys(settings)  # development: derived from SECRET_KEY
    call_command("check")


def test_manage_check_with_a_malformed_key_exits_non_zero_without_a_traceback():
    done = manage("check", env={"CREDENTIALS_KEY": "c2hvcnQ="})

    assert done.returncode == 1
    assert "Key 1 of CREDENTIALS_KEY is not a Fernet key." in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- rotation


@pytest.mark.django_db
def test_rotate_credentials_reencrypts_everything_with_the_first_key(settings):
    use_keys(settings, OLD)
    first, second = create("first"), create("second")
    use_keys(settings, NEW, OLD)
    out = StringIO()

    call_command("rotate_credentials", stdout=out)

    assert out.getvalue().startswith(
        "Re-encrypted 4 credentials of 2 connections with the first key of CREDENTIALS_KEY."
    )
    for pk in (first.pk, second.pk):
        for token in stored(pk):
            assert token.startswith(PREFIX)
            Fernet(NEW.encode()).decrypt(token[len(PREFIX) :].encode())  # the new key reads it
            with pytest.raises(InvalidToken):
                Fernet(OLD.encode()).decrypt(token[len(PREFIX) :].encode())
    use_keys(settings, NEW)  # the old key dropped
    assert Connection.objects.get(pk=first.pk).secret("api_password") == PASSWORD


@pytest.mark.django_db
def test_rotate_credentials_leaves_unreadable_ones_alone_and_says_so(settings):
    use_keys(settings, OTHER)
    lost = create("lost")
    lost_tokens = stored(lost.pk)
    use_keys(settings, OLD)
    create("kept")
    use_keys(settings, NEW, OLD)
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("rotate_credentials", stdout=StringIO(), stderr=err)

    assert str(caught.value).startswith(
        "2 credentials could not be decrypted with any key in CREDENTIALS_KEY and were left "
        "as they are: enter them again"
    )
    assert "connection lost: api_password" in err.getvalue()
    assert stored(lost.pk) == lost_tokens
    use_keys(settings, NEW)
    assert Connection.objects.get(name="kept").secret("api_key") == API_KEY
