"""Invoices asked of Billbee (``POST /orders/CreateInvoice/{id}``) and their PDFs."""

from __future__ import annotations

from django.db import models

from .connections import Connection


class InvoiceRequest(models.Model):
    """One order's invoice as asked of Billbee: never lost, whatever Billbee answers.

    Billbee answers CreateInvoice at most once per order every 5 minutes. An answer that
    cannot be used (a PDF that is not valid base64, a throttle, a server error) is stored with
    its reason and asked for again after that limit."""

    class State(models.TextChoices):
        PENDING = "pending", "to be asked again"
        DONE = "done", "received"
        FAILED = "failed", "failed"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="invoice_requests"
    )
    billbee_order_id = models.BigIntegerField("Billbee order id")
    state = models.CharField(max_length=7, choices=State.choices, default=State.PENDING)
    invoice_number = models.CharField(max_length=200, blank=True)
    invoice_date = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    pdf_download_url = models.URLField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "invoice request"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "billbee_order_id"], name="one_invoice_request_per_order"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"invoice of order {self.billbee_order_id} ({self.get_state_display()})"
