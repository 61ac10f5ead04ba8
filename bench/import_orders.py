"""Benchmark: the order import end to end, sandbox → client → rules → upload log.

For each database (SQLite file, PostgreSQL) and each N: a fresh sandbox process serves N
orders (90 days of data, seed 1, throttling off), a fresh database is migrated, a connection
is created (default exclusion rules, start date 1 Jan 2026), and a separate process runs one
import (`orders_import`). Reported: documents/s end to end, peak RSS of the importing process,
API requests against the minimum (per day window max(1, ⌈n/250⌉), computed from the sandbox's
per-day counts), then a second import of the same period in which every document is
unchanged. A last run imports with throttling on (sandbox and client at 2 requests/s).

Usage: python bench/import_orders.py [--sizes 10000,50000,100000] [--databases sqlite,postgres]
       [--postgres postgres://postgres@127.0.0.1:5432] [--json out.json]
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stream_orders import KEY, PASSWORD, USER, Sandbox  # noqa: E402

NOW = "2026-11-20T19:00:00+01:00"  # an hour after the sandbox's data ends


def child_setup(api_url: str) -> None:
    import django

    django.setup()
    from datetime import date

    from connector.models import Connection
    from connector.services.connections import connection_upsert

    connection, _, _ = connection_upsert(
        name="bench", api_url=api_url, username=USER, api_password=PASSWORD, api_key=KEY
    )
    Connection.objects.filter(pk=connection.pk).update(import_start_date=date(2026, 1, 1))


def child_import(since: str | None) -> None:
    import django

    django.setup()
    from connector.models import Connection, ExternalOrder, ExternalOrderVersion
    from connector.services.imports import orders_import

    connection = Connection.objects.get(name="bench")
    started = time.perf_counter()
    result = orders_import(
        connection,
        now=datetime.fromisoformat(NOW),
        since=datetime.fromisoformat(since) if since else None,
    )
    wall = time.perf_counter() - started
    data = result.as_dict()
    if data["state"] != "succeeded" or data["internal_errors"]:
        sys.exit(f"the import did not succeed cleanly: {json.dumps(data)[:2000]}")
    print(
        json.dumps(
            {
                "state": data["state"],
                "documents": data["fetched"],
                "wall_s": round(wall, 2),
                "documents_per_s": round(data["fetched"] / wall) if wall else 0,
                "requests": data["requests"],
                "throttled": data["throttled"],
                "imported": data["imported"],
                "unchanged": data["unchanged"],
                "excluded": sum(data["excluded"].values()),
                "skipped": sum(data["skipped"].values()),
                "rejected": sum(data["rejected"].values()),
                "waiting": data["waiting"],
                "window_from": data["window_from"],
                "window_to": data["window_to"],
                "windows": data["windows"],
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rows": ExternalOrder.objects.count(),
                "versions": ExternalOrderVersion.objects.count(),
            }
        )
    )


def minimum_requests(per_day: dict[str, int], window_from: str, window_to: str) -> int:
    """Per day window: max(1, ⌈orders modified that day / 250⌉)."""
    from zoneinfo import ZoneInfo

    from connector.windows import plan_windows

    tz = ZoneInfo("Europe/Berlin")
    windows = plan_windows(
        datetime.fromisoformat(window_from), datetime.fromisoformat(window_to), tz
    )
    total = 0
    for start, end in windows:
        day, last = (
            start.astimezone(tz).date(),
            (end - timedelta(microseconds=1)).astimezone(tz).date(),
        )
        orders = 0
        while day <= last:
            orders += per_day.get(day.isoformat(), 0)
            day += timedelta(days=1)
        total += max(1, math.ceil(orders / 250))
    return total


class Database:
    """A fresh, migrated database; ``run`` runs a child step of ``script`` against it."""

    script = Path(__file__)

    def __init__(self, kind: str, postgres: str, label: str) -> None:
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix="bench-import-")
        # DEBUG off as in production: with DEBUG on, Django records every SQL statement.
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="connector.settings.development",
            DEBUG="False",
            CONNECTOR_DATA_DIR=self.dir,
            BILLBEE_RATE_LIMIT="0",
            BILLBEE_LOG_LEVEL="WARNING",
            LOG_LEVEL="WARNING",
        )
        self.env.pop("REDIS_URL", None)
        self.env.pop("BILLBEE_THROTTLE_REDIS_URL", None)
        self.name = f"bench_import_{label}"
        if kind == "postgres":
            self._psql(f"DROP DATABASE IF EXISTS {self.name}")
            self._psql(f"CREATE DATABASE {self.name}")
            self.env["DATABASE_URL"] = f"{postgres}/{self.name}"
            self.postgres = postgres
        else:
            self.env.pop("DATABASE_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=self.env, check=True
        )

    def _psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            f"{os.environ.get('BENCH_POSTGRES', 'postgres://postgres@127.0.0.1:5432')}/postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)

    def run(self, *args: str, rate_limit: str = "0") -> dict[str, Any]:
        env = dict(self.env, BILLBEE_RATE_LIMIT=rate_limit)
        result = subprocess.run(
            [sys.executable, str(self.script), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}

    def drop(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.kind == "postgres":
            self._psql(f"DROP DATABASE IF EXISTS {self.name}")


def bench_one(kind: str, size: int, postgres: str) -> dict[str, Any]:
    # Warm: every order encoded before the import starts, as a real API serves stored data.
    sandbox = Sandbox(size, rate_limit=0, cache_mb=4096, warm=True)
    database = Database(kind, postgres, str(size))
    try:
        database.run("--child-setup", f"{sandbox.url}/api/v1")
        first = database.run("--child-import")
        per_day = sandbox.control("modified_per_day")
        first["minimum_requests"] = minimum_requests(
            per_day, first["window_from"], first["window_to"]
        )
        second = database.run("--child-import", "--since", first["window_from"])
        return {"database": kind, "n": size, "first": first, "again": second}
    finally:
        database.drop()
        sandbox.stop()


def bench_throttled(kind: str, postgres: str) -> dict[str, Any]:
    sandbox = Sandbox(3000, rate_limit=2, days=10)
    database = Database(kind, postgres, "throttled")
    try:
        database.run("--child-setup", f"{sandbox.url}/api/v1")
        run = database.run("--child-import", "--since", "2026-11-09T00:00:00+01:00", rate_limit="2")
        stats = sandbox.stats()
        run["sandbox_429"] = stats["throttled"]
        run["sandbox_max_served_per_second"] = max(stats["max_per_second"].values())
        run["requests_per_s"] = round(run["requests"] / run["wall_s"], 2)
        return run
    finally:
        database.drop()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--databases", default="sqlite,postgres")
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
        "throttled": None,
    }
    for kind in args.databases.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            row = bench_one(kind, size, args.postgres)
            results["runs"].append(row)
            first, again = row["first"], row["again"]
            print(
                f"{kind:>8} N={size:>7}: import {first['documents_per_s']:>5}/s "
                f"({first['wall_s']} s, {first['requests']} requests, minimum "
                f"{first['minimum_requests']}, peak RSS {first['peak_rss_mb']} MB, "
                f"{first['rows']} rows); again {again['documents_per_s']:>5}/s "
                f"({again['unchanged']} unchanged, {again['rows']} rows, peak RSS "
                f"{again['peak_rss_mb']} MB)",
                flush=True,
            )
    results["throttled"] = bench_throttled(args.databases.split(",")[0], args.postgres)
    t = results["throttled"]
    print(
        f"throttled: {t['requests']} requests in {t['wall_s']} s ({t['requests_per_s']} "
        f"req/s), 429 answers: {t['sandbox_429']}, most served in any second per endpoint: "
        f"{t['sandbox_max_served_per_second']}",
        flush=True,
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child-setup":
        child_setup(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-import":
        child_import(sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--since" else None)
    else:
        main()
