"""Admin forms. Credentials are write-only: the form never renders a stored value."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Connection

WRITE_ONLY_HELP = (
    "Write-only: the stored value is never shown. Leave empty to keep it; "
    "type a new one to replace it."
)


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
        ]

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
