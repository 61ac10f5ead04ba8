"""DATEV export batches: which entries went to the accountant, when, in which file.

Each entry is exported once; a re-export is an explicit batch of its own (``reexport``).
The file is kept (compressed) so that the same batch can be downloaded again.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connector.models import Connection

from .journal import JournalEntry


class ExportBatch(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("first export of the month")
        SUPPLEMENT = "supplement", _("supplement (Nachtrag): booked after export, late changes")
        REEXPORT = "reexport", _("re-export (Wiederholung): everything again")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.PROTECT,
        related_name="export_batches",
        verbose_name=_("connection"),
    )
    period_from = models.DateField(verbose_name=_("period from"))
    period_to = models.DateField(verbose_name=_("period to"))
    part = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("Files of more than 99,999 rows are split into parts."),
        verbose_name=_("part"),
    )
    reexport = models.BooleanField(
        default=False,
        help_text=_("An explicit re-export of entries exported before."),
        verbose_name=_("re-export"),
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.FIRST, verbose_name=_("kind")
    )
    sequence = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "Supplements and re-exports of a month are numbered 1, 2, …; the first export is 0."
        ),
        verbose_name=_("sequence"),
    )
    incomplete = models.TextField(
        blank=True,
        help_text=_(
            "Exported with documents still waiting, or before the month ended, on "
            "explicit confirmation: what was open then."
        ),
        verbose_name=_("incomplete"),
    )
    # The data of ``incomplete``'s sentence, to say it in the reader's language
    # (connector/texts.py); empty for batches exported before.
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    file_name = models.CharField(max_length=200, verbose_name=_("file name"))
    content = models.BinaryField(help_text=_("The file, zlib-compressed."), verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    rows = models.PositiveIntegerField(verbose_name=_("rows"))
    entries = models.PositiveIntegerField(verbose_name=_("entries"))
    warnings = models.JSONField(default=list, blank=True, verbose_name=_("warnings"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("export batch")
        verbose_name_plural = _("export batches")
        ordering = ["-created_at"]
        permissions = [
            (
                "export_datev",
                _("Can export a period or the debtors to DATEV (marks the entries exported)"),
            )
        ]
        indexes = [models.Index(fields=["connection", "period_from"])]

    def __str__(self) -> str:
        return self.file_name

    @property
    def data(self) -> bytes:
        return zlib.decompress(bytes(self.content))


class ExportedEntry(models.Model):
    batch = models.ForeignKey(
        ExportBatch, on_delete=models.PROTECT, related_name="items", verbose_name=_("batch")
    )
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="exports",
        verbose_name=_("journal entry"),
    )
    reexport = models.BooleanField(default=False, verbose_name=_("re-export"))

    class Meta:
        verbose_name = _("exported entry")
        verbose_name_plural = _("exported entries")
        constraints = [
            # Exported exactly once; re-exports are recorded apart.
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(reexport=False),
                name="entry_exported_once",
            )
        ]

    def __str__(self) -> str:
        if self.reexport:
            text = gettext("entry %(entry)s in batch %(batch)s (exported again)")
        else:
            text = gettext("entry %(entry)s in batch %(batch)s")
        return text % {"entry": self.entry_id, "batch": self.batch_id}
