"""Invoices asked of Billbee (``POST /orders/CreateInvoice/{id}``) and their PDFs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .connections import Connection


class InvoiceRequest(models.Model):
    """One order's invoice as asked of Billbee: never lost, whatever Billbee answers.

    Billbee answers CreateInvoice at most once per order every 5 minutes. An answer that
    cannot be used (a PDF that is not valid base64, a throttle, a server error) is stored with
    its reason and asked for again after that limit."""

    class State(models.TextChoices):
        PENDING = "pending", _("to be asked again")
        DONE = "done", _("received")
        FAILED = "failed", _("failed")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="invoice_requests",
        verbose_name=_("connection"),
    )
    billbee_order_id = models.BigIntegerField(_("Billbee order id"))
    state = models.CharField(
        max_length=7, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    invoice_number = models.CharField(max_length=200, blank=True, verbose_name=_("invoice number"))
    invoice_date = models.DateTimeField(null=True, blank=True, verbose_name=_("invoice date"))
    pdf = models.BinaryField(null=True, blank=True, verbose_name=_("PDF"))
    pdf_download_url = models.URLField(
        max_length=500, blank=True, verbose_name=_("PDF download URL")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "billbee_order_id"], name="one_invoice_request_per_order"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return gettext("invoice of order %(order)s (%(state)s)") % {
            "order": self.billbee_order_id,
            "state": self.get_state_display(),
        }
