"""Deciding about one Billbee document and writing it to the upload log.

One document, one transaction: a document that cannot be parsed or decided is stored as
rejected with its reason, and the import goes on with the next one.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import Q

from billbee import jsonutil
from billbee.client import RawRecord
from billbee.dto import Order, Payment, parse_order
from billbee.enums import payment_type_name
from billbee.errors import BillbeeDataError

from .. import classify
from ..classify import Decision, Parent, Previous, Settings
from ..customers import customer_details, customer_name
from ..models import Connection, ExternalOrder, ExternalOrderVersion, ImportRun
from ..storable import failed_document_date, printable, storage_problem, usable_id
from ..texts import Text, texts
from .channels import ChannelRegistry
from .rowwriter import RowWriter

logger = logging.getLogger("connector.import")

DOCUMENTS = RowWriter(ExternalOrder)

VERSIONS = RowWriter(ExternalOrderVersion)

# What a page's prefetch loads about documents already in the log.
KNOWN_FIELDS = (
    "pk",
    "billbee_order_id",
    "raw_hash",
    "content_hash",
    "decision_basis",
    "status",
    "flag",
    "version_count",
    "register_invoice_number",
)


@dataclass(frozen=True)
class Known:
    pk: int
    billbee_order_id: int
    raw_hash: str
    content_hash: str
    decision_basis: str
    status: str
    flag: str
    version_count: int
    register_invoice_number: str


@dataclass
class Tally:
    """What a run (or a dry run) did, by outcome and by reason."""

    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: dict[str, Counter[str]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)  # dry run: what would change
    internal_errors: int = 0

    def add(self, status: str, summary: str) -> None:
        self.outcomes[status] += 1
        if status not in classify.ACCEPTED:
            self.reasons.setdefault(status, Counter())[summary] += 1

    def remove(self, status: str, summary: str) -> None:
        """Take back an outcome decided again later in the same run."""
        self.outcomes[status] -= 1
        reasons = self.reasons.get(status)
        if reasons is not None and summary in reasons:
            reasons[summary] -= 1
            if reasons[summary] <= 0:
                del reasons[summary]


@dataclass
class DocumentContext:
    connection: Connection
    settings: Settings
    channels: ChannelRegistry
    run: ImportRun | None
    now: datetime
    dry_run: bool
    tally: Tally
    # A dry run writes nothing, so originals read earlier in it are remembered here, and
    # credit notes read before their original are decided again at its end.
    dry_parents: dict[int, Parent] = field(default_factory=dict)
    dry_by_number: dict[str, Parent] = field(default_factory=dict)
    deferred: list[tuple[Order, Known | None]] = field(default_factory=list)


def known_documents(connection: Connection, ids: list[int]) -> dict[int, Known]:
    """What the log knows about a page's documents: one prepared query (the ORM's query
    building would cost more than the lookup)."""
    if not ids:
        return {}
    meta = ExternalOrder._meta
    # These fields' columns carry their names ("pk" is "id").
    columns = ", ".join(db.ops.quote_name("id" if name == "pk" else name) for name in KNOWN_FIELDS)
    table = db.ops.quote_name(meta.db_table)
    match, params = id_list_condition("billbee_order_id", ids)
    sql = f"SELECT {columns} FROM {table} WHERE connection_id = %s AND {match}"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, [connection.pk, *params])
        return {row[1]: Known(*row) for row in cursor.fetchall()}


def document_process(ctx: DocumentContext, record: RawRecord, known: Known | None) -> str:
    """Decide about one record and store the outcome; returns the outcome status."""
    text = record.text if record.text is not None else jsonutil.dumps(record.raw)
    raw_hash = classify.raw_hash(text)
    if known and known.raw_hash == raw_hash and known.decision_basis == ctx.settings.basis:
        ctx.tally.add(classify.UNCHANGED, "")
        return classify.UNCHANGED
    try:
        order = parse_order(record.raw, ctx.settings.clock_zone, text=text)
    except BillbeeDataError as exc:
        return _reject_unparseable(ctx, record, text, raw_hash, known, exc)
    if not usable_id(order.billbee_order_id):
        return _reject_without_id(ctx, text)
    problem = storage_problem(order, ctx.settings.label)
    if problem is not None:
        return _store_failure(
            ctx,
            order.billbee_order_id,
            text,
            raw_hash,
            known,
            "unstorable_value",
            problem,
            Text("a value the upload log cannot hold"),
            order_number=printable(order.order_number, 200),
            raw=order.raw,
        )
    try:
        return _decide_and_store(ctx, order, text, raw_hash, known)
    except Exception as exc:  # one broken order never stops a run
        logger.exception("document %s could not be processed", order.billbee_order_id)
        ctx.tally.internal_errors += 1
        return _store_failure(
            ctx,
            order.billbee_order_id,
            text,
            raw_hash,
            known,
            "internal_error",
            INTERNAL_ERROR,
            Text("could not be processed (internal error)"),
            detail=f"internal error: {type(exc).__name__}: {printable(str(exc), 500)}",
            order_number=printable(order.order_number, 200),
            raw=order.raw,
        )


INTERNAL_ERROR = Text(
    "could not be processed because of an internal error of the connector (not of the "
    "document): it is read again on the next import; the technical details are in the trace "
    "and the import's log"
)


def _decide_and_store(
    ctx: DocumentContext, order: Order, text: str, raw_hash: str, known: Known | None
) -> str:
    if known is None:
        # Only ever compared when the document changes: computed then, for both versions.
        content_hash, content_changed = "", True
    else:
        content_hash = classify.content_hash(order.raw)
        content_changed = (known.content_hash or _stored_content_hash(known.pk)) != content_hash
    previous = Previous(known.status, known.content_hash, known.flag) if known else None
    facts = classify.facts_of(order, ctx.settings)
    parent = find_parent(ctx.connection, facts, ctx) if facts.kind == classify.CREDIT_NOTE else None
    decision = classify.classify(order, ctx.settings, previous, parent, content_changed)
    if decision.flag == ExternalOrder.Flag.CANCELLED_AFTER_IMPORT:
        clear_flag_if_credited(ctx.connection, order, decision)
    if ctx.dry_run:
        _remember_dry(ctx, order, decision, known)
    else:
        store_decision(
            ctx, order, decision, text, raw_hash, content_hash, known, content_changed, parent
        )
    # Counted once it is stored: a failed write is counted as the failure it is.
    ctx.tally.add(decision.status, decision.summary)
    return decision.status


def _follows_up(decision: Decision, parent: Parent | None) -> bool:
    """Whether storing this decision changes another document too (a credit note clears its
    original's flag): then it needs a transaction of several statements."""
    return (
        decision.facts.kind == classify.CREDIT_NOTE
        and bool(parent)
        and (decision.status in classify.ACCEPTED)
    )


_VERSION_FROM_DOCUMENT = (
    # version column ← column of the document row just inserted
    ("external_order_id", "id"),
    ("raw_hash", "raw_hash"),
    ("content_hash", "content_hash"),
    ("status", "status"),
    ("reason", "reason"),
    ("billbee_modified_at", "billbee_modified_at"),
    ("seen_at", "last_seen_at"),
    ("run_id", "last_run_id"),
)


def store_new_document(
    ctx: DocumentContext,
    order: Order,
    decision: Decision,
    text: str,
    raw_hash: str,
    parent: Parent | None,
) -> int:
    """PostgreSQL: a new document and its first version in one statement, which is one
    transaction and one round trip (instead of BEGIN, two INSERTs and COMMIT). The version
    takes what it shares with the document from the row just inserted, which also keeps the
    statement under psycopg's 50-parameter limit for caching its parsed form."""
    quote = db.ops.quote_name
    fields = _stored_fields(ctx, order, decision, raw_hash, "", parent, "")
    document = {
        "connection": ctx.connection,
        "billbee_order_id": order.billbee_order_id,
        "first_seen_at": ctx.now,
        "version_count": 1,
        **fields,
    }
    version_table = quote(ExternalOrderVersion._meta.db_table)
    columns = ", ".join(quote(c) for c, _ in _VERSION_FROM_DOCUMENT)
    sources = ", ".join(f"parent.{quote(c)}" for _, c in _VERSION_FROM_DOCUMENT)
    then = (
        f"INSERT INTO {version_table} ({columns}, number, raw_compressed, changed_fields) "  # noqa: S608 - names from the models
        f"SELECT {sources}, 1, %s, %s FROM parent "
        f"RETURNING {quote('external_order_id')}"
    )
    return DOCUMENTS.insert_returning(
        document, then, [zlib.compress(text.encode("utf-8"), 1), db.ops.adapt_json_value([], None)]
    )


def _remember_dry(
    ctx: DocumentContext, order: Order, decision: Decision, known: Known | None
) -> None:
    facts = decision.facts
    if facts.kind == classify.INVOICE:
        parent = Parent(
            order.billbee_order_id,
            facts.invoice_number or order.order_number or str(order.billbee_order_id),
            decision.status,
            decision.reason,
            order.total_cost,
        )
        ctx.dry_parents[order.billbee_order_id] = parent
        if order.order_number:
            ctx.dry_by_number[order.order_number] = parent
    elif decision.reason_code == "credit_original_missing":
        ctx.deferred.append((order, known))
    _note_change(ctx, order, decision, known)


def deferred_credit_notes_again(ctx: DocumentContext) -> None:
    """Dry run: decide again about credit notes read before their original."""
    for order, known in ctx.deferred:
        facts = classify.facts_of(order, ctx.settings)
        parent = find_parent(ctx.connection, facts, ctx)
        if parent is None:
            continue
        previous = Previous(known.status, known.content_hash, known.flag) if known else None
        decision = classify.classify(order, ctx.settings, previous, parent, True)
        ctx.tally.remove(classify.REJECTED, "original order not imported")
        ctx.tally.add(decision.status, decision.summary)
        ctx.tally.changes = [
            c for c in ctx.tally.changes if c["billbee_order_id"] != order.billbee_order_id
        ]
        _note_change(ctx, order, decision, known)


def find_parent(
    connection: Connection, facts: classify.Facts, ctx: DocumentContext | None = None
) -> Parent | None:
    """The original order of a credit note: by BillBeeParentOrderId, else by the external id in
    IsCancelationFor, else by its order number without "-GS". Separate lookups (one OR query
    would make SQLite scan the table). In a dry run, originals decided earlier in the same run
    come first."""
    if ctx is not None and ctx.dry_run:
        remembered = ctx.dry_parents.get(facts.parent_billbee_id or 0) or ctx.dry_by_number.get(
            facts.parent_order_number
        )
        if remembered is not None:
            return remembered
    fields = (
        "billbee_order_id",
        "order_number",
        "invoice_number",
        "status",
        "reason",
        "total_gross",
        "pk",
    )
    documents = ExternalOrder.objects.filter(connection=connection)
    row = None
    if facts.parent_billbee_id:  # Billbee's own link decides when there is one
        row = one(documents.filter(billbee_order_id=facts.parent_billbee_id).values_list(*fields))
    if row is None and facts.cancelation_for:
        # IsCancelationFor names the cancelled order by its external id (rare: Shopify only,
        # so no index of its own).
        row = one(
            documents.filter(external_id=facts.cancelation_for, kind=ExternalOrder.Kind.INVOICE)
            .order_by("-billbee_order_id")
            .values_list(*fields)
        )
    if row is None and not facts.parent_billbee_id and facts.parent_order_number:
        row = one(
            documents.filter(
                order_number=facts.parent_order_number, kind=ExternalOrder.Kind.INVOICE
            )
            .order_by("-billbee_order_id")
            .values_list(*fields)
        )
    if row is None:
        return None
    billbee_id, order_number, invoice_number, status, reason, total, pk = row
    return Parent(
        billbee_id, invoice_number or order_number or str(billbee_id), status, reason, total, pk
    )


def id_list_condition(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``. PostgreSQL gets one array parameter, so that psycopg
    keeps the statement's parsed form (it caches statements of up to 50 parameters)."""
    if db.vendor == "postgresql":
        return f"{db.ops.quote_name(column)} = ANY(%s)", [list(ids)]
    return f"{db.ops.quote_name(column)} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def documents_seen(pks: list[int], now: datetime, run: ImportRun | None) -> None:
    """Unchanged documents of a page: only "last seen" moves (one statement)."""
    if not pks:
        return
    match, params = id_list_condition("id", pks)
    table = db.ops.quote_name(ExternalOrder._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seen_at = %s, last_run_id = %s WHERE {match}",  # noqa: S608
            [DOCUMENTS.convert("last_seen_at", now), run.pk if run else None, *params],
        )


def _stored_content_hash(pk: int) -> str:
    """The content hash of a document's latest stored version."""
    version = one(
        ExternalOrderVersion.objects.filter(external_order_id=pk)
        .order_by("-number")
        .values_list("raw_compressed", flat=True)
    )
    if version is None:
        return ""
    return classify.content_hash(jsonutil.loads(zlib.decompress(bytes(version))))


def one(rows: Any) -> Any:
    """The first row of a query or None. Unlike ``.first()`` it adds no ``ORDER BY id``,
    which would make SQLite walk the primary key instead of using the lookup's index."""
    return next(iter(rows[:1]), None)


def store_decision(
    ctx: DocumentContext,
    order: Order,
    decision: Decision,
    text: str,
    raw_hash: str,
    content_hash: str,
    known: Known | None,
    content_changed: bool,
    parent: Parent | None,
) -> int:
    """Write the document and (when its content changed) a new version, as one transaction;
    returns its id. On PostgreSQL a new document is one statement (see store_new_document)."""
    if known is None and db.vendor == "postgresql" and not _follows_up(decision, parent):
        return store_new_document(ctx, order, decision, text, raw_hash, parent)
    with transaction.atomic():
        return _store_in_transaction(
            ctx, order, decision, text, raw_hash, content_hash, known, content_changed, parent
        )


def _store_in_transaction(
    ctx: DocumentContext,
    order: Order,
    decision: Decision,
    text: str,
    raw_hash: str,
    content_hash: str,
    known: Known | None,
    content_changed: bool,
    parent: Parent | None,
) -> int:
    facts = decision.facts
    register_number = known.register_invoice_number if known else ""
    fields = _stored_fields(ctx, order, decision, raw_hash, content_hash, parent, register_number)

    def version(number: int, pk: int | None) -> dict[str, Any]:
        return {
            "number": number,
            "raw_compressed": zlib.compress(text.encode("utf-8"), 1),
            "raw_hash": raw_hash,
            "content_hash": content_hash,
            "changed_fields": _changed_fields(pk, order, known) if pk else [],
            "status": decision.status,
            "reason": decision.reason,
            "billbee_modified_at": order.last_modified_at,
            "seen_at": ctx.now,
            "run": ctx.run,
        }

    if known is None:
        document = {
            "connection": ctx.connection,
            "billbee_order_id": order.billbee_order_id,
            "first_seen_at": ctx.now,
            "version_count": 1,
            **fields,
        }
        pk = DOCUMENTS.insert(document)
        VERSIONS.insert({"external_order_id": pk, **version(1, None)})
    else:
        pk = known.pk
        number = known.version_count + (1 if content_changed else 0)
        DOCUMENTS.update(pk, {"version_count": number, **fields})
        if content_changed:
            VERSIONS.insert({"external_order_id": pk, **version(number, pk)})
    if facts.kind == classify.CREDIT_NOTE and decision.status in classify.ACCEPTED and parent:
        _credit_note_arrived(ctx, parent, facts.invoice_number)
    return pk


def _stored_fields(
    ctx: DocumentContext,
    order: Order,
    decision: Decision,
    raw_hash: str,
    content_hash: str,
    parent: Parent | None,
    register_number: str,
) -> dict[str, Any]:
    fields = document_fields(order, decision, ctx.settings.basis, register_number)
    fields.update(
        channel=ctx.channels.get(order.platform, order.shop_name, order.shop_id),
        raw_hash=raw_hash,
        content_hash=content_hash,
        billbee_modified_at=order.last_modified_at,
        last_seen_at=ctx.now,
        decided_at=ctx.now,
        last_run=ctx.run,
    )
    if parent is not None:
        fields["parent_id"] = parent.pk
        # Credit notes are found by their original's Billbee id (an indexed column), also
        # when the link was made through the -GS order number.
        fields["parent_billbee_id"] = decision.facts.parent_billbee_id or parent.billbee_order_id
    return fields


def document_fields(
    order: Order, decision: Decision, basis: str, register_number: str = ""
) -> dict[str, Any]:
    """The upload-log columns for a document and the decision taken about it.
    ``register_number``: the number Billbee's invoice register printed on the document, when
    read; it is the document's number (GoBD) wherever it differs from the order's prefix +
    number + postfix."""
    facts = decision.facts
    totals = facts.totals
    return {
        "kind": facts.kind,
        "order_number": order.order_number or "",
        "external_id": order.external_id or "",
        "invoice_number": (register_number if facts.invoice_number else "") or facts.invoice_number,
        "invoice_date": order.invoice_date,
        "order_date": order.created_at,
        "document_date": facts.document_date,
        "service_date": facts.service_date,
        "origin": facts.origin,
        "payment_method": order.payment_method,
        "payment_method_name": payment_type_name(order.payment_method)[:100],
        "currency": (order.currency or "")[:3],
        "total_gross": order.total_cost,
        "shipping_cost": order.shipping_cost,
        "adjustment_cost": order.adjustment_cost,
        "lines_total": totals.lines_total,
        "rounding_difference": totals.difference,
        "billbee_state": order.state,
        "vat_mode": order.vat_mode,
        "ship_from_country": facts.ship_from,
        "destination_country": facts.destination[:2],
        "customer_vat_id": (order.buyer_vat_id or "")[:30],
        "parent_billbee_id": facts.parent_billbee_id,
        "payment_reference": (order.payment_reference or "")[:200],
        "payment_transaction_id": (order.payment_transaction_id or "")[:200],
        "payments": [payment_record(p) for p in order.payments],
        "customer_name": customer_name(order.raw),
        "customer": customer_details(order.raw),
        "billbee_url": order.web_url
        or f"https://app.billbee.io/app_v2/order/{order.billbee_order_id}",
        "status": decision.status,
        "reason_code": decision.reason_code,
        "reason": decision.reason,
        "rule_id": decision.rule_id,
        "flag": decision.flag,
        "trace": decision.trace,
        "texts": texts(reason=decision.reason, trace=decision.trace),
        "decision_basis": basis,
    }


def payment_record(payment: Payment) -> dict[str, Any]:
    """One of ``Payments[]`` as stored on the document (amounts as text: exact decimals)."""
    return {
        "billbee_id": payment.billbee_id,
        "transaction_id": payment.transaction_id,
        "pay_date": payment.pay_date.isoformat() if payment.pay_date else None,
        "payment_type": payment.payment_type,
        "source_technology": payment.source_technology,
        "source_text": payment.source_text,
        "pay_value": str(payment.pay_value) if payment.pay_value is not None else None,
        "purpose": payment.purpose,
        "name": payment.name,
    }


def _changed_fields(pk: int, order: Order, known: Known | None) -> list[str]:
    """Top-level fields that differ from the previous version (for the version history)."""
    if known is None:
        return []
    previous = ExternalOrderVersion.objects.filter(external_order_id=pk).order_by("-number").first()
    if previous is None:
        return []
    old = jsonutil.loads(previous.raw_text)
    if not isinstance(old, dict):
        return []
    keys = set(old) | set(order.raw)
    return sorted(
        k for k in keys if k not in classify.VOLATILE_FIELDS and old.get(k) != order.raw.get(k)
    )


def _credited_reason(number: str) -> Text:
    return Text("cancelled after invoicing; credit note {number} imported", number=number or "?")


def _credit_note_arrived(ctx: DocumentContext, parent: Parent, number: str) -> None:
    """A cancelled original no longer needs a credit note once one is imported."""
    reason = _credited_reason(number)
    flagged = ExternalOrder.objects.filter(
        connection=ctx.connection,
        billbee_order_id=parent.billbee_order_id,
        flag=ExternalOrder.Flag.CANCELLED_AFTER_IMPORT,
    )
    for pk, stored in flagged.values_list("pk", "texts"):  # one document, or none
        # The trace stays the one of the decision taken when the original was read.
        ExternalOrder.objects.filter(pk=pk).update(
            flag="",
            reason_code="credit_note_imported",
            reason=reason,
            texts={**(stored or {}), **texts(reason=reason)},
        )


def clear_flag_if_credited(connection: Connection, order: Order, decision: Decision) -> None:
    """An original read again after its credit note was imported is not flagged again."""
    query = Q(parent_billbee_id=order.billbee_order_id)
    if order.order_number:
        query |= Q(order_number=f"{order.order_number}-GS")
    credit = (
        ExternalOrder.objects.filter(
            query,
            connection=connection,
            kind=ExternalOrder.Kind.CREDIT_NOTE,
            status__in=ExternalOrder.ACCEPTED,
        )
        .values_list("invoice_number", flat=True)
        .first()
    )
    if credit is not None:
        decision.flag = ""
        decision.reason_code = "credit_note_imported"
        decision.reason = decision.summary = _credited_reason(credit)
        decision.trace.append(
            Text("credit note {number} is imported: no flag", number=credit or "?")
        )


def _note_change(
    ctx: DocumentContext, order: Order, decision: Decision, known: Known | None
) -> None:
    before = known.status if known else None
    # Staying in the books (imported, updated, unchanged) is no change of decision.
    same = before == decision.status or (
        before in classify.ACCEPTED
        and decision.status in classify.ACCEPTED
        and (known.flag if known else "") == decision.flag
    )
    if not same and len(ctx.tally.changes) < 200:
        ctx.tally.changes.append(
            {
                "billbee_order_id": order.billbee_order_id,
                "order_number": order.order_number,
                "before": before,
                "after": decision.status,
                "reason": decision.reason,
            }
        )


def _reject_unparseable(
    ctx: DocumentContext,
    record: RawRecord,
    text: str,
    raw_hash: str,
    known: Known | None,
    exc: BillbeeDataError,
) -> str:
    billbee_id = record.raw.get("BillBeeOrderId") if isinstance(record.raw, dict) else None
    if not usable_id(billbee_id):
        return _reject_without_id(ctx, text)
    return _store_failure(
        ctx,
        billbee_id,
        text,
        raw_hash,
        known,
        "unparseable",
        Text("Billbee sent a value that cannot be read: {problem}", problem=exc.message),
        Text("unreadable field {field}", field=exc.field or "?"),
        raw=record.raw,
    )


def _reject_without_id(ctx: DocumentContext, text: str) -> str:
    """A record without a Billbee id the upload log can key it by: counted and logged."""
    ctx.tally.add(classify.REJECTED, "record without a usable BillBeeOrderId")
    logger.warning("a record without a usable BillBeeOrderId was rejected: %s", text[:200])
    return classify.REJECTED


def _store_failure(
    ctx: DocumentContext,
    billbee_id: int,
    text: str,
    raw_hash: str,
    known: Known | None,
    code: str,
    reason: str,
    summary: str,
    *,
    raw: Any,
    detail: str = "",
    order_number: str = "",
) -> str:
    ctx.tally.add(classify.REJECTED, summary)
    if ctx.dry_run:
        return classify.REJECTED
    trace = [*([detail] if detail else []), Text("→ rejected: {reason}", reason=reason)]
    fields = {
        "status": classify.REJECTED,
        "reason_code": code,
        "reason": reason,
        "order_number": order_number,
        "document_date": failed_document_date(raw, ctx.settings.tz),
        "trace": trace,
        "texts": texts(reason=reason, trace=trace),
        # No fingerprint: the next run decides about this document again instead of
        # recognising it as unchanged.
        "raw_hash": "",
        "decision_basis": ctx.settings.basis,
        "last_seen_at": ctx.now,
        "decided_at": ctx.now,
        "last_run": ctx.run,
    }
    with transaction.atomic():
        if known is None:
            document = ExternalOrder.objects.create(
                connection=ctx.connection,
                billbee_order_id=billbee_id,
                first_seen_at=ctx.now,
                content_hash="",
                version_count=1,
                **fields,
            )
            number = 1
        else:
            number = known.version_count + 1
            ExternalOrder.objects.filter(pk=known.pk).update(version_count=number, **fields)
            document = ExternalOrder(pk=known.pk)
        ExternalOrderVersion.objects.create(
            external_order_id=document.pk,
            number=number,
            raw_compressed=zlib.compress(text.encode("utf-8"), 1),
            raw_hash=raw_hash,
            content_hash="",
            status=classify.REJECTED,
            reason=reason,
            seen_at=ctx.now,
            run=ctx.run,
        )
    return classify.REJECTED
