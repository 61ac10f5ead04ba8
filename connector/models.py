"""Connections to Billbee accounts (one per account and API user)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .crypto import EncryptedSecretField, Secret

country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", "Use a two-letter ISO country code, for example DE."
)


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin)") from exc


def default_api_url() -> str:
    return settings.BILLBEE_DEFAULT_API_URL


class Connection(models.Model):
    """A Billbee account the connector imports from.

    The API password and the API key are encrypted at rest (``connector.crypto``); the admin
    treats them as write-only and nothing displays or logs them.
    """

    class Chart(models.TextChoices):
        SKR03 = "skr03", "SKR03"
        SKR04 = "skr04", "SKR04"

    name = models.CharField(
        max_length=100, unique=True, help_text="Short name used on the command line."
    )
    label = models.CharField(
        max_length=50,
        default="[Billbee]",
        help_text="Interface label ('Bezeichnung Schnittstelle'): the first part of every "
        "order origin, e.g. [Billbee]-Shopify-Möbel Verkauf 24.",
    )
    api_url = models.URLField(
        default=default_api_url,
        verbose_name="API URL",
        help_text="Billbee API base URL, ending in /api/v1.",
    )
    username = models.CharField(
        max_length=200, help_text="Billbee account login (main user name or e-mail)."
    )
    api_password = EncryptedSecretField(
        blank=True,
        verbose_name="API password",
        help_text="The API password from Billbee Settings → Billbee API (not the login "
        "password). Stored encrypted; never displayed.",
    )
    api_key = EncryptedSecretField(
        blank=True,
        verbose_name="API key",
        help_text="Developer API key issued by Billbee. Stored encrypted; never displayed.",
    )
    sender_country = models.CharField(
        max_length=2,
        default="DE",
        validators=[country_code_validator],
        help_text="Ship-from country used when an order has no DeliverySourceCountryCode.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/Berlin",
        validators=[validate_time_zone],
        help_text="Zone in which Billbee's timestamps (sent without offset) are read.",
    )
    chart = models.CharField(
        max_length=5, choices=Chart.choices, default=Chart.SKR03, verbose_name="chart of accounts"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def has_api_password(self) -> bool:
        return bool(self.api_password)

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key)

    def secret(self, field: str) -> str:
        """The plain credential, for the Billbee client only."""
        value = getattr(self, field)
        if isinstance(value, Secret):
            return value.reveal()
        return value or ""
