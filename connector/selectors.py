"""Reads for the admin and the command line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from billbee import jsonutil
from billbee.dto import Order
from billbee.enums import order_state_label, payment_type_name
from billbee.parsing import AMOUNT_LIMIT

from .formatting import number, when
from .models import ChannelRule, Connection, ExternalOrder, ImportRun, SalesChannel
from .schedule import next_start
from .texts import said_field

CENT = Decimal("0.01")


def external_orders_find(key: str, connection: Connection | None = None) -> QuerySet[ExternalOrder]:
    """Documents whose Billbee id, order number, shop id or invoice number is ``key``."""
    key = key.strip()
    query = Q(order_number=key) | Q(invoice_number=key) | Q(external_id=key)
    if key.isdigit():
        query |= Q(billbee_order_id=int(key))
    documents = ExternalOrder.objects.filter(query).select_related(
        "connection", "channel", "rule", "parent"
    )
    if connection is not None:
        documents = documents.filter(connection=connection)
    return documents.order_by("connection__name", "billbee_order_id")


def _credit_notes_of(document: ExternalOrder) -> QuerySet[ExternalOrder]:
    """Credit notes of an original, by the indexed (connection, parent_billbee_id)."""
    return ExternalOrder.objects.filter(
        connection_id=document.connection_id,
        parent_billbee_id=document.billbee_order_id,
        kind=ExternalOrder.Kind.CREDIT_NOTE,
    )


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _amount(value: Any) -> str | None:
    """Money in cents when that is exact (4.9000 → 4.90), else every digit Billbee sent."""
    if value is None:
        return None
    if not value.is_finite() or abs(value) >= AMOUNT_LIMIT:  # stored before range checks
        return f"{value} (out of range)"
    cents = value.quantize(CENT)
    return format(cents if cents == value else value, "f")


def _printed_fields(raw_text: str) -> dict[str, Any]:
    """Fields of the latest version that the checks read from the order itself: the seller VAT
    ID on the invoice, the customer type, the order a cancellation cancels."""
    try:
        raw = jsonutil.loads(raw_text) if raw_text else {}
    except ValueError:
        raw = {}
    if not isinstance(raw, dict):
        raw = {}
    customer = raw.get("Customer") if isinstance(raw.get("Customer"), dict) else {}
    return {
        "merchant_vat_id": raw.get("MerchantVatId") or None,
        "customer_type": customer.get("Type") if customer else None,
        "cancelation_for": raw.get("IsCancelationFor") or None,
    }


def external_order_explanation(
    document: ExternalOrder, *, with_raw: bool = False, for_reader: bool = False
) -> dict[str, Any]:
    """Everything about one document and its decision, as plain data. ``for_reader``: the
    booking's stored sentences in the active language (the console), not as stored."""
    versions = list(document.versions.order_by("-number"))
    credit_notes = list(
        _credit_notes_of(document).values_list("invoice_number", "order_number", "status")
    )
    data: dict[str, Any] = {
        "connection": document.connection.name,
        "billbee_order_id": document.billbee_order_id,
        "kind": document.kind,
        "order_number": document.order_number,
        "invoice_number": document.invoice_number,
        "status": document.status,
        "reason": document.reason,
        "reason_code": document.reason_code,
        "flag": document.flag or None,
        "rule": str(document.rule) if document.rule else None,
        "trace": document.trace,
        "billbee_state": document.billbee_state,
        "billbee_state_name": order_state_label(document.billbee_state),
        "billbee_url": document.billbee_url,
        "billbee_modified_at": _date(document.billbee_modified_at),
        "origin": document.origin,
        "channel": str(document.channel) if document.channel else None,
        "payment_method": document.payment_method,
        # Named now: Billbee's names may have been refreshed since the document was decided.
        "payment_method_name": payment_type_name(document.payment_method)
        if document.payment_method is not None
        else document.payment_method_name,
        "currency": document.currency,
        "order_date": _date(document.order_date),
        "invoice_date": _date(document.invoice_date),
        "document_date": _date(document.document_date),
        "service_date": _date(document.service_date),
        "ship_from_country": document.ship_from_country,
        "destination_country": document.destination_country,
        "vat_mode": document.vat_mode,
        "customer_vat_id": document.customer_vat_id or None,
        **_printed_fields(versions[0].raw_text if versions else ""),
        "register_invoice_number": document.register_invoice_number or None,
        "register_vat_flags": document.register_vat_flags or None,
        "payment_reference": document.payment_reference or None,
        "payment_transaction_id": document.payment_transaction_id or None,
        "payments": document.payments,
        "totals": {
            "lines_rounded": _amount(document.lines_total),
            "shipping": _amount(document.shipping_cost),
            "adjustment": _amount(document.adjustment_cost),
            "total_cost": _amount(document.total_gross),
            "rounding_difference": _amount(document.rounding_difference),
        },
        "original": (
            {
                "billbee_order_id": document.parent.billbee_order_id,
                "invoice_number": document.parent.invoice_number,
                "status": document.parent.status,
            }
            if document.parent
            else (
                {"billbee_order_id": document.parent_billbee_id, "status": "not in the log"}
                if document.parent_billbee_id
                else None
            )
        ),
        "credit_notes": [
            {"invoice_number": i, "order_number": o, "status": s} for i, o, s in credit_notes
        ],
        "first_seen_at": _date(document.first_seen_at),
        "last_seen_at": _date(document.last_seen_at),
        "decided_at": _date(document.decided_at),
        "versions": [
            {
                "number": v.number,
                "seen_at": _date(v.seen_at),
                "billbee_modified_at": _date(v.billbee_modified_at),
                "status": v.status,
                "changed_fields": v.changed_fields,
                "run": v.run_id,
            }
            for v in versions
        ],
    }
    if with_raw and versions:
        data["raw"] = jsonutil.loads(versions[0].raw_text)
    # The ledger side: how the document was booked (bookkeeping depends on this app, so it
    # is asked at run time).
    from bookkeeping.selectors import booking_explanation

    data["booking"] = booking_explanation(document, for_reader=for_reader)
    return data


def order_explanation_live(order: Order, connection: Connection) -> dict[str, Any]:
    """What an import would decide now for an order that is not in the upload log yet,
    fetched from Billbee by the caller; writes nothing."""
    from . import classify
    from .services.channels import settings_snapshot
    from .services.documents import find_parent

    settings = settings_snapshot(connection)
    facts = classify.facts_of(order, settings)
    parent = find_parent(connection, facts) if facts.kind == classify.CREDIT_NOTE else None
    decision = classify.classify(order, settings, None, parent, content_changed=True)
    return {
        "connection": connection.name,
        "billbee_order_id": order.billbee_order_id,
        "kind": facts.kind,
        "order_number": order.order_number,
        "invoice_number": facts.invoice_number,
        "status": decision.status,
        "reason": decision.reason,
        "trace": decision.trace,
        "origin": facts.origin,
        "billbee_state": order.state,
        "billbee_url": order.web_url,
        "not_in_log": "not imported yet: this is what an import would decide now",
    }


# ---------------------------------------------------------------- the operator console


def connections_with_last_run(queryset: QuerySet[Connection]) -> QuerySet[Connection]:
    """Connections with their latest import run prefetched (``connection.latest_runs``)."""
    latest = (
        ImportRun.objects.filter(connection=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    latest_ids = Connection.objects.annotate(last=Subquery(latest)).values("last")
    return queryset.prefetch_related(
        Prefetch(
            "runs",
            queryset=ImportRun.objects.filter(pk__in=latest_ids).defer("reasons"),
            to_attr="latest_runs",
        )
    )


def connection_last_run(connection: Connection) -> ImportRun | None:
    """The connection's latest run, from ``connections_with_last_run`` when prefetched."""
    prefetched = getattr(connection, "latest_runs", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return connection.runs.order_by("-created_at", "-pk").first()


def import_run_running(connection: Connection) -> ImportRun | None:
    return (
        ImportRun.objects.filter(connection=connection, state=ImportRun.State.RUNNING)
        .order_by("-pk")
        .first()
    )


# ---------------------------------------------------------------- overdue imports

# How long after its schedule's next import a connection may go without a successful one
# before it counts as overdue (the console's alert, /healthz, the metrics).
OVERDUE_GRACE = timedelta(hours=2)


def _successful_imports() -> QuerySet[ImportRun]:
    """Imports that succeeded; the short reads of open prepayment orders before a statement
    is matched are no import of the shop's documents and do not count."""
    return ImportRun.objects.filter(
        state=ImportRun.State.SUCCEEDED, finished_at__isnull=False
    ).exclude(trigger=ImportRun.Trigger.PAYMENTS)


def last_successful_import(connection: Connection) -> ImportRun | None:
    """The connection's latest import that succeeded."""
    return (
        _successful_imports()
        .filter(connection=connection)
        .order_by("-finished_at", "-pk")
        .defer("reasons")
        .first()
    )


def last_successful_imports(connection_ids: list[int]) -> dict[int, datetime]:
    """Connection id → when its latest successful import finished, in one query; connections
    without one are missing."""
    rows = (
        _successful_imports()
        .filter(connection_id__in=connection_ids)
        .values("connection_id")
        .annotate(last=Max("finished_at"))
    )
    return {row["connection_id"]: row["last"] for row in rows}


def import_due_by(connection: Connection, last_success_at: datetime | None) -> datetime | None:
    """When the schedule should have run the next import after the last successful one (after
    the connection's creation when none succeeded yet): the spacing later, moved to the next
    start of the daily window when that falls outside it. None: the schedule is off."""
    if not (connection.schedule_enabled and connection.is_active):
        return None
    reference = last_success_at or connection.created_at
    return next_start(
        now=reference,
        tz=connection.zoneinfo,
        window_start=connection.schedule_window_start,
        window_end=connection.schedule_window_end,
        spacing=timedelta(minutes=connection.schedule_spacing_minutes),
        last_started=reference,
    )


def import_overdue_since(
    connection: Connection, now: datetime, last_success_at: datetime | None
) -> bool:
    """``import_overdue`` with the last success already read (``last_successful_imports``)."""
    return overdue_at(import_due_by(connection, last_success_at), now)


def overdue_at(due: datetime | None, now: datetime) -> bool:
    """Whether an import due by ``due`` (None: none is scheduled) is overdue at ``now``."""
    return due is not None and now > due + OVERDUE_GRACE


def import_overdue(connection: Connection, now: datetime) -> bool:
    """No import succeeded for longer than the schedule's spacing plus two hours, while the
    schedule is on. The spacing counts inside the daily window: an import due at night waits
    for the window's start (the schedule starts none before), so the night does not count.
    A connection that never imported counts from its creation."""
    last = last_successful_import(connection)
    return import_overdue_since(connection, now, last.finished_at if last else None)


@dataclass(frozen=True)
class Finding:
    level: str  # one of HEALTH_LEVELS
    text: str


# Worst last: the health of a connection is its worst finding.
HEALTH_LEVELS = ("unknown", "ok", "warning", "error")


@dataclass(frozen=True)
class Health:
    findings: tuple[Finding, ...]

    @property
    def level(self) -> str:
        if not self.findings:
            return "unknown"
        return max((f.level for f in self.findings), key=HEALTH_LEVELS.index)

    @property
    def text(self) -> str:
        return "; ".join(f.text for f in self.findings)


def _short(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def connection_health(connection: Connection, last_run: ImportRun | None, now: datetime) -> Health:
    """The last connection test, the last import and the watermark's age, as findings.

    The watermark is expected to move at least once per schedule spacing; older than twice
    the spacing while the schedule is on means imports are not happening (or failing).
    """
    findings: list[Finding] = []
    if not connection.is_active:
        findings.append(Finding("unknown", gettext("inactive")))
    if connection.last_test_ok is None:
        findings.append(Finding("unknown", gettext("not tested")))
    elif connection.last_test_ok:
        findings.append(Finding("ok", gettext("works")))
    else:
        message = _short(said_field(connection, "last_test_message", "last_test_texts") or "?")
        findings.append(
            Finding("error", gettext("test failed: %(message)s") % {"message": message})
        )
    findings.append(_last_run_finding(last_run))
    scheduled = connection.schedule_enabled and connection.is_active
    if scheduled and connection.watermark is not None:
        allowed = 2 * timedelta(minutes=connection.schedule_spacing_minutes)
        if now - connection.watermark > allowed:
            findings.append(
                Finding(
                    "warning",
                    gettext(
                        "imported only up to %(moment)s: older than twice the spacing "
                        "(%(hours)s h), so scheduled imports are not keeping up"
                    )
                    % {
                        "moment": when(connection.watermark, connection.zoneinfo),
                        "hours": _hours(allowed),
                    },
                )
            )
    return Health(tuple(findings))


def _hours(delta: timedelta) -> str:
    """Hours in the reader's language: 16, 1,5."""
    hours = Decimal(int(delta.total_seconds())) / 3600
    return number(hours if hours != hours.to_integral_value() else int(hours))


def _last_run_finding(run: ImportRun | None) -> Finding:
    if run is None:
        return Finding("unknown", gettext("no import yet"))
    states = ImportRun.State
    values = {"id": run.pk, "state": run.get_state_display()}
    if run.state in (states.RUNNING, states.PENDING):
        text = gettext("import #%(id)s %(state)s (%(percent)s%%)")
        return Finding("ok", text % {**values, "percent": int(run.progress * 100)})
    if run.state == states.SUCCEEDED:
        return Finding("ok", gettext("last import #%(id)s succeeded") % values)
    level = "warning" if run.state == states.PARTIAL else "error"
    if run.error:
        text = gettext("last import #%(id)s %(state)s: %(error)s")
        error = said_field(run, "error", "error_texts")
        return Finding(level, text % {**values, "error": _short(error)})
    return Finding(level, gettext("last import #%(id)s %(state)s") % values)


def channels_with_document_counts(queryset: QuerySet[SalesChannel]) -> QuerySet[SalesChannel]:
    """Sales channels annotated with ``documents_<status>`` counts, ``documents_accepted``
    (imported, updated or unchanged) and ``documents_total``."""
    counts: dict[str, Any] = {
        f"documents_{status}": Count("documents", filter=Q(documents__status=status))
        for status in ExternalOrder.Status.values
    }
    counts["documents_accepted"] = Count(
        "documents", filter=Q(documents__status__in=ExternalOrder.ACCEPTED)
    )
    counts["documents_total"] = Count("documents")
    return queryset.select_related("connection").annotate(**counts)


def channel_rules_matching(channel: SalesChannel) -> list[ChannelRule]:
    """Rules not made for this channel that match its platform and shop on some day.

    Matching is classify's own (``RuleSpec.matches``); the period is left out here, since
    the rule is listed with it. An include rule wins over exclude rules.
    """
    from .services.channels import settings_snapshot

    specs = settings_snapshot(channel.connection).rules
    matching_ids = [
        spec.id
        for spec in specs
        if replace(spec, valid_from=None, valid_until=None).matches(
            channel.platform, channel.shop_name, None
        )
    ]
    return list(
        ChannelRule.objects.filter(pk__in=matching_ids)
        .exclude(channel=channel)
        .select_related("channel")
        .order_by("action", "platform", "shop_name", "pk")
    )


def pretty_json(text: str) -> str:
    """Indented JSON with every digit kept (Decimal); the text as is when it is no JSON."""
    try:
        return jsonutil.dumps(jsonutil.loads(text), indent=2)
    except ValueError:
        return text


def external_order_detail(document: ExternalOrder) -> dict[str, Any]:
    """The explanation of one document plus what its admin page links to: the original
    order and the credit notes (with their keys), and every version with its raw JSON."""
    data = external_order_explanation(document, for_reader=True)
    versions = list(document.versions.order_by("-number"))
    data["version_rows"] = [
        {
            "number": v.number,
            "seen_at": v.seen_at,
            "billbee_modified_at": v.billbee_modified_at,
            "status": v.status,
            "status_label": v.get_status_display(),
            "reason": v.reason,
            "changed_fields": v.changed_fields,
            "run_id": v.run_id,
            "raw": pretty_json(v.raw_text),
        }
        for v in versions
    ]
    data["raw_pretty"] = data["version_rows"][0]["raw"] if versions else None
    data["parent_pk"] = document.parent_id
    data["credit_note_rows"] = list(
        _credit_notes_of(document)
        .order_by("billbee_order_id")
        .values("pk", "billbee_order_id", "invoice_number", "order_number", "status")
    )
    return data


def import_run_progress(run: ImportRun, now: datetime | None = None) -> dict[str, Any]:
    """A run's state, progress and counters as plain JSON-able data (polled while it runs)."""
    from .services.import_runs import COUNTER_FIELDS

    now = now or timezone.now()
    running = run.state in (ImportRun.State.RUNNING, ImportRun.State.PENDING)
    if run.started_at and running:
        duration: float | None = (now - run.started_at).total_seconds()
    else:
        duration = run.duration_s
    return {
        "id": run.pk,
        "connection": run.connection.name,
        "state": run.state,
        "state_label": run.get_state_display(),
        "running": running,
        "progress": round(run.progress, 4),
        "percent": int(run.progress * 100),
        "windows_done": run.windows_done,
        "windows_total": run.windows_total,
        "pages_done": run.pages_done,
        "pages_total": run.pages_total,
        "counters": {name: getattr(run, name) for name in COUNTER_FIELDS},
        "api_requests": run.api_requests,
        "throttled": run.throttled,
        "retries": run.retries,
        "started_at": _date(run.started_at),
        "finished_at": _date(run.finished_at),
        "heartbeat_at": _date(run.heartbeat_at),
        "duration_s": round(duration, 1) if duration is not None else None,
        "error": run.error,
    }


OUTCOME_ORDER = ("skipped", "excluded", "rejected", "waiting")


def import_run_reason_rows(run: ImportRun) -> list[tuple[str, str, int]]:
    """``ImportRun.reasons`` as (outcome, reason, count) rows: outcomes in a fixed order,
    the most frequent reason first."""
    reasons = run.reasons if isinstance(run.reasons, dict) else {}
    rows = []
    for outcome in sorted(
        reasons,
        key=lambda o: (OUTCOME_ORDER.index(o) if o in OUTCOME_ORDER else len(OUTCOME_ORDER), o),
    ):
        counts = reasons[outcome] if isinstance(reasons[outcome], dict) else {}
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rows.append((outcome, reason, count))
    return rows
