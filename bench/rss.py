"""Peak resident memory of this process.

``getrusage(RUSAGE_SELF).ru_maxrss`` is not the peak of a process started by another one: Linux
carries the parent's peak over to the child at ``fork``, so a timed run in a child of a large
parent reports the parent's memory. ``VmHWM`` in ``/proc/self/status`` is the peak of the
process's own memory since its ``exec``; ``ru_maxrss`` where there is no ``/proc``.
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
