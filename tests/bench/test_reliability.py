"""The reliability harness (bench/reliability.py) itself, on a small sandbox with faults.

It runs as a user runs it (a subprocess starting its own sandbox and database, importing and
booking through the real commands over HTTP) and must count every order: the figures in
docs/reliability.md are only as good as this harness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Higher rates than the documented run, so that 150 orders meet every kind of fault.
FAULTS = "429=0.1,500=0.08,timeout=0.05,malformed=0.08"


@pytest.mark.slow
def test_faults_run_counts_every_order_once_and_every_fault_kind(tmp_path):
    markdown = tmp_path / "table.md"
    result = subprocess.run(
        [
            sys.executable,
            "bench/reliability.py",
            "--scenario=faults",
            "--orders=150",
            "--days=40",
            "--seed=3",
            f"--faults={FAULTS}",
            "--fault-delay=2",
            "--client-timeout=1",
            f"--markdown={markdown}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # ~25 s on an idle machine; generous for a loaded CI runner
    )

    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = json.loads(result.stdout)["runs"]
    assert run["orders_expected"] == 150
    assert run["orders_outside_window"] == 0
    assert run["expected_imported"] > 100
    assert run["imported"] == run["expected_imported"]
    assert (run["lost"], run["duplicated"], run["internal_errors"]) == (0, 0, 0)
    assert run["decision_differs"] == {}
    assert run["booked"] + run["held_with_reason"] == run["documents_to_book"]
    assert run["booked"] > 100
    assert run["unbalanced_entries"] == 0
    faults = run["requests"]["faults"]
    assert {"429", "500", "timeout", "malformed"} <= set(faults)
    # Without Retry-After, as the harness configures the sandbox's 429s.
    assert run["fault_retry_after"] == -1
    assert run["requests"]["by_status"].get("429", 0) == faults["429"]
    assert "| faults | sqlite | 150 |" in markdown.read_text()
