"""Import runs: one fetch of a connection's changed orders, with its counters and progress."""

from __future__ import annotations

from django.db import models

from .connections import Connection


class ImportRun(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "manual (command line)"
        SCHEDULED = "scheduled", "scheduled"
        ADMIN = "admin", "admin"
        # Orders of the prepayment groups' open states, read before statement lines are
        # matched (payments/services/prepayments.py).
        PAYMENTS = "payments", "open prepayment orders (payments)"

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        PARTIAL = "partial", "partial"
        FAILED = "failed", "failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    window_from = models.DateTimeField(null=True, blank=True)
    window_to = models.DateTimeField(null=True, blank=True)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    window_pages_total = models.PositiveIntegerField(default=0)
    window_pages_done = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    reasons = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per outcome (skipped, excluded, rejected, waiting): reason → count.",
    )
    api_requests = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        return f"import #{self.pk} of {self.connection} ({self.state})"

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
