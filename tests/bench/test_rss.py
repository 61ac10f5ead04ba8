"""A benchmark's timed run in a child process reports the child's own peak memory, not the
peak its parent had when it started the child (Linux carries ``ru_maxrss`` over a fork)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_a_child_of_a_large_parent_reports_its_own_peak():
    ballast = bytearray(200 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):  # make the pages resident
        ballast[offset] = 1
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(BENCH)!r}); "
            "import resource; from rss import peak_rss_mb; "
            "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    own, inherited = (float(value) for value in child.stdout.split())
    assert inherited > 200  # what ru_maxrss says: the parent's memory
    assert own < 100  # a bare interpreter
    del ballast
