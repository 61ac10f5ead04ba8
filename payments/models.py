"""Where money comes in: the bank and payment-provider accounts of a connection, the statements
read from them, one row per statement line, the payment groups that say which Billbee orders
are open, and the rules that set lines aside.

A statement line is stored once per source, under its key (``payments.keys``): re-importing a
file or an overlapping statement adds nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
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
    transaction = models.OneToOneField(
        StatementTransaction, on_delete=models.PROTECT, related_name="writeback"
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
            )
        ]

    def __str__(self) -> str:
        return f"paid → Billbee order {self.billbee_order_id} ({self.get_state_display()})"


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
