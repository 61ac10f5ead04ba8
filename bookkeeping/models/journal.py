"""The journal: one balanced entry per booked document, never edited once posted.

Posted entries and their lines are immutable (GoBD, bookkeeping.md §6): the models refuse
updates and deletes, and the database refuses them too (triggers, migrations 0002 and 0012;
PostgreSQL also refuses TRUNCATE); on both databases an entry whose lines do not balance is
refused when its transaction commits (a deferred constraint trigger on PostgreSQL, a deferred
foreign key on SQLite).
A document that changes after posting gets a reversal entry plus a new entry.

``DocumentBooking`` is the bookkeeping side's view of one upload-log document: booked,
waiting (and why), rejected, or nothing to book; it points at the entry that currently
stands for the document.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from connector.fields import ExactDecimalField
from connector.models import Connection, ExternalOrder

from .accounts import CASE_CHOICES


class ImmutableError(Exception):
    """A posted entry or line was about to be changed or deleted."""


class PostedQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableError("posted journal entries cannot be changed; post a reversal")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise ImmutableError("posted journal entries cannot be deleted; post a reversal")


class Immutable(models.Model):
    objects = PostedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(f"{self} is posted and cannot be changed; post a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise ImmutableError(f"{self} is posted and cannot be deleted; post a reversal")


class JournalEntry(Immutable):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "invoice"
        CREDIT_NOTE = "credit_note", "credit note"
        REVERSAL = "reversal", "reversal"
        PAYMENT = "payment", "payment"
        TRANSFER = "transfer", "transfer (Geldtransit)"

    # Indexes cost every posting: foreign keys covered by a composite index below, or never
    # looked up from this side, have none of their own.
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Empty only for a transfer between two of the merchant's own accounts (a payout from a
    # payment provider to the bank via the transit account): it belongs to no document.
    document = models.ForeignKey(
        ExternalOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
    )
    kind = models.CharField(max_length=11, choices=Kind.choices)
    number = models.CharField(
        "document number", max_length=36, help_text="Belegfeld 1: the invoice number."
    )
    reference = models.CharField(
        max_length=200, blank=True, help_text="Credit notes: the original invoice number."
    )
    document_date = models.DateField(help_text="Belegdatum.")
    service_date = models.DateField(null=True, blank=True, help_text="Leistungsdatum.")
    text = models.CharField("booking text", max_length=60)
    origin = models.CharField(max_length=320, blank=True)
    order_number = models.CharField(max_length=200, blank=True)
    billbee_order_id = models.BigIntegerField()
    case = models.CharField("VAT treatment", max_length=20, choices=CASE_CHOICES)
    eu_destination = models.CharField(max_length=20, blank=True)
    eu_origin = models.CharField(max_length=20, blank=True)
    origin_rate = ExactDecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        max_length=3, default="EUR", help_text="Currency of the document; lines are in EUR."
    )
    exchange_rate = ExactDecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, help_text="1 EUR = x."
    )
    document_total = ExactDecimalField(
        max_digits=18, decimal_places=2, help_text="The document's total in its currency."
    )
    debtor = models.PositiveIntegerField()
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    credit_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        db_index=False,
    )
    late_change = models.BooleanField(
        default=False,
        help_text="A correction (reversal, or the new entry of a changed document) posted "
        "after the document's period had been exported.",
    )
    booked_after_export = models.BooleanField(
        default=False,
        help_text="The document's first entry, posted after its period had been exported "
        "(a document that arrived late): it goes into the month's supplement batch.",
    )
    note = models.TextField(blank=True)
    source_hash = models.CharField(max_length=64, help_text="Version of the document booked.")
    plan_hash = models.CharField(max_length=64, help_text="Fingerprint of the lines.")
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["-document_date", "-id"]
        verbose_name_plural = "journal entries"
        indexes = [models.Index(fields=["connection", "document_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.document_date:%d.%m.%Y})"


class JournalLine(Immutable):
    class Side(models.TextChoices):
        DEBIT = "S", "debit (Soll)"
        CREDIT = "H", "credit (Haben)"

    class Role(models.TextChoices):
        DEBTOR = "debtor", "debtor"
        REVENUE = "revenue", "revenue"
        SHIPPING = "shipping", "shipping"
        DISCOUNT = "discount", "discount"
        VAT = "vat", "VAT"
        ROUNDING = "rounding", "rounding difference"
        COUPON = "coupon", "multi-purpose voucher"
        VOUCHER = "voucher", "single-purpose voucher"
        BANK = "bank", "bank or payment provider account"
        FEE = "fee", "payment provider fee"
        SKONTO = "skonto", "cash discount granted (Skonto)"
        WRITE_OFF = "writeoff", "written off (Forderungsverlust or small difference)"
        TRANSIT = "transit", "transit account (Geldtransit)"

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=8, choices=Role.choices)
    account = models.PositiveIntegerField()
    side = models.CharField(max_length=1, choices=Side.choices)
    amount = ExactDecimalField(max_digits=14, decimal_places=2)
    rate = ExactDecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    tax = ExactDecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Revenue lines: the VAT on this line (part of the VAT line of its rate).",
    )
    bu_key = models.CharField(max_length=4, blank=True)
    datev_gross = models.BooleanField(
        default=False,
        help_text="DATEV derives the VAT of this line (automatic account or BU key): the "
        "export books it gross and leaves out the VAT line it is part of.",
    )

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="line_amount_positive"),
            models.CheckConstraint(condition=models.Q(side__in=["S", "H"]), name="line_side"),
            models.UniqueConstraint(fields=["entry", "position"], name="one_line_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.account} {self.amount}"


class DocumentBooking(models.Model):
    """What bookkeeping made of one upload-log document, and why."""

    class Status(models.TextChoices):
        BOOKED = "booked", "booked"
        WAITING = "waiting", "waiting"
        REJECTED = "rejected", "rejected"
        REVERSED = "reversed", "reversed (left the books)"
        NOTHING = "nothing", "nothing to book"

    document = models.OneToOneField(
        ExternalOrder, on_delete=models.CASCADE, primary_key=True, related_name="booking"
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    entry = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source_hash = models.CharField(max_length=64, blank=True)
    case = models.CharField(max_length=20, choices=CASE_CHOICES, blank=True)
    debtor = models.PositiveIntegerField(null=True, blank=True)
    vat_difference = ExactDecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    trace = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["connection", "status", "reason_code"])]
        permissions = [("book_documents", "Can book the waiting documents now")]

    def __str__(self) -> str:
        return f"booking of {self.document_id}: {self.status}"
