"""Benchmark: booking the upload log into the journal, and the DATEV export of the journal.

For each database and N: a fresh sandbox process serves N orders (seed 1, 90 days, throttling
off), a fresh database is migrated, a connection is created without channel exclusions (so
that nearly every order is a document to book), OSS registered, and the orders are imported
(not measured). Every debtor mapping is assigned and reference rates are entered for the
foreign currencies. Then, each in a separate process:
- booking: ``documents_book`` over every document (documents/s, entries, lines, peak RSS);
- booking again with nothing changed (the cost of a run that finds nothing to do);
- the DATEV export of every month (entries/s, rows, files, lint findings, peak RSS).

Usage: python bench/book_and_export.py [--sizes 20000,110000] [--databases postgres,sqlite]
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_orders import NOW, Database  # noqa: E402
from stream_orders import KEY, PASSWORD, USER, Sandbox  # noqa: E402


class BookDatabase(Database):
    """The import benchmark's fresh database, running this file's child steps."""

    script = Path(__file__)


RATES = {"CHF": "0.9400", "GBP": "0.8500", "USD": "1.0800", "NOK": "11.6000"}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_setup(api_url: str) -> None:
    import django

    django.setup()
    from connector.models import ChannelRule, Connection
    from connector.services.connections import connection_upsert

    connection, _, _ = connection_upsert(
        name="bench", api_url=api_url, username=USER, api_password=PASSWORD, api_key=KEY
    )
    Connection.objects.filter(pk=connection.pk).update(import_start_date=date(2026, 1, 1))
    ChannelRule.objects.filter(connection=connection).delete()
    settings = connection.bookkeeping
    settings.oss_registered_since = date(2021, 7, 1)
    settings.save()


def child_import() -> None:
    import django

    django.setup()
    from bookkeeping.models import DebtorMapping, ExchangeRate
    from bookkeeping.services.debtors import debtor_mappings_sync
    from connector.models import Connection
    from connector.services.imports import orders_import

    connection = Connection.objects.get(name="bench")
    result = orders_import(connection, now=datetime.fromisoformat(NOW)).as_dict()
    debtor_mappings_sync(connection)
    for number, mapping in enumerate(DebtorMapping.objects.filter(connection=connection)):
        mapping.account = 10000 + number
        mapping.save()
    # The BMF's monthly VAT conversion rates, the default source (§ 16 (6) UStG).
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=c, day=date(2026, month, 1), kind="monthly", rate=Decimal(r))
        for month in range(8, 13)
        for c, r in RATES.items()
    )
    print(json.dumps({"imported": result["imported"], "fetched": result["fetched"]}))


def child_book() -> None:
    import django

    django.setup()
    from bookkeeping.models import JournalEntry, JournalLine
    from bookkeeping.services.booking import documents_book
    from connector.models import Connection

    connection = Connection.objects.get(name="bench")
    started = time.perf_counter()
    result = documents_book(connection).as_dict()
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "examined": result["examined"],
                "booked": result["booked"],
                "unchanged": result["unchanged"],
                "waiting": sum(result["waiting"].values()),
                "rejected": sum(result["rejected"].values()),
                "internal_errors": result["internal_errors"],
                "wall_s": round(wall, 2),
                "documents_per_s": round(result["examined"] / wall) if result["examined"] else 0,
                "entries": JournalEntry.objects.count(),
                "lines": JournalLine.objects.count(),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def child_export(directory: str) -> None:
    import django

    django.setup()
    from bookkeeping.datev import lint_file
    from bookkeeping.models import ExportBatch, JournalEntry
    from bookkeeping.services.export import datev_export
    from connector.models import Connection

    connection = Connection.objects.get(name="bench")
    first = JournalEntry.objects.order_by("document_date").values_list("document_date", flat=True)[
        0
    ]
    last = JournalEntry.objects.order_by("-document_date").values_list("document_date", flat=True)[
        0
    ]
    started = time.perf_counter()
    # The generated data keeps documents waiting on purpose: every month is exported.
    result = datev_export(connection, first.replace(day=1), last, allow_incomplete=True)
    wall = time.perf_counter() - started
    rss = peak_rss_mb()
    findings = 0
    for batch in ExportBatch.objects.all():
        data = batch.data
        Path(directory, batch.file_name).write_bytes(data)
        findings += len([f for f in lint_file(data) if f.severity == "error"])
    entries = sum(b.entries for b in result.batches)
    print(
        json.dumps(
            {
                "files": len(result.batches),
                "entries": entries,
                "rows": sum(b.rows for b in result.batches),
                "wall_s": round(wall, 2),
                "entries_per_s": round(entries / wall) if wall else 0,
                "peak_rss_mb": rss,
                "lint_errors_on_reread": findings,
                "bytes": sum(Path(directory, b.file_name).stat().st_size for b in result.batches),
            }
        )
    )


def bench_one(kind: str, size: int, postgres: str) -> dict[str, Any]:
    sandbox = Sandbox(size, rate_limit=0, cache_mb=4096, warm=True)
    database = BookDatabase(kind, postgres, f"book_{size}")
    try:
        database.run("--child-setup", f"{sandbox.url}/api/v1")
        imported = database.run("--child-import")
        booking = database.run("--child-book")
        again = database.run("--child-book")
        export = database.run("--child-export", database.dir)
        return {
            "database": kind,
            "orders": size,
            "import": imported,
            "booking": booking,
            "again": again,
            "export": export,
        }
    finally:
        database.drop()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,110000")
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    os.environ["BENCH_POSTGRES"] = args.postgres
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "runs": [],
    }
    for kind in args.databases.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            row = bench_one(kind, size, args.postgres)
            results["runs"].append(row)
            b, a, e = row["booking"], row["again"], row["export"]
            print(
                f"{kind:>8} orders={size:>7}: booked {b['booked']} of {b['examined']} documents "
                f"in {b['wall_s']} s ({b['documents_per_s']}/s, {b['entries']} entries, "
                f"{b['lines']} lines, peak RSS {b['peak_rss_mb']} MB, {b['internal_errors']} "
                f"errors); again {a['wall_s']} s ({a['examined']} examined); DATEV export "
                f"{e['entries']} entries, {e['rows']} rows in {e['files']} files, "
                f"{e['wall_s']} s ({e['entries_per_s']}/s), peak RSS {e['peak_rss_mb']} MB, "
                f"{e['lint_errors_on_reread']} lint errors on re-reading",
                flush=True,
            )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "--child-setup":
        child_setup(sys.argv[2])
    elif command == "--child-import":
        child_import()
    elif command == "--child-book":
        child_book()
    elif command == "--child-export":
        child_export(sys.argv[2])
    else:
        main()
