"""``/metrics``: the connector's numbers in Prometheus' text exposition format.

A custom collector reads the database on every scrape with one aggregate query per metric
(no loop over documents or lines), so the numbers are those of all processes together: web,
workers, beat. Every metric is labelled with the connection's name. The endpoint exists only
when ``METRICS_TOKEN`` is set and wants it as ``Authorization: Bearer <token>``.
docs/operations.md lists every metric and what it counts.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Model, OuterRef, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from bookkeeping.models import DocumentBooking, ExportBatch, JournalEntry
from payments.models import StatementTransaction, Writeback

from .models import Connection, ExternalOrder, ImportRun
from .selectors import import_overdue_since, last_successful_imports

PREFIX = "billbee_connector_"
# The classic text format, which every Prometheus version reads (generate_latest writes it).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _by_connection_and(
    model: type[Model], field: str, connection_field: str = "connection_id"
) -> dict[tuple[int, str], int]:
    """(connection id, value of ``field``) → number of rows, in one query."""
    rows = model._default_manager.order_by().values(connection_field, field).annotate(n=Count("pk"))
    return {(row[connection_field], row[field]): row["n"] for row in rows}


class ConnectorCollector(Collector):
    """Reads the numbers from the database on each scrape."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        connections = list(Connection.objects.order_by("name"))
        names = {c.pk: c.name for c in connections}
        yield from self._imports(connections, names, now)
        yield from self._per_state(names)
        yield self._journal_entries(names)
        yield from self._export_batches(names)

    # ------------------------------------------------------------------------- imports

    def _imports(
        self, connections: list[Connection], names: dict[int, str], now: datetime
    ) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            PREFIX + "import_runs",
            "Import runs by their state (every trigger, also the reads of open prepayment orders).",
            labels=["connection", "state"],
        )
        counts = _by_connection_and(ImportRun, "state")
        for pk, name in names.items():
            for state in ImportRun.State.values:
                runs.add_metric([name, state], counts.get((pk, state), 0))
        yield runs

        totals: dict[int, tuple[int, int]] = {
            row["connection_id"]: (row["throttled"] or 0, row["requests"] or 0)
            for row in ImportRun.objects.order_by()
            .values("connection_id")
            .annotate(throttled=Sum("throttled"), requests=Sum("api_requests"))
        }
        throttled = CounterMetricFamily(
            PREFIX + "throttled_answers",
            "Answers 429 Too Many Requests that Billbee gave during import runs (as the runs "
            "recorded them).",
            labels=["connection"],
        )
        requests = CounterMetricFamily(
            PREFIX + "api_requests",
            "Requests sent to Billbee during import runs.",
            labels=["connection"],
        )
        for pk, name in names.items():
            throttled_answers, sent = totals.get(pk, (0, 0))
            throttled.add_metric([name], throttled_answers)
            requests.add_metric([name], sent)
        yield throttled
        yield requests
        yield from self._lag(connections, now)
        yield self._last_duration(names)

    def _lag(self, connections: list[Connection], now: datetime) -> Iterator[Metric]:
        last = last_successful_imports([c.pk for c in connections])
        timestamp = GaugeMetricFamily(
            PREFIX + "last_successful_import_timestamp_seconds",
            "When the latest successful import finished (Unix time); absent: none yet.",
            labels=["connection"],
        )
        age = GaugeMetricFamily(
            PREFIX + "last_successful_import_age_seconds",
            "Seconds since the latest successful import finished (the import lag); absent: "
            "none yet.",
            labels=["connection"],
        )
        overdue = GaugeMetricFamily(
            PREFIX + "import_overdue",
            "1 when no import succeeded for longer than the schedule's spacing plus two hours "
            "while the schedule is on, else 0.",
            labels=["connection"],
        )
        for connection in connections:
            finished = last.get(connection.pk)
            if finished is not None:
                timestamp.add_metric([connection.name], finished.timestamp())
                age.add_metric([connection.name], (now - finished).total_seconds())
            late = import_overdue_since(connection, now, finished)
            overdue.add_metric([connection.name], 1 if late else 0)
        yield timestamp
        yield age
        yield overdue

    def _last_duration(self, names: dict[int, str]) -> Metric:
        finished = ImportRun.objects.filter(
            started_at__isnull=False, finished_at__isnull=False
        ).exclude(trigger=ImportRun.Trigger.PAYMENTS)
        latest = finished.filter(connection=OuterRef("pk")).order_by("-finished_at", "-pk")
        rows = Connection.objects.annotate(
            started=Subquery(latest.values("started_at")[:1]),
            finished=Subquery(latest.values("finished_at")[:1]),
        ).values("pk", "started", "finished")
        duration = GaugeMetricFamily(
            PREFIX + "last_import_duration_seconds",
            "How long the latest finished import ran, whatever its outcome.",
            labels=["connection"],
        )
        for row in rows:
            if row["started"] and row["finished"]:
                seconds = (row["finished"] - row["started"]).total_seconds()
                duration.add_metric([names[row["pk"]]], seconds)
        return duration

    # ---------------------------------------------------------------- rows per state

    def _per_state(self, names: dict[int, str]) -> Iterator[Metric]:
        tables: Iterable[tuple[str, str, type[Model], str, list[str], str]] = (
            (
                "documents",
                "Documents in the upload log by status.",
                ExternalOrder,
                "status",
                ExternalOrder.Status.values,
                "connection_id",
            ),
            (
                "bookings",
                "Bookings of upload-log documents by status.",
                DocumentBooking,
                "status",
                DocumentBooking.Status.values,
                "connection_id",
            ),
            (
                "writebacks",
                'Entries of the outbox of "paid" for Billbee by state.',
                Writeback,
                "state",
                Writeback.State.values,
                "connection_id",
            ),
            (
                "statement_lines",
                "Lines of imported bank and payment provider statements by state.",
                StatementTransaction,
                "state",
                StatementTransaction.State.values,
                "source__connection_id",
            ),
        )
        for name, documentation, model, field, values, connection_field in tables:
            family = GaugeMetricFamily(PREFIX + name, documentation, labels=["connection", field])
            counts = _by_connection_and(model, field, connection_field)
            for pk, connection in names.items():
                for value in values:
                    family.add_metric([connection, value], counts.get((pk, value), 0))
            yield family

    def _journal_entries(self, names: dict[int, str]) -> Metric:
        family = CounterMetricFamily(
            PREFIX + "journal_entries",
            "Journal entries posted, by kind (entries are never deleted).",
            labels=["connection", "kind"],
        )
        counts = _by_connection_and(JournalEntry, "kind")
        for pk, connection in names.items():
            for kind in JournalEntry.Kind.values:
                family.add_metric([connection, kind], counts.get((pk, kind), 0))
        return family

    def _export_batches(self, names: dict[int, str]) -> Iterator[Metric]:
        family = CounterMetricFamily(
            PREFIX + "export_batches",
            "DATEV export files written, by kind (first export, supplement, re-export).",
            labels=["connection", "kind"],
        )
        latest = GaugeMetricFamily(
            PREFIX + "last_export_timestamp_seconds",
            "When the latest DATEV export file was written (Unix time); absent: none yet.",
            labels=["connection"],
        )
        rows = ExportBatch.objects.values("connection_id", "kind").annotate(
            n=Count("pk"), last=Max("created_at")
        )
        counts: dict[tuple[int, str], int] = {}
        last: dict[int, datetime] = {}
        for row in rows:
            counts[(row["connection_id"], row["kind"])] = row["n"]
            pk = row["connection_id"]
            last[pk] = max(last[pk], row["last"]) if pk in last else row["last"]
        for pk, connection in names.items():
            for kind in ExportBatch.Kind.values:
                family.add_metric([connection, kind], counts.get((pk, kind), 0))
            if pk in last:
                latest.add_metric([connection], last[pk].timestamp())
        yield family
        yield latest


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ConnectorCollector())
    return generate_latest(registry)


def _authorized(request: HttpRequest, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token: str = settings.METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorized(request, token):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
