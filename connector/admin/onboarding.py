"""The set-up wizard of a connection in the console (docs/onboarding.md): seven steps from the
Billbee access to the switched-on schedule, resumable, each checking its own permissions.
The pages call the services; the rules live in connector/services/onboarding.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..errors import ConnectorError
from ..forms import (
    OnboardingAccessForm,
    OnboardingBooksForm,
    OnboardingChannelsForm,
    OnboardingDebtorFormSet,
    OnboardingScheduleForm,
)
from ..models import Connection, SalesChannel
from ..services import onboarding as wizard
from ..services.connections import connection_test
from ..texts import rendered, said_field
from .display import check_label

STEP_TITLES = {
    1: gettext_lazy("Billbee access"),
    2: gettext_lazy("Test the connection"),
    3: gettext_lazy("Books"),
    4: gettext_lazy("Channels and start date"),
    5: gettext_lazy("Debtor accounts"),
    6: gettext_lazy("Dry run of the first import"),
    7: gettext_lazy("Schedule"),
}

# What each step needs besides the connector.change_connection every step of an existing
# connection needs (a new connection's first step needs connector.add_connection instead).
STEP_PERMISSIONS: dict[int, tuple[str, ...]] = {
    1: (),
    2: ("connector.test_connection",),
    3: ("bookkeeping.change_bookkeepingsettings",),
    4: ("connector.add_channelrule", "connector.delete_channelrule"),
    5: ("bookkeeping.change_debtormapping",),
    6: ("connector.run_import",),
    7: (),
}


def step_permissions(step: int) -> tuple[str, ...]:
    return ("connector.change_connection", *STEP_PERMISSIONS[step])


class OnboardingViews:
    """The wizard's pages, mixed into ConnectionAdmin (routed through its ``get_urls``)."""

    admin_site: Any
    opts: Any
    get_object: Callable[..., Any]
    message_user: Callable[..., None]

    def onboarding_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("onboarding/", view(self.onboarding_new_view), name="connector_connection_setup"),
            path(
                "<path:object_id>/onboarding/",
                view(self.onboarding_resume_view),
                name="connector_connection_onboarding",
            ),
            path(
                "<path:object_id>/onboarding/<int:step>/",
                view(self.onboarding_step_view),
                name="connector_connection_onboarding_step",
            ),
        ]

    # ---------------------------------------------------------------- entry points

    def onboarding_new_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1 for a connection that does not exist yet."""
        if not request.user.has_perm("connector.add_connection"):
            raise PermissionDenied
        form = OnboardingAccessForm(
            request.POST or None, initial={"label": "[Billbee]", "api_url": _default_api_url()}
        )
        if request.method == "POST" and form.is_valid():
            connection = form.save()
            wizard.onboarding_connection_created(connection)
            self.message_user(
                request,
                _("Connection %(name)s saved. Now test it.") % {"name": connection.name},
                messages.SUCCESS,
            )
            return _to_step(connection, 2)
        return self._render(request, None, 1, {"form": form})

    def onboarding_resume_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        connection = self._connection(request, object_id)
        return _to_step(connection, connection.onboarding_step)

    def onboarding_step_view(self, request: HttpRequest, object_id: str, step: int) -> HttpResponse:
        if step not in STEP_TITLES:
            raise Http404(_("The set-up has no step %(step)s.") % {"step": step})
        if not request.user.has_perms(step_permissions(step)):
            raise PermissionDenied
        connection = self._connection(request, object_id)
        if step > connection.onboarding_step:
            return _to_step(connection, connection.onboarding_step)  # one step after another
        handler = getattr(self, f"_step_{step}")
        response: HttpResponse = handler(request, connection)
        return response

    # ---------------------------------------------------------------- steps

    def _step_1(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        form = OnboardingAccessForm(request.POST or None, instance=connection)
        if request.method == "POST" and form.is_valid():
            form.save()
            if form.has_changed():
                wizard.onboarding_access_changed(connection)
            return self._next(connection, 1)
        return self._render(request, connection, 1, {"form": form})

    def _step_2(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        result = None
        if request.method == "POST":
            if "_test" in request.POST:
                result = connection_test(connection)
            elif "_continue" in request.POST and connection.last_test_ok:
                return self._next(connection, 2)
            elif "_continue_untested" in request.POST:
                self.message_user(
                    request,
                    _(
                        "You continued without a successful connection test: the dry run and "
                        "the imports fail until the connection works."
                    ),
                    messages.WARNING,
                )
                return self._next(connection, 2)
        # The checks by their names and with their messages in the reader's language.
        checks = (
            [(check_label(c.name), c, rendered(c.message)) for c in result.checks] if result else []
        )
        return self._render(
            request,
            connection,
            2,
            {
                "result": result,
                "checks": checks,
                "last_test_message": said_field(connection, "last_test_message", "last_test_texts"),
            },
        )

    def _step_3(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        from bookkeeping.services.setup import bookkeeping_settings

        books = bookkeeping_settings(connection)
        locked = wizard.chart_lock_reason(connection)
        initial = {
            "chart": connection.chart,
            "consultant_number": books.consultant_number,
            "client_number": books.client_number,
            "fiscal_year_start_month": books.fiscal_year_start_month,
        }
        form = OnboardingBooksForm(request.POST or None, initial=initial, chart_locked=locked)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if wizard.chart_replace(connection, data["chart"]):
                    self.message_user(
                        request,
                        _("Chart of accounts %(chart)s: its preset accounts replace the former.")
                        % {"chart": connection.get_chart_display()},
                        messages.INFO,
                    )
            except wizard.ChartLocked as exc:
                form.add_error("chart", str(exc))
            else:
                wizard.books_numbers_save(
                    connection,
                    consultant_number=data["consultant_number"],
                    client_number=data["client_number"],
                    fiscal_year_start_month=data["fiscal_year_start_month"],
                )
                return self._next(connection, 3)
        return self._render(request, connection, 3, {"form": form, "chart_locked": locked})

    def _step_4(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        today = timezone.localdate(timezone=connection.zoneinfo)
        exclusions = wizard.default_exclusions(connection)
        initial = {
            "excluded_platforms": [e.platform for e in exclusions if e.excluded],
            "import_start_date": connection.import_start_date,
        }
        form = OnboardingChannelsForm(request.POST or None, initial=initial, today=today)
        if request.method == "POST" and form.is_valid():
            wizard.channels_and_start_date_save(
                connection,
                excluded=set(form.cleaned_data["excluded_platforms"]),
                start_date=form.cleaned_data["import_start_date"],
            )
            return self._next(connection, 4)
        shops, shops_problem = wizard.shop_accounts_read(connection)
        channels = SalesChannel.objects.filter(connection=connection).order_by(
            "platform", "shop_name"
        )
        excluded = {e.platform for e in exclusions if e.excluded}
        context = {
            "form": form,
            "shops": shops,
            "shops_problem": shops_problem,
            "channels": [(c, c.platform in excluded) for c in channels],
        }
        return self._render(request, connection, 4, context)

    def _step_5(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        rows = wizard.debtor_rows(connection)
        if request.method == "POST":
            formset = OnboardingDebtorFormSet(request.POST, initial=[r.initial for r in rows])
            if formset.is_valid():
                try:
                    assigned = wizard.debtor_rows_save(
                        connection, [f.cleaned_data for f in formset.forms]
                    )
                except ValidationError as exc:
                    self.message_user(request, " ".join(exc.messages), messages.ERROR)
                else:
                    if assigned:
                        self.message_user(
                            request,
                            ngettext(
                                "%(count)s debtor account saved.",
                                "%(count)s debtor accounts saved.",
                                assigned,
                            )
                            % {"count": assigned},
                            messages.SUCCESS,
                        )
                    return self._next(connection, 5)
        else:
            formset = OnboardingDebtorFormSet(initial=[r.initial for r in rows])
        context = {
            "formset": formset,
            "rows": list(zip(rows, formset.forms, strict=True)),
            "per_customer": wizard.debtor_per_customer(connection),
        }
        return self._render(request, connection, 5, context)

    def _step_6(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        preview = None
        problem = ""
        if request.method == "POST" and "_continue" in request.POST:
            return self._next(connection, 6)
        if request.method == "POST":
            try:
                preview = wizard.onboarding_dry_run(connection)
            except ConnectorError as exc:
                problem = str(exc)
            else:
                if preview.ok:
                    wizard.onboarding_advance(connection, 7)
                else:
                    failed = preview.result["internal_errors"]
                    problem = preview.result["error"] or ngettext(
                        "%(count)s document could not be processed because of an internal "
                        "error; the log of the web server has the details.",
                        "%(count)s documents could not be processed because of an internal "
                        "error; the log of the web server has the details.",
                        failed,
                    ) % {"count": failed}
        since, until = wizard.dry_run_span(connection, timezone.now(), wizard.DRY_RUN_DAYS)
        context = {
            "preview": preview,
            "problem": problem,
            "days": wizard.DRY_RUN_DAYS,
            "since": since,
            "until": until,
            "status_rows": wizard.dry_run_status_rows(preview) if preview else [],
        }
        return self._render(request, connection, 6, context)

    def _step_7(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        initial = None if connection.onboarded_at else {"schedule_enabled": True}
        form = OnboardingScheduleForm(request.POST or None, instance=connection, initial=initial)
        if request.method == "POST" and form.is_valid():
            form.save()
            wizard.onboarding_finish(connection)
            self.message_user(
                request,
                _(
                    "Connection %(name)s is set up. The dashboard shows its imports; the "
                    "first import reads everything from %(day)s."
                )
                % {"name": connection.name, "day": _day(connection)},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:index"))
        return self._render(request, connection, 7, {"form": form})

    # ---------------------------------------------------------------- helpers

    def _connection(self, request: HttpRequest, object_id: str) -> Connection:
        connection = self.get_object(request, unquote(object_id))
        if connection is None:
            raise Http404(_("There is no connection with the id %(id)r.") % {"id": object_id})
        return connection  # type: ignore[no-any-return]

    def _next(self, connection: Connection, step: int) -> HttpResponse:
        wizard.onboarding_advance(connection, step + 1)
        return _to_step(connection, step + 1)

    def _render(
        self,
        request: HttpRequest,
        connection: Connection | None,
        step: int,
        extra: dict[str, Any],
    ) -> HttpResponse:
        reached = connection.onboarding_step if connection else 1
        steps = [
            {
                "number": number,
                "title": title,
                "current": number == step,
                "url": _step_url(connection, number)
                if connection is not None and number <= reached
                else "",
            }
            for number, title in STEP_TITLES.items()
        ]
        title = _("Set up a connection: step %(step)s of %(steps)s, %(title)s") % {
            "step": step,
            "steps": len(STEP_TITLES),
            "title": STEP_TITLES[step],
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": connection,
            "title": title,
            "step": step,
            "step_title": STEP_TITLES[step],
            "steps": steps,
            "step_template": f"admin/connector/onboarding/step_{step}.html",
            **extra,
        }
        return TemplateResponse(request, "admin/connector/onboarding/wizard.html", context)


def _step_url(connection: Connection | None, step: int) -> str:
    if connection is None:
        return reverse("admin:connector_connection_setup")
    return reverse("admin:connector_connection_onboarding_step", args=[connection.pk, step])


def _to_step(connection: Connection, step: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(_step_url(connection, max(1, min(step, len(STEP_TITLES)))))


def _default_api_url() -> str:
    from ..models import default_api_url

    return default_api_url()


def _day(connection: Connection) -> str:
    from ..formatting import day

    return day(connection.import_start_date)
