"""Encryption at rest for stored credentials (Billbee API password and API key).

Fernet (AES-128-CBC + HMAC-SHA256) with the keys in ``settings.CREDENTIALS_KEYS``; the first key
encrypts, every key decrypts, so keys can be rotated. Without configured keys (development
only: production settings refuse to start) a key is derived from ``SECRET_KEY`` with HKDF.

Decrypted values are wrapped in ``Secret``: printing, logging or templating one shows
``********``; only ``reveal()`` gives the value, and only the Billbee client calls it.

A stored value that the configured keys cannot decrypt (the key was changed without keeping
the old one, or the database was restored without its key) loads as an ``UnreadableSecret``:
everything that needs no credentials (booking, exports, the console) keeps working, the console
asks for the credentials again, and only ``reveal()`` fails, with one sentence that says what to
do. Saving the row writes such a value back unchanged.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .errors import ConnectorError

PREFIX = "fernet:"
UNREADABLE = "credentials unreadable with the current key: enter them again"
KEY_FORMAT_HELP = (
    "CREDENTIALS_KEY must be Fernet keys (url-safe base64 of 32 bytes), separated "
    "by commas; generate one with: python -c 'from cryptography.fernet import "
    "Fernet; print(Fernet.generate_key().decode())'"
)


class CredentialsUnreadable(ConnectorError):
    """A stored credential that the configured CREDENTIALS_KEY cannot decrypt."""


class Secret:
    """A credential that never shows itself by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "********" if self._value else ""

    def __repr__(self) -> str:
        return "Secret('********')"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    @property
    def unreadable(self) -> bool:
        return False


class UnreadableSecret(Secret):
    """A stored credential the configured keys cannot decrypt: it is there (truthy), it
    cannot be revealed, and saving writes the stored token back as it was."""

    __slots__ = ("problem", "token")

    def __init__(self, token: str, problem: str) -> None:
        super().__init__("")
        self.token = token
        self.problem = problem

    def reveal(self) -> str:
        raise CredentialsUnreadable(self.problem)

    def __str__(self) -> str:
        return "********"

    def __repr__(self) -> str:
        return "UnreadableSecret('********')"

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UnreadableSecret):
            return self.token == other.token
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.token)

    @property
    def unreadable(self) -> bool:
        return True


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError as exc:
            raise ImproperlyConfigured(KEY_FORMAT_HELP) from exc
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"billbee-connector credentials"
    ).derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CREDENTIALS_KEYS), settings.SECRET_KEY)


def malformed_keys() -> list[int]:
    """Positions (from 1) of the keys in CREDENTIALS_KEY that are no Fernet keys."""
    bad = []
    for position, key in enumerate(settings.CREDENTIALS_KEYS, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            bad.append(position)
    return bad


def encrypt(plain: str) -> str:
    return PREFIX + fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured("a stored credential is not in the encrypted format")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "A stored credential cannot be decrypted with the configured CREDENTIALS_KEY "
            "(was the key changed without keeping the old one in the list?): put the old key "
            "back at the end of CREDENTIALS_KEY, or enter the credentials again."
        ) from exc


def load(stored: str) -> Secret:
    """A stored credential as a ``Secret``, or an ``UnreadableSecret`` that says why not."""
    try:
        return Secret(decrypt(stored))
    except (CredentialsUnreadable, ImproperlyConfigured) as exc:
        return UnreadableSecret(stored, str(exc))


class EncryptedSecretField(models.TextField):
    """A text column holding a Fernet token; Python sees a ``Secret`` (or None/empty)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Secret | None:
        if value is None or value == "":
            return Secret("") if value == "" else None
        return load(value)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, Secret):
            return value
        text = str(value)
        if text.startswith(PREFIX):
            # loaddata hands back what dumpdata wrote: the ciphertext.
            return load(text)
        return Secret(text)

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, UnreadableSecret):
            return value.token  # kept as it was, for a key that can read it
        plain = value.reveal() if isinstance(value, Secret) else str(value)
        return encrypt(plain) if plain else ""

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata) writes the ciphertext, never the plain value.
        return self.get_prep_value(self.value_from_object(obj)) or ""
