"""Connections: credentials (write-only), import and schedule settings, rules, and the
actions an operator starts by hand (test, import now, apply the rules again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..forms import ChannelRuleForm, ConnectionAdminForm
from ..models import DEFAULT_EXCLUDED_PLATFORMS, ChannelRule, Connection
from ..selectors import connection_health, connection_last_run, connections_with_last_run
from ..services.channels import channel_rules_create_defaults
from ..services.connections import connection_test
from ..services.scheduling import connection_next_start
from ..texts import rendered, said_field
from .display import (
    HEALTH_COLOURS,
    HEALTH_LABELS,
    HEALTH_SYMBOLS,
    admin_link,
    check_label,
    run_state_badge,
    when,
)
from .onboarding import OnboardingViews
from .operations import (
    import_enqueue,
    reevaluate_enqueue,
    rules_changed,
    rules_changed_message,
)

# Settings a decision about a document depends on (classify.Settings): when one changes,
# the documents already in the log keep their old decision until the rules are applied again.
DECISION_FIELDS = frozenset(
    {
        "label",
        "sender_country",
        "time_zone",
        "billbee_clock",
        "import_start_date",
        "imported_states",
        "only_imported_states",
    }
)
# The section that explains the default exclusion rules on a new connection's page.
IMPORT_SECTION = _("Import")
# connector.crypto.UNREADABLE in the reader's language.
UNREADABLE = _("credentials unreadable with the current key: enter them again")


class ConnectionRuleInline(admin.TabularInline):
    """Every rule of the connection; those made for one channel are edited there too."""

    model = ChannelRule
    fk_name = "connection"
    form = ChannelRuleForm
    extra = 0
    fields = (
        "action",
        "platform",
        "shop_name",
        "valid_from",
        "valid_until",
        "note",
        "for_channel",
        "is_default",
    )
    readonly_fields = ("for_channel", "is_default")
    verbose_name = _("channel rule")
    verbose_name_plural = _(
        "Channel rules (an include rule wins over exclude rules; empty platform or shop: any)"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChannelRule]:
        return super().get_queryset(request).select_related("channel")

    @admin.display(description=_("for channel"))
    def for_channel(self, rule: ChannelRule) -> SafeString | str:
        if rule.channel_id is None:
            return gettext("all matching channels")
        return admin_link("saleschannel_change", rule.channel, rule.channel_id)


@admin.register(Connection)
class ConnectionAdmin(OnboardingViews, admin.ModelAdmin):
    form = ConnectionAdminForm
    change_form_template = "admin/connector/connection/change_form.html"
    change_list_template = "admin/connector/connection/change_list.html"
    inlines = (ConnectionRuleInline,)
    list_display = (
        "name",
        "label",
        "api_url",
        "credentials",
        "is_active",
        "last_import",
        "next_import",
        "health",
    )
    list_filter = ("is_active", "schedule_enabled", "chart", "sender_country")
    search_fields = ("name", "username", "api_url")
    readonly_fields = (
        "credentials",
        "watermark_display",
        "next_import",
        "last_test_at",
        "last_test_ok",
        "last_test_result",
        "created_at",
        "updated_at",
    )
    actions = ["test_connections", "import_now", "apply_rules_again"]
    fieldsets = (
        (None, {"fields": ("name", "label", "is_active")}),
        (
            _("Billbee API"),
            {
                "fields": (
                    "api_url",
                    "username",
                    "new_api_password",
                    "new_api_key",
                    "credentials",
                    "billbee_clock",
                )
            },
        ),
        (_("Bookkeeping"), {"fields": ("sender_country", "time_zone", "chart")}),
        (
            IMPORT_SECTION,
            {
                "fields": (
                    "import_start_date",
                    "imported_states",
                    "only_imported_states",
                    ("overlap_minutes", "safety_lag_minutes"),
                    "watermark_display",
                    "settings_shown",
                ),
            },
        ),
        (
            _("Schedule"),
            {
                "fields": (
                    "schedule_enabled",
                    ("schedule_window_start", "schedule_window_end"),
                    "schedule_spacing_minutes",
                    "next_import",
                ),
            },
        ),
        (_("Last test"), {"fields": ("last_test_at", "last_test_ok", "last_test_result")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Connection]:
        return connections_with_last_run(super().get_queryset(request))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            connection = self.get_object(request, unquote(object_id))
            if connection is not None and connection.credentials_unreadable:
                messages.warning(
                    request,
                    gettext(
                        "Connection %(name)s: %(problem)s (API password and API key below; "
                        "CREDENTIALS_KEY no longer holds the key they were encrypted with)."
                    )
                    % {"name": connection.name, "problem": UNREADABLE},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request: HttpRequest, obj: Connection | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        description = gettext(
            "When you save, exclusion rules for %(platforms)s are created: a ledger usually "
            "books those platforms through its own integration. Delete a rule or add an "
            "include rule to import them."
        ) % {"platforms": ", ".join(DEFAULT_EXCLUDED_PLATFORMS)}
        return [
            (
                name,
                {**options, "description": description} if name is IMPORT_SECTION else options,
            )
            for name, options in fieldsets
        ]

    def get_inline_instances(
        self, request: HttpRequest, obj: Connection | None = None
    ) -> list[admin.options.InlineModelAdmin]:
        if obj is None or obj.pk is None:
            return []  # the default rules are created on save, then shown here
        inlines = super().get_inline_instances(request, obj)
        if request.method != "POST":
            return inlines
        # A POST without a rules section (a script that only sets credentials) leaves the
        # rules alone instead of failing on the missing formset.
        return [
            inline
            for inline in inlines
            if f"{inline.get_formset(request, obj).get_default_prefix()}-TOTAL_FORMS"
            in request.POST
        ]

    # ---------------------------------------------------------------- columns

    @admin.display(description=_("credentials"))
    def credentials(self, obj: Connection) -> str:
        # Says whether a credential is stored, never what it is.
        if obj.credentials_unreadable:
            return str(UNREADABLE)
        parts = [
            gettext("API password stored")
            if obj.has_api_password
            else gettext("API password MISSING"),
            gettext("API key stored") if obj.has_api_key else gettext("API key MISSING"),
        ]
        return "; ".join(parts)

    @admin.display(description=_("last import"))
    def last_import(self, obj: Connection) -> SafeString | str:
        run = connection_last_run(obj)
        if run is None:
            return gettext("never")
        return format_html(
            "{} {}",
            run_state_badge(run.state, run.get_state_display()),
            admin_link(
                "importrun_change",
                when(run.started_at or run.created_at, obj.zoneinfo),
                run.pk,
            ),
        )

    @admin.display(description=_("next scheduled import"))
    def next_import(self, obj: Connection) -> str:
        if obj.pk is None:
            return "—"
        now = timezone.now()
        upcoming = connection_next_start(obj, now)
        if upcoming is None:
            return gettext("off")
        if upcoming <= now:
            return gettext("due now (at the next tick)")
        return f"{when(upcoming, obj.zoneinfo)} ({obj.time_zone})"

    @admin.display(description=_("health"))
    def health(self, obj: Connection) -> SafeString:
        state = connection_health(obj, connection_last_run(obj), timezone.now())
        return format_html(
            '<span style="color:{}" title="{}">{} {}</span>',
            HEALTH_COLOURS[state.level],
            HEALTH_LABELS[state.level],
            HEALTH_SYMBOLS[state.level],
            format_html_join("; ", "{}", ((f.text,) for f in state.findings)),
        )

    @admin.display(description=_("watermark"))
    def watermark_display(self, obj: Connection) -> str:
        if obj.watermark is None:
            return gettext("nothing imported yet: the first import starts at the start date")
        age = timezone.now() - obj.watermark
        return gettext(
            "%(moment)s (%(zone)s), %(hours)s h ago. Every order modified up to here is "
            "imported; the next import continues from here."
        ) % {
            "moment": when(obj.watermark, obj.zoneinfo),
            "zone": obj.time_zone,
            "hours": int(age.total_seconds() // 3600),
        }

    # ---------------------------------------------------------------- saving

    def save_model(
        self, request: HttpRequest, obj: Connection, form: ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if obj.only_imported_states:
            self.message_user(
                request,
                gettext(
                    "AccountOne-compatible: invoices outside the imported states (archived, "
                    "dunning, packed, cancelled …) are left out of the books, although their VAT "
                    "is due (§ 13 UStG) and every issued invoice belongs in the books (§ 146 AO)."
                ),
                messages.WARNING,
            )
        if not change:
            created = channel_rules_create_defaults(obj)
            if created:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s default exclusion rule was created (%(platforms)s): see the "
                        "rules below.",
                        "%(count)s default exclusion rules were created (%(platforms)s): see the "
                        "rules below.",
                        len(created),
                    )
                    % {"count": len(created), "platforms": ", ".join(r.platform for r in created)},
                    messages.INFO,
                )

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        settings_changed = bool(DECISION_FIELDS & set(form.changed_data))
        if change and (settings_changed or rules_changed(formsets)):
            self.message_user(request, rules_changed_message(form.instance), messages.WARNING)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        # The page offers only what the user may start.
        context.update(
            can_run_import=self.has_run_import_permission(request),
            can_reevaluate=self.has_change_permission(request),
            can_onboard=self.has_change_permission(request),
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "label": "[Billbee]",
            "api_url": settings.BILLBEE_DEFAULT_API_URL,
            "sender_country": "DE",
            "time_zone": "Europe/Berlin",
            "billbee_clock": "Europe/Berlin",
            **super().get_changeform_initial_data(request),
        }

    # ---------------------------------------------------------------- actions

    def has_test_connection_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("connector.test_connection")

    def has_run_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("connector.run_import")

    @admin.action(description=_("Test the selected connections"), permissions=["test_connection"])
    def test_connections(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for connection in queryset:
            result = connection_test(connection)
            if result.ok:
                self.message_user(
                    request,
                    gettext("%(name)s: connection works.") % {"name": connection.name},
                    messages.SUCCESS,
                )
            else:
                failed = "; ".join(
                    f"{check_label(c.name)}: {rendered(c.message)}"
                    for c in result.checks
                    if not c.ok and c.required
                )
                self.message_user(request, f"{connection.name}: {failed}", messages.ERROR)

    @admin.display(description=_("last test message"))
    def last_test_result(self, obj: Connection) -> str:
        return said_field(obj, "last_test_message", "last_test_texts")

    @admin.action(description=_("Import now"), permissions=["run_import"])
    def import_now(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for connection in queryset:
            level, message = import_enqueue(connection)
            self.message_user(request, message, level)

    @admin.action(description=_("Apply the rules again"), permissions=["change"])
    def apply_rules_again(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        for connection in queryset:
            level, message = reevaluate_enqueue(connection)
            self.message_user(request, message, level)

    # ---------------------------------------------------------------- pages of their own

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/import-now/",
                self.admin_site.admin_view(self.import_now_view),
                name="connector_connection_import_now",
            ),
            path(
                "<path:object_id>/reevaluate/",
                self.admin_site.admin_view(self.reevaluate_view),
                name="connector_connection_reevaluate",
            ),
        ]
        return self.onboarding_urls() + own + super().get_urls()

    def import_now_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._task_view(
            request,
            object_id,
            title=gettext("Import now"),
            explanation=gettext(
                "Reads every order changed since the watermark (minus the overlap) from Billbee "
                "and decides about each one, as a scheduled import does, but right now and "
                "outside the daily window."
            ),
            button=gettext("Import now"),
            perform=import_enqueue,
            done_url="admin:connector_importrun_changelist",
            allowed=self.has_run_import_permission,
        )

    def reevaluate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._task_view(
            request,
            object_id,
            title=gettext("Apply the rules again"),
            explanation=gettext(
                "Decides again about every document already in the log with the current rules "
                "and settings, from the stored JSON: nothing is fetched from Billbee. Documents "
                "still in the books stay there."
            ),
            button=gettext("Apply the rules again"),
            perform=reevaluate_enqueue,
            done_url="admin:connector_externalorder_changelist",
            allowed=lambda request: self.has_change_permission(request),
        )

    def _task_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        title: str,
        explanation: str,
        button: str,
        perform: Callable[[Connection], tuple[int, SafeString]],
        done_url: str,
        allowed: Callable[[HttpRequest], bool],
    ) -> HttpResponse:
        if not allowed(request):
            raise PermissionDenied
        connection = self.get_object(request, unquote(object_id))
        if connection is None:
            raise Http404(gettext("There is no connection with the id %(id)r.") % {"id": object_id})
        if request.method == "POST":
            level, message = perform(connection)
            self.message_user(request, message, level)
            return HttpResponseRedirect(
                reverse(done_url) + f"?connection__id__exact={connection.pk}"
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": connection,
            "title": f"{title}: {connection.name}",
            "explanation": explanation,
            "button": button,
            "document_count": connection.external_orders.count(),
        }
        return TemplateResponse(request, "admin/connector/connection/confirm_task.html", context)
