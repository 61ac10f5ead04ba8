"""``billbee_sandbox [--port 8765] [--orders N] [--seed S] [--rate-limit 2] [--faults SPEC]``:
serve the local Billbee API sandbox until interrupted."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError, CommandParser

from billbee.sandbox import SandboxConfig, make_server, parse_faults, parse_latency
from billbee.sandbox.generator import SUBCENT_TOTALS
from billbee.sandbox.hostile import hostile_orders_add
from connector.cli import (
    OperatorCommand,
    int_between,
    moment_argument,
    non_negative_number,
    zone_argument,
)


class Command(OperatorCommand):
    help = "Run the local Billbee API sandbox (realistic data, Billbee's auth and limits)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int_between(0, 65535, "a port"), default=8765)
        parser.add_argument("--orders", type=int_between(0), default=1000, help="number of orders")
        parser.add_argument("--seed", type=int, default=1, help="data seed (same seed, same data)")
        parser.add_argument(
            "--days",
            type=int_between(1),
            default=90,
            help="orders are spread over this many days up to --end",
        )
        parser.add_argument(
            "--end",
            type=moment_argument,
            default=None,
            help="ISO timestamp the data ends at (default: now)",
        )
        parser.add_argument(
            "--rate-limit",
            type=non_negative_number,
            default=2.0,
            help="requests/s per endpoint per API key and user; 0 = off",
        )
        parser.add_argument(
            "--throttle-scale",
            type=non_negative_number,
            default=1.0,
            help="multiplies the per-resource windows (invoice list 60 s, CreateInvoice 300 s)",
        )
        parser.add_argument(
            "--faults",
            default="",
            help="e.g. 429=0.05,500=0.02,timeout=0.01,malformed=0.01,bad_pdf=0.5",
        )
        parser.add_argument(
            "--register-number-share",
            type=float,
            default=0.0,
            help="share of invoices (0..1) whose number the invoice register prints "
            "zero-padded, unlike the order's prefix + number + postfix",
        )
        parser.add_argument(
            "--fault-delay",
            type=non_negative_number,
            default=30.0,
            help="seconds a 'timeout' fault holds the response",
        )
        parser.add_argument(
            "--fault-retry-after",
            type=int,
            default=1,
            help="Retry-After seconds sent with injected 429s; -1 sends 429 without the header "
            "(as Billbee sometimes does)",
        )
        parser.add_argument(
            "--latency",
            default="",
            help="added network latency in ms before a request arrives: 40, or 20-80 for a "
            "uniformly random delay (a jittery network)",
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
        parser.add_argument(
            "--subcent-totals",
            type=_share,
            default=SUBCENT_TOTALS,
            help="share (0-1) of the orders whose four-place lines leave a sub-cent rest that "
            "get their TotalCost unrounded, with seven decimals (default 0.25)",
        )
        parser.add_argument("--timezone", type=zone_argument, default="Europe/Berlin")
        parser.add_argument("--verbose", action="store_true", help="log every request")
        parser.add_argument(
            "--cache-mb",
            type=int_between(0),
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
        if not 0 <= options["register_number_share"] <= 1:
            raise CommandError("--register-number-share must lie within 0..1")
        try:
            faults = parse_faults(options["faults"])
            latency = parse_latency(options["latency"])
            churn = _parse_churn(options["churn"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        tz = ZoneInfo(options["timezone"])
        end = None
        if options["end"]:
            end = options["end"]
            end = end if end.tzinfo else end.replace(tzinfo=tz)
        config = SandboxConfig(
            username=options["username"],
            api_password=options["api_password"],
            api_key=options["api_key"],
            rate_limit=options["rate_limit"],
            throttle_scale=options["throttle_scale"],
            faults=faults,
            fault_delay=options["fault_delay"],
            fault_retry_after=options["fault_retry_after"],
            latency_ms=latency,
            register_number_share=options["register_number_share"],
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
            subcent_totals=options["subcent_totals"],
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


def _share(value: str) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"{value} is not a share between 0 and 1")
    return share


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
