"""Deciding again about documents already in the upload log, from their stored JSON.

Used when the basis of a decision changes without the document changing: a credit note whose
original order has arrived meanwhile, or channel rules and settings edited by the operator
("apply the rules again"). Nothing is fetched from Billbee and no version is added; only the
decision (status, reason, rule, trace) is replaced, in one transaction per document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from billbee import jsonutil
from billbee.dto import parse_order
from billbee.errors import BillbeeDataError

from .. import classify
from ..classify import Previous
from ..models import Connection, ExternalOrder, ImportRun
from ..texts import texts
from .channels import ChannelRegistry, settings_snapshot

logger = logging.getLogger("connector.import")


@dataclass(frozen=True)
class Move:
    """A document whose decision changed."""

    billbee_order_id: int
    before: str
    after: str
    summary: str
    last_run_id: int | None
    summary_before: str = ""


def external_orders_reevaluate(
    connection: Connection, documents: QuerySet[ExternalOrder], *, run: ImportRun | None = None
) -> list[Move]:
    """Decide again; returns the documents whose decision changed."""
    from .documents import clear_flag_if_credited, document_fields, find_parent

    settings = settings_snapshot(connection)
    channels = ChannelRegistry(connection)
    moved: list[Move] = []
    now = timezone.now()
    # Every field read with the document (a list page's queryset defers the trace and the
    # sentences' data, which deciding again compares): not one query more per document.
    chosen = documents.filter(connection=connection).defer(None)
    for document in chosen.iterator(chunk_size=500):
        version = document.latest_version()
        if version is None:
            continue
        try:
            raw = jsonutil.loads(version.raw_text)
            order = parse_order(raw, settings.clock_zone, text=version.raw_text)
        except (BillbeeDataError, ValueError):
            continue  # still unreadable: the stored reason stands
        previous = Previous(document.status, document.content_hash, document.flag)
        facts = classify.facts_of(order, settings)
        parent = find_parent(connection, facts) if facts.kind == classify.CREDIT_NOTE else None
        decision = classify.classify(order, settings, previous, parent, content_changed=False)
        if decision.flag == ExternalOrder.Flag.CANCELLED_AFTER_IMPORT:
            clear_flag_if_credited(connection, order, decision)
        if (
            previous.accepted
            and decision.status in classify.ACCEPTED
            and decision.flag == document.flag
        ) or (decision.status, decision.reason, decision.rule_id) == (
            document.status,
            document.reason,
            document.rule_id,
        ):
            _keep_texts(document, decision)  # still in the books, or decided alike
            continue
        fields = document_fields(order, decision, settings.basis, document.register_invoice_number)
        fields.update(
            channel=channels.get(order.platform, order.shop_name, order.shop_id), decided_at=now
        )
        if parent is not None:
            fields["parent_id"] = parent.pk
        if run is not None:
            fields["last_run"] = run
        with transaction.atomic():
            ExternalOrder.objects.filter(pk=document.pk).update(**fields)
        moved.append(
            Move(
                document.billbee_order_id,
                document.status,
                decision.status,
                decision.summary,
                document.last_run_id,
                classify.SUMMARIES.get(document.reason_code, document.reason),
            )
        )
        logger.debug(
            "document %s decided again: %s → %s (%s)",
            document.billbee_order_id,
            document.status,
            decision.status,
            decision.reason,
        )
    return moved


def _keep_texts(document: ExternalOrder, decision: classify.Decision) -> None:
    """A document decided before its sentences kept their data gets the data of the same
    decision, to be said in the reader's language; only when the decision gives the stored
    reason and trace back word for word."""
    if document.texts or (decision.reason, decision.trace) != (document.reason, document.trace):
        return
    data = texts(reason=decision.reason, trace=decision.trace)
    if data:
        ExternalOrder.objects.filter(pk=document.pk).update(texts=data)
