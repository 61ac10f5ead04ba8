"""Benchmark: the console's start page ("what needs me?") for a connection with many documents.

A fresh database is migrated and filled through the ORM (no Billbee involved): one connection
with N documents in the upload log spread over the last 90 days and four sales channels, 90 %
of them booked (one balanced journal entry each: debtor, revenue, VAT; every tenth an OSS sale
to one of five countries), 7 % waiting for a debtor account, 3 % rejected; plus three import
runs a day with their durations and 429 answers. Then, timed in a child process, the admin
index is rendered for a superuser through Django's test client (the whole page: panels, work
queue, charts and the app list), several times; the best and the median time and the number
of SQL queries are reported, with the CPU time of the rendering process (on SQLite that
includes the queries: the page's cost apart from other processes on a busy machine).

Usage: python bench/dashboard.py [--documents 20000] [--databases sqlite,postgres] [--repeat 7]
PostgreSQL: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server.
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_orders import Database  # noqa: E402

CHANNELS = [("Shopware", "Fachhandel"), ("Amazon", "Amazon EU"), ("eBay", "eBay DE"), ("", "")]
OSS = ["AT", "FR", "NL", "IT", "ES"]
DAYS = 90
# Every entry: 119.00 to the debtor, 100.00 revenue, 19.00 VAT (balanced).
LINES = [
    (1, "debtor", 10001, "S", "119.00"),
    (2, "revenue", 8400, "H", "100.00"),
    (3, "vat", 1776, "H", "19.00"),
]


class DashboardDatabase(Database):
    script = Path(__file__)


def child_fill(documents: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from bookkeeping.models import DocumentBooking
    from connector.models import ImportRun, SalesChannel
    from connector.services.connections import connection_upsert

    connection, _, _ = connection_upsert(
        name="bench",
        api_url="http://127.0.0.1:9/api/v1",
        username="bench@example.com",
        api_password="bench-password",  # noqa: S106 - never sent: the page reads the database
        api_key="bench-key",
    )
    channels = [
        SalesChannel.objects.create(connection=connection, platform=p, shop_name=s)
        for p, s in CHANNELS
    ]
    now = timezone.now()
    today = timezone.localdate(timezone=connection.zoneinfo)
    started = time.perf_counter()
    for first in range(0, documents, 2000):
        with transaction.atomic():
            _fill_batch(connection, channels, range(first, min(first + 2000, documents)), today)
    runs = []
    for day in range(DAYS):
        for hour in (6, 14, 21):
            begin = now - timedelta(days=day, hours=hour)
            runs.append(
                ImportRun(
                    connection=connection,
                    trigger=ImportRun.Trigger.SCHEDULED,
                    state=ImportRun.State.SUCCEEDED,
                    started_at=begin,
                    finished_at=begin + timedelta(seconds=40 + (day * 7 + hour) % 200),
                    api_requests=20 + day % 9,
                    throttled=(day * hour) % 4,
                    retries=(day * hour) % 4,
                )
            )
    ImportRun.objects.bulk_create(runs)
    User.objects.create_superuser("bench", "bench@example.com", "bench")
    return {
        "documents": documents,
        "bookings": DocumentBooking.objects.count(),
        "fill_s": round(time.perf_counter() - started, 1),
    }


def _fill_batch(connection: Any, channels: list[Any], numbers: range, today: date) -> None:
    from django.utils import timezone

    from bookkeeping.models import DocumentBooking, JournalEntry, JournalLine
    from connector.models import ExternalOrder

    now = timezone.now()
    documents = []
    for n in numbers:
        channel = channels[n % len(channels)]
        documents.append(
            ExternalOrder(
                connection=connection,
                billbee_order_id=1_000_000 + n,
                order_number=f"B-{n}",
                invoice_number=f"RE-{n}",
                document_date=today - timedelta(days=n % DAYS),
                channel=channel,
                origin=channel.origin,
                currency="EUR",
                total_gross=Decimal("119.00"),
                status=ExternalOrder.Status.IMPORTED,
                reason_code="imported",
                reason="imported",
                raw_hash=f"{n:064x}",
                content_hash=f"{n:064x}",
                first_seen_at=now,
                last_seen_at=now,
                decided_at=now,
            )
        )
    ExternalOrder.objects.bulk_create(documents)
    entries, bookings = [], []
    for document in documents:
        n = document.billbee_order_id - 1_000_000
        if n % 100 < 7:
            bookings.append(_held(document, "waiting", "no_debtor", "no debtor account"))
            continue
        if n % 100 < 10:
            bookings.append(_held(document, "rejected", "margin_scheme", "margin scheme"))
            continue
        oss = n % 10 == 0
        entries.append(
            JournalEntry(
                connection=connection,
                document=document,
                kind=JournalEntry.Kind.INVOICE,
                number=document.invoice_number,
                document_date=document.document_date,
                text=document.invoice_number,
                billbee_order_id=document.billbee_order_id,
                origin=document.origin,
                case="oss" if oss else "domestic",
                eu_destination=OSS[n % len(OSS)] if oss else "",
                document_total=Decimal("119.00"),
                debtor=10001,
                source_hash="x",
                plan_hash="x",
                posted_at=now,
            )
        )
    JournalEntry.objects.bulk_create(entries)
    lines = []
    for entry in entries:
        lines += [
            JournalLine(entry=entry, position=position, role=role, account=account, side=side,
                        amount=Decimal(amount))
            for position, role, account, side, amount in LINES
        ]  # fmt: skip
        bookings.append(
            DocumentBooking(
                document=entry.document,
                connection=connection,
                status="booked",
                entry=entry,
                case=entry.case,
                decided_at=now,
            )
        )
    JournalLine.objects.bulk_create(lines)
    DocumentBooking.objects.bulk_create(bookings)


def _held(document: Any, status: str, code: str, reason: str) -> Any:
    from bookkeeping.models import DocumentBooking

    return DocumentBooking(
        document=document,
        connection=document.connection,
        status=status,
        reason_code=code,
        reason=reason,
        decided_at=document.decided_at,
    )


def child_time(repeat: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection as db
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench"))
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(db) as queries:
            response = client.get("/admin/")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.status_code
        assert b'id="chart-revenue"' in response.content
    return {
        "best_ms": round(min(times) * 1000),
        "median_ms": round(statistics.median(times) * 1000),
        "first_ms": round(times[0] * 1000),
        # CPU time of this process: on SQLite the queries' too (it runs in the process), so
        # it is the page's cost without the other processes of a busy machine.
        "cpu_best_ms": round(min(cpu) * 1000),
        "cpu_median_ms": round(statistics.median(cpu) * 1000),
        "load_average": os.getloadavg()[0],
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child-fill", type=int)
    parser.add_argument("--child-time", type=int)
    args = parser.parse_args()
    if args.child_fill is not None:
        print(json.dumps(child_fill(args.child_fill)))
        return
    if args.child_time is not None:
        print(json.dumps(child_time(args.child_time)))
        return
    postgres = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    results = []
    for kind in args.databases.split(","):
        database = DashboardDatabase(kind, postgres, f"dashboard_{args.documents}_{os.getpid()}")
        try:
            filled = database.run("--child-fill", str(args.documents))
            timed = database.run("--child-time", str(args.repeat))
            results.append({"database": kind, **filled, **timed})
        finally:
            database.drop()
    print(
        json.dumps(
            {
                "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
                "cpus": os.cpu_count(),
                "date": datetime.now().isoformat(timespec="minutes"),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
