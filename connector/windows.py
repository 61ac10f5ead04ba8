"""Planning the fetch windows of an import: pure functions.

An import reads orders by their LastModifiedAt, one calendar day (in the connection's zone)
per window; the client writes each bound in the zone of Billbee's clock. Billbee's
``modifiedAtMin`` is exclusive and ``modifiedAtMax`` inclusive, so the windows ``(a, b]``
chain without gap or overlap. Days are local: on DST days a window is 23 or
25 hours long. Midnight never falls into a DST gap in the zones Billbee merchants use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Window = tuple[datetime, datetime]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


# The largest offset between the two readings of Billbee's naive timestamps: German time
# (this project's default) and UTC (Billbee's official PHP SDK) differ by 1 h in winter and
# 2 h in summer. Each import re-reads this much more than the connection's overlap, so that
# a connection whose "Billbee's clock" setting is wrong still loses no change: with Billbee
# on UTC read as German time, the next run's modifiedAtMin lands up to 2 h after the
# watermark. Documents read again unchanged are recognised by their hash and cost nothing
# but the reading.
CLOCK_OFFSET_MAX = timedelta(hours=2)

# A midnight this close after a window's start is not cut at: the overlap before the
# watermark (or before the start date), 2 h 10 min by default, never costs a request of its
# own.
MIN_WINDOW = CLOCK_OFFSET_MAX + timedelta(hours=1)


def plan_windows(start: datetime, end: datetime, tz: ZoneInfo) -> list[Window]:
    """``(start, end]`` cut at every local midnight in between (except one less than
    ``MIN_WINDOW`` after the start)."""
    windows: list[Window] = []
    cursor = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while cursor < end:
        next_day = cursor.astimezone(tz).date() + timedelta(days=1)
        boundary = local_midnight(next_day, tz)
        if boundary - cursor < MIN_WINDOW:
            boundary = local_midnight(next_day + timedelta(days=1), tz)
        boundary = min(boundary, end)
        windows.append((cursor, boundary))
        cursor = boundary
    return windows


def import_span(
    *,
    now: datetime,
    tz: ZoneInfo,
    watermark: datetime | None,
    start_date: date | None,
    overlap: timedelta,
    safety_lag: timedelta,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Window:
    """What one import reads: from the watermark minus the overlap and the largest clock
    offset (or, the first time, from the start date's midnight) up to now minus the safety
    lag. ``since``/``until`` override either end (a re-read of a given period)."""
    if since is not None:
        start = since
    elif watermark is not None:
        start = watermark - overlap - CLOCK_OFFSET_MAX
    elif start_date is not None:
        # Billbee's modifiedAtMin is exclusive: start before midnight, so that an order
        # modified at 00:00:00.000 of the start date is read too (and before the largest
        # clock offset, so that a wrong clock setting does not cut the first day short).
        start = local_midnight(start_date, tz) - overlap - CLOCK_OFFSET_MAX
    else:
        start = now - timedelta(days=30)
    end = until if until is not None else now - safety_lag
    return start.astimezone(UTC), end.astimezone(UTC)
