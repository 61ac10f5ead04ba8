"""The upload log ("Buchungen → Uploaddaten → Externe Bestellungen"): one row per Billbee
document with the decision taken about it, and the history of its versions."""

from __future__ import annotations

import zlib

from django.db import models

from ..fields import ExactDecimalField
from .channels import ChannelRule, SalesChannel
from .connections import Connection
from .imports import ImportRun


class ExternalOrder(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "invoice"
        CREDIT_NOTE = "credit_note", "credit note"

    class Status(models.TextChoices):
        IMPORTED = "imported", "imported"
        UPDATED = "updated", "updated"
        UNCHANGED = "unchanged", "unchanged"
        SKIPPED = "skipped", "skipped"
        EXCLUDED = "excluded", "excluded"
        REJECTED = "rejected", "rejected"
        WAITING = "waiting", "waiting for invoice"

    # Statuses of a document that is accepted for bookkeeping.
    ACCEPTED = (Status.IMPORTED, Status.UPDATED, Status.UNCHANGED)

    class Flag(models.TextChoices):
        NONE = "", "—"
        # The values keep their first names; an invoice is flagged whenever it is cancelled or
        # deleted in Billbee after it was invoiced, imported before or not.
        CANCELLED_AFTER_IMPORT = "cancelled_after_import", "cancelled after invoicing"
        DELETED_AFTER_IMPORT = "deleted_after_import", "deleted after invoicing"

    # Indexes cost every insert: foreign keys covered by a composite index below (or only
    # followed from the other side, like rule and run) have none of their own.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="external_orders", db_index=False
    )
    billbee_order_id = models.BigIntegerField("Billbee order id")
    kind = models.CharField(max_length=11, choices=Kind.choices, default=Kind.INVOICE)
    order_number = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    invoice_number = models.CharField(max_length=200, blank=True)
    invoice_date = models.DateTimeField(null=True, blank=True)
    order_date = models.DateTimeField(null=True, blank=True)
    document_date = models.DateField(
        null=True, blank=True, help_text="Invoice date, else order date (connection's zone)."
    )
    service_date = models.DateField(
        null=True, blank=True, help_text="Leistungsdatum: ShippedAt, else InvoiceDate."
    )
    channel = models.ForeignKey(
        SalesChannel, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    origin = models.CharField(max_length=320, blank=True)
    payment_method = models.IntegerField(null=True, blank=True)
    payment_method_name = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total_gross = ExactDecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    shipping_cost = ExactDecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    adjustment_cost = ExactDecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    lines_total = ExactDecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Sum of the order lines, each rounded to cents.",
    )
    rounding_difference = ExactDecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="TotalCost minus (rounded lines + shipping + adjustment).",
    )
    billbee_state = models.IntegerField(null=True, blank=True)
    vat_mode = models.IntegerField(null=True, blank=True)
    ship_from_country = models.CharField(max_length=2, blank=True)
    destination_country = models.CharField(max_length=2, blank=True)
    customer_vat_id = models.CharField(max_length=30, blank=True)
    parent_billbee_id = models.BigIntegerField(null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_notes",
        db_index=False,
    )
    billbee_url = models.URLField(max_length=300, blank=True)
    # Billbee's invoice register (GET /orders/invoices) on this document: the number printed on
    # the invoice (GoBD: the document's number; ``invoice_number`` takes it over where the
    # order's prefix + number + postfix differ) and its VAT flags (a cross-check of the VAT
    # decision in bookkeeping).
    # Not written when a document is inserted (the database's defaults; an insert stays within
    # psycopg's 50 parameters of a cached statement): the register is read after the windows.
    register_invoice_number = models.CharField(
        max_length=200, blank=True, default="", db_default=""
    )
    register_vat_flags = models.JSONField(null=True, blank=True)
    register_read_at = models.DateTimeField(null=True, blank=True)
    # Payment data as Billbee sent it, for payment matching (PaymentReference,
    # PaymentTransactionId, Payments[]).
    payment_reference = models.CharField(max_length=200, blank=True)
    payment_transaction_id = models.CharField(max_length=200, blank=True)
    payments = models.JSONField(
        default=list, blank=True, help_text="Payments[]: date, type, amount, reference."
    )
    # Who ordered, for payment matching (the payer's name, the payer accounts remembered per
    # customer) and reminders (connector/customers.py). The details are one JSON column: an
    # insert stays within psycopg's 50 parameters of a cached statement (see above).
    customer_name = models.CharField(
        max_length=200, blank=True, help_text="Invoice address: company, else first + last name."
    )
    customer = models.JSONField(
        default=dict,
        blank=True,
        help_text="E-mail, customer number, Billbee customer id and language, as far as known.",
    )

    status = models.CharField(max_length=9, choices=Status.choices)
    reason_code = models.CharField(max_length=40)
    reason = models.TextField()
    rule = models.ForeignKey(
        ChannelRule, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    flag = models.CharField(max_length=30, choices=Flag.choices, blank=True, default="")
    trace = models.JSONField(default=list, blank=True)
    decision_basis = models.CharField(
        max_length=64,
        blank=True,
        help_text="Fingerprint of the rules and settings the decision was taken with.",
    )

    raw_hash = models.CharField(max_length=64, help_text="SHA-256 of the JSON as sent.")
    content_hash = models.CharField(
        max_length=64,
        help_text="SHA-256 of the content, without fields that change alone "
        "(LastModifiedAt, History, Tags …).",
    )
    version_count = models.PositiveIntegerField(default=0)
    billbee_modified_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    decided_at = models.DateTimeField()
    last_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-document_date", "-billbee_order_id"]
        verbose_name = "external order"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "billbee_order_id"], name="one_row_per_billbee_document"
            )
        ]
        indexes = [
            models.Index(fields=["connection", "status", "reason_code"]),
            models.Index(fields=["connection", "order_number"]),
            models.Index(fields=["connection", "invoice_number"]),
            models.Index(fields=["connection", "document_date"]),
            models.Index(fields=["connection", "parent_billbee_id"]),
        ]

    def __str__(self) -> str:
        number = self.invoice_number or self.order_number or str(self.billbee_order_id)
        return f"{self.get_kind_display()} {number}"

    @property
    def is_accepted(self) -> bool:
        return self.status in self.ACCEPTED

    def latest_version(self) -> ExternalOrderVersion | None:
        return self.versions.order_by("-number").first()


class ExternalOrderVersion(models.Model):
    """One version of a document as Billbee sent it (the first and every relevant change)."""

    external_order = models.ForeignKey(
        ExternalOrder, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    raw_compressed = models.BinaryField(help_text="The JSON as sent, zlib-compressed.")
    raw_hash = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    changed_fields = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=9, choices=ExternalOrder.Status.choices)
    reason = models.TextField()
    billbee_modified_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField()
    run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["external_order", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_order", "number"], name="unique_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.external_order_id}"

    @property
    def raw_text(self) -> str:
        return zlib.decompress(bytes(self.raw_compressed)).decode("utf-8")
