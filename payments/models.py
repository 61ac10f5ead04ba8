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
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as IbanError

from connector import formatting
from connector.fields import ExactDecimalField
from connector.models import Connection
from connector.texts import stored_field, texts


def normalise_iban(value: str) -> str:
    """``value`` without blanks, upper case, checked (country, length, check digits)."""
    try:
        return str(stdnum_iban.validate(value))
    except IbanError as exc:
        raise ValidationError(
            _(
                "%(value)r is not a valid IBAN (%(problem)s). Copy it from the bank's statement, "
                "e.g. DE89 3704 0044 0532 0130 00."
            )
            % {"value": value, "problem": exc}
        ) from None


def validate_iban(value: str) -> None:
    if value:
        normalise_iban(value)


def validate_state_list(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17 for v in value
    ):
        raise ValidationError(_("Give a list of Billbee order state ids between 1 and 17."))


def validate_payment_methods(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ValidationError(_("Give a list of Billbee payment method ids, e.g. [1, 59]."))


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
            _(
                "Give one to three numbers of days after the invoice date, increasing, "
                "e.g. 14, 28, 42."
            )
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
            _(
                "Give up to three Billbee state ids, one per level, e.g. [15, 11, 12]; "
                "null for a level that sets no state."
            )
        )


class PaymentSource(models.Model):
    """A bank account or payment-provider account of a connection, with its ledger account."""

    class Kind(models.TextChoices):
        BANK = "bank", _("bank account")
        PAYPAL = "paypal", _("PayPal")
        STRIPE = "stripe", _("Stripe")
        CSV = "csv", _("bank CSV (column mapping)")

    class Format(models.TextChoices):
        CAMT053 = "camt053", _("CAMT.053 (daily statement)")
        CAMT052 = "camt052", _("CAMT.052 (intraday)")
        CAMT054 = "camt054", _("CAMT.054 (batch details)")
        MT940 = "mt940", _("MT940")
        PAYPAL = "paypal", _("PayPal activity CSV")
        STRIPE = "stripe", _("Stripe balance CSV")
        CSV = "csv", _("CSV through the column mapping")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="payment_sources",
        db_index=False,
        verbose_name=_("connection"),
    )
    name = models.CharField(
        max_length=100, help_text=_("e.g. Sparkasse Giro, PayPal."), verbose_name=_("name")
    )
    kind = models.CharField(
        max_length=6, choices=Kind.choices, default=Kind.BANK, verbose_name=_("kind")
    )
    iban = models.CharField(
        _("IBAN"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("Required for a bank account; statements of another account are refused."),
    )
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    ledger_account = models.PositiveIntegerField(
        help_text=_(
            "The bank account in the ledger (SKR03 1200, SKR04 1800), or the "
            "provider's account that works like a bank (e.g. SKR03 1201, SKR04 1801)."
        ),
        verbose_name=_("ledger account"),
    )
    fee_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Fees of the bank or provider (SKR03 4970, SKR04 6855: no input VAT)."),
        verbose_name=_("fee account"),
    )
    transit_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Payouts to the bank go through this account (Geldtransit: SKR03 1360, SKR04 1460)."
        ),
        verbose_name=_("transit account"),
    )
    payout_payer = models.CharField(
        _("payouts arrive as"),
        max_length=200,
        blank=True,
        help_text=_(
            "Payment providers: the IBAN, payer name or a word of the text by which "
            "this provider's payouts show on the bank statement (e.g. PayPal Europe). Empty: "
            "the provider's name (PayPal, Stripe)."
        ),
    )
    default_format = models.CharField(
        max_length=7,
        choices=Format.choices,
        blank=True,
        help_text=_("Empty: recognised."),
        verbose_name=_("default format"),
    )
    csv_mapping = models.JSONField(
        _("CSV column mapping"),
        default=dict,
        blank=True,
        validators=[validate_csv_mapping],
        help_text=_("Only for bank CSV files; see docs/payments.md."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("bank or PSP account")
        verbose_name_plural = _("Bank and PSP accounts")
        ordering = ["connection", "name"]
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
        errors: dict[str, Any] = {}
        if self.iban:
            try:
                self.iban = normalise_iban(self.iban)
            except ValidationError as exc:
                errors["iban"] = exc.messages[0]
        elif self.kind == self.Kind.BANK:
            errors["iban"] = _("A bank account needs its IBAN.")
        self.currency = (self.currency or "").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            errors["currency"] = _("Give the ISO currency code, e.g. EUR.")
        if self.kind == self.Kind.CSV and not self.csv_mapping:
            errors["csv_mapping"] = _("A CSV source needs its column mapping.")
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

    source = models.ForeignKey(
        PaymentSource, on_delete=models.PROTECT, related_name="statements", verbose_name=_("source")
    )
    file_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    format = models.CharField(max_length=10, verbose_name=_("format"))
    imported_at = models.DateTimeField(auto_now_add=True, verbose_name=_("imported at"))
    account_iban = models.CharField(_("account IBAN"), max_length=34, blank=True)
    statement_id = models.CharField(max_length=140, blank=True, verbose_name=_("statement ID"))
    period_from = models.DateField(null=True, blank=True, verbose_name=_("period from"))
    period_to = models.DateField(null=True, blank=True, verbose_name=_("period to"))
    opening_balance = ExactDecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("opening balance")
    )
    closing_balance = ExactDecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("closing balance")
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    known_count = models.PositiveIntegerField(_("already known"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Broken lines: position, reason, the text as read."),
        verbose_name=_("errors"),
    )

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("Statements")
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["source", "sha256"])]
        permissions = [("import_statement", _("Can import bank and PSP statements"))]

    def __str__(self) -> str:
        return f"{self.file_name or self.statement_id or self.format} ({self.source})"


class StatementTransaction(models.Model):
    """One line of a statement, stored once per source (under its key)."""

    class State(models.TextChoices):
        NEW = "new", _("new (not matched yet)")
        MATCHED = "matched", _("matched")
        ALREADY_PAID = "already_paid", _("already paid")
        PARTIALLY_PAID = "partially_paid", _("partially paid")
        NO_MATCH = "no_match", _("no match")
        AMOUNT_DIFFERS = "amount_differs", _("amount differs")
        AMBIGUOUS = "ambiguous", _("ambiguous")
        IGNORED = "ignored", _("ignored")
        ERROR = "error", _("error")

    class Kind(models.TextChoices):
        """What the line is, as far as the statement says (parsers.base.LineKind)."""

        PAYMENT = "payment", pgettext_lazy("statement line", "payment")
        FEE = "fee", pgettext_lazy("statement line", "fee")
        PAYOUT = "payout", pgettext_lazy("statement line", "payout")
        REFUND = "refund", pgettext_lazy("statement line", "refund")
        REVERSAL = "reversal", pgettext_lazy("statement line", "returned debit or reversal")
        CHARGEBACK = "chargeback", pgettext_lazy("statement line", "chargeback")
        CONVERSION = "conversion", pgettext_lazy("statement line", "currency conversion")
        OTHER = "other", pgettext_lazy("statement line", "other")

    # The status words the parsers write; a provider's own word is shown as it came.
    STATUS_WORDS = {
        "booked": pgettext_lazy("statement line", "booked"),
        "pending": pgettext_lazy("statement line", "pending"),
    }

    source = models.ForeignKey(
        PaymentSource,
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,
        verbose_name=_("source"),
    )
    statement = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        related_name="transactions",
        help_text=_("The first statement that brought this line."),
        verbose_name=_("statement"),
    )
    key = models.CharField(
        max_length=255, help_text=_("Unique per account (see docs)."), verbose_name=_("key")
    )
    position = models.PositiveIntegerField(
        help_text=_("Position in the first statement."), verbose_name=_("position")
    )
    booking_date = models.DateField(verbose_name=_("booking date"))
    value_date = models.DateField(null=True, blank=True, verbose_name=_("value date"))
    amount = ExactDecimalField(max_digits=18, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PAYMENT, verbose_name=_("kind")
    )
    counterparty_name = models.CharField(
        max_length=200, blank=True, verbose_name=_("counterparty name")
    )
    counterparty_iban = models.CharField(
        max_length=34, blank=True, verbose_name=_("counterparty IBAN")
    )
    counterparty_bic = models.CharField(
        max_length=11, blank=True, verbose_name=_("counterparty BIC")
    )
    remittance = models.TextField(blank=True, verbose_name=_("remittance"))
    end_to_end_id = models.CharField(max_length=140, blank=True, verbose_name=_("end-to-end ID"))
    mandate_id = models.CharField(max_length=140, blank=True, verbose_name=_("mandate ID"))
    creditor_id = models.CharField(max_length=140, blank=True, verbose_name=_("creditor ID"))
    bank_reference = models.CharField(max_length=140, blank=True, verbose_name=_("bank reference"))
    related_reference = models.CharField(
        max_length=140, blank=True, verbose_name=_("related reference")
    )
    gross = ExactDecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("gross")
    )
    fee = ExactDecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, verbose_name=_("fee")
    )
    return_reason = models.CharField(max_length=140, blank=True, verbose_name=_("return reason"))
    status = models.CharField(max_length=40, blank=True, verbose_name=_("status"))
    transaction_code = models.CharField(
        max_length=40, blank=True, verbose_name=_("transaction code")
    )
    raw = models.JSONField(default=dict, blank=True, verbose_name=_("raw data"))
    state = models.CharField(
        max_length=14, choices=State.choices, default=State.NEW, verbose_name=_("state")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    # The reason's template and values, to say it in the reader's language (connector/texts.py).
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    candidates = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The matching's candidates, best first: documents, kind, score, reasons."),
        verbose_name=_("candidates"),
    )
    auto = models.BooleanField(
        default=False,
        help_text=_("Matched by the exact 1:1 rule: may be confirmed unseen."),
        verbose_name=_("exact match"),
    )
    matched_document = models.ForeignKey(
        "connector.ExternalOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_payments",
        help_text=_("The document the confirmed payment settles."),
        verbose_name=_("matched document"),
    )
    payment_entry = models.ForeignKey(
        "bookkeeping.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The journal entry of the confirmed payment (a reversal undoes it)."),
        verbose_name=_("payment entry"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("Statement lines")
        ordering = ["-booking_date", "-id"]
        permissions = [
            (
                "confirm_payment",
                _("Can confirm, split, settle with Skonto or write-off, ignore and undo payments"),
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
        # Shown in the console (titles, breadcrumbs, checkboxes): in the reader's language.
        amount = formatting.money(self.amount, self.currency)
        return f"{formatting.day(self.booking_date)} {amount} {self.counterparty_name}".strip()

    def set_reason(self, reason: str) -> None:
        """The reason, and its data when it is a ``Text`` (said in the reader's language)."""
        self.reason = reason
        self.texts = texts(reason=reason)

    def reason_as_text(self) -> str:
        """The stored reason, a ``Text`` again when its data gives it back (to say it inside
        another sentence)."""
        return stored_field(self, "reason")

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
        PREPAYMENT = "prepayment", _("prepayment / bank transfer (Vorkasse)")
        INVOICE = "invoice", _("invoice (Rechnung)")
        CASH_ON_DELIVERY = "cod", _("cash on delivery (Nachnahme)")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="payment_groups",
        db_index=False,
        verbose_name=_("connection"),
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    payment_methods = models.JSONField(
        default=list,
        validators=[validate_payment_methods],
        help_text=_("Billbee payment method ids, e.g. [1, 59] (Bankueberweisung, Vorkasse)."),
        verbose_name=_("payment methods"),
    )
    open_states = models.JSONField(
        default=list,
        validators=[validate_state_list],
        help_text=_("Billbee states of an order awaiting payment, e.g. [1, 2]."),
        verbose_name=_("open states"),
    )
    paid_state = models.PositiveSmallIntegerField(
        default=3, help_text=_("3: Zahlung_erhalten."), verbose_name=_("paid state")
    )
    cancelled_state = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("cancelled state")
    )
    overdue_state = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("overdue state")
    )
    refunded_state = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("refunded state")
    )

    class Writeback(models.TextChoices):
        OFF = "off", _("not written back")
        APPROVE = "approve", _("after approval")
        AUTO = "auto", _("automatically")

    writeback = models.CharField(
        _("mark paid in Billbee"),
        max_length=7,
        choices=Writeback.choices,
        default=Writeback.APPROVE,
        help_text=_("Whether a confirmed payment sets the order's paid state in Billbee."),
    )
    writeback_tag = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Optional tag added to the order when marked paid."),
        verbose_name=_("write-back tag"),
    )
    open_items_months = models.PositiveSmallIntegerField(
        default=2,
        help_text=_("Orders of the last this many months are read as open items."),
        verbose_name=_("open items months"),
    )
    skonto_rate = ExactDecimalField(
        _("Skonto rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_(
            "Cash discount the customer may deduct, in percent of the invoice total, "
            "e.g. 2.00 (0: none)."
        ),
    )
    skonto_days = models.PositiveSmallIntegerField(
        _("Skonto term (days)"),
        default=0,
        help_text=_("How many days after the invoice date the Skonto may be deducted."),
    )

    # Payment reminders (Zahlungserinnerung, Mahnung): payments/services/reminders.py.
    class ReminderChannel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        LETTER = "letter", _("letter (PDF to print)")

    reminders_enabled = models.BooleanField(
        _("send reminders"),
        default=False,
        help_text=_("Overdue open items of this group get payment reminders (Mahnungen)."),
    )
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        validators=[validate_reminder_days],
        help_text=_(
            "Days after the invoice date at which each level is due, one to three "
            "levels, e.g. [14, 28, 42]."
        ),
        verbose_name=_("reminder days"),
    )
    reminder_pay_within_days = models.PositiveSmallIntegerField(
        _("time to pay (days)"),
        default=7,
        help_text=_("The reminder asks for payment within this."),
    )
    reminder_states = models.JSONField(
        _("Billbee state per level"),
        default=list,
        blank=True,
        validators=[validate_reminder_states],
        help_text=_(
            "Optional: the Billbee state set with each level, e.g. [15, 11, 12] "
            "(Zahlungserinnerung, Mahnung, 2. Mahnung); null for a level that sets none."
        ),
    )
    reminder_channel = models.CharField(
        _("reminders go out as"),
        max_length=6,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
    )
    reminder_from_email = models.EmailField(
        _("reminder sender"),
        blank=True,
        help_text=_(
            "The From address of reminder e-mails; empty: the server's DEFAULT_FROM_EMAIL."
        ),
    )
    reminder_signature = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The shop's name under the reminder."),
        verbose_name=_("reminder signature"),
    )
    reminder_iban = models.CharField(
        _("IBAN for payments"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("Named in the reminder as the account to pay to."),
    )
    reminders_run_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The day the schedule last sent this group's reminders (once a day)."),
        verbose_name=_("reminders run on"),
    )

    class Meta:
        verbose_name = _("payment group")
        verbose_name_plural = _("payment groups")
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
                    "reminder_states": _(
                        "%(states)s Billbee states for %(levels)s reminder level(s): give at "
                        "most one per level."
                    )
                    % {"states": len(states), "levels": len(days)}
                }
            )


class IgnoreRule(models.Model):
    """Lines whose IBAN, name or text matches are set aside with the rule's reason (e.g. the
    provider's own payouts, salaries)."""

    class Field(models.TextChoices):
        IBAN = "iban", _("counterparty IBAN")
        NAME = "name", _("counterparty name")
        TEXT = "text", _("remittance text")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="payment_ignore_rules",
        verbose_name=_("connection"),
    )
    field = models.CharField(max_length=4, choices=Field.choices, verbose_name=_("field"))
    pattern = models.CharField(
        max_length=200,
        help_text=_("Compared without case; part of the name or text."),
        verbose_name=_("pattern"),
    )
    reason = models.CharField(
        max_length=300, help_text=_("A sentence shown on the line."), verbose_name=_("reason")
    )

    class Meta:
        verbose_name = _("ignore rule")
        verbose_name_plural = _("ignore rules")
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
        AWAITING_APPROVAL = "approval", _("waiting for approval")
        PENDING = "pending", _("to send")
        DONE = "done", _("done")
        STOPPED = "stopped", _("stopped (see the reason)")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="writebacks",
        db_index=False,
        verbose_name=_("connection"),
    )
    # A line split over several orders marks each of them paid: one entry per order.
    transaction = models.ForeignKey(
        StatementTransaction,
        on_delete=models.PROTECT,
        related_name="writebacks",
        verbose_name=_("transaction"),
    )
    billbee_order_id = models.BigIntegerField(verbose_name=_("Billbee order ID"))
    open_states = models.JSONField(default=list, verbose_name=_("open states"))
    paid_state = models.PositiveSmallIntegerField(default=3, verbose_name=_("paid state"))
    tag = models.CharField(max_length=100, blank=True, verbose_name=_("tag"))
    message = models.CharField(max_length=500, blank=True, verbose_name=_("message"))
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("writeback")
        verbose_name_plural = _("writebacks")
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
        return gettext("paid → Billbee order %(order)s (%(state)s)") % {
            "order": self.billbee_order_id,
            "state": self.get_state_display(),
        }

    def set_reason(self, reason: str) -> None:
        """The reason, and its data when it is a ``Text`` (said in the reader's language)."""
        self.reason = reason
        self.texts = texts(reason=reason)


class PaymentAllocation(models.Model):
    """What a confirmed statement line settles of one document: the money, the Skonto and the
    rest written off, and the journal entry that books them. A line split over several
    documents has one per document; undoing the line reverses the entries and marks these
    undone (they stay as its history)."""

    class WriteOffKind(models.TextChoices):
        LOSS = "loss", _("lost receivable (Forderungsverlust)")
        DIFFERENCE = "difference", _("small difference (Erlösschmälerung)")

    transaction = models.ForeignKey(
        StatementTransaction,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("transaction"),
    )
    document = models.ForeignKey(
        "connector.ExternalOrder",
        on_delete=models.PROTECT,
        related_name="payment_allocations",
        verbose_name=_("document"),
    )
    amount = ExactDecimalField(
        max_digits=18,
        decimal_places=2,
        help_text=_("The money of the line for this document."),
        verbose_name=_("amount"),
    )
    skonto = ExactDecimalField(max_digits=18, decimal_places=2, default=0, verbose_name=_("Skonto"))
    write_off = ExactDecimalField(_("written off"), max_digits=18, decimal_places=2, default=0)
    write_off_kind = models.CharField(
        max_length=10, choices=WriteOffKind.choices, blank=True, verbose_name=_("write-off kind")
    )
    entry = models.ForeignKey(
        "bookkeeping.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The payment's journal entry (empty: a prepayment whose invoice is not booked yet)."
        ),
        verbose_name=_("entry"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=_("undone at"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["transaction", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(skonto__gte=0, write_off__gte=0),
                name="allocation_rest_not_negative",
            )
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s → document %(document)s") % {
            "amount": self.amount,
            "document": self.document_id,
        }


class ReminderLog(models.Model):
    """One payment reminder of one document and level: sent once, whatever runs in parallel
    (the row is claimed before anything goes out). Failed or skipped reminders keep their
    reason and are tried again by the next run."""

    class Status(models.TextChoices):
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (see the error)")
        SKIPPED = "skipped", _("not sent (see the error)")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="reminder_logs",
        db_index=False,
        verbose_name=_("connection"),
    )
    document = models.ForeignKey(
        "connector.ExternalOrder",
        on_delete=models.PROTECT,
        related_name="reminders",
        verbose_name=_("document"),
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    channel = models.CharField(
        max_length=6, choices=PaymentGroup.ReminderChannel.choices, verbose_name=_("channel")
    )
    status = models.CharField(
        max_length=7, choices=Status.choices, default=Status.SENDING, verbose_name=_("status")
    )
    dated = models.DateField(
        help_text=_("The reminder's date: its time to pay runs from it."), verbose_name=_("date")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    to_address = models.TextField(
        _("to"), blank=True, help_text=_("The e-mail address, or the postal address of a letter.")
    )
    subject = models.CharField(max_length=300, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    amount_open = ExactDecimalField(max_digits=18, decimal_places=2, verbose_name=_("amount open"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    invoice_number = models.CharField(max_length=200, blank=True, verbose_name=_("invoice number"))
    attachment = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The invoice PDF's file name; empty: none."),
        verbose_name=_("attachment"),
    )
    note = models.TextField(
        blank=True, help_text=_("E.g. why the invoice PDF is missing."), verbose_name=_("note")
    )
    billbee_state = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("Billbee state")
    )
    billbee_state_result = models.TextField(blank=True, verbose_name=_("Billbee state result"))
    letter_pdf = models.BinaryField(
        null=True, blank=True, editable=False, verbose_name=_("letter PDF")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    # The error's, the note's and the state result's template and values (connector/texts.py).
    texts = models.JSONField(default=dict, blank=True, verbose_name=_("texts per language"))
    attempts = models.PositiveIntegerField(default=1, verbose_name=_("attempts"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("Payment reminders (Mahnungen)")
        ordering = ["-created_at", "-id"]
        permissions = [("send_reminders", _("Can send payment reminders"))]
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
        return gettext("reminder %(level)s for %(invoice)s") % {
            "level": self.level,
            "invoice": self.invoice_number or self.document_id,
        }


class PayerAccount(models.Model):
    """An account a customer paid from, remembered when a person (or the exact rule) confirmed
    a statement line for one of the customer's documents: the next transfer from this IBAN
    proposes the customer's open items even without a reference (``payer_iban`` candidates).
    The customer is the key ``connector/customers.py`` gives the document (Billbee's customer
    id, else the customer number, else the e-mail address)."""

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="payer_accounts",
        db_index=False,
        verbose_name=_("connection"),
    )
    customer_key = models.CharField(max_length=300, verbose_name=_("customer key"))
    iban = models.CharField(_("IBAN"), max_length=34)
    name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The payer's name on the latest payment."),
        verbose_name=_("name"),
    )
    customer_name = models.CharField(max_length=200, blank=True, verbose_name=_("customer name"))
    payments = models.PositiveIntegerField(
        default=1, help_text=_("Confirmed payments from it."), verbose_name=_("payments")
    )
    last_transaction = models.ForeignKey(
        StatementTransaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last transaction"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("payer account")
        verbose_name_plural = _("payer accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "customer_key", "iban"], name="one_payer_account_per_iban"
            )
        ]

    def __str__(self) -> str:
        return f"{self.iban} ({self.customer_name or self.customer_key})"
