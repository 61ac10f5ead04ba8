"""Benchmark: streaming orders from the sandbox through the Billbee client.

Part 1, throttling off: for each N, a fresh sandbox process serves N orders and a fresh client
process pages through all of them (pageSize 250) and parses every order into typed objects.
Reports wall-clock orders/s, the client's own CPU time per order (the sandbox runs in another
process), and the client's peak RSS, which must stay flat as N grows (one page in memory).

Part 2, throttling on (Billbee's 2 requests/s per endpoint): the client pages through orders
with pacing on against a sandbox that enforces the limit, then round-robins three endpoints.
Reports the request rate achieved and the number of 429 answers (target 0).

Usage: python bench/stream_orders.py [--sizes 10000,50000,100000] [--json out.json]
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USER, PASSWORD, KEY = "bench@example.com", "bench-api-password", "bench-api-key"
END = "2026-11-20T18:00:00"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sandbox:
    def __init__(
        self,
        orders: int,
        rate_limit: float,
        days: int = 90,
        cache_mb: int = 256,
        warm: bool = False,
    ) -> None:
        self.port = _free_port()
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="connector.settings.development")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "billbee_sandbox",
                "--port",
                str(self.port),
                "--orders",
                str(orders),
                "--seed",
                "1",
                "--days",
                str(days),
                "--end",
                END,
                "--rate-limit",
                str(rate_limit),
                "--cache-mb",
                str(cache_mb),
                *(["--warm"] if warm else []),
                "--username",
                USER,
                "--api-password",
                PASSWORD,
                "--api-key",
                KEY,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/__sandbox__/health", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        raise RuntimeError("sandbox did not start")

    def stats(self) -> dict:
        return self.control("stats")

    def control(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.url}/__sandbox__/{path}", timeout=60) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def child_stream(api_url: str) -> None:
    """Runs in its own process so that ru_maxrss is this run's peak alone."""
    from billbee.client import BillbeeClient
    from billbee.throttle import ThrottlePolicy

    client = BillbeeClient(
        username=USER,
        api_password=PASSWORD,
        api_key=KEY,
        base_url=api_url,
        policy=ThrottlePolicy.off(),
        timeout=120,
    )
    baseline_kb = _rss_kb()
    cpu_start = time.process_time()
    started = time.perf_counter()
    orders = failures = lines = 0
    for page in client.iter_orders(page_size=250):
        orders += len(page.items)
        failures += len(page.failures)
        lines += sum(len(o.items) for o in page.items)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_start
    print(
        json.dumps(
            {
                "orders": orders,
                "failures": failures,
                "lines": lines,
                "wall_s": round(wall, 2),
                "orders_per_s": round(orders / wall),
                "client_cpu_s": round(cpu, 2),
                "client_cpu_us_per_order": round(cpu / orders * 1e6, 1),
                "requests": client.stats.requests,
                "baseline_rss_mb": round(baseline_kb / 1024, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def child_throttled(api_url: str, requests_per_endpoint: int) -> None:
    from billbee.client import BillbeeClient
    from billbee.throttle import ThrottlePolicy

    client = BillbeeClient(
        username=USER,
        api_password=PASSWORD,
        api_key=KEY,
        base_url=api_url,
        policy=ThrottlePolicy.billbee(2.0),
        timeout=60,
    )
    # (a) one endpoint: page through the order list.
    started = time.perf_counter()
    pages = 0
    for _page in client.iter_orders(page_size=250):
        pages += 1
    single_wall = time.perf_counter() - started
    # (b) three endpoints round-robin: each has its own 2 req/s budget.
    order_ids = [o.billbee_order_id for o in next(client.iter_orders(page_size=50)).items]
    started = time.perf_counter()
    for i in range(requests_per_endpoint):
        next(client.iter_orders(page_size=1, limit=1))
        client.get_order(order_ids[i % len(order_ids)])
        client.order_states()
    mixed_wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "single_endpoint_requests": pages,
                "single_endpoint_wall_s": round(single_wall, 2),
                "single_endpoint_req_per_s": round((pages - 1) / single_wall, 2)
                if pages > 1
                else 0,
                "mixed_requests": 3 * requests_per_endpoint,
                "mixed_wall_s": round(mixed_wall, 2),
                "mixed_req_per_s": round(3 * requests_per_endpoint / mixed_wall, 2),
                "client_429": client.stats.throttled,
                "client_requests": client.stats.requests,
            }
        )
    )


def run_child(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--throttled-orders", type=int, default=5000)
    parser.add_argument(
        "--mixed-requests",
        type=int,
        default=20,
        help="requests per endpoint in the round-robin part",
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    results: dict = {
        "machine": f"{platform.node()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "streaming": [],
        "throttled": None,
    }
    for size in [int(s) for s in args.sizes.split(",")]:
        sandbox = Sandbox(size, rate_limit=0)
        try:
            row = run_child("--child-stream", f"{sandbox.url}/api/v1")
            row["n"] = size
            row["sandbox_429"] = sandbox.stats()["throttled"]
        finally:
            sandbox.stop()
        results["streaming"].append(row)
        print(
            f"N={size:>7}: {row['orders_per_s']:>6} orders/s wall, "
            f"{row['client_cpu_us_per_order']:>6} µs client CPU/order, peak RSS "
            f"{row['peak_rss_mb']} MB (baseline {row['baseline_rss_mb']} MB), "
            f"{row['requests']} requests",
            flush=True,
        )

    sandbox = Sandbox(args.throttled_orders, rate_limit=2)
    try:
        row = run_child("--child-throttled", f"{sandbox.url}/api/v1", str(args.mixed_requests))
        stats = sandbox.stats()
        row["sandbox_429"] = stats["throttled"]
        row["sandbox_max_served_per_second"] = max(stats["max_per_second"].values())
    finally:
        sandbox.stop()
    results["throttled"] = row
    print(
        f"throttled: one endpoint {row['single_endpoint_req_per_s']} req/s "
        f"({row['single_endpoint_requests']} requests), three endpoints "
        f"{row['mixed_req_per_s']} req/s; 429 answers: {row['sandbox_429']}; most served "
        f"in any second per endpoint: {row['sandbox_max_served_per_second']}"
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child-stream":
        child_stream(sys.argv[2])
    elif len(sys.argv) > 3 and sys.argv[1] == "--child-throttled":
        child_throttled(sys.argv[2], int(sys.argv[3]))
    else:
        main()
