"""The upload log ("Buchungen → Uploaddaten → Externe Bestellungen"): one row per Billbee
document with the decision taken about it, and the history of its versions."""

from __future__ import annotations

import zlib

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..fields import ExactDecimalField
from .channels import ChannelRule, SalesChannel
from .connections import Connection
from .imports import ImportRun


class ExternalOrder(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")

    class Status(models.TextChoices):
        IMPORTED = "imported", _("imported")
        UPDATED = "updated", _("updated")
        UNCHANGED = "unchanged", _("unchanged")
        SKIPPED = "skipped", _("skipped")
        EXCLUDED = "excluded", _("excluded")
        REJECTED = "rejected", _("rejected")
        WAITING = "waiting", _("waiting for invoice")

    # Statuses of a document that is accepted for bookkeeping.
    ACCEPTED = (Status.IMPORTED, Status.UPDATED, Status.UNCHANGED)

    class Flag(models.TextChoices):
        NONE = "", _("—")
        # The values keep their first names; an invoice is flagged whenever it is cancelled or
        # deleted in Billbee after it was invoiced, imported before or not.
        CANCELLED_AFTER_IMPORT = "cancelled_after_import", _("cancelled after invoicing")
        DELETED_AFTER_IMPORT = "deleted_after_import", _("deleted after invoicing")

    # Indexes cost every insert: foreign keys covered by a composite index below (or only
    # followed from the other side, like rule and run) have none of their own.
    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="external_orders",
        db_index=False,
        verbose_name=_("connection"),
    )
    billbee_order_id = models.BigIntegerField(_("Billbee order id"))
    kind = models.CharField(
        max_length=11, choices=Kind.choices, default=Kind.INVOICE, verbose_name=_("kind")
    )
    order_number = models.CharField(max_length=200, blank=True, verbose_name=_("order number"))
    external_id = models.CharField(max_length=200, blank=True, verbose_name=_("external ID"))
    invoice_number = models.CharField(max_length=200, blank=True, verbose_name=_("invoice number"))
    invoice_date = models.DateTimeField(null=True, blank=True, verbose_name=_("invoice date"))
    order_date = models.DateTimeField(null=True, blank=True, verbose_name=_("order date"))
    document_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Invoice date, else order date (connection's zone)."),
        verbose_name=_("document date"),
    )
    service_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Leistungsdatum: ShippedAt, else InvoiceDate."),
        verbose_name=_("service date"),
    )
    channel = models.ForeignKey(
        SalesChannel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("channel"),
    )
    origin = models.CharField(max_length=320, blank=True, verbose_name=_("origin"))
    payment_method = models.IntegerField(null=True, blank=True, verbose_name=_("payment method"))
    payment_method_name = models.CharField(
        max_length=100, blank=True, verbose_name=_("payment method name")
    )
    currency = models.CharField(max_length=3, blank=True, verbose_name=_("currency"))
    total_gross = ExactDecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True, verbose_name=_("total gross")
    )
    shipping_cost = ExactDecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True, verbose_name=_("shipping cost")
    )
    adjustment_cost = ExactDecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True, verbose_name=_("adjustment cost")
    )
    lines_total = ExactDecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Sum of the order lines, each rounded to cents."),
        verbose_name=_("lines total"),
    )
    rounding_difference = ExactDecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("TotalCost minus (rounded lines + shipping + adjustment)."),
        verbose_name=_("rounding difference"),
    )
    billbee_state = models.IntegerField(null=True, blank=True, verbose_name=_("Billbee state"))
    vat_mode = models.IntegerField(null=True, blank=True, verbose_name=_("VAT mode"))
    ship_from_country = models.CharField(
        max_length=2, blank=True, verbose_name=_("ship from country")
    )
    destination_country = models.CharField(
        max_length=2, blank=True, verbose_name=_("destination country")
    )
    customer_vat_id = models.CharField(max_length=30, blank=True, verbose_name=_("customer VAT ID"))
    parent_billbee_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("parent Billbee ID")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_notes",
        db_index=False,
        verbose_name=_("parent"),
    )
    billbee_url = models.URLField(max_length=300, blank=True, verbose_name=_("Billbee URL"))
    # Billbee's invoice register (GET /orders/invoices) on this document: the number printed on
    # the invoice (GoBD: the document's number; ``invoice_number`` takes it over where the
    # order's prefix + number + postfix differ) and its VAT flags (a cross-check of the VAT
    # decision in bookkeeping).
    # Not written when a document is inserted (the database's defaults; an insert stays within
    # psycopg's 50 parameters of a cached statement): the register is read after the windows.
    register_invoice_number = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("register invoice number"),
    )
    register_vat_flags = models.JSONField(
        null=True, blank=True, verbose_name=_("register VAT flags")
    )
    register_read_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("register read at")
    )
    # Payment data as Billbee sent it, for payment matching (PaymentReference,
    # PaymentTransactionId, Payments[]).
    payment_reference = models.CharField(
        max_length=200, blank=True, verbose_name=_("payment reference")
    )
    payment_transaction_id = models.CharField(
        max_length=200, blank=True, verbose_name=_("payment transaction ID")
    )
    payments = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Payments[]: date, type, amount, reference."),
        verbose_name=_("payments"),
    )
    # Who ordered, for payment matching (the payer's name, the payer accounts remembered per
    # customer) and reminders (connector/customers.py). The details are one JSON column: an
    # insert stays within psycopg's 50 parameters of a cached statement (see above).
    customer_name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Invoice address: company, else first + last name."),
        verbose_name=_("customer name"),
    )
    customer = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("E-mail, customer number, Billbee customer id and language, as far as known."),
        verbose_name=_("customer"),
    )

    status = models.CharField(max_length=9, choices=Status.choices, verbose_name=_("status"))
    reason_code = models.CharField(max_length=40, verbose_name=_("reason code"))
    reason = models.TextField(verbose_name=_("reason"))
    rule = models.ForeignKey(
        ChannelRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        verbose_name=_("rule"),
    )
    flag = models.CharField(
        max_length=30, choices=Flag.choices, blank=True, default="", verbose_name=_("flag")
    )
    trace = models.JSONField(default=list, blank=True, verbose_name=_("trace"))
    # The reason's and the trace's sentences as template and values, to show them in the
    # reader's language (connector/texts.py); empty for documents decided before.
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    decision_basis = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Fingerprint of the rules and settings the decision was taken with."),
        verbose_name=_("decision basis"),
    )

    raw_hash = models.CharField(
        max_length=64, help_text=_("SHA-256 of the JSON as sent."), verbose_name=_("raw hash")
    )
    content_hash = models.CharField(
        max_length=64,
        help_text=_(
            "SHA-256 of the content, without fields that change alone "
            "(LastModifiedAt, History, Tags …)."
        ),
        verbose_name=_("content hash"),
    )
    version_count = models.PositiveIntegerField(default=0, verbose_name=_("version count"))
    billbee_modified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("Billbee modified at")
    )
    first_seen_at = models.DateTimeField(verbose_name=_("first seen at"))
    last_seen_at = models.DateTimeField(verbose_name=_("last seen at"))
    decided_at = models.DateTimeField(verbose_name=_("decided at"))
    last_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("last run"),
    )

    class Meta:
        verbose_name = _("external order")
        verbose_name_plural = _("external orders")
        ordering = ["-document_date", "-billbee_order_id"]
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
        ExternalOrder,
        on_delete=models.CASCADE,
        related_name="versions",
        db_index=False,
        verbose_name=_("external order"),
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    raw_compressed = models.BinaryField(
        help_text=_("The JSON as sent, zlib-compressed."), verbose_name=_("raw data (compressed)")
    )
    raw_hash = models.CharField(max_length=64, verbose_name=_("raw hash"))
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    changed_fields = models.JSONField(default=list, blank=True, verbose_name=_("changed fields"))
    status = models.CharField(
        max_length=9, choices=ExternalOrder.Status.choices, verbose_name=_("status")
    )
    reason = models.TextField(verbose_name=_("reason"))
    billbee_modified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("Billbee modified at")
    )
    seen_at = models.DateTimeField(verbose_name=_("seen at"))
    run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("run"),
    )

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["external_order", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_order", "number"], name="unique_version_number"
            )
        ]

    def __str__(self) -> str:
        return gettext("version %(number)s of order %(order)s") % {
            "number": self.number,
            "order": self.external_order_id,
        }

    @property
    def raw_text(self) -> str:
        return zlib.decompress(bytes(self.raw_compressed)).decode("utf-8")
