"""When a schedule is due, and which days its relative period covers: pure calendar code, no database.

Due times are wall-clock times in the schedule's own zone, turned into instants
with zoneinfo:

- a time that does not exist that day (the clocks jumped over it) is due at the
  first instant after the gap, the moment the clocks jump: once, never skipped;
- a time that happens twice (the clocks went back) is due at its first occurrence
  only (fold=0);
- "monthly on day 29, 30 or 31" falls on the month's last day when it is shorter.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
YESTERDAY, LAST_WEEK, LAST_MONTH = "yesterday", "last_week", "last_month"

# Looking far enough ahead always finds a due day: a month and a bit for monthly cadences.
_HORIZON_DAYS = 62


def is_due_day(day: date, cadence: str, *, weekday: int | None = None, day_of_month: int | None = None) -> bool:
    """Whether a schedule with this cadence runs on `day` (weekday: 0 is Monday)."""
    if cadence == DAILY:
        return True
    if cadence == WEEKLY:
        return day.weekday() == weekday
    if cadence == MONTHLY:
        assert day_of_month is not None
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(day_of_month, last)
    raise ValueError(f"unknown cadence {cadence!r}")


def wall_time_exists(moment: datetime) -> bool:
    """Whether an aware local datetime names a real instant (not one the clocks skipped)."""
    zone = moment.tzinfo
    back = moment.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


def due_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a schedule due at `at` on local `day` runs, gaps and repeats resolved as above."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated time
    if wall_time_exists(local):
        return local.astimezone(UTC)
    # In a gap: fold=1 reads the time with the offset after the jump (an instant before the gap
    # ends), fold=0 with the offset before it (after the gap ends). The jump lies between them:
    # find the first second whose wall time is at or past the one asked for.
    early = int(local.replace(fold=1).timestamp())
    late = int(local.replace(fold=0).timestamp())
    wanted = local.replace(tzinfo=None)
    while late - early > 1:
        middle = (early + late) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wanted:
            late = middle
        else:
            early = middle
    return datetime.fromtimestamp(late, UTC)


def next_due_after(
    moment: datetime,
    cadence: str,
    at: time,
    zone: ZoneInfo,
    *,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> datetime:
    """The first due instant strictly after `moment` (aware), in UTC."""
    day = moment.astimezone(zone).date()
    for offset in range(_HORIZON_DAYS):
        candidate = day + timedelta(days=offset)
        if is_due_day(candidate, cadence, weekday=weekday, day_of_month=day_of_month):
            due = due_instant(candidate, at, zone)
            if due > moment:
                return due
    raise ValueError(f"no {cadence} due day within {_HORIZON_DAYS} days of {moment}")  # pragma: no cover


def period_days(period: str, run_day: date) -> tuple[date, date]:
    """The first day and the day after the last of a period relative to the local day a run is due.

    yesterday: the day before; last_week: the last full week, Monday to Sunday;
    last_month: the last full calendar month.
    """
    if period == YESTERDAY:
        return run_day - timedelta(days=1), run_day
    if period == LAST_WEEK:
        monday = run_day - timedelta(days=run_day.weekday())
        return monday - timedelta(days=7), monday
    if period == LAST_MONTH:
        first = run_day.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1), first
    raise ValueError(f"{period!r} is not a period of days")


def local_midnight(day: date, zone: ZoneInfo) -> int:
    """Midnight at the start of `day` in `zone`, as Unix seconds (as the dashboard's form turns days into intervals)."""
    return int(datetime.combine(day, time(), tzinfo=zone).timestamp())
