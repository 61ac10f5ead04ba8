"""Where money comes in: the bank and payment-provider accounts of a connection, the statements
read from them, one row per statement line, the payment groups that say which Billbee orders
are open, and the rules that set lines aside.

A statement line is stored once per source, under its key (``payments.keys``): re-importing a
file or an overlapping statement adds nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as IbanError

from connector.fields import ExactDecimalField
from connector.models import Connection


def normalise_iban(value: str) -> str:
    """``value`` without blanks, upper case, checked (country, length, check digits)."""
    try:
        return str(stdnum_iban.validate(value))
    except IbanError as exc:
        raise ValidationError(
            f"{value!r} is not a valid IBAN ({exc}). Copy it from the bank's statement, "
            "e.g. DE89 3704 0044 0532 0130 00."
        ) from None


def validate_iban(value: str) -> None:
    if value:
        normalise_iban(value)


def validate_state_list(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17 for v in value
    ):
        raise ValidationError("Give a list of Billbee order state ids between 1 and 17.")


def validate_payment_methods(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ValidationError("Give a list of Billbee payment method ids, e.g. [1, 59].")


def validate_csv_mapping(value: object) -> None:
    from .parsers.csv_mapped import mapping_problems

    problems = mapping_problems(value)
    if problems:
        raise ValidationError(" ".join(problems))


def default_reminder_days() -> list[int]:
    return [14, 28, 42]


def validate_reminder_days(value: object) -> None:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 3
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
        or value != sorted(set(value))
    ):
        raise ValidationError(
            "Give one to three numbers of days after the invoice date, increasing, "
            "e.g. [14, 28, 42]."
        )


def validate_reminder_states(value: object) -> None:
    if (
        not isinstance(value, list)
        or len(value) > 3
        or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17)
            for v in value
        )
    ):
        raise ValidationError(
            "Give up to three Billbee state ids, one per level, e.g. [15, 11, 12]; "
            "null for a level that sets no state."
        )


class PaymentSource(models.Model):
    """A bank account or payment-provider account of a connection, with its ledger account."""

    class Kind(models.TextChoices):
        BANK = "bank", "bank account"
        PAYPAL = "paypal", "PayPal"
        STRIPE = "stripe", "Stripe"
        CSV = "csv", "bank CSV (column mapping)"

    class Format(models.TextChoices):
        CAMT053 = "camt053", "CAMT.053 (daily statement)"
        CAMT052 = "camt052", "CAMT.052 (intraday)"
        CAMT054 = "camt054", "CAMT.054 (batch details)"
        MT940 = "mt940", "MT940"
        PAYPAL = "paypal", "PayPal activity CSV"
        STRIPE = "stripe", "Stripe balance CSV"
        CSV = "csv", "CSV through the column mapping"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="payment_sources", db_index=False
    )
    name = models.CharField(max_length=100, help_text="e.g. Sparkasse Giro, PayPal.")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.BANK)
    iban = models.CharField(
        "IBAN",
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text="Required for a bank account; statements of another account are refused.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    ledger_account = models.PositiveIntegerField(
        help_text="The bank account in the ledger (SKR03 1200, SKR04 1800), or the "
        "provider's account that works like a bank (e.g. SKR03 1201, SKR04 1801)."
    )
    fee_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Fees of the bank or provider (SKR03 4970, SKR04 6855: no input VAT).",
    )
    transit_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Payouts to the bank go through this account (Geldtransit: SKR03 1360, "
        "SKR04 1460).",
    )
    payout_payer = models.CharField(
        "payouts arrive as",
        max_length=200,
        blank=True,
        help_text="Payment providers: the IBAN, payer name or a word of the text by which "
        "this provider's payouts show on the bank statement (e.g. PayPal Europe). Empty: "
        "the provider's name (PayPal, Stripe).",
    )
    default_format = models.CharField(
        max_length=7, choices=Format.choices, blank=True, help_text="Empty: recognised."
    )
    csv_mapping = models.JSONField(
        "CSV column mapping",
        default=dict,
        blank=True,
        validators=[validate_csv_mapping],
        help_text="Only for bank CSV files; see docs/payments.md.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["connection", "name"]
        verbose_name = "bank or PSP account"
        verbose_name_plural = "Bank and PSP accounts"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "name"], name="one_payment_source_name_per_connection"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["bank", "paypal", "stripe", "csv"]),
                name="payment_source_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="bank") | ~models.Q(iban=""),
                name="bank_source_has_iban",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.iban:
            try:
                self.iban = normalise_iban(self.iban)
            except ValidationError as exc:
                errors["iban"] = exc.messages[0]
        elif self.kind == self.Kind.BANK:
            errors["iban"] = "A bank account needs its IBAN."
        self.currency = (self.currency or "").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            errors["currency"] = "Give the ISO currency code, e.g. EUR."
        if self.kind == self.Kind.CSV and not self.csv_mapping:
            errors["csv_mapping"] = "A CSV source needs its column mapping."
        if errors:
            raise ValidationError(errors)

    @property
    def statement_format(self) -> str | None:
        """The format its files are read in (None: recognised from the file)."""
        if self.kind == self.Kind.CSV:
            return self.Format.CSV
        return self.default_format or None


class Statement(models.Model):
    """One imported file (or one statement of a file) and what became of its lines."""

    source = models.ForeignKey(PaymentSource, on_delete=models.PROTECT, related_name="statements")
    file_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    format = models.CharField(max_length=10)
    imported_at = models.DateTimeField(auto_now_add=True)
    account_iban = models.CharField("account IBAN", max_length=34, blank=True)
    statement_id = models.CharField(max_length=140, blank=True)
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    opening_balance = ExactDecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    closing_balance = ExactDecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    line_count = models.PositiveIntegerField("lines", default=0)
    new_count = models.PositiveIntegerField("new", default=0)
    known_count = models.PositiveIntegerField("already known", default=0)
    error_count = models.PositiveIntegerField("errors", default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Broken lines: position, reason, the text as read."
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name_plural = "Statements"
        indexes = [models.Index(fields=["source", "sha256"])]
        permissions = [("import_statement", "Can import bank and PSP statements")]

    def __str__(self) -> str:
        return f"{self.file_name or self.statement_id or self.format} ({self.source})"


class StatementTransaction(models.Model):
    """One line of a statement, stored once per source (under its key)."""

    class State(models.TextChoices):
        NEW = "new", "new (not matched yet)"
        MATCHED = "matched", "matched"
        ALREADY_PAID = "already_paid", "already paid"
        PARTIALLY_PAID = "partially_paid", "partially paid"
        NO_MATCH = "no_match", "no match"
        AMOUNT_DIFFERS = "amount_differs", "amount differs"
        AMBIGUOUS = "ambiguous", "ambiguous"
        IGNORED = "ignored", "ignored"
        ERROR = "error", "error"

    source = models.ForeignKey(
        PaymentSource, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    statement = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        related_name="transactions",
        help_text="The first statement that brought this line.",
    )
    key = models.CharField(max_length=255, help_text="Unique per account (see docs).")
    position = models.PositiveIntegerField(help_text="Position in the first statement.")
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = ExactDecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=10, default="payment")
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    counterparty_bic = models.CharField(max_length=11, blank=True)
    remittance = models.TextField(blank=True)
    end_to_end_id = models.CharField(max_length=140, blank=True)
    mandate_id = models.CharField(max_length=140, blank=True)
    creditor_id = models.CharField(max_length=140, blank=True)
    bank_reference = models.CharField(max_length=140, blank=True)
    related_reference = models.CharField(max_length=140, blank=True)
    gross = ExactDecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    fee = ExactDecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    return_reason = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=40, blank=True)
    transaction_code = models.CharField(max_length=40, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.NEW)
    reason = models.TextField(blank=True)
    candidates = models.JSONField(
        default=list,
        blank=True,
        help_text="The matching's candidates, best first: documents, kind, score, reasons.",
    )
    auto = models.BooleanField(
        default=False, help_text="Matched by the exact 1:1 rule: may be confirmed unseen."
    )
    matched_document = models.ForeignKey(
        "connector.ExternalOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_payments",
        help_text="The document the confirmed payment settles.",
    )
    payment_entry = models.ForeignKey(
        "bookkeeping.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The journal entry of the confirmed payment (a reversal undoes it).",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-booking_date", "-id"]
        verbose_name = "statement line"
        verbose_name_plural = "Statement lines"
        permissions = [
            (
                "confirm_payment",
                "Can confirm, split, settle with Skonto or write-off, ignore and undo payments",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="one_line_per_source_key"),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[
                        "new",
                        "matched",
                        "already_paid",
                        "partially_paid",
                        "no_match",
                        "amount_differs",
                        "ambiguous",
                        "ignored",
                        "error",
                    ]
                ),
                name="statement_line_state",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "state"]),
            models.Index(fields=["source", "booking_date"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.booking_date:%d.%m.%Y} {self.amount} {self.currency} {self.counterparty_name}"
        )

    @property
    def paid_amount(self) -> Decimal:
        """What the customer paid, or got back: a provider's gross, before the fee it kept
        (the line itself moved the net); a bank line's amount."""
        return self.gross if self.gross is not None else self.amount

    @property
    def provider_fee(self) -> Decimal:
        """The fee a provider took from this line, positive; zero when it took none."""
        return -self.fee if self.fee is not None and self.fee < 0 else Decimal(0)


class PaymentGroup(models.Model):
    """Komfortkasse's payment-code groups: which Billbee payment methods belong to a group and
    which Billbee states mean open, paid, cancelled, overdue and refunded for it."""

    class Kind(models.TextChoices):
        PREPAYMENT = "prepayment", "prepayment / bank transfer (Vorkasse)"
        INVOICE = "invoice", "invoice (Rechnung)"
        CASH_ON_DELIVERY = "cod", "cash on delivery (Nachnahme)"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="payment_groups", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payment_methods = models.JSONField(
        default=list,
        validators=[validate_payment_methods],
        help_text="Billbee payment method ids, e.g. [1, 59] (Bankueberweisung, Vorkasse).",
    )
    open_states = models.JSONField(
        default=list,
        validators=[validate_state_list],
        help_text="Billbee states of an order awaiting payment, e.g. [1, 2].",
    )
    paid_state = models.PositiveSmallIntegerField(default=3, help_text="3: Zahlung_erhalten.")
    cancelled_state = models.PositiveSmallIntegerField(null=True, blank=True)
    overdue_state = models.PositiveSmallIntegerField(null=True, blank=True)
    refunded_state = models.PositiveSmallIntegerField(null=True, blank=True)

    class Writeback(models.TextChoices):
        OFF = "off", "not written back"
        APPROVE = "approve", "after approval"
        AUTO = "auto", "automatically"

    writeback = models.CharField(
        "mark paid in Billbee",
        max_length=7,
        choices=Writeback.choices,
        default=Writeback.APPROVE,
        help_text="Whether a confirmed payment sets the order's paid state in Billbee.",
    )
    writeback_tag = models.CharField(
        max_length=100, blank=True, help_text="Optional tag added to the order when marked paid."
    )
    open_items_months = models.PositiveSmallIntegerField(
        default=2, help_text="Orders of the last this many months are read as open items."
    )
    skonto_rate = ExactDecimalField(
        "Skonto rate (%)",
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Cash discount the customer may deduct, in percent of the invoice total, "
        "e.g. 2.00 (0: none).",
    )
    skonto_days = models.PositiveSmallIntegerField(
        "Skonto term (days)",
        default=0,
        help_text="How many days after the invoice date the Skonto may be deducted.",
    )

    # Payment reminders (Zahlungserinnerung, Mahnung): payments/services/reminders.py.
    class ReminderChannel(models.TextChoices):
        EMAIL = "email", "e-mail"
        LETTER = "letter", "letter (PDF to print)"

    reminders_enabled = models.BooleanField(
        "send reminders",
        default=False,
        help_text="Overdue open items of this group get payment reminders (Mahnungen).",
    )
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        validators=[validate_reminder_days],
        help_text="Days after the invoice date at which each level is due, one to three "
        "levels, e.g. [14, 28, 42].",
    )
    reminder_pay_within_days = models.PositiveSmallIntegerField(
        "time to pay (days)", default=7, help_text="The reminder asks for payment within this."
    )
    reminder_states = models.JSONField(
        "Billbee state per level",
        default=list,
        blank=True,
        validators=[validate_reminder_states],
        help_text="Optional: the Billbee state set with each level, e.g. [15, 11, 12] "
        "(Zahlungserinnerung, Mahnung, 2. Mahnung); null for a level that sets none.",
    )
    reminder_channel = models.CharField(
        "reminders go out as",
        max_length=6,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
    )
    reminder_from_email = models.EmailField(
        "reminder sender",
        blank=True,
        help_text="The From address of reminder e-mails; empty: the server's DEFAULT_FROM_EMAIL.",
    )
    reminder_signature = models.CharField(
        max_length=200, blank=True, help_text="The shop's name under the reminder."
    )
    reminder_iban = models.CharField(
        "IBAN for payments",
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text="Named in the reminder as the account to pay to.",
    )
    reminders_run_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day the schedule last sent this group's reminders (once a day).",
    )

    class Meta:
        ordering = ["connection", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind"], name="one_payment_group_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["prepayment", "invoice", "cod"]),
                name="payment_group_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.connection})"

    def clean(self) -> None:
        super().clean()
        days, states = self.reminder_days, self.reminder_states
        if isinstance(days, list) and isinstance(states, list) and len(states) > len(days):
            raise ValidationError(
                {
                    "reminder_states": f"{len(states)} Billbee states for {len(days)} reminder "
                    "level(s): give at most one per level."
                }
            )


class IgnoreRule(models.Model):
    """Lines whose IBAN, name or text matches are set aside with the rule's reason (e.g. the
    provider's own payouts, salaries)."""

    class Field(models.TextChoices):
        IBAN = "iban", "counterparty IBAN"
        NAME = "name", "counterparty name"
        TEXT = "text", "remittance text"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="payment_ignore_rules"
    )
    field = models.CharField(max_length=4, choices=Field.choices)
    pattern = models.CharField(
        max_length=200, help_text="Compared without case; part of the name or text."
    )
    reason = models.CharField(max_length=300, help_text="A sentence shown on the line.")

    class Meta:
        ordering = ["connection", "field", "pattern"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(field__in=["iban", "name", "text"]), name="ignore_rule_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} ~ {self.pattern}"

    def as_plain(self) -> Any:
        """The rule as the matching engine takes it: ``IgnoreRule(field, pattern, reason)``."""
        from .selectors import PlainIgnoreRule

        return PlainIgnoreRule(self.field, self.pattern, self.reason)


class Writeback(models.Model):
    """The outbox of "paid" for Billbee: one entry per confirmed payment of an order that
    Billbee should mark paid. Sent by a worker that reads the order again first
    (``payments/writeback.py``); done, stopped with the reason, or retried with back-off."""

    class State(models.TextChoices):
        AWAITING_APPROVAL = "approval", "waiting for approval"
        PENDING = "pending", "to send"
        DONE = "done", "done"
        STOPPED = "stopped", "stopped (see the reason)"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="writebacks", db_index=False
    )
    # A line split over several orders marks each of them paid: one entry per order.
    transaction = models.ForeignKey(
        StatementTransaction, on_delete=models.PROTECT, related_name="writebacks"
    )
    billbee_order_id = models.BigIntegerField()
    open_states = models.JSONField(default=list)
    paid_state = models.PositiveSmallIntegerField(default=3)
    tag = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "state", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["approval", "pending", "done", "stopped"]),
                name="writeback_state_known",
            ),
            models.UniqueConstraint(
                fields=["transaction", "billbee_order_id"], name="one_writeback_per_line_and_order"
            ),
        ]

    def __str__(self) -> str:
        return f"paid → Billbee order {self.billbee_order_id} ({self.get_state_display()})"


class PaymentAllocation(models.Model):
    """What a confirmed statement line settles of one document: the money, the Skonto and the
    rest written off, and the journal entry that books them. A line split over several
    documents has one per document; undoing the line reverses the entries and marks these
    undone (they stay as its history)."""

    class WriteOffKind(models.TextChoices):
        LOSS = "loss", "lost receivable (Forderungsverlust)"
        DIFFERENCE = "difference", "small difference (Erlösschmälerung)"

    transaction = models.ForeignKey(
        StatementTransaction, on_delete=models.PROTECT, related_name="allocations"
    )
    document = models.ForeignKey(
        "connector.ExternalOrder", on_delete=models.PROTECT, related_name="payment_allocations"
    )
    amount = ExactDecimalField(
        max_digits=18, decimal_places=2, help_text="The money of the line for this document."
    )
    skonto = ExactDecimalField(max_digits=18, decimal_places=2, default=0)
    write_off = ExactDecimalField("written off", max_digits=18, decimal_places=2, default=0)
    write_off_kind = models.CharField(max_length=10, choices=WriteOffKind.choices, blank=True)
    entry = models.ForeignKey(
        "bookkeeping.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The payment's journal entry (empty: a prepayment whose invoice is not "
        "booked yet).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["transaction", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(skonto__gte=0, write_off__gte=0),
                name="allocation_rest_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} → document {self.document_id}"


class ReminderLog(models.Model):
    """One payment reminder of one document and level: sent once, whatever runs in parallel
    (the row is claimed before anything goes out). Failed or skipped reminders keep their
    reason and are tried again by the next run."""

    class Status(models.TextChoices):
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        FAILED = "failed", "failed (see the error)"
        SKIPPED = "skipped", "not sent (see the error)"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="reminder_logs", db_index=False
    )
    document = models.ForeignKey(
        "connector.ExternalOrder", on_delete=models.PROTECT, related_name="reminders"
    )
    level = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=6, choices=PaymentGroup.ReminderChannel.choices)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.SENDING)
    dated = models.DateField(help_text="The reminder's date: its time to pay runs from it.")
    sent_at = models.DateTimeField(null=True, blank=True)
    to_address = models.TextField(
        "to", blank=True, help_text="The e-mail address, or the postal address of a letter."
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    amount_open = ExactDecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    invoice_number = models.CharField(max_length=200, blank=True)
    attachment = models.CharField(
        max_length=200, blank=True, help_text="The invoice PDF's file name; empty: none."
    )
    note = models.TextField(blank=True, help_text="E.g. why the invoice PDF is missing.")
    billbee_state = models.PositiveSmallIntegerField(null=True, blank=True)
    billbee_state_result = models.TextField(blank=True)
    letter_pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "payment reminder"
        verbose_name_plural = "Payment reminders (Mahnungen)"
        permissions = [("send_reminders", "Can send payment reminders")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "level"], name="one_reminder_per_document_level"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="reminder_level_1_to_3"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["sending", "sent", "failed", "skipped"]),
                name="reminder_status_known",
            ),
        ]
        indexes = [models.Index(fields=["connection", "status"])]

    def __str__(self) -> str:
        return f"reminder {self.level} for {self.invoice_number or self.document_id}"


class PayerAccount(models.Model):
    """An account a customer paid from, remembered when a person (or the exact rule) confirmed
    a statement line for one of the customer's documents: the next transfer from this IBAN
    proposes the customer's open items even without a reference (``payer_iban`` candidates).
    The customer is the key ``connector/customers.py`` gives the document (Billbee's customer
    id, else the customer number, else the e-mail address)."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="payer_accounts", db_index=False
    )
    customer_key = models.CharField(max_length=300)
    iban = models.CharField("IBAN", max_length=34)
    name = models.CharField(
        max_length=200, blank=True, help_text="The payer's name on the latest payment."
    )
    customer_name = models.CharField(max_length=200, blank=True)
    payments = models.PositiveIntegerField(default=1, help_text="Confirmed payments from it.")
    last_transaction = models.ForeignKey(
        StatementTransaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "payer account"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "customer_key", "iban"], name="one_payer_account_per_iban"
            )
        ]

    def __str__(self) -> str:
        return f"{self.iban} ({self.customer_name or self.customer_key})"
