"""Planning the fetch windows of an import: pure functions.

An import reads orders by their LastModifiedAt, one calendar day (in the connection's zone)
per window. Billbee's ``modifiedAtMin`` is exclusive and ``modifiedAtMax`` inclusive, so the
windows ``(a, b]`` chain without gap or overlap. Days are local: on DST days a window is 23 or
25 hours long. Midnight never falls into a DST gap in the zones Billbee merchants use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Window = tuple[datetime, datetime]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


# A midnight this close after a window's start is not cut at: the overlap before the
# watermark (or before the start date) never costs a request of its own.
MIN_WINDOW = timedelta(hours=1)


def plan_windows(start: datetime, end: datetime, tz: ZoneInfo) -> list[Window]:
    """``(start, end]`` cut at every local midnight in between (except one less than an hour
    after the start)."""
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
    """What one import reads: from the watermark minus the overlap (or, the first time, from
    the start date's midnight) up to now minus the safety lag. ``since``/``until`` override
    either end (a re-read of a given period)."""
    if since is not None:
        start = since
    elif watermark is not None:
        start = watermark - overlap
    elif start_date is not None:
        # Billbee's modifiedAtMin is exclusive: start before midnight, so that an order
        # modified at 00:00:00.000 of the start date is read too.
        start = local_midnight(start_date, tz) - overlap
    else:
        start = now - timedelta(days=30)
    end = until if until is not None else now - safety_lag
    return start.astimezone(UTC), end.astimezone(UTC)
