"""Import runs: one fetch of a connection's changed orders, with its counters and progress."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .connections import Connection


class ImportRun(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", _("manual (command line)")
        SCHEDULED = "scheduled", _("scheduled")
        ADMIN = "admin", _("admin")
        # Orders of the prepayment groups' open states, read before statement lines are
        # matched (payments/services/prepayments.py).
        PAYMENTS = "payments", _("open prepayment orders (payments)")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        PARTIAL = "partial", _("partial")
        FAILED = "failed", _("failed")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="runs", verbose_name=_("connection")
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, verbose_name=_("trigger"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    window_from = models.DateTimeField(null=True, blank=True, verbose_name=_("window from"))
    window_to = models.DateTimeField(null=True, blank=True, verbose_name=_("window to"))
    windows_total = models.PositiveIntegerField(default=0, verbose_name=_("windows total"))
    windows_done = models.PositiveIntegerField(default=0, verbose_name=_("windows done"))
    pages_total = models.PositiveIntegerField(default=0, verbose_name=_("pages total"))
    pages_done = models.PositiveIntegerField(default=0, verbose_name=_("pages done"))
    window_pages_total = models.PositiveIntegerField(
        default=0, verbose_name=_("window pages total")
    )
    window_pages_done = models.PositiveIntegerField(default=0, verbose_name=_("window pages done"))
    fetched = models.PositiveIntegerField(default=0, verbose_name=_("fetched"))
    imported = models.PositiveIntegerField(default=0, verbose_name=_("imported"))
    updated = models.PositiveIntegerField(default=0, verbose_name=_("updated"))
    unchanged = models.PositiveIntegerField(default=0, verbose_name=_("unchanged"))
    skipped = models.PositiveIntegerField(default=0, verbose_name=_("skipped"))
    excluded = models.PositiveIntegerField(default=0, verbose_name=_("excluded"))
    rejected = models.PositiveIntegerField(default=0, verbose_name=_("rejected"))
    waiting = models.PositiveIntegerField(default=0, verbose_name=_("waiting"))
    reasons = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Per outcome (skipped, excluded, rejected, waiting): reason → count."),
        verbose_name=_("reasons"),
    )
    # Per reason of ``reasons``, its template and values, to show it in the reader's language
    # (connector/texts.py).
    reason_texts = models.JSONField(
        default=dict, blank=True, verbose_name=_("reasons per language")
    )
    api_requests = models.PositiveIntegerField(default=0, verbose_name=_("API requests"))
    throttled = models.PositiveIntegerField(default=0, verbose_name=_("throttled"))
    retries = models.PositiveIntegerField(default=0, verbose_name=_("retries"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # The error's template and values, to show it in the reader's language (connector/texts.py).
    error_texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    worker = models.CharField(max_length=200, blank=True, verbose_name=_("worker"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("heartbeat at"))

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]
        constraints = [
            # One import per connection at a time, enforced by the database for every worker
            # on every machine.
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(state="running"),
                name="one_running_import_per_connection",
            )
        ]
        indexes = [models.Index(fields=["connection", "-started_at"])]

    def __str__(self) -> str:
        return gettext("import #%(id)s of %(connection)s (%(state)s)") % {
            "id": self.pk,
            "connection": self.connection,
            "state": self.get_state_display(),
        }

    @property
    def progress(self) -> float:
        """0..1: finished windows plus the share of pages of the current one."""
        if self.state in (self.State.SUCCEEDED, self.State.PARTIAL, self.State.FAILED):
            return 1.0 if self.state == self.State.SUCCEEDED else self._fraction()
        return self._fraction()

    def _fraction(self) -> float:
        if not self.windows_total:
            return 0.0
        current = 0.0
        if self.window_pages_total and self.windows_done < self.windows_total:
            current = min(1.0, self.window_pages_done / self.window_pages_total)
        return min(1.0, (self.windows_done + current) / self.windows_total)

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
