"""Reliability run: does every order arrive once, and is every document booked once, when
Billbee misbehaves or the worker is killed?

Two scenarios (``--scenario faults|kill9|both``), each on a fresh sandbox process and a fresh
database, through the real commands (``import_orders``, ``book_documents``) as subprocesses:

- ``faults``: the sandbox answers with faults drawn from ``--faults`` (default 5 % 429 without
  Retry-After, 2 % 500, 1 % hangs longer than the client's timeout, 1 % truncated pages); one
  full import, then booking. A command that stops part-way is run again (counted).
- ``kill9``: the same data without faults; ``import_orders`` is killed with SIGKILL ``--kills``
  times, each at a random (seeded) point of the remaining work (when the upload log reaches a
  row count drawn between its current count and the number of orders), and then run until it
  completes; the same for ``book_documents`` (``--book-kills``, counted in bookings). A
  rerun refused because the dead run still holds its lease ("already running") is retried
  every 5 s for up to ``--max-lease-wait`` seconds; the refusals and the time waited are
  reported. ``--lease-env`` passes short lease durations.

Between import and booking the harness assigns a debtor account to every origin, as an
operator would (not killed). Then it counts, from the database against the sandbox's own data
(control API): orders expected (every order the sandbox holds whose LastModifiedAt lies in the
imported window), the decision the connector's own rules (``connector.classify``) give each of
them on a clean read, what the upload log holds, duplicated (a Billbee id twice, a document
with more than one standing journal entry), lost (expected but missing, or accepted by the
rules but not in the upload log as accepted), booked, held for bookkeeping with a reason,
failed with an internal error, unbalanced entries, request statistics and wall time.

Usage: python bench/reliability.py [--scenario both] [--orders 4000] [--days 90] [--seed 1]
       [--faults SPEC] [--fault-delay 6] [--client-timeout 3] [--kills 4] [--book-kills 2]
       [--database-url URL] [--json out.json] [--markdown out.md]
``--database-url`` (PostgreSQL) names a database that is emptied first; default: a new SQLite
file in a temporary directory. Results are recorded in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USER, PASSWORD, KEY = "reliability@example.com", "reliability-api-password", "reliability-key"
FAULTS = "429=0.05,500=0.02,timeout=0.01,malformed=0.01"
RATES = {"CHF": "0.9400", "GBP": "0.8500", "USD": "1.0800", "NOK": "11.6000"}
BERLIN = ZoneInfo("Europe/Berlin")
UPLOAD_LOG, BOOKINGS = "connector_externalorder", "bookkeeping_documentbooking"
REFUSED = ("already running", "being booked already")
SETTINGS = '''"""Written by bench/reliability.py: development settings plus the lease durations from
the environment, also where the settings of this version do not read them from there."""
import os

from connector.settings.development import *  # noqa: F403

if os.environ.get("IMPORT_STALE_AFTER"):
    IMPORT_STALE_AFTER = int(os.environ["IMPORT_STALE_AFTER"])
'''


# ----------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sandbox:
    """A sandbox process with the scenario's data and faults."""

    def __init__(self, args: argparse.Namespace, end: datetime, faults: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options = {
            "--port": self.port,
            "--orders": args.orders,
            "--seed": args.seed,
            "--days": args.days,
            "--end": end.isoformat(),
            "--rate-limit": 0,
            "--faults": faults,
            "--fault-delay": args.fault_delay,
            "--fault-retry-after": -1,
            "--username": USER,
            "--api-password": PASSWORD,
            "--api-key": KEY,
        }
        command = [sys.executable, "manage.py", "billbee_sandbox"]
        for name, value in options.items():
            command += [name, str(value)]
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="connector.settings.development")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                self.control("health")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.2)
        raise RuntimeError("the sandbox did not start")

    def control(self, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}/__sandbox__/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method="POST" if body is not None else "GET",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Database:
    """A fresh, migrated database and the environment every command runs in."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.dir = tempfile.mkdtemp(prefix="reliability-")
        Path(self.dir, "reliability_settings.py").write_text(SETTINGS)
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="reliability_settings",
            PYTHONPATH=os.pathsep.join([self.dir, str(ROOT)]),
            DEBUG="False",
            CONNECTOR_DATA_DIR=self.dir,
            BILLBEE_RATE_LIMIT="0",
            BILLBEE_TIMEOUT=str(args.client_timeout),
            BOOK_AFTER_IMPORT="False",  # booking is its own step here
            BILLBEE_LOG_LEVEL="ERROR",
            LOG_LEVEL="ERROR",
        )
        for item in filter(None, args.lease_env.split(",")):
            name, _, value = item.partition("=")
            self.env[name.strip()] = value.strip()
        for name in ("REDIS_URL", "BILLBEE_THROTTLE_REDIS_URL", "DATABASE_URL"):
            self.env.pop(name, None)
        self.url = args.database_url
        if args.database_url:
            self.env["DATABASE_URL"] = args.database_url
            self._empty_postgres(args.database_url)
        self.manage("migrate", "-v0", check=True)

    @staticmethod
    def _empty_postgres(url: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "manage.py", *args]

    def manage(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args), cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if check and result.returncode:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr[-3000:]}")
        return result

    def child(self, step: str, *args: str) -> Any:
        result = subprocess.run(
            [sys.executable, __file__, "--child", step, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"{step} failed: {result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def rows(self, table: str) -> int:
        """Rows in a table, read beside the running command (progress, for kill points)."""
        sql = f"SELECT count(*) FROM {table}"  # noqa: S608 - a fixed table name
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return int(conn.execute(sql).fetchone()[0])  # type: ignore[index]
        import sqlite3

        with sqlite3.connect(Path(self.dir, "connector.sqlite3"), timeout=30) as conn:
            return int(conn.execute(sql).fetchone()[0])

    def drop(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# ----------------------------------------------------------------------------- running


class Runner:
    """Runs one command until it completes: killed at random moments first (kill9), and
    waiting while a dead run's lease blocks the rerun."""

    def __init__(self, database: Database, args: argparse.Namespace, rng: random.Random) -> None:
        self.database, self.args, self.rng = database, args, rng

    def until_done(self, command: list[str], kills: int, table: str, total: int) -> dict:
        """Kill -9 ``kills`` times, each at a random point of the remaining work: when the
        rows of ``table`` (written one document at a time) reach a target drawn between
        their count and ``total``; then run until the command completes."""
        log: dict[str, Any] = {"runs": 0, "killed": 0, "finished_before_kill": 0}
        log.update(refused=0, waited_for_lease_s=0.0, failed_runs=0, errors=[], kill_at=[])
        waited_since = None
        while log["killed"] < kills:
            done = self.database.rows(table)
            if done >= total:
                break
            target = self.rng.randint(done + 1, total)
            process = subprocess.Popen(
                self.database.command(*command),
                cwd=ROOT,
                env=self.database.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            log["runs"] += 1
            while process.poll() is None and self.database.rows(table) < target:
                time.sleep(0.05)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                log["killed"] += 1
                log["kill_at"].append(f"{self.database.rows(table)}/{total}")
                waited_since = None
                continue
            stderr = process.stderr.read() if process.stderr else ""
            if not any(text in stderr for text in REFUSED):
                log["finished_before_kill"] += 1
                break
            # The killed run's lease still holds: wait, as in ``_complete``.
            log["refused"] += 1
            waited_since = waited_since or time.monotonic()
            log["waited_for_lease_s"] += 5
            if time.monotonic() - waited_since > self.args.max_lease_wait:
                log["errors"].append(f"still refused: {stderr[-500:]}")
                break
            time.sleep(5)
        return self._complete(command, log)

    def _complete(self, command: list[str], log: dict[str, Any]) -> dict[str, Any]:
        waited_since = None
        while True:
            log["runs"] += 1
            result = self.database.manage(*command, "--json")
            if result.returncode == 0:
                log["last"] = _last_json(result.stdout)
                return log
            if any(text in result.stderr for text in REFUSED):
                log["refused"] += 1
                waited_since = waited_since or time.monotonic()
                waited = time.monotonic() - waited_since
                log["waited_for_lease_s"] += 5
                if waited > self.args.max_lease_wait:
                    log["errors"].append(f"still refused after {waited:.0f} s: {result.stderr}")
                    return log
                time.sleep(5)
                continue
            log["failed_runs"] += 1
            log["errors"].append((result.stderr or result.stdout)[-1500:])
            if log["failed_runs"] >= self.args.max_failed_runs:
                return log


def _last_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def scenario(args: argparse.Namespace, name: str) -> dict[str, Any]:
    # The data ends an hour ago, so that the import's window (up to now minus its safety lag)
    # holds every order.
    end = (datetime.now(BERLIN) - timedelta(hours=1)).replace(microsecond=0)
    sandbox = Sandbox(args, end, args.faults if name == "faults" else "")
    database = Database(args)
    rng = random.Random(args.seed * 7919 + (1 if name == "kill9" else 0))
    runner = Runner(database, args, rng)
    try:
        start = (end - timedelta(days=args.days + 2)).date()
        database.child("setup", f"{sandbox.url}/api/v1", start.isoformat())
        sandbox.control("stats/reset", {})
        started = time.monotonic()
        kills = args.kills if name == "kill9" else 0
        imported = runner.until_done(
            ["import_orders", "--connection", "bench"], kills, UPLOAD_LOG, args.orders
        )
        import_s = time.monotonic() - started
        import_stats = sandbox.control("stats")
        database.child("debtors")
        started = time.monotonic()
        kills = args.book_kills if name == "kill9" else 0
        to_book = database.child("to-book")["documents"]
        booked = runner.until_done(
            ["book_documents", "--connection", "bench"], kills, BOOKINGS, to_book
        )
        book_s = time.monotonic() - started
        counts = database.child("count", sandbox.url)
        return {
            "scenario": name,
            "database": "postgresql" if args.database_url else "sqlite",
            "orders_in_sandbox": args.orders,
            "faults": args.faults if name == "faults" else "",
            "fault_retry_after": sandbox.control("config")["fault_retry_after"],
            **counts,
            "requests": _requests(import_stats),
            "import": _run_summary(imported),
            "booking": _run_summary(booked),
            "import_wall_s": round(import_s, 1),
            "booking_wall_s": round(book_s, 1),
        }
    finally:
        database.drop()
        sandbox.stop()


def _requests(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "api_requests": stats["requests"],
        "by_status": stats["by_status"],
        "faults": stats["faults"],
        "throttled_by_limit": stats["throttled"],
    }


def _run_summary(log: dict[str, Any]) -> dict[str, Any]:
    last = log.get("last") or {}
    keep = ("requests", "throttled", "retries", "state", "duration_s", "internal_errors")
    return {
        **{k: v for k, v in log.items() if k != "last"},
        "last_run": {k: last[k] for k in keep if k in last},
    }


# ----------------------------------------------------------------------------- child steps


def child_setup(api_url: str, start: str) -> dict[str, Any]:
    from datetime import date
    from decimal import Decimal

    from bookkeeping.models import ExchangeRate
    from connector.models import ChannelRule, Connection
    from connector.services.connections import connection_upsert

    connection, _, _ = connection_upsert(
        name="bench", api_url=api_url, username=USER, api_password=PASSWORD, api_key=KEY
    )
    first = date.fromisoformat(start)
    Connection.objects.filter(pk=connection.pk).update(import_start_date=first)
    # No channel exclusions: nearly every order becomes a document to import and book.
    ChannelRule.objects.filter(connection=connection).delete()
    settings = connection.bookkeeping
    settings.oss_registered_since = date(2021, 7, 1)
    settings.save()
    months, day = set(), first.replace(day=1)
    while day <= date.today():
        months.add(day)
        day = (day + timedelta(days=32)).replace(day=1)
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=c, day=month, kind="monthly", rate=Decimal(r))
        for month in sorted(months)
        for c, r in RATES.items()
    )
    return {"connection": connection.pk}


def child_debtors() -> dict[str, Any]:
    from bookkeeping.models import DebtorMapping
    from bookkeeping.services.debtors import debtor_mappings_sync
    from connector.models import Connection

    connection = Connection.objects.get(name="bench")
    debtor_mappings_sync(connection)
    for number, mapping in enumerate(DebtorMapping.objects.filter(connection=connection)):
        mapping.account = 10000 + number
        mapping.save()
    return {"mappings": DebtorMapping.objects.filter(connection=connection).count()}


def child_to_book() -> dict[str, Any]:
    from connector.models import ExternalOrder

    documents = ExternalOrder.objects.filter(
        connection__name="bench", status__in=ExternalOrder.ACCEPTED
    )
    return {"documents": documents.count()}


def child_count(sandbox_url: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from reliability_count import count

    return count(sandbox_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("faults", "kill9", "both"), default="both")
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default=FAULTS)
    parser.add_argument("--fault-delay", type=float, default=6.0, help="a hang lasts this long")
    parser.add_argument(
        "--client-timeout", type=float, default=3.0, help="BILLBEE_TIMEOUT: below --fault-delay"
    )
    parser.add_argument("--kills", type=int, default=4, help="kill -9 of import_orders")
    parser.add_argument("--book-kills", type=int, default=2, help="kill -9 of book_documents")
    parser.add_argument(
        "--lease-env",
        default="IMPORT_STALE_AFTER=30,BOOKING_LEASE_SECONDS=30",
        help="environment for the commands: lease durations (NAME=VALUE,…)",
    )
    parser.add_argument("--max-lease-wait", type=float, default=1200.0)
    parser.add_argument("--max-failed-runs", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL database to empty and use")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--markdown", help="also write the Markdown table here")
    args = parser.parse_args()
    if args.client_timeout >= args.fault_delay:
        parser.error("--client-timeout must be shorter than --fault-delay (a hang must time out)")
    names = ("faults", "kill9") if args.scenario == "both" else (args.scenario,)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "runs": [],
    }
    sys.path.insert(0, str(ROOT / "bench"))
    from reliability_count import markdown

    for name in names:
        results["runs"].append(scenario(args, name))
        print(markdown(results["runs"][-1:]), file=sys.stderr, flush=True)

    table = markdown(results["runs"])
    print(table, file=sys.stderr)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(table)
    failed = any(r["lost"] or r["duplicated"] or r["internal_errors"] for r in results["runs"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        import django

        django.setup()
        steps: dict[str, Any] = {
            "setup": child_setup,
            "debtors": child_debtors,
            "to-book": child_to_book,
            "count": child_count,
        }
        print(json.dumps(steps[sys.argv[2]](*sys.argv[3:]), default=str))
    else:
        main()
