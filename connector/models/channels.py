"""Sales channels (Platform + shop) and the rules that include or exclude them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..formatting import day
from .connections import Connection

# Platforms a ledger usually books through its own direct integration: their Billbee orders
# are excluded by default so they are not booked twice (product.md, AccountOne).
DEFAULT_EXCLUDED_PLATFORMS = (
    "Amazon",
    "eBay",
    "WooCommerce",
    "Shopify",
    "Magento",
    "Etsy",
    "Kaufland",
)


class SalesChannel(models.Model):
    """A (Platform, BillbeeShopName, BillbeeShopId) seen in a connection's orders.

    Registered automatically the first time an order of it is imported. Manual orders (no
    shop) form a channel of their own with empty platform and shop.
    """

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="channels", verbose_name=_("connection")
    )
    platform = models.CharField(max_length=100, blank=True, verbose_name=_("platform"))
    shop_name = models.CharField(max_length=200, blank=True, verbose_name=_("shop name"))
    shop_id = models.BigIntegerField(
        default=0, help_text=_("BillbeeShopId; 0 for manual orders."), verbose_name=_("shop ID")
    )
    first_seen_at = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen at"))

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["connection", "platform", "shop_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "platform", "shop_name", "shop_id"],
                name="unique_channel_per_connection",
            )
        ]

    def __str__(self) -> str:
        if not self.platform and not self.shop_name:
            return gettext("manual orders (no shop)")
        return f"{self.platform or '?'} · {self.shop_name or '?'}"

    @property
    def origin(self) -> str:
        """``<label>-<Platform>-<BillbeeShopName>`` ("Bestellherkunft")."""
        return f"{self.connection.label}-{self.platform}-{self.shop_name}"


class ChannelRule(models.Model):
    """Include or exclude documents of a platform and/or shop, for a period or for good.

    Compared with the document date (invoice date, else order date). An include rule
    overrides any exclude rule that matches the same document.
    """

    class Action(models.TextChoices):
        EXCLUDE = "exclude", _("exclude")
        INCLUDE = "include", _("include")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="rules", verbose_name=_("connection")
    )
    channel = models.ForeignKey(
        SalesChannel,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
        help_text=_(
            "Set when the rule was made for one sales channel: its platform and shop "
            "name are then taken from the channel."
        ),
        verbose_name=_("channel"),
    )
    action = models.CharField(
        max_length=7, choices=Action.choices, default=Action.EXCLUDE, verbose_name=_("action")
    )
    platform = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Billbee Platform, e.g. Amazon (any if empty)."),
        verbose_name=_("platform"),
    )
    shop_name = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("BillbeeShopName (any if empty)."),
        verbose_name=_("shop name"),
    )
    valid_from = models.DateField(
        null=True,
        blank=True,
        help_text=_("From this day (inclusive)."),
        verbose_name=_("valid from"),
    )
    valid_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("Until this day (inclusive). Empty: open-ended."),
        verbose_name=_("valid until"),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    is_default = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Created with the connection for a platform with its own ledger integration."),
        verbose_name=_("default rule"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("channel rule")
        verbose_name_plural = _("channel rules")
        ordering = ["connection", "action", "platform", "shop_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__isnull=False) | ~models.Q(platform="", shop_name=""),
                name="rule_names_platform_or_shop",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="rule_period_in_order",
            ),
        ]

    # In the reader's language, for the console. The reasons stored with the documents describe
    # their rule in English of their own (connector.classify.RuleSpec.describe).
    def __str__(self) -> str:
        return gettext("%(action)s %(target)s (%(period)s)") % {
            "action": self.get_action_display(),
            "target": self.describe_target(),
            "period": self.describe_period(),
        }

    def save(self, *args: object, **kwargs: object) -> None:
        channel = self.channel if self.channel_id is not None else None
        if channel is not None:
            # A channel's rule names exactly that channel's platform and shop (both empty
            # for manual orders) and matches them exactly.
            self.connection_id = channel.connection_id
            self.platform = channel.platform
            self.shop_name = channel.shop_name
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    # The note of a default rule, in the reader's language: default rules are created without
    # a note of their own (an operator's note is shown as written).
    DEFAULT_NOTE = _("default: usually booked through the ledger's direct integration")

    @property
    def shown_note(self) -> str:
        return self.note or (str(self.DEFAULT_NOTE) if self.is_default else "")

    def describe_target(self) -> str:
        names = {"platform": self.platform, "shop": self.shop_name}
        if self.platform and self.shop_name:
            return gettext("platform %(platform)s and shop %(shop)s") % names
        if self.platform:
            return gettext("platform %(platform)s") % names
        if self.shop_name:
            return gettext("shop %(shop)s") % names
        return gettext("manual orders") if self.channel_id is not None else ""

    def describe_period(self) -> str:
        if self.valid_from and self.valid_until:
            return f"{day(self.valid_from)}–{day(self.valid_until)}"
        if self.valid_from:
            return gettext("from %(day)s") % {"day": day(self.valid_from)}
        if self.valid_until:
            return gettext("until %(day)s") % {"day": day(self.valid_until)}
        return gettext("whole period")

    def clean(self) -> None:
        if self.channel_id is not None:
            return
        if not self.platform.strip() and not self.shop_name.strip():
            raise ValidationError(_("A rule needs a platform, a shop name or both."))
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValidationError({"valid_until": _("The period ends before it starts.")})
