"""``billbee_sandbox [--port 8765] [--orders N] [--seed S] [--rate-limit 2] [--faults SPEC]``:
serve the local Billbee API sandbox until interrupted."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billbee.sandbox import SandboxConfig, make_server, parse_faults
from billbee.sandbox.hostile import hostile_orders_add


class Command(BaseCommand):
    help = "Run the local Billbee API sandbox (realistic data, Billbee's auth and limits)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--orders", type=int, default=1000, help="number of orders")
        parser.add_argument("--seed", type=int, default=1, help="data seed (same seed, same data)")
        parser.add_argument(
            "--days", type=int, default=90, help="orders are spread over this many days up to --end"
        )
        parser.add_argument(
            "--end", default=None, help="ISO timestamp the data ends at (default: now)"
        )
        parser.add_argument(
            "--rate-limit",
            type=float,
            default=2.0,
            help="requests/s per endpoint per API key and user; 0 = off",
        )
        parser.add_argument(
            "--throttle-scale",
            type=float,
            default=1.0,
            help="multiplies the per-resource windows (invoice list 60 s, CreateInvoice 300 s)",
        )
        parser.add_argument(
            "--faults", default="", help="e.g. 429=0.05,500=0.02,timeout=0.01,malformed=0.01"
        )
        parser.add_argument(
            "--fault-delay",
            type=float,
            default=30.0,
            help="seconds a 'timeout' fault holds the response",
        )
        parser.add_argument(
            "--churn",
            default="",
            help="change data every minute: new=N,states=N,invoices=N,cancellations=N",
        )
        parser.add_argument(
            "--username", default=os.environ.get("BILLBEE_USERNAME") or "sandbox@example.com"
        )
        parser.add_argument(
            "--api-password",
            default=os.environ.get("BILLBEE_API_PASSWORD") or "sandbox-api-password",
        )
        parser.add_argument(
            "--api-key", default=os.environ.get("BILLBEE_API_KEY") or "sandbox-api-key"
        )
        parser.add_argument("--timezone", default="Europe/Berlin")
        parser.add_argument("--verbose", action="store_true", help="log every request")
        parser.add_argument(
            "--cache-mb",
            type=int,
            default=256,
            help="memory for encoded orders, served again without rendering (0: no cache)",
        )
        parser.add_argument(
            "--hostile",
            action="store_true",
            help="add the crafted bad orders (duplicate invoice numbers, implausible dates, "
            "1E+30 totals, huge strings, NUL characters …; docs/sandbox.md)",
        )
        parser.add_argument(
            "--warm",
            action="store_true",
            help="encode every order at start (needs --cache-mb large enough; benchmarks)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            faults = parse_faults(options["faults"])
            churn = _parse_churn(options["churn"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        tz = ZoneInfo(options["timezone"])
        end = None
        if options["end"]:
            end = datetime.fromisoformat(options["end"])
            end = end if end.tzinfo else end.replace(tzinfo=tz)
        config = SandboxConfig(
            username=options["username"],
            api_password=options["api_password"],
            api_key=options["api_key"],
            rate_limit=options["rate_limit"],
            throttle_scale=options["throttle_scale"],
            faults=faults,
            fault_delay=options["fault_delay"],
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox: %(message)s")
        started = time.monotonic()
        server = make_server(
            host=options["host"],
            port=options["port"],
            orders=options["orders"],
            seed=options["seed"],
            days=options["days"],
            end=end,
            timezone=options["timezone"],
            config=config,
            verbose=options["verbose"],
            cache_mb=options["cache_mb"],
        )
        if options["hostile"]:
            with server.state.lock:
                added = hostile_orders_add(server.state)
            self.stdout.write(f"Added {len(added)} crafted bad orders (--hostile)")
        if options["warm"]:
            server.state.warm()
        self.stdout.write(
            f"Billbee sandbox: {server.api_url} ({options['orders']} orders, seed "
            f"{options['seed']}, built in {time.monotonic() - started:.1f} s; rate limit "
            f"{options['rate_limit'] or 'off'}; faults {options['faults'] or 'none'})"
        )
        self.stdout.write(
            f"Credentials: user {config.username}, API password and API key "
            "as configured (see docs/sandbox.md)"
        )
        self.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        if churn:
            threading.Thread(target=_churn_forever, args=(server, churn), daemon=True).start()
        try:
            server.serve_forever()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.server_close()


def _parse_churn(spec: str) -> dict[str, int]:
    names = {
        "new": "new_orders",
        "states": "state_changes",
        "invoices": "invoices",
        "cancellations": "cancellations",
    }
    result: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        if key not in names:
            raise ValueError(f"unknown churn item {key!r}; known: {', '.join(names)}")
        result[names[key]] = int(value)
    return result


def _churn_forever(server: Any, churn: dict[str, int]) -> None:
    while True:
        time.sleep(60)
        with server.state.lock:
            server.state.churn(**churn)
