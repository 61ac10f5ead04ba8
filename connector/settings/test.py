"""Test settings: development defaults, fast password hashing, no outside network."""

from __future__ import annotations

from .development import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A SQLite test database is a file (not in memory), so that a real Celery worker started by
# a test can open it too.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-database.sqlite3")}  # noqa: F405
# Tests pace their own clients; the default stays Billbee's limit.
BILLBEE_TIMEOUT = 10.0
