"""Connections to Billbee accounts (one per account and API user) and their import settings."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..countries import country_problem
from ..crypto import EncryptedSecretField, Secret

country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", _("Use a two-letter ISO country code, for example DE.")
)


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(zone)r is not a known time zone (e.g. Europe/Berlin)") % {"zone": value}
        ) from exc


def default_api_url() -> str:
    return settings.BILLBEE_DEFAULT_API_URL


# Callables, not fixed times: a fixed time default is read by Django's checks as a date
# frozen at start-up (fields.W161).
def default_window_start() -> time:
    return time(6, 0)


def default_window_end() -> time:
    return time(22, 0)


# Billbee states a ledger imports by default: 3 paid, 4 shipped, 7 completed, 17 returned.
DEFAULT_IMPORTED_STATES = [3, 4, 7, 17]


def default_imported_states() -> list[int]:
    return list(DEFAULT_IMPORTED_STATES)


def default_start_date() -> date:
    """The first day of the current year: a fiscal year is the usual first import."""
    return date(date.today().year, 1, 1)


def validate_states(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 17 for v in value)
    ):
        raise ValidationError(_("Give a list of Billbee order state ids between 1 and 17."))


class BillbeeClock(models.TextChoices):
    """Which zone Billbee's naive timestamps are in. The project reads them as German time;
    Billbee's official PHP SDK reads them as UTC. Imports overlap by more than the largest
    offset between the two (``connector.windows.CLOCK_OFFSET_MAX``), so that neither reading
    loses a change."""

    BERLIN = "Europe/Berlin", _("Europe/Berlin (German time, default)")
    UTC = "UTC", _("UTC")


class Connection(models.Model):
    """A Billbee account the connector imports from.

    The API password and the API key are encrypted at rest (``connector.crypto``); the admin
    treats them as write-only and nothing displays or logs them.
    """

    class Chart(models.TextChoices):
        SKR03 = "skr03", _("SKR03")
        SKR04 = "skr04", _("SKR04")

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text=_("Short name used on the command line."),
        verbose_name=_("name"),
    )
    label = models.CharField(
        max_length=50,
        default="[Billbee]",
        help_text=_(
            "Interface label ('Bezeichnung Schnittstelle'): the first part of every "
            "order origin, e.g. [Billbee]-Shopify-Möbel Verkauf 24."
        ),
        verbose_name=_("label"),
    )
    api_url = models.URLField(
        default=default_api_url,
        verbose_name=_("API URL"),
        help_text=_("Billbee API base URL, ending in /api/v1."),
    )
    username = models.CharField(
        max_length=200,
        help_text=_("Billbee account login (main user name or e-mail)."),
        verbose_name=_("username"),
    )
    api_password = EncryptedSecretField(
        blank=True,
        verbose_name=_("API password"),
        help_text=_(
            "The API password from Billbee Settings → Billbee API (not the login "
            "password). Stored encrypted; never displayed."
        ),
    )
    api_key = EncryptedSecretField(
        blank=True,
        verbose_name=_("API key"),
        help_text=_("Developer API key issued by Billbee. Stored encrypted; never displayed."),
    )
    sender_country = models.CharField(
        max_length=2,
        default="DE",
        validators=[country_code_validator],
        help_text=_("Ship-from country used when an order has no DeliverySourceCountryCode."),
        verbose_name=_("sender country"),
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/Berlin",
        validators=[validate_time_zone],
        help_text=_(
            "The business's zone: calendar days of documents (VAT periods, DATEV), the "
            "import schedule, dates typed on the command line."
        ),
        verbose_name=_("time zone"),
    )
    billbee_clock = models.CharField(
        _("Billbee's clock"),
        max_length=16,
        choices=BillbeeClock.choices,
        default=BillbeeClock.BERLIN,
        help_text=_(
            "The zone of the timestamps Billbee sends without offset (LastModifiedAt, "
            "InvoiceDate …) and of the filter values sent to it. Check it on the live account "
            "(docs/configuration.md): change an order at a noted time and compare its "
            "LastModifiedAt."
        ),
    )
    chart = models.CharField(
        max_length=5,
        choices=Chart.choices,
        default=Chart.SKR03,
        verbose_name=_("chart of accounts"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    # --- import ---
    import_start_date = models.DateField(
        default=default_start_date,
        help_text=_("Nothing older is imported: documents dated before this day are skipped."),
        verbose_name=_("import start date"),
    )
    imported_states = models.JSONField(
        default=default_imported_states,
        validators=[validate_states],
        help_text=_(
            "Billbee order states that are imported before an invoice exists (default "
            "3 paid, 4 shipped, 7 completed, 17 returned). A document with an invoice number is "
            "imported whatever its state."
        ),
        verbose_name=_("imported states"),
    )
    only_imported_states = models.BooleanField(
        _("AccountOne-compatible: only documents in the imported states"),
        default=False,
        help_text=_(
            "Warning: invoices in other states (archived, dunning, packed, cancelled …) "
            "are then left out of the books although their VAT is due (§ 13 UStG) and every "
            "issued invoice belongs in the books (§ 146 AO). Only for a switch from AccountOne "
            "with the same figures."
        ),
    )
    watermark = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "Every order modified up to this moment has been imported. The next import "
            "continues from here (minus the overlap)."
        ),
        verbose_name=_("watermark"),
    )
    overlap_minutes = models.PositiveIntegerField(
        default=10,
        help_text=_("Each import re-reads this much before the watermark."),
        verbose_name=_("overlap minutes"),
    )
    safety_lag_minutes = models.PositiveIntegerField(
        default=5,
        help_text=_(
            "Each import stops this long before now, so that changes still "
            "being written in Billbee are read next time."
        ),
        verbose_name=_("safety lag minutes"),
    )
    schedule_enabled = models.BooleanField(
        default=True,
        help_text=_("Import automatically inside the daily window."),
        verbose_name=_("schedule enabled"),
    )
    schedule_window_start = models.TimeField(
        default=default_window_start, verbose_name=_("schedule window start")
    )
    schedule_window_end = models.TimeField(
        default=default_window_end,
        help_text=_(
            "Imports start from the window's start up to (not "
            "including) its end, in the connection's time zone."
        ),
        verbose_name=_("schedule window end"),
    )
    schedule_spacing_minutes = models.PositiveIntegerField(
        default=480,
        help_text=_("At least this long between the starts of two imports."),
        verbose_name=_("schedule spacing minutes"),
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    last_test_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last test at")
    )
    last_test_ok = models.BooleanField(null=True, editable=False, verbose_name=_("last test OK"))
    last_test_message = models.TextField(
        blank=True, editable=False, verbose_name=_("last test message")
    )
    # The message's template and values, to show it in the reader's language (connector/texts.py).
    last_test_texts = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("texts per language")
    )
    # --- onboarding (connector/services/onboarding.py) ---
    # The furthest step of the set-up wizard reached (it resumes there), and when the wizard
    # was finished (empty: not yet; connections older than the wizard count as finished).
    onboarding_step = models.PositiveSmallIntegerField(default=1, editable=False)
    onboarded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering = ["name"]
        permissions = [
            ("test_connection", _("Can test a connection against Billbee")),
            ("run_import", _("Can start an import now")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.schedule_window_start >= self.schedule_window_end:
            raise ValidationError(
                {"schedule_window_end": _("The window must end after it starts (same day).")}
            )
        problem = country_problem(self.sender_country or "")
        if problem and self.sender_country:  # an empty one is reported by the field itself
            raise ValidationError({"sender_country": problem[0].upper() + problem[1:] + "."})

    @property
    def zoneinfo(self) -> ZoneInfo:
        """The business's zone (calendar days, schedule)."""
        return ZoneInfo(self.time_zone)

    @property
    def billbee_zone(self) -> ZoneInfo:
        """The zone Billbee's naive timestamps are read and written in."""
        return ZoneInfo(self.billbee_clock)

    @property
    def has_api_password(self) -> bool:
        return bool(self.api_password)

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key)

    @property
    def credentials_unreadable(self) -> bool:
        """A stored credential the configured CREDENTIALS_KEY cannot decrypt."""
        return any(
            isinstance(value, Secret) and value.unreadable
            for value in (self.api_password, self.api_key)
        )

    def secret(self, field: str) -> str:
        """The plain credential, for the Billbee client only."""
        value = getattr(self, field)
        if isinstance(value, Secret):
            return value.reveal()
        return value or ""
