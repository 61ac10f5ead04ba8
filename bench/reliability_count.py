"""What arrived: the database of a reliability run against the sandbox's own data.

Runs inside a Django process (``bench/reliability.py --child count``). The sandbox's orders
are read through its control API (never faulted), decided by the connector's own rules as a
clean, complete read would decide them, and compared with the upload log and the journal.
"""

from __future__ import annotations

import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from billbee import jsonutil
from billbee.dto import Order, parse_order
from connector import classify
from connector.classify import Decision, Parent


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return jsonutil.loads(response.read())


def sandbox_orders(sandbox_url: str) -> list[dict[str, Any]]:
    ids = _get(f"{sandbox_url}/__sandbox__/orders")["ids"]
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda i: _get(f"{sandbox_url}/__sandbox__/orders/{i}"), ids))


def expected_decisions(orders: list[Order], settings: classify.Settings) -> dict[int, Decision]:
    """Each order as the rules decide it on a first, complete read: originals first, then
    credit notes against their original's decision (as ``find_parent`` finds it)."""
    decided: dict[int, Decision] = {}
    by_number: dict[str, Parent] = {}
    by_id: dict[int, Parent] = {}
    kinds = {o.billbee_order_id: classify.document_kind(o)[0] for o in orders}
    for order in sorted(orders, key=lambda o: o.billbee_order_id):
        if kinds[order.billbee_order_id] != classify.INVOICE:
            continue
        decision = classify.classify(order, settings, None, None, True)
        decided[order.billbee_order_id] = decision
        facts = decision.facts
        parent = Parent(
            order.billbee_order_id,
            facts.invoice_number or order.order_number or str(order.billbee_order_id),
            decision.status,
            decision.reason,
            order.total_cost,
        )
        by_id[order.billbee_order_id] = parent
        by_number[order.order_number or ""] = parent  # ascending ids: the newest wins
    for order in orders:
        if kinds[order.billbee_order_id] == classify.INVOICE:
            continue
        facts = classify.facts_of(order, settings)
        found = (
            by_id.get(facts.parent_billbee_id)
            if facts.parent_billbee_id
            else by_number.get(facts.parent_order_number)
        )
        decided[order.billbee_order_id] = classify.classify(order, settings, None, found, True)
    return decided


def _outcome(status: str) -> str:
    return "accepted" if status in classify.ACCEPTED else status


def count(sandbox_url: str) -> dict[str, Any]:
    from connector.models import Connection, ExternalOrder, ImportRun
    from connector.services.channels import settings_snapshot

    connection = Connection.objects.get(name="bench")
    settings = settings_snapshot(connection)
    orders = [parse_order(raw, settings.tz) for raw in sandbox_orders(sandbox_url)]
    runs_of = ImportRun.objects.filter(connection=connection, window_from__isnull=False)
    window_from = min(runs_of.values_list("window_from", flat=True))
    window_to = connection.watermark
    in_window = [
        o
        for o in orders
        if o.last_modified_at is not None and window_from < o.last_modified_at <= window_to
    ]
    decided = expected_decisions(in_window, settings)
    rows = list(
        ExternalOrder.objects.filter(connection=connection).values_list(
            "billbee_order_id", "status", "reason_code"
        )
    )
    ids = Counter(r[0] for r in rows)
    status = {r[0]: r[1] for r in rows}
    accepted = {i for i, d in decided.items() if d.status in classify.ACCEPTED}
    missing = [i for i in decided if i not in status]
    not_accepted = [i for i in accepted if i in status and status[i] not in classify.ACCEPTED]
    differs = Counter(
        f"{_outcome(d.status)} → {_outcome(status[i])}"
        for i, d in decided.items()
        if i in status and _outcome(status[i]) != _outcome(d.status)
    )
    runs = Counter(ImportRun.objects.filter(connection=connection).values_list("state", flat=True))
    booking = booking_counts(connection)
    result = {
        "orders_expected": len(decided),
        "orders_outside_window": len(orders) - len(in_window),
        "expected_imported": len(accepted),
        "in_upload_log": len(ids),
        "imported": sum(1 for i in accepted if status.get(i) in classify.ACCEPTED),
        "lost": len(missing) + len(not_accepted),
        "lost_examples": (missing + not_accepted)[:10],
        "duplicated": sum(n - 1 for n in ids.values() if n > 1) + booking["booked_twice"],
        "decision_differs": dict(differs),
        "import_internal_errors": sum(1 for r in rows if r[2] == "internal_error"),
        "import_runs": dict(runs),
        **booking,
    }
    result["internal_errors"] = result["import_internal_errors"] + booking["book_internal_errors"]
    return result


def booking_counts(connection: Any) -> dict[str, Any]:
    from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine
    from connector.models import ExternalOrder

    accepted = ExternalOrder.objects.filter(
        connection=connection, status__in=ExternalOrder.ACCEPTED
    )
    bookings = DocumentBooking.objects.filter(connection=connection)
    by_status = Counter(bookings.values_list("status", flat=True))
    held = Counter(
        f"{s}: {code}"
        for s, code in bookings.filter(status__in=("waiting", "rejected"))
        .exclude(reason_code="internal_error")
        .values_list("status", "reason_code")
    )
    standing: Counter[int] = Counter()
    for document, kind in JournalEntry.objects.filter(connection=connection).values_list(
        "document_id", "kind"
    ):
        standing[document] += -1 if kind == JournalEntry.Kind.REVERSAL else 1
    booked_ids = set(bookings.filter(status="booked").values_list("document_id", flat=True))
    sides: dict[int, Decimal] = defaultdict(Decimal)
    for entry, side, amount in JournalLine.objects.filter(entry__connection=connection).values_list(
        "entry_id", "side", "amount"
    ):
        sides[entry] += Decimal(amount) if side == "S" else -Decimal(amount)
    return {
        "documents_to_book": accepted.count(),
        "not_looked_at": accepted.exclude(pk__in=bookings.values("document_id")).count(),
        "booked": len(booked_ids),
        "held_with_reason": sum(held.values()),
        "held_reasons": dict(held.most_common()),
        "booking_status": dict(by_status),
        "book_internal_errors": bookings.filter(reason_code="internal_error").count(),
        "booked_twice": sum(1 for n in standing.values() if n > 1),
        "booked_without_entry": sum(1 for i in booked_ids if standing[i] != 1),
        "journal_entries": JournalEntry.objects.filter(connection=connection).count(),
        "unbalanced_entries": sum(1 for total in sides.values() if total != 0),
    }


COLUMNS = (
    ("scenario", "scenario"),
    ("database", "database"),
    ("orders expected", "orders_expected"),
    ("to import", "expected_imported"),
    ("imported", "imported"),
    ("duplicated", "duplicated"),
    ("lost", "lost"),
    ("booked", "booked"),
    ("held with a reason", "held_with_reason"),
    ("failed to book (internal error)", "book_internal_errors"),
    ("import internal errors", "import_internal_errors"),
    ("unbalanced entries", "unbalanced_entries"),
)


def markdown(runs: list[dict[str, Any]]) -> str:
    head = [c for c, _ in COLUMNS] + ["requests (429 / 5xx / hangs / truncated)", "runs", "wall"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        faults = run["requests"]["faults"]
        requests = (
            f"{run['requests']['api_requests']} ({faults.get('429', 0)} / "
            f"{faults.get('500', 0)} / {faults.get('timeout', 0)} / {faults.get('malformed', 0)})"
        )
        runs_text = (
            f"import {run['import']['runs']} ({run['import']['killed']} killed), "
            f"booking {run['booking']['runs']} ({run['booking']['killed']} killed)"
        )
        wall = f"{run['import_wall_s']} s + {run['booking_wall_s']} s"
        cells = [str(run[key]) for _, key in COLUMNS] + [requests, runs_text, wall]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
