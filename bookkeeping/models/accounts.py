"""Chart of accounts, debtor mapping ("Debitoren weitere Shops"), revenue and VAT accounts per
treatment and rate, per-customer debtors and exchange rates."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from connector import formatting
from connector.fields import ExactDecimalField
from connector.models import Connection, country_code_validator
from connector.texts import Percent, Text, rendered

from ..charts import DEBTOR_RANGE
from ..datev.columns import bu_key_form
from ..vat import Case, check_vat_id
from ..vat.countries import vat_prefix

# The English names are the catalogue's msgids: a stored sentence names a case by them too
# (case_text), and a page says them in the reader's language (CASE_LABELS).
CASE_NAMES = {
    Case.DOMESTIC: gettext_noop("domestic"),
    Case.EU_B2C_HOME_TAXED: gettext_noop("EU consumer, home VAT (below the OSS threshold)"),
    Case.OSS: gettext_noop("EU consumer, destination VAT (OSS)"),
    Case.IC_SUPPLY: gettext_noop("intra-community supply (tax-free)"),
    Case.EXPORT: gettext_noop("export (tax-free)"),
    Case.FOREIGN_WAREHOUSE_LOCAL: gettext_noop("foreign warehouse, local sale (not German)"),
    Case.FOREIGN_WAREHOUSE_TO_HOME: gettext_noop("foreign warehouse to the home country"),
    Case.FOREIGN_WAREHOUSE_OSS: gettext_noop("foreign warehouse to another EU country (OSS)"),
    Case.FOREIGN_WAREHOUSE_IC_SUPPLY: gettext_noop(
        "foreign warehouse, intra-community supply (not German)"
    ),
    Case.FOREIGN_WAREHOUSE_EXPORT: gettext_noop("foreign warehouse, export (not German)"),
    Case.SMALL_BUSINESS: gettext_noop("small business (no VAT)"),
}
CASE_LABELS = {case: _(name) for case, name in CASE_NAMES.items()}


def case_text(case: str) -> str:
    """A VAT case named for a stored sentence: its English name, said in the reader's
    language; an unknown case as its code."""
    try:
        return Text(CASE_NAMES[Case(case)])
    except ValueError:
        return case


CASE_CHOICES = [(case.value, label) for case, label in CASE_LABELS.items()]

gl_account_validators = [MinValueValidator(1), MaxValueValidator(9999)]
debtor_validators = [MinValueValidator(DEBTOR_RANGE[0]), MaxValueValidator(DEBTOR_RANGE[1])]
bu_key_validator = RegexValidator(r"^\d{0,4}$", _("A BU key has up to four digits."))


class Account(models.Model):
    """A G/L account of a connection's chart (account length 4)."""

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("revenue")
        DISCOUNT = "discount", _("sales deductions")
        VAT = "vat", _("VAT")
        INTERIM = "interim", _("interim / clearing")
        OTHER = "other", _("other")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("connection")
    )
    number = models.PositiveIntegerField(validators=gl_account_validators, verbose_name=_("number"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    kind = models.CharField(
        max_length=8, choices=Kind.choices, default=Kind.OTHER, verbose_name=_("kind")
    )
    automatic = models.BooleanField(
        _("automatic (AM)"),
        default=False,
        help_text=_("DATEV derives the VAT from the gross amount booked to this account."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["connection", "number"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "number"], name="one_account_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class DebtorMapping(models.Model):
    """Origin (``<label>-<Platform>-<BillbeeShopName>``) and payment method → debtor account.

    Every combination the import sees is registered without an account for the operator to
    fill in; payment method 0 means "any payment method" of that origin.
    """

    ANY_PAYMENT_METHOD = 0

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="debtor_mappings",
        verbose_name=_("connection"),
    )
    origin = models.CharField(max_length=320, verbose_name=_("origin"))
    payment_method = models.IntegerField(
        default=ANY_PAYMENT_METHOD,
        help_text=_("Billbee payment method id; 0 for any."),
        verbose_name=_("payment method"),
    )
    payment_method_name = models.CharField(
        max_length=100, blank=True, verbose_name=_("payment method name")
    )
    account = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=debtor_validators,
        help_text=_("Debtor 10000–69999."),
        verbose_name=_("debtor account"),
    )
    name = models.CharField(
        max_length=50,
        blank=True,
        help_text=_("Name of the debtor in DATEV (master data)."),
        verbose_name=_("name"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("debtor mapping")
        verbose_name_plural = _("debtor mappings")
        ordering = ["connection", "origin", "payment_method"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "origin", "payment_method"], name="one_debtor_per_origin"
            )
        ]

    def __str__(self) -> str:
        method = self.payment_method_name or (
            "any payment method"
            if self.payment_method == self.ANY_PAYMENT_METHOD
            else f"payment method {self.payment_method}"
        )
        return f"{self.origin} / {method}"


class CustomerDebtor(models.Model):
    """A debtor account of one Billbee customer (option "one debtor per customer")."""

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="customer_debtors",
        verbose_name=_("connection"),
    )
    customer_key = models.CharField(
        max_length=64,
        help_text=_("Billbee customer id (else the invoice address)."),
        verbose_name=_("customer key"),
    )
    account = models.PositiveIntegerField(validators=debtor_validators, verbose_name=_("account"))
    company = models.CharField(max_length=100, blank=True, verbose_name=_("company"))
    first_name = models.CharField(max_length=60, blank=True, verbose_name=_("first name"))
    last_name = models.CharField(max_length=60, blank=True, verbose_name=_("last name"))
    street = models.CharField(max_length=100, blank=True, verbose_name=_("street"))
    zip = models.CharField(max_length=20, blank=True, verbose_name=_("postcode"))
    city = models.CharField(max_length=60, blank=True, verbose_name=_("city"))
    country = models.CharField(max_length=2, blank=True, verbose_name=_("country"))
    email = models.CharField(max_length=200, blank=True, verbose_name=_("e-mail"))
    vat_id = models.CharField(max_length=30, blank=True, verbose_name=_("VAT ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("customer debtor")
        verbose_name_plural = _("customer debtors")
        ordering = ["connection", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "customer_key"], name="one_debtor_per_customer"
            ),
            models.UniqueConstraint(
                fields=["connection", "account"], name="one_customer_per_debtor"
            ),
        ]

    def __str__(self) -> str:
        name = self.company or " ".join(p for p in (self.first_name, self.last_name) if p)
        return f"{self.account} {name}".strip()


class TaxAccount(models.Model):
    """Which accounts a VAT treatment books to, per rate (rate empty: any rate)."""

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="tax_accounts",
        verbose_name=_("connection"),
    )
    case = models.CharField(max_length=20, choices=CASE_CHOICES, verbose_name=_("VAT treatment"))
    rate = ExactDecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: any rate."),
        verbose_name=_("VAT rate"),
    )
    revenue_account = models.PositiveIntegerField(
        validators=gl_account_validators, verbose_name=_("revenue account")
    )
    vat_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=gl_account_validators,
        help_text=_("Empty: tax-free."),
        verbose_name=_("VAT account"),
    )
    bu_key = models.CharField(_("BU key"), max_length=4, blank=True, validators=[bu_key_validator])
    shipping_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=gl_account_validators,
        help_text=_("Separate-lines option: shipping (empty: the revenue account)."),
        verbose_name=_("shipping account"),
    )
    discount_account = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=gl_account_validators,
        help_text=_("Separate-lines option: discounts (empty: the revenue account)."),
        verbose_name=_("discount account"),
    )
    voucher_account = models.PositiveIntegerField(
        _("single-purpose voucher account"),
        null=True,
        blank=True,
        validators=gl_account_validators,
        help_text=_(
            "Redeemed single-purpose vouchers, net: the VAT was due when the voucher was "
            "sold (§ 3 (14) UStG). Empty: the discount account, else the revenue account."
        ),
    )

    class Meta:
        verbose_name = _("revenue and VAT account")
        verbose_name_plural = _("revenue and VAT accounts")
        ordering = ["connection", "case", "-rate"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "case", "rate"], name="one_tax_account_per_case_and_rate"
            ),
            # NULL rates are distinct to the constraint above: one "any rate" row per case.
            models.UniqueConstraint(
                fields=["connection", "case"],
                condition=models.Q(rate__isnull=True),
                name="one_tax_account_per_case_any_rate",
            ),
        ]

    def __str__(self) -> str:
        # The rate as the reader writes it (5,5 % in German; as stored with no language).
        rate = (
            rendered(Text("{rate} %", rate=Percent(self.rate))) if self.rate is not None else None
        )
        rate = rate or gettext("any rate")
        return f"{CASE_LABELS[Case(self.case)]}, {rate} → {self.revenue_account}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Stored as DATEV writes it: four digits ("240" → "0240", datev/columns.py).
        if re.fullmatch(r"\d{1,4}", self.bu_key or "", re.ASCII):
            self.bu_key = bu_key_form(self.bu_key)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.vat_account is None and self.rate not in (None, 0) and self.case in _TAXED:
            raise ValidationError({"vat_account": _("A taxed rate needs a VAT account.")})


_TAXED = {
    Case.DOMESTIC,
    Case.EU_B2C_HOME_TAXED,
    Case.OSS,
    Case.FOREIGN_WAREHOUSE_LOCAL,
    Case.FOREIGN_WAREHOUSE_TO_HOME,
    Case.FOREIGN_WAREHOUSE_OSS,
}


class ForeignRegistration(models.Model):
    """The merchant's VAT registration in a country with a warehouse (Amazon FBA, PAN-EU …).

    Sales whose place of supply is that country are not German turnover (§ 3 (6) UStG): local
    sales there, intra-community supplies and exports from there. They are booked to this
    registration's accounts — never to 8125/8120 or the OSS accounts 8320/1767 — and declared
    in that country's VAT return and EC sales list. Registered automatically, with the chart's
    accounts, the first time a document ships from the country."""

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="foreign_registrations",
        verbose_name=_("connection"),
    )
    country = models.CharField(
        max_length=2, validators=[country_code_validator], verbose_name=_("country")
    )
    vat_id = models.CharField(
        _("VAT ID there"),
        max_length=20,
        blank=True,
        help_text=_("The merchant's VAT ID in this country (DATEV field 123, the report)."),
    )
    local_account = models.PositiveIntegerField(
        _("local sales"),
        validators=gl_account_validators,
        help_text=_("Revenue of sales to customers in this country, net (not taxable in Germany)."),
    )
    ic_supply_account = models.PositiveIntegerField(
        _("intra-community supplies from there"),
        validators=gl_account_validators,
        help_text=_("Tax-free supplies to businesses in other member states (that country's ZM)."),
    )
    export_account = models.PositiveIntegerField(
        _("exports from there"), validators=gl_account_validators
    )
    vat_account = models.PositiveIntegerField(
        _("VAT of that country"),
        validators=gl_account_validators,
        help_text=_("The VAT of local sales, owed to that country's tax office."),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("foreign VAT registration")
        verbose_name_plural = _("foreign VAT registrations")
        ordering = ["connection", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "country"], name="one_registration_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.vat_id}".strip()

    def clean(self) -> None:
        if not self.vat_id:
            return
        check = check_vat_id(self.vat_id)
        if not check.valid or check.country != vat_prefix(self.country):
            problem = check.reason or _("it is not a VAT ID of %(country)s") % {
                "country": self.country
            }
            raise ValidationError({"vat_id": f"{self.vat_id}: {problem}"})


class CouponRule(models.Model):
    """Which kind a Billbee coupon line is, told by a text in its title or SKU (§ 3 (13)–(15)
    UStG): discount code, single-purpose or multi-purpose voucher. The first rule that matches
    decides; without one the connection's setting does."""

    class Kind(models.TextChoices):
        DISCOUNT_CODE = "discount_code", _("discount code (reduces revenue and VAT)")
        SINGLE_PURPOSE = "single_purpose", _("single-purpose voucher (VAT due when sold)")
        MULTI_PURPOSE = "multi_purpose", _("multi-purpose voucher (a payment, no VAT)")

    connection = models.ForeignKey(
        Connection,
        on_delete=models.CASCADE,
        related_name="coupon_rules",
        verbose_name=_("connection"),
    )
    text = models.CharField(
        max_length=100,
        help_text=_('Found in the coupon line\'s title or SKU, any case, e.g. "Geschenkkarte".'),
        verbose_name=_("text"),
    )
    kind = models.CharField(max_length=14, choices=Kind.choices, verbose_name=_("kind"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("coupon rule")
        verbose_name_plural = _("coupon rules")
        ordering = ["connection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "text"], name="one_coupon_rule_per_text")
        ]

    def __str__(self) -> str:
        return f"“{self.text}” → {self.get_kind_display()}"


class ExchangeRate(models.Model):
    """A rate of a currency: 1 EUR = ``rate`` units (the convention of the ECB and of the BMF's
    tables). Monthly: the BMF's VAT conversion rate (Umsatzsteuer-Umrechnungskurs, § 16 (6)
    UStG) of a calendar month, stored on the 1st of the month; daily: a reference rate of one
    day."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("BMF monthly VAT conversion rate")
        DAILY = "daily", _("daily reference rate")

    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    day = models.DateField(
        help_text=_("A monthly rate is stored on the 1st of its month."), verbose_name=_("day")
    )
    kind = models.CharField(
        max_length=7, choices=Kind.choices, default=Kind.DAILY, verbose_name=_("kind")
    )
    rate = ExactDecimalField(
        max_digits=14,
        decimal_places=6,
        validators=[MinValueValidator(0)],
        verbose_name=_("rate (units per EUR)"),
    )
    source = models.CharField(max_length=50, default="ECB reference rate", verbose_name=_("source"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "day", "kind"], name="one_rate_per_day_and_kind"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        rate = f"1 EUR = {formatting.number(self.rate)} {self.currency}"
        if self.kind == self.Kind.MONTHLY:
            return f"{rate} (BMF {self.day:%m/%Y})"
        return f"{rate} ({formatting.day(self.day)})"

    def clean(self) -> None:
        if self.kind == self.Kind.MONTHLY and self.day is not None:
            self.day = self.day.replace(day=1)  # a rate of the whole month
