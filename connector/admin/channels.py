"""Sales channels: registered by the import, with their document counts and the rules that
include or exclude them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ChannelRule, ExternalOrder, SalesChannel
from ..selectors import channel_rules_matching, channels_with_document_counts
from .display import admin_link, plain_number, status_badge
from .operations import rules_changed, rules_changed_message


class ChannelOwnRuleInline(admin.TabularInline):
    """Rules made for exactly this channel: platform and shop come from the channel."""

    model = ChannelRule
    fk_name = "channel"
    fields = ("action", "valid_from", "valid_until", "note")
    extra = 0
    verbose_name = _("rule for this channel")
    verbose_name_plural = _("Rules for this channel only (an include rule wins over exclude rules)")


def _documents_link(channel: SalesChannel, count: int, status: str = "") -> SafeString | str:
    if not count:
        return "0"
    query = f"channel__id__exact={channel.pk}" + (f"&status__exact={status}" if status else "")
    return admin_link("externalorder_changelist", count, query=query)


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    inlines = (ChannelOwnRuleInline,)
    list_display = (
        "channel",
        "connection",
        "platform",
        "shop_name",
        "origin",
        "shop_id_text",
        "accepted",
        "excluded",
        "skipped",
        "rejected",
        "waiting",
        "total",
        "first_seen_at",
    )
    list_display_links = ("channel",)
    list_filter = ("connection", "platform")
    search_fields = ("platform", "shop_name", "=shop_id")
    list_select_related = ("connection",)
    ordering = ("connection__name", "platform", "shop_name")
    readonly_fields = (
        "connection",
        "platform",
        "shop_name",
        "shop_id_text",
        "origin",
        "first_seen_at",
        "document_counts",
        "matching_rules",
    )
    fieldsets = (
        (None, {"fields": ("connection", ("platform", "shop_name", "shop_id_text"), "origin")}),
        (_("Documents"), {"fields": ("document_counts", "first_seen_at")}),
        (
            _("Rules of the whole connection that match this channel"),
            {
                "fields": ("matching_rules",),
                "description": _(
                    "These decide about this channel's documents together with the channel's "
                    "own rules below. Edit them on the connection's page."
                ),
            },
        ),
    )

    shop_id_text = plain_number("shop_id", _("Billbee shop id"))

    class Media:
        css = {"all": ("bookkeeping/lists.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[SalesChannel]:
        return channels_with_document_counts(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registered by the import, the first time one of its orders arrives

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its documents refer to it

    # ---------------------------------------------------------------- columns

    @admin.display(description=_("sales channel"), ordering="platform")
    def channel(self, obj: SalesChannel) -> str:
        return str(obj)

    @admin.display(description=_("origin"))
    def origin(self, obj: SalesChannel) -> str:
        return obj.origin

    @admin.display(description=_("in the books"), ordering="documents_accepted")
    def accepted(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_accepted)

    @admin.display(description=_("excluded"), ordering="documents_excluded")
    def excluded(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_excluded, "excluded")

    @admin.display(description=_("skipped"), ordering="documents_skipped")
    def skipped(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_skipped, "skipped")

    @admin.display(description=_("rejected"), ordering="documents_rejected")
    def rejected(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_rejected, "rejected")

    @admin.display(description=_("waiting"), ordering="documents_waiting")
    def waiting(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_waiting, "waiting")

    @admin.display(description=_("total"), ordering="documents_total")
    def total(self, obj: Any) -> SafeString | str:
        return _documents_link(obj, obj.documents_total)

    @admin.display(description=_("documents by status"))
    def document_counts(self, obj: Any) -> SafeString:
        rows = [
            (
                status_badge(status, str(label)),
                _documents_link(obj, getattr(obj, f"documents_{status}"), status),
            )
            for status, label in ExternalOrder.Status.choices
        ]
        return format_html(
            "{} · {} {}",
            format_html_join(" · ", "{} {}", rows),
            gettext("total"),
            _documents_link(obj, obj.documents_total),
        )

    @admin.display(description=_("matching rules"))
    def matching_rules(self, obj: SalesChannel) -> SafeString | str:
        rules = channel_rules_matching(obj)
        if not rules:
            return gettext("No rule of the whole connection matches this channel.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"#{rule.pk}",
                    rule.get_action_display(),
                    self._target(rule),
                    rule.describe_period(),
                    rule.shown_note,
                )
                for rule in rules
            ),
        )
        headers = format_html_join(
            "",
            "<th>{}</th>",
            (
                (gettext("rule"),),
                (gettext("action"),),
                (gettext("matches"),),
                (gettext("period"),),
                (gettext("note"),),
            ),
        )
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table><p>{}</p>",
            headers,
            rows,
            admin_link(
                "connection_change",
                gettext("Edit the rules of %(connection)s") % {"connection": obj.connection},
                obj.connection_id,
            ),
        )

    @staticmethod
    def _target(rule: ChannelRule) -> str:
        if rule.channel_id is not None:
            return gettext("%(target)s (made for channel %(channel)s)") % {
                "target": rule.describe_target(),
                "channel": rule.channel,
            }
        return rule.describe_target()

    # ---------------------------------------------------------------- saving

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if rules_changed(formsets):
            self.message_user(
                request, rules_changed_message(form.instance.connection), messages.WARNING
            )
