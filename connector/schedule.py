"""When a scheduled import may start: pure functions.

An import may start inside the connection's daily window (default 06:00 up to, not including,
22:00, wall-clock time in the connection's zone) and at least the spacing (default 8 hours,
elapsed time) after the previous import started. The periodic tick (every few minutes) asks;
on DST days the window follows the wall clock while the spacing stays elapsed time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def schedule_decision(
    *,
    now: datetime,
    tz: ZoneInfo,
    window_start: time,
    window_end: time,
    spacing: timedelta,
    last_started: datetime | None,
    enabled: bool = True,
) -> tuple[bool, str]:
    """(may an import start now?, why)."""
    if not enabled:
        return False, "scheduled imports are switched off for this connection"
    local = now.astimezone(tz)
    window = f"{window_start:%H:%M}–{window_end:%H:%M} {tz.key}"
    if local.time() < window_start:
        return False, f"{local:%H:%M} is before the daily window {window}"
    if local.time() >= window_end:
        return False, f"{local:%H:%M} is after the daily window {window}"
    if last_started is not None and now - last_started < spacing:
        waited = now - last_started
        return False, (
            f"the last import started {_span(waited)} ago; "
            f"{_span(spacing)} must pass between imports"
        )
    return True, f"inside the daily window {window}" + (
        f", {_span(now - last_started)} after the last import" if last_started else ""
    )


def next_start(
    *,
    now: datetime,
    tz: ZoneInfo,
    window_start: time,
    window_end: time,
    spacing: timedelta,
    last_started: datetime | None,
    enabled: bool = True,
) -> datetime | None:
    """The earliest moment from ``now`` on at which an import may start (None: never)."""
    if not enabled:
        return None
    candidate = max(now, last_started + spacing) if last_started else now
    for _ in range(3):
        local = candidate.astimezone(tz)
        if local.time() < window_start:
            return datetime.combine(local.date(), window_start, tzinfo=tz)
        if local.time() < window_end:
            return candidate
        candidate = datetime.combine(local.date() + timedelta(days=1), window_start, tzinfo=tz)
    return candidate


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
