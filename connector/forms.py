"""Admin forms. Credentials are write-only: the form never renders a stored value."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bookkeeping.charts import DEBTOR_RANGE

from .models import DEFAULT_EXCLUDED_PLATFORMS, ChannelRule, Connection
from .states import order_state_choices

# The import and schedule settings. A POST without the hidden ``settings_shown`` marker (a
# script or an old form that only sets credentials) leaves them as they are: checkboxes send
# nothing when unticked, so a missing box cannot be told apart from a cleared one.
SETTINGS_FIELDS = (
    "billbee_clock",
    "import_start_date",
    "imported_states",
    "only_imported_states",
    "overlap_minutes",
    "safety_lag_minutes",
    "schedule_enabled",
    "schedule_window_start",
    "schedule_window_end",
    "schedule_spacing_minutes",
)


class SectionMarkerField(forms.CharField):
    """A hidden field that says "this section was on the page"; never a change of its own."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False, initial="1")

    def has_changed(self, initial: Any, data: Any) -> bool:
        return False


class OrderStatesField(forms.TypedMultipleChoiceField):
    """The 17 Billbee order states as checkboxes, stored as a sorted list of ids; ``extra``
    adds ids Billbee listed beyond them (a stored value is always offered)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, extra: Any = (), **kwargs: Any) -> None:
        super().__init__(
            choices=order_state_choices(extra),
            coerce=int,
            error_messages={"required": _("Choose at least one order state.")},
            **kwargs,
        )

    def clean(self, value: Any) -> list[int]:
        return sorted(set(super().clean(value)))


BILLBEE_API_URL_HELP = _(
    "Billbee API base URL, ending in /api/v1 (Billbee's own: https://api.billbee.io/api/v1)."
)
API_PASSWORD_HELP = _(
    "The API password: a separate secret set in Billbee under Settings → Billbee API → "
    "General settings (https://app.billbee.io/app_v2/settings/api/general), not your login "
    "password."
)
API_KEY_HELP = _(
    "The developer API key: request it from Billbee support by e-mail "
    "(support@billbee.io) with a short note on what you build (this connector, for your "
    "bookkeeping)."
)
WRITE_ONLY_HELP = _(
    "Write-only: the stored value is never shown. Leave empty to keep it; type a new one to "
    "replace it."
)


class ConnectionAccessForm(forms.ModelForm):
    """A connection's Billbee access. The API password and key are write-only: the form never
    renders a stored value, an empty field keeps it, a new connection needs both."""

    api_url = forms.URLField(
        label=_("API URL"), assume_scheme="https", max_length=200, help_text=BILLBEE_API_URL_HELP
    )
    new_api_password = forms.CharField(
        label=_("API password"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=format_lazy("{} {}", API_PASSWORD_HELP, WRITE_ONLY_HELP),
    )
    new_api_key = forms.CharField(
        label=_("API key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=format_lazy("{} {}", API_KEY_HELP, WRITE_ONLY_HELP),
    )

    class Meta:
        model = Connection
        fields = ["name", "label", "api_url", "username"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        creating = self.instance.pk is None
        for field, stored in (("new_api_password", "api_password"), ("new_api_key", "api_key")):
            if creating and not cleaned.get(field) and not getattr(self.instance, stored):
                self.add_error(field, _("Required for a new connection."))
        return cleaned

    def save(self, commit: bool = True) -> Connection:
        connection: Connection = super().save(commit=False)
        if self.cleaned_data.get("new_api_password"):
            connection.api_password = self.cleaned_data["new_api_password"]
        if self.cleaned_data.get("new_api_key"):
            connection.api_key = self.cleaned_data["new_api_key"]
        if commit:
            connection.save()
        return connection


class ConnectionAdminForm(ConnectionAccessForm):
    imported_states = OrderStatesField(
        label=_("Imported states"),
        help_text=_(
            "Billbee order states that are imported before an invoice exists (usually 3 paid, "
            "4 shipped, 7 completed, 17 returned). A document with an invoice number "
            "is imported whatever its state; a document imported before stays in the books "
            "when it leaves these states."
        ),
    )
    settings_shown = SectionMarkerField()

    class Meta:
        model = Connection
        fields = [
            "name",
            "label",
            "api_url",
            "username",
            "sender_country",
            "time_zone",
            "chart",
            "is_active",
            *SETTINGS_FIELDS,
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new connection starts with the model's default states (declared fields get no
        # initial value from the model).
        self.initial.setdefault("imported_states", self.instance.imported_states)
        if self.is_bound and not self.data.get(self.add_prefix("settings_shown")):
            for name in SETTINGS_FIELDS:
                self.fields[name].disabled = True
                self.initial[name] = getattr(self.instance, name)  # the stored value stays


class ChannelRuleForm(forms.ModelForm):
    """A rule in the connection's list. A rule made for one sales channel takes its platform
    and shop from the channel, so they are not editable here."""

    class Meta:
        model = ChannelRule
        fields = ["action", "platform", "shop_name", "valid_from", "valid_until", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.channel_id is not None:
            for name in ("platform", "shop_name"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Taken from the sales channel.")


# ---------------------------------------------------------------- the set-up wizard


class OnboardingAccessForm(ConnectionAccessForm):
    """Step 1 of the set-up wizard: the connection's name and its Billbee access."""

    class Meta(ConnectionAccessForm.Meta):
        labels = {
            "name": _("Name"),
            "label": _("Interface label"),
            "username": _("Billbee user name"),
        }
        help_texts = {
            "name": _("A short name for this connection, used on the command line (e.g. shop)."),
            "label": _(
                "The first part of every order origin (Bestellherkunft), e.g. "
                "[Billbee]-Shopify-Möbel Verkauf 24. Keep [Billbee] unless your accountant "
                "asks for another."
            ),
            "username": _("Your Billbee login: the main user's user name or e-mail address."),
        }


class OnboardingBooksForm(forms.Form):
    """Step 3: chart of accounts, DATEV numbers, fiscal year (bookkeeping.md: DATEV header
    fields 11 and 12, consultant 1001–9999999, client 1–99999)."""

    chart = forms.ChoiceField(
        label=_("Chart of accounts (Kontenrahmen)"),
        choices=Connection.Chart.choices,
        help_text=_(
            "The chart your accountant keeps your books in. The connection starts with its "
            "revenue, VAT and clearing accounts; they can be edited under Bookkeeping → "
            "Accounts."
        ),
    )
    consultant_number = forms.IntegerField(
        label=_("DATEV consultant number (Beraternummer)"),
        min_value=1001,
        max_value=9999999,
        help_text=_("Your tax adviser's DATEV consultant number: 1001 to 9999999."),
    )
    client_number = forms.IntegerField(
        label=_("DATEV client number (Mandantennummer)"),
        min_value=1,
        max_value=99999,
        help_text=_("Your client number at the tax adviser: 1 to 99999."),
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"),
        choices=list(MONTHS.items()),
        coerce=int,
        help_text=_("The first month of your fiscal year (Wirtschaftsjahr), usually January."),
    )

    def __init__(self, *args: Any, chart_locked: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if chart_locked:
            self.fields["chart"].disabled = True
            self.fields["chart"].help_text = chart_locked


class OnboardingChannelsForm(forms.Form):
    """Step 4: the default exclusions and the import start date."""

    excluded_platforms = forms.MultipleChoiceField(
        label=_("Keep excluded"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(p, p) for p in DEFAULT_EXCLUDED_PLATFORMS],
        help_text=_(
            "Ledgers usually book these platforms through their own direct integration: their "
            "Billbee orders are left out so they are not booked twice. Untick a platform whose "
            "orders this connection should book."
        ),
    )
    import_start_date = forms.DateField(
        label=_("Import start date"),
        help_text=_(
            "Nothing older is imported: documents dated before this day are skipped. Usually "
            "the first day of the fiscal year you start the books with."
        ),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_import_start_date(self) -> date:
        day: date = self.cleaned_data["import_start_date"]
        if day > self.today:
            raise forms.ValidationError(
                _("The start date lies in the future: choose today or an earlier day.")
            )
        return day


class OnboardingDebtorForm(forms.Form):
    """Step 5: one row of the debtor mapping (origin and payment method → debtor account)."""

    mapping = forms.IntegerField(widget=forms.HiddenInput)
    account = forms.IntegerField(
        label=_("Debtor account"),
        required=False,
        min_value=DEBTOR_RANGE[0],
        max_value=DEBTOR_RANGE[1],
        widget=forms.NumberInput(attrs={"style": "width:7em"}),
    )
    name = forms.CharField(
        label=_("Name in DATEV"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"size": 30}),
    )


OnboardingDebtorFormSet = forms.formset_factory(OnboardingDebtorForm, extra=0)


class OnboardingScheduleForm(forms.ModelForm):
    """Step 7: the daily window and spacing of the scheduled import, and switching it on."""

    class Meta:
        model = Connection
        fields = [
            "schedule_enabled",
            "schedule_window_start",
            "schedule_window_end",
            "schedule_spacing_minutes",
        ]
        labels = {
            "schedule_enabled": _("Import automatically"),
            "schedule_window_start": _("Daily window from"),
            "schedule_window_end": _("Daily window until"),
            "schedule_spacing_minutes": _("Minutes between two imports"),
        }
        help_texts = {
            "schedule_enabled": _("Import the changed orders automatically inside the window."),
            "schedule_window_end": _(
                "Imports start from the window's start up to (not including) its end, in the "
                "connection's time zone."
            ),
            "schedule_spacing_minutes": _(
                "At least this long between the starts of two imports (480: every eight hours "
                "inside the window)."
            ),
        }

    def clean_schedule_spacing_minutes(self) -> int:
        minutes: int = self.cleaned_data["schedule_spacing_minutes"]
        if minutes < 15:
            raise forms.ValidationError(_("Leave at least 15 minutes between two imports."))
        return minutes
