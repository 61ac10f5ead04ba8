"""Bookkeeping settings of a connection: DATEV numbers, VAT registration, posting options."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connector.fields import ExactDecimalField
from connector.models import Connection, country_code_validator


class BookkeepingSettings(models.Model):
    class CouponKind(models.TextChoices):
        AUTO = (
            "auto",
            _("recognised from the line: with Billbee VAT a discount code, else a voucher"),
        )
        DISCOUNT_CODE = "discount_code", _("discount codes (reduce revenue and VAT)")
        MULTI_PURPOSE = "multi_purpose", _("multi-purpose vouchers (a payment, no VAT)")
        SINGLE_PURPOSE = "single_purpose", _("single-purpose vouchers (VAT due when sold)")

    class CreditNoteField(models.TextChoices):
        ORIGINAL = "original", _("the original invoice number (DATEV offsets the invoice)")
        OWN = "own", _("the credit note's own number")

    class DocumentDate(models.TextChoices):
        INVOICE = "invoice", _("invoice date")
        PAYMENT = "payment", _("payment date")
        ORDER = "order", _("order date")

    class ExchangeRateSource(models.TextChoices):
        BMF_MONTHLY = "bmf_monthly", _("BMF monthly VAT conversion rates (§ 16 (6) UStG)")
        DAILY = "daily", _("daily reference rate (on or up to 10 days before the booking date)")

    connection = models.OneToOneField(
        Connection,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="bookkeeping",
        verbose_name=_("connection"),
    )
    # --- DATEV header (bookkeeping.md §1.2) ---
    consultant_number = models.PositiveIntegerField(
        _("DATEV Beraternummer"),
        default=1001,
        validators=[MinValueValidator(1001), MaxValueValidator(9999999)],
        help_text=_("The tax accountant's DATEV consultant number (1001–9999999)."),
    )
    client_number = models.PositiveIntegerField(
        _("DATEV Mandantennummer"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(99999)],
        help_text=_("The merchant's client number at the accountant (1–99999)."),
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        verbose_name=_("fiscal year start month"),
    )
    lock_exported = models.BooleanField(
        _("Festschreibung"),
        default=False,
        help_text=_(
            "Write DATEV's lock flag: the batch is locked in DATEV on import (GoBD). "
            "Off by default so that the accountant can review first."
        ),
    )
    initials = models.CharField(_("Diktatkürzel"), max_length=2, blank=True)
    credit_note_document_field = models.CharField(
        _("Belegfeld 1 of credit notes"),
        max_length=8,
        choices=CreditNoteField.choices,
        default=CreditNoteField.ORIGINAL,
        help_text=_(
            "DATEV clears an invoice's open item only with a booking whose Belegfeld 1 "
            "equals the invoice number. With the original invoice number there, the credit note "
            "offsets its invoice; its own number goes into Belegfeld 2 (when it fits 12 "
            "characters), the booking text and the Beleginfo."
        ),
    )
    # --- VAT ---
    home_country = models.CharField(
        max_length=2,
        default="DE",
        validators=[country_code_validator],
        help_text=_("Country where the merchant is established."),
        verbose_name=_("home country"),
    )
    vat_id = models.CharField(
        _("own VAT ID"),
        max_length=20,
        blank=True,
        help_text=_(
            "The merchant's VAT ID in the home country. Billbee prints a seller VAT ID "
            "(MerchantVatId) on each invoice: it must be this one or the registration's of the "
            "country the goods ship from, else the document is held. Empty: not checked."
        ),
    )
    oss_registered_since = models.DateField(
        _("OSS registered since"),
        null=True,
        blank=True,
        help_text=_(
            "From this day EU consumer sales are taxed in the destination country "
            "(threshold exceeded or waived). Empty: below the threshold, home VAT applies."
        ),
    )
    small_business = models.BooleanField(
        _("small business (§ 19 UStG)"),
        default=False,
        help_text=_("Kleinunternehmer: Billbee's VatMode 1 documents are booked without VAT."),
    )
    # --- posting ---
    document_date = models.CharField(
        max_length=7,
        choices=DocumentDate.choices,
        default=DocumentDate.INVOICE,
        help_text=_("Which date an entry is booked on (Belegdatum)."),
        verbose_name=_("document date"),
    )
    separate_lines = models.BooleanField(
        _("shipping and discounts on separate lines"),
        default=False,
        help_text=_(
            "Book shipping and discounts on their own lines and accounts instead of with the goods."
        ),
    )
    exchange_rate_source = models.CharField(
        _("exchange rates"),
        max_length=11,
        choices=ExchangeRateSource.choices,
        default=ExchangeRateSource.BMF_MONTHLY,
        help_text=_(
            "How documents in another currency are converted to EUR: the BMF's "
            "Umsatzsteuer-Umrechnungskurs of the month of the date of supply (the law's rule), or "
            "the daily reference rate, which needs the tax office's permission."
        ),
    )
    rounding_tolerance = ExactDecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_(
            "Rounding differences up to this amount go to the rounding account; a "
            "larger one holds the document back for review."
        ),
        verbose_name=_("rounding tolerance"),
    )
    rounding_account = models.PositiveIntegerField(
        default=0,
        help_text=_("Account for rounding differences, of their own (0: the chart's preset)."),
        verbose_name=_("rounding account"),
    )
    coupon_account = models.PositiveIntegerField(
        _("multi-purpose voucher account"),
        default=0,
        help_text=_(
            "Redeemed multi-purpose vouchers (gift cards): a means of payment, booked "
            "without VAT (§ 3 (15) UStG) (0: the chart's preset)."
        ),
    )
    # --- payments (bookkeeping.md "Payments in the journal") ---
    skonto_account_19 = models.PositiveIntegerField(
        _("Skonto account 19 %"),
        default=0,
        help_text=_(
            "Cash discounts granted (Gewährte Skonti 19 % USt) (0: the chart's preset, "
            "SKR03 8736, SKR04 4736)."
        ),
    )
    skonto_account_7 = models.PositiveIntegerField(
        _("Skonto account 7 %"),
        default=0,
        help_text=_(
            "Cash discounts granted at 7 % (0: the chart's preset, SKR03 8731, SKR04 4731)."
        ),
    )
    write_off_account_19 = models.PositiveIntegerField(
        _("write-off account 19 %"),
        default=0,
        help_text=_(
            "Receivables written off as lost (Forderungsverluste 19 % USt) (0: the "
            "chart's preset, SKR03 2406, SKR04 6936)."
        ),
    )
    write_off_account_7 = models.PositiveIntegerField(
        _("write-off account 7 %"),
        default=0,
        help_text=_(
            "Receivables written off as lost at 7 % (0: the chart's preset, SKR03 2401, "
            "SKR04 6931)."
        ),
    )
    coupon_kind = models.CharField(
        _("Billbee coupons are"),
        max_length=14,
        choices=CouponKind.choices,
        default=CouponKind.AUTO,
        help_text=_("What a Billbee coupon line (IsCoupon) is when no coupon rule matches it."),
    )
    debtor_per_customer = models.BooleanField(
        _("one debtor per customer"),
        default=False,
        help_text=_(
            "Give every Billbee customer a debtor account of their own (exported as "
            "DATEV master data) instead of the debtor mapping per origin and payment method."
        ),
    )
    customer_debtor_first = models.PositiveIntegerField(
        default=20000,
        validators=[MinValueValidator(10000), MaxValueValidator(69999)],
        verbose_name=_("customer debtor first"),
    )
    customer_debtor_last = models.PositiveIntegerField(
        default=69999,
        validators=[MinValueValidator(10000), MaxValueValidator(69999)],
        verbose_name=_("customer debtor last"),
    )
    # One booking run per connection at a time, on any worker (see services/booking.py).
    booking_lease_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("booking lease until")
    )
    booking_worker = models.CharField(
        max_length=200, blank=True, editable=False, verbose_name=_("booking worker")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("bookkeeping settings")
        verbose_name_plural = _("bookkeeping settings")

    def __str__(self) -> str:
        return gettext("bookkeeping of %(connection)s") % {"connection": self.connection}

    def clean(self) -> None:
        if self.customer_debtor_first > self.customer_debtor_last:
            raise ValidationError({"customer_debtor_last": _("The range ends before it starts.")})
