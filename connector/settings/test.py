"""Test settings: development defaults, fast password hashing, no outside network."""

from __future__ import annotations

from .development import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests pace their own clients; the default stays Billbee's limit.
BILLBEE_TIMEOUT = 10.0
