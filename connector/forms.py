"""Admin forms. Credentials are write-only: the form never renders a stored value."""

from __future__ import annotations

from typing import Any

from django import forms

from billbee.enums import ORDER_STATE_LABELS

from .models import ChannelRule, Connection

WRITE_ONLY_HELP = (
    "Write-only: the stored value is never shown. Leave empty to keep it; "
    "type a new one to replace it."
)


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
    """The 17 Billbee order states as checkboxes, stored as a sorted list of ids."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[(state, f"{state} {label}") for state, label in ORDER_STATE_LABELS.items()],
            coerce=int,
            error_messages={"required": "Choose at least one order state."},
            **kwargs,
        )

    def clean(self, value: Any) -> list[int]:
        return sorted(set(super().clean(value)))


class ConnectionAdminForm(forms.ModelForm):
    api_url = forms.URLField(
        label="API URL",
        assume_scheme="https",
        max_length=200,
        help_text="Billbee API base URL, ending in /api/v1 (https://api.billbee.io/api/v1).",
    )
    new_api_password = forms.CharField(
        label="API password",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="The API password from Billbee Settings → Billbee API (not the login "
        "password). " + WRITE_ONLY_HELP,
    )
    new_api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="The developer API key issued by Billbee. " + WRITE_ONLY_HELP,
    )

    imported_states = OrderStatesField(
        label="Imported states",
        help_text="Billbee order states that are imported before an invoice exists (usually "
        "3 paid, 4 shipped, 7 completed, 17 returned). A document with an invoice number is "
        "imported whatever its state; a document imported before stays in the books when it "
        "leaves these states.",
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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        creating = self.instance.pk is None
        for field, stored in (("new_api_password", "api_password"), ("new_api_key", "api_key")):
            if creating and not cleaned.get(field) and not getattr(self.instance, stored):
                self.add_error(field, "Required for a new connection.")
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
                self.fields[name].help_text = "Taken from the sales channel."
