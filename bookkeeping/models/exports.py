"""DATEV export batches: which entries went to the accountant, when, in which file.

Each entry is exported once; a re-export is an explicit batch of its own (``reexport``).
The file is kept (compressed) so that the same batch can be downloaded again.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models

from connector.models import Connection

from .journal import JournalEntry


class ExportBatch(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", "first export of the month"
        SUPPLEMENT = "supplement", "supplement (Nachtrag): booked after export, late changes"
        REEXPORT = "reexport", "re-export (Wiederholung): everything again"

    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="export_batches"
    )
    period_from = models.DateField()
    period_to = models.DateField()
    part = models.PositiveSmallIntegerField(
        default=1, help_text="Files of more than 99,999 rows are split into parts."
    )
    reexport = models.BooleanField(
        default=False, help_text="An explicit re-export of entries exported before."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FIRST)
    sequence = models.PositiveSmallIntegerField(
        default=0,
        help_text="Supplements and re-exports of a month are numbered 1, 2, …; the first "
        "export is 0.",
    )
    incomplete = models.TextField(
        blank=True,
        help_text="Exported with documents still waiting, or before the month ended, on "
        "explicit confirmation: what was open then.",
    )
    file_name = models.CharField(max_length=200)
    content = models.BinaryField(help_text="The file, zlib-compressed.")
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    entries = models.PositiveIntegerField()
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "export batches"
        permissions = [
            (
                "export_datev",
                "Can export a period or the debtors to DATEV (marks the entries exported)",
            )
        ]
        indexes = [models.Index(fields=["connection", "period_from"])]

    def __str__(self) -> str:
        return self.file_name

    @property
    def data(self) -> bytes:
        return zlib.decompress(bytes(self.content))


class ExportedEntry(models.Model):
    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="items")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="exports")
    reexport = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Exported exactly once; re-exports are recorded apart.
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(reexport=False),
                name="entry_exported_once",
            )
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} in {self.batch_id}{' (re-export)' if self.reexport else ''}"
