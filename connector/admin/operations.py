"""What the console starts for an operator (an import, applying the rules again) and the
messages it answers with. The work itself is done by the Celery tasks, after the commit."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.db import transaction
from django.forms import BaseInlineFormSet
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from ..models import ChannelRule, Connection, ImportRun
from ..selectors import import_run_running
from ..services.import_runs import import_run_enqueue
from ..tasks import import_orders_task, reevaluate_task
from .display import admin_link, html_text


def import_enqueue(connection: Connection) -> tuple[int, SafeString]:
    """Queue an import of ``connection`` (after the commit); returns the message to show."""
    runs = reverse("admin:connector_importrun_changelist") + (
        f"?connection__id__exact={connection.pk}"
    )
    current = import_run_running(connection)
    if current is not None:  # the import would refuse to start; say so now
        return messages.WARNING, html_text(
            gettext(
                "%(connection)s: an import is already running (%(run)s); no second one was started."
            ),
            connection=connection.name,
            run=_run_link(current),
        )
    # A pending run shows at once in the console; the worker begins it.
    run = import_run_enqueue(connection, ImportRun.Trigger.ADMIN)
    transaction.on_commit(
        partial(import_orders_task.delay, connection.pk, ImportRun.Trigger.ADMIN, run.pk)
    )
    return messages.SUCCESS, html_text(
        gettext(
            '%(connection)s: import queued as %(run)s. Follow it in the <a href="%(runs)s">'
            "import runs</a>."
        ),
        connection=connection.name,
        run=_run_link(run),
        runs=runs,
    )


def _run_link(run: ImportRun) -> SafeString:
    return admin_link("importrun_change", gettext("run #%(id)s") % {"id": run.pk}, run.pk)


def reevaluate_enqueue(connection: Connection) -> tuple[int, SafeString]:
    """Queue "apply the rules again" for ``connection``; returns the message to show."""
    transaction.on_commit(partial(reevaluate_task.delay, connection.pk))
    documents = reverse("admin:connector_externalorder_changelist") + (
        f"?connection__id__exact={connection.pk}"
    )
    return messages.SUCCESS, html_text(
        gettext(
            "%(connection)s: the current rules and settings are being applied again to the "
            'documents in the log. The <a href="%(documents)s">external orders</a> show the new '
            "decisions when it is done."
        ),
        connection=connection.name,
        documents=documents,
    )


def rules_changed_message(connection: Connection) -> SafeString:
    url = reverse("admin:connector_connection_reevaluate", args=[connection.pk])
    return html_text(
        gettext(
            "Rules or settings that decide about documents changed. The documents already in "
            'the log keep their old decision until you <a href="%(url)s">apply the rules again '
            "to %(connection)s</a>."
        ),
        url=url,
        connection=connection.name,
    )


def rules_changed(formsets: list[BaseInlineFormSet]) -> bool:
    return any(
        fs.model is ChannelRule and (fs.new_objects or fs.changed_objects or fs.deleted_objects)
        for fs in formsets
    )
