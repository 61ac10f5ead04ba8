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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connector import formatting
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
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")
        REVERSAL = "reversal", _("reversal")
        PAYMENT = "payment", _("payment")
        TRANSFER = "transfer", _("transfer (Geldtransit)")

    # Indexes cost every posting: foreign keys covered by a composite index below, or never
    # looked up from this side, have none of their own.
    connection = models.ForeignKey(
        Connection,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("connection"),
    )
    # Empty only for a transfer between two of the merchant's own accounts (a payout from a
    # payment provider to the bank via the transit account): it belongs to no document.
    document = models.ForeignKey(
        ExternalOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_entries",
        verbose_name=_("document"),
    )
    kind = models.CharField(max_length=11, choices=Kind.choices, verbose_name=_("kind"))
    number = models.CharField(
        _("document number"), max_length=36, help_text=_("Belegfeld 1: the invoice number.")
    )
    reference = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Credit notes: the original invoice number."),
        verbose_name=_("reference"),
    )
    document_date = models.DateField(help_text=_("Belegdatum."), verbose_name=_("document date"))
    service_date = models.DateField(
        null=True, blank=True, help_text=_("Leistungsdatum."), verbose_name=_("service date")
    )
    text = models.CharField(_("booking text"), max_length=60)
    origin = models.CharField(max_length=320, blank=True, verbose_name=_("origin"))
    order_number = models.CharField(max_length=200, blank=True, verbose_name=_("order number"))
    billbee_order_id = models.BigIntegerField(verbose_name=_("Billbee order ID"))
    case = models.CharField(_("VAT treatment"), max_length=20, choices=CASE_CHOICES)
    eu_destination = models.CharField(max_length=20, blank=True, verbose_name=_("EU destination"))
    eu_origin = models.CharField(max_length=20, blank=True, verbose_name=_("EU origin"))
    origin_rate = ExactDecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("VAT rate of the origin country"),
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        help_text=_("Currency of the document; lines are in EUR."),
        verbose_name=_("currency"),
    )
    exchange_rate = ExactDecimalField(
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("1 EUR = x."),
        verbose_name=_("exchange rate"),
    )
    document_total = ExactDecimalField(
        max_digits=18,
        decimal_places=2,
        help_text=_("The document's total in its currency."),
        verbose_name=_("document total"),
    )
    debtor = models.PositiveIntegerField(verbose_name=_("debtor"))
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    credit_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        db_index=False,
        verbose_name=_("credit for"),
    )
    late_change = models.BooleanField(
        default=False,
        help_text=_(
            "A correction (reversal, or the new entry of a changed document) posted "
            "after the document's period had been exported."
        ),
        verbose_name=_("late change"),
    )
    booked_after_export = models.BooleanField(
        default=False,
        help_text=_(
            "The document's first entry, posted after its period had been exported "
            "(a document that arrived late): it goes into the month's supplement batch."
        ),
        verbose_name=_("booked after export"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    # The note's template and values, to show it in the reader's language (connector/texts.py).
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    source_hash = models.CharField(
        max_length=64, help_text=_("Version of the document booked."), verbose_name=_("source hash")
    )
    plan_hash = models.CharField(
        max_length=64, help_text=_("Fingerprint of the lines."), verbose_name=_("plan hash")
    )
    posted_at = models.DateTimeField(verbose_name=_("posted at"))

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-document_date", "-id"]
        indexes = [models.Index(fields=["connection", "document_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({formatting.day(self.document_date)})"


class JournalLine(Immutable):
    class Side(models.TextChoices):
        DEBIT = "S", _("debit (Soll)")
        CREDIT = "H", _("credit (Haben)")

    class Role(models.TextChoices):
        DEBTOR = "debtor", _("debtor")
        REVENUE = "revenue", _("revenue")
        SHIPPING = "shipping", _("shipping")
        DISCOUNT = "discount", _("discount")
        VAT = "vat", _("VAT")
        ROUNDING = "rounding", _("rounding difference")
        COUPON = "coupon", _("multi-purpose voucher")
        VOUCHER = "voucher", _("single-purpose voucher")
        BANK = "bank", _("bank or payment provider account")
        FEE = "fee", _("payment provider fee")
        SKONTO = "skonto", _("cash discount granted (Skonto)")
        WRITE_OFF = "writeoff", _("written off (Forderungsverlust or small difference)")
        TRANSIT = "transit", _("transit account (Geldtransit)")

    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        verbose_name=_("journal entry"),
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    role = models.CharField(max_length=8, choices=Role.choices, verbose_name=_("role"))
    account = models.PositiveIntegerField(verbose_name=_("account"))
    side = models.CharField(
        max_length=1, choices=Side.choices, verbose_name=_("side (debit/credit)")
    )
    amount = ExactDecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    rate = ExactDecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("VAT rate")
    )
    tax = ExactDecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("Revenue lines: the VAT on this line (part of the VAT line of its rate)."),
        verbose_name=_("VAT"),
    )
    bu_key = models.CharField(max_length=4, blank=True, verbose_name=_("BU key"))
    datev_gross = models.BooleanField(
        default=False,
        help_text=_(
            "DATEV derives the VAT of this line (automatic account or BU key): the "
            "export books it gross and leaves out the VAT line it is part of."
        ),
        verbose_name=_("DATEV books it gross"),
    )

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["entry", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="line_amount_positive"),
            models.CheckConstraint(condition=models.Q(side__in=["S", "H"]), name="line_side"),
            models.UniqueConstraint(fields=["entry", "position"], name="one_line_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.account} {formatting.money(self.amount)}"


class DocumentBooking(models.Model):
    """What bookkeeping made of one upload-log document, and why."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        WAITING = "waiting", _("waiting")
        REJECTED = "rejected", _("rejected")
        REVERSED = "reversed", _("reversed (left the books)")
        NOTHING = "nothing", _("nothing to book")

    document = models.OneToOneField(
        ExternalOrder,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="booking",
        verbose_name=_("document"),
    )
    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("connection"),
    )
    status = models.CharField(max_length=8, choices=Status.choices, verbose_name=_("status"))
    reason_code = models.CharField(max_length=40, blank=True, verbose_name=_("reason code"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    entry = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("journal entry"),
    )
    source_hash = models.CharField(max_length=64, blank=True, verbose_name=_("source hash"))
    case = models.CharField(
        max_length=20, choices=CASE_CHOICES, blank=True, verbose_name=_("VAT treatment")
    )
    debtor = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("debtor"))
    vat_difference = ExactDecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("VAT difference")
    )
    warnings = models.JSONField(default=list, blank=True, verbose_name=_("warnings"))
    trace = models.JSONField(default=list, blank=True, verbose_name=_("trace"))
    # The reason's, the warnings' and the trace's sentences as template and values, to show
    # them in the reader's language (connector/texts.py); empty for bookings decided before.
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    decided_at = models.DateTimeField(verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("document booking")
        verbose_name_plural = _("document bookings")
        indexes = [models.Index(fields=["connection", "status", "reason_code"])]
        permissions = [("book_documents", _("Can book the waiting documents now"))]

    def __str__(self) -> str:
        return gettext("booking of %(document)s: %(status)s") % {
            "document": self.document_id,
            "status": self.get_status_display(),
        }
