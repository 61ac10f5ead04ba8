"""System checks run at startup (``manage.py check``, ``runserver``, every command that checks).

Their messages are English whatever ``LANGUAGE_CODE`` says, like Django's own checks and the
project's commands: they are read on the command line and by scripts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

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


@register()
def lease_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A lease that expires before a few renewals were missed is taken from live workers: one
    slow database round trip would hand a running import or booking run to a second worker."""
    renew = float(settings.LEASE_RENEW_SECONDS)
    problems = []
    for name in ("IMPORT_STALE_AFTER", "BOOKING_LEASE_SECONDS"):
        value = float(getattr(settings, name))
        if renew <= 0 or value < 3 * renew:
            problems.append(
                Warning(
                    f"{name} ({value:g} s) is less than three times LEASE_RENEW_SECONDS "
                    f"({renew:g} s): a live worker's run could be taken over.",
                    hint=f"Set {name} to at least {3 * max(renew, 1):g} seconds, "
                    "or renew more often.",
                    id="connector.W001",
                )
            )
    return problems
