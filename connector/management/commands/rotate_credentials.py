"""``rotate_credentials``: re-encrypt every stored credential with the first key of
CREDENTIALS_KEY, so that the keys after it can be dropped.

Exit code 0 when every credential was re-encrypted, 1 when some could not be decrypted with
any configured key (they are listed and left as they are: enter them again, or add the key
they were encrypted with and run the command again).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from connector.cli import OperatorCommand
from connector.services.credentials import credentials_rotate


class Command(OperatorCommand):
    help = "Re-encrypt every stored credential with the first key of CREDENTIALS_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        report = credentials_rotate()
        key = (
            "the first key of CREDENTIALS_KEY"
            if settings.CREDENTIALS_KEYS
            else "the key derived from SECRET_KEY (CREDENTIALS_KEY is not set)"
        )
        self.stdout.write(
            f"Re-encrypted {report.reencrypted} credentials of {report.rows} connections "
            f"with {key}."
        )
        if report.unreadable:
            for item in report.unreadable:
                self.stderr.write(f"  unreadable with every configured key: {item}")
            raise CommandError(
                f"{len(report.unreadable)} credentials could not be decrypted with any key in "
                "CREDENTIALS_KEY and were left as they are: enter them again, or add the key "
                "they were encrypted with and run rotate_credentials again. Keep the old keys "
                "until then."
            )
        if len(settings.CREDENTIALS_KEYS) > 1:
            self.stdout.write(
                "Every credential now needs only the first key: the other keys can be removed "
                "from CREDENTIALS_KEY (keep them with the database backups made before now)."
            )
