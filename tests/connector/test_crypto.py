"""Credentials at rest: encrypted in the database, masked in Python, rotatable keys."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection as db
from django.db import transaction

from connector.crypto import PREFIX, CredentialsUnreadable, Secret, _fernet, decrypt, encrypt
from connector.models import Connection

PASSWORD = "Api-Pa55word-Ümlaut-7Qx"
API_KEY = "api-key-0123456789-Z3k9"


@pytest.fixture(autouse=True)
def _fresh_fernet_cache():
    _fernet.cache_clear()
    yield
    _fernet.cache_clear()


def _use_keys(settings, *keys: str) -> None:
    settings.CREDENTIALS_KEYS = list(keys)
    _fernet.cache_clear()


def _stored(pk: int) -> tuple[str, str]:
    """The two credential columns exactly as the database holds them."""
    with db.cursor() as cursor:
        cursor.execute("SELECT api_password, api_key FROM connector_connection WHERE id = %s", [pk])
        return cursor.fetchone()


def _create(name: str = "shop") -> Connection:
    return Connection.objects.create(
        name=name,
        api_url="http://127.0.0.1:9/api/v1",
        username="owner@example.com",
        api_password=PASSWORD,
        api_key=API_KEY,
    )


def test_encrypt_then_decrypt_gives_the_plain_value_back():
    token = encrypt(PASSWORD)

    assert token.startswith(PREFIX)
    assert PASSWORD not in token
    assert decrypt(token) == PASSWORD
    # Fernet tokens carry a random IV: the same value never encrypts to the same text twice.
    assert encrypt(PASSWORD) != token


@pytest.mark.django_db
def test_database_column_holds_ciphertext_not_the_credentials():
    conn = _create()

    stored_password, stored_key = _stored(conn.pk)

    assert stored_password.startswith("fernet:")
    assert stored_key.startswith("fernet:")
    for stored in (stored_password, stored_key):
        assert PASSWORD not in stored
        assert API_KEY not in stored
    reloaded = Connection.objects.get(pk=conn.pk)
    assert reloaded.secret("api_password") == PASSWORD
    assert reloaded.secret("api_key") == API_KEY


@pytest.mark.django_db
def test_empty_credential_is_stored_as_empty_string_not_as_a_token():
    conn = Connection.objects.create(name="draft", username="owner@example.com")

    assert _stored(conn.pk) == ("", "")
    reloaded = Connection.objects.get(pk=conn.pk)
    assert reloaded.has_api_password is False
    assert reloaded.has_api_key is False


def test_secret_masks_itself_in_str_repr_and_f_strings():
    secret = Secret(PASSWORD)

    assert str(secret) == "********"
    assert repr(secret) == "Secret('********')"
    assert f"{secret}" == "********"
    assert f"{secret!r}" == "Secret('********')"
    assert "%s" % secret == "********"  # noqa: UP031 - the old formatting is what logging uses
    assert PASSWORD not in str([secret, {"pw": secret}])
    assert secret.reveal() == PASSWORD
    assert str(Secret("")) == ""
    assert bool(Secret("")) is False


def test_secret_masks_itself_in_log_records(caplog):
    secret = Secret(PASSWORD)
    logger = logging.getLogger("connector.tests.crypto")

    with caplog.at_level(logging.DEBUG, logger="connector.tests.crypto"):
        logger.info("password %s", secret)
        logger.info("password %r", secret)
        logger.info("credentials %s", {"api_password": secret})

    assert len(caplog.records) == 3
    assert PASSWORD not in caplog.text
    assert "password ********" in caplog.text


@pytest.mark.django_db
def test_loaded_model_exposes_secrets_only_through_reveal():
    _create()
    conn = Connection.objects.get(name="shop")

    assert isinstance(conn.api_password, Secret)
    assert PASSWORD not in f"{conn.api_password} {conn.api_key!r} {vars(conn)}"
    assert conn.secret("api_password") == PASSWORD


@pytest.mark.django_db
def test_key_rotation_old_data_readable_and_resave_uses_the_new_key(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _use_keys(settings, key_a)
    conn = _create()
    written_with_a, _ = _stored(conn.pk)
    assert Fernet(key_a).decrypt(written_with_a.removeprefix(PREFIX)).decode() == PASSWORD

    _use_keys(settings, key_b, key_a)
    rotated = Connection.objects.get(pk=conn.pk)
    assert rotated.secret("api_password") == PASSWORD
    assert rotated.secret("api_key") == API_KEY
    rotated.save()

    written_with_b, key_column = _stored(conn.pk)
    assert Fernet(key_b).decrypt(written_with_b.removeprefix(PREFIX)).decode() == PASSWORD
    assert Fernet(key_b).decrypt(key_column.removeprefix(PREFIX)).decode() == API_KEY
    with pytest.raises(InvalidToken):
        Fernet(key_a).decrypt(written_with_b.removeprefix(PREFIX))

    _use_keys(settings, key_b)
    only_b = Connection.objects.get(pk=conn.pk)
    assert only_b.secret("api_password") == PASSWORD
    assert only_b.secret("api_key") == API_KEY


@pytest.mark.django_db
def test_wrong_key_says_the_old_key_must_stay_in_the_list(settings):
    _use_keys(settings, Fernet.generate_key().decode())
    conn = _create()
    _use_keys(settings, Fernet.generate_key().decode())

    loaded = Connection.objects.get(pk=conn.pk)  # loading works: only revealing fails
    with pytest.raises(CredentialsUnreadable) as caught:
        loaded.secret("api_password")

    message = str(caught.value)
    assert "CREDENTIALS_KEY" in message
    assert "keeping the old one in the list" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad_key",
    ["not-a-fernet-key", "c2hvcnQ=", Fernet.generate_key().decode()[:-2]],
    ids=["plain-text", "too-short", "truncated"],
)
def test_invalid_credentials_key_format_is_refused_with_how_to_generate_one(settings, bad_key):
    _use_keys(settings, Fernet.generate_key().decode(), bad_key)

    with pytest.raises(ImproperlyConfigured) as caught, transaction.atomic():
        _create()

    message = str(caught.value)
    assert "CREDENTIALS_KEY must be Fernet keys" in message
    assert "Fernet.generate_key()" in message
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_dumpdata_writes_ciphertext_never_the_credentials():
    _create()
    out = StringIO()

    call_command("dumpdata", "connector", stdout=out)

    dump = out.getvalue()
    assert '"name": "shop"' in dump or '"name":"shop"' in dump
    assert "fernet:" in dump
    assert PASSWORD not in dump
    assert API_KEY not in dump


@pytest.mark.django_db
def test_dumpdata_then_loaddata_restores_working_credentials(tmp_path):
    _create()
    backup = tmp_path / "connector.json"
    call_command("dumpdata", "connector", output=str(backup), stdout=StringIO())
    Connection.objects.all().delete()

    call_command("loaddata", str(backup), stdout=StringIO())

    restored = Connection.objects.get(name="shop")
    assert restored.secret("api_password") == PASSWORD
    assert restored.secret("api_key") == API_KEY
