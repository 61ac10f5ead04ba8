"""Test settings: development defaults, fast password hashing, no outside network."""

from __future__ import annotations

import os

from .development import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A SQLite test database is a file (not in memory), so that a real Celery worker started by
# a test can open it too; one per test session, so that two sessions do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / f"test-database-{os.getpid()}.sqlite3")  # noqa: F405
    }
# Tests pace their own clients; the default stays Billbee's limit.
BILLBEE_TIMEOUT = 10.0
# The suite reads the console in English; the German pages are tested by asking for them
# (Accept-Language or the language switch), as a browser does.
LANGUAGE_CODE = "en"
