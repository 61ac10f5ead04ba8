"""The connector's own knowledge as tools: why a document is (not) in the books, what waits
for a person, how the imports went, a month in figures, the upload log.

Reads only, through the selectors the console and the commands use.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from billbee.errors import BillbeeNotFound
from bookkeeping.reports.completeness import completeness_check
from bookkeeping.reports.period import month_bounds, period_report
from bookkeeping.worklist import QueueGroup, work_queue
from connector.models import ExternalOrder, ImportRun
from connector.selectors import (
    external_order_explanation,
    external_orders_find,
    import_run_reason_rows,
    order_explanation_live,
)

from .toolbox import AssistantError, Toolbox

# Documents listed per group of the work queue and hits of a search: the counts are always
# complete, the lists are examples to act on.
LISTED = 20


def explain_order(box: Toolbox, key: str) -> dict[str, Any]:
    documents = list(external_orders_find(key, box.connection))
    if documents:
        explanations = [external_order_explanation(d) for d in documents]
        return explanations[0] if len(explanations) == 1 else {"documents": explanations}
    with box.billbee() as client:
        order = None
        if key.strip().isdigit():
            try:
                order = client.get_order(int(key))
            except BillbeeNotFound:
                order = None
        order = order or client.find_order_by_external_ref(key.strip())
    if order is None:
        raise AssistantError(
            f"{key!r} is neither in the upload log nor in Billbee ({box.connection.name})."
        )
    return order_explanation_live(order, box.connection)


def _group(group: QueueGroup) -> dict[str, Any]:
    return {
        "code": group.code,
        "what_to_do": group.title,
        "count": group.count,
        "documents": [asdict(d) for d in group.documents[:LISTED]],
    }


def get_work_queue(box: Toolbox) -> dict[str, Any]:
    queue = work_queue(box.connection)
    return {
        "connection": queue.connection,
        "total": queue.total,
        "cancelled_without_credit_note": [asdict(d) for d in queue.cancellations[:LISTED]],
        "waiting_for_bookkeeping": [_group(g) for g in queue.waiting],
        "rejected_for_bookkeeping": [_group(g) for g in queue.rejected],
        "unreadable": [_group(g) for g in queue.unread],
        "delivery_threshold": queue.threshold or None,
    }


def list_import_runs(box: Toolbox, limit: int = 10) -> dict[str, Any]:
    runs = ImportRun.objects.filter(connection=box.connection).order_by("-created_at")[:limit]
    return {
        "runs": [
            {
                "id": run.pk,
                "trigger": run.trigger,
                "state": run.state,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
                "window": [run.window_from, run.window_to],
                "fetched": run.fetched,
                "imported": run.imported,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "skipped": run.skipped,
                "excluded": run.excluded,
                "rejected": run.rejected,
                "waiting": run.waiting,
                "reasons": [
                    {"outcome": outcome, "reason": reason, "count": count}
                    for outcome, reason, count in import_run_reason_rows(run)
                ],
                "error": run.error or None,
            }
            for run in runs
        ]
    }


def period_summary(
    box: Toolbox, year: int, month: int, *, compare_with_billbee: bool = False
) -> dict[str, Any]:
    month_bounds(year, month)  # refuses an impossible month before anything is read
    report = period_report(box.connection, year, month)
    if compare_with_billbee:
        with box.billbee() as client:
            completeness = completeness_check(box.connection, year, month, client=client)
    else:
        completeness = completeness_check(box.connection, year, month, client=False)
    open_total = sum((row.open for row in report.open_items), Decimal(0))
    return {
        "connection": report.connection,
        "month": f"{year:04d}-{month:02d}",
        "revenue": [asdict(r) for r in report.revenue],
        "revenue_total": asdict(report.revenue_total),
        "oss_by_country": [asdict(r) for r in report.oss],
        "totals": {**asdict(report.totals), "balanced": report.totals.balanced},
        "documents": [asdict(s) for s in report.documents],
        "held": [asdict(g) for g in report.held],
        "not_accepted": [asdict(g) for g in report.not_accepted],
        "open_items": {
            "count": len(report.open_items),
            "open": open_total,
            "by_age": [asdict(r) for r in report.open_items_age],
        },
        "completeness": {
            "checked_with_billbee": completeness.checked,
            "reason": completeness.reason or None,
            "complete": completeness.complete,
            "register_count": completeness.register_count if completeness.checked else None,
            "found": completeness.total.found,
            "missing": [asdict(d) for d in completeness.missing[:LISTED]],
            "missing_count": len(completeness.missing),
            "only_in_log": len(completeness.unlisted),
        },
    }


def search_upload_log(
    box: Toolbox,
    text: str | None = None,
    *,
    status: str | None = None,
    limit: int = LISTED,
) -> dict[str, Any]:
    documents = ExternalOrder.objects.filter(connection=box.connection)
    if status:
        if status not in ExternalOrder.Status.values:
            raise AssistantError(
                f"{status!r} is not a status of the upload log: use one of "
                f"{', '.join(ExternalOrder.Status.values)}."
            )
        documents = documents.filter(status=status)
    if text:
        text = text.strip()
        query = (
            Q(order_number__icontains=text)
            | Q(invoice_number__icontains=text)
            | Q(external_id__icontains=text)
            | Q(origin__icontains=text)
            | Q(reason__icontains=text)
        )
        if text.isdigit():
            query |= Q(billbee_order_id=int(text))
        documents = documents.filter(query)
    total = documents.count()
    rows = documents.order_by("-document_date", "-billbee_order_id")[:limit]
    return {
        "total": total,
        "returned": min(total, limit),
        "documents": [
            {
                "billbee_id": d.billbee_order_id,
                "kind": d.kind,
                "order_number": d.order_number,
                "invoice_number": d.invoice_number or None,
                "document_date": d.document_date,
                "origin": d.origin,
                "total_gross": d.total_gross,
                "currency": d.currency,
                "status": d.status,
                "reason": d.reason,
            }
            for d in rows
        ],
    }
