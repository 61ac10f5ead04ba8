"""Run by test_throttle: one process of several that call the same endpoint at once.

Usage: python -m tests.billbee.throttle_worker API_URL LIMITER PREFIX COUNT START_AT
LIMITER is "local" or a Redis URL. START_AT is a wall-clock time.time() to start at, so that
all processes begin together. Prints one JSON line with what the client saw.
"""

from __future__ import annotations

import json
import sys
import time

from billbee.client import BillbeeClient
from billbee.throttle import LocalRateLimiter, RedisRateLimiter, ThrottlePolicy
from tests.conftest import SANDBOX_KEY, SANDBOX_PASSWORD, SANDBOX_USER


def main() -> None:
    api_url, limiter_spec, prefix, count, start_at = sys.argv[1:6]
    limiter = (
        LocalRateLimiter()
        if limiter_spec == "local"
        else RedisRateLimiter(limiter_spec, prefix=prefix)
    )
    client = BillbeeClient(
        username=SANDBOX_USER,
        api_password=SANDBOX_PASSWORD,
        api_key=SANDBOX_KEY,
        base_url=api_url,
        policy=ThrottlePolicy.billbee(2.0),
        limiter=limiter,
        max_throttle_retries=20,
    )
    time.sleep(max(0.0, float(start_at) - time.time()))
    for _ in range(int(count)):
        client.order_states()
    client.close()
    print(json.dumps(client.stats.as_dict()))


if __name__ == "__main__":
    main()
