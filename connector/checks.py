"""System checks run at startup (``manage.py check``, ``runserver``, every command that checks)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from .crypto import KEY_FORMAT_HELP, malformed_keys


@register()
def credentials_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every key in CREDENTIALS_KEY must be a Fernet key: a mistyped key would otherwise show
    only when the first credential is stored or read."""
    return [
        Error(
            f"Key {position} of CREDENTIALS_KEY is not a Fernet key.",
            hint=KEY_FORMAT_HELP,
            id="connector.E001",
        )
        for position in malformed_keys()
    ]
