"""Due times and relative periods: DST gaps and repeats, month ends, weeks; no database."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reporting.recurrence import due_instant, is_due_day, local_midnight, next_due_after, period_days

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # a half-hour DST shift


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_due_in_a_skipped_hour_runs_once_when_the_clocks_jump():
    # Berlin, 2025-03-30: 02:00 CET becomes 03:00 CEST (01:00 UTC); 02:30 does not exist.
    due = due_instant(date(2025, 3, 30), time(2, 30), BERLIN)

    assert due == utc(2025, 3, 30, 1, 0)
    assert due.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"


def test_daily_schedule_across_the_spring_gap_runs_every_day_once():
    after = utc(2025, 3, 28, 12)
    dues = []
    for _ in range(4):
        after = next_due_after(after, "daily", time(2, 30), BERLIN)
        dues.append(after)

    assert dues == [utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1, 0), utc(2025, 3, 31, 0, 30), utc(2025, 4, 1, 0, 30)]


def test_due_in_a_repeated_hour_runs_at_its_first_occurrence_only():
    # Berlin, 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    first = next_due_after(utc(2025, 10, 25, 12), "daily", time(2, 30), BERLIN)
    second = next_due_after(first, "daily", time(2, 30), BERLIN)

    assert first == utc(2025, 10, 26, 0, 30)  # 02:30 CEST
    assert second == utc(2025, 10, 27, 1, 30)  # the next day, not 02:30 CET an hour later


def test_half_hour_gap_lord_howe():
    due = due_instant(date(2025, 10, 5), time(2, 15), LORD_HOWE)

    assert due.astimezone(LORD_HOWE).strftime("%Y-%m-%d %H:%M") == "2025-10-05 02:30"


@pytest.mark.parametrize(
    ("after", "day_of_month", "expected"),
    [
        (utc(2025, 1, 31, 12), 31, date(2025, 2, 28)),
        (utc(2024, 1, 31, 12), 31, date(2024, 2, 29)),
        (utc(2025, 3, 31, 12), 31, date(2025, 4, 30)),
        (utc(2025, 4, 30, 12), 31, date(2025, 5, 31)),
        (utc(2025, 1, 30, 12), 30, date(2025, 2, 28)),
        (utc(2025, 2, 1, 12), 29, date(2025, 2, 28)),
        (utc(2025, 2, 1, 12), 15, date(2025, 2, 15)),
    ],
)
def test_monthly_on_a_late_day_falls_on_the_last_day_of_shorter_months(after, day_of_month, expected):
    due = next_due_after(after, "monthly", time(7), NEW_YORK, day_of_month=day_of_month)

    assert due.astimezone(NEW_YORK).date() == expected
    assert due.astimezone(NEW_YORK).time() == time(7)


def test_weekly_runs_on_its_weekday_in_the_schedule_zone():
    # 2025-06-02 is a Monday; 23:30 in New York is already Tuesday in UTC.
    due = next_due_after(utc(2025, 6, 1), "weekly", time(23, 30), NEW_YORK, weekday=0)

    assert due == utc(2025, 6, 3, 3, 30)
    assert due.astimezone(NEW_YORK).weekday() == 0


@pytest.mark.parametrize(
    ("period", "run_day", "expected"),
    [
        ("yesterday", date(2025, 3, 1), (date(2025, 2, 28), date(2025, 3, 1))),
        ("last_week", date(2025, 6, 4), (date(2025, 5, 26), date(2025, 6, 2))),
        ("last_week", date(2025, 6, 2), (date(2025, 5, 26), date(2025, 6, 2))),
        ("last_month", date(2025, 1, 1), (date(2024, 12, 1), date(2025, 1, 1))),
        ("last_month", date(2025, 3, 31), (date(2025, 2, 1), date(2025, 3, 1))),
    ],
)
def test_period_days(period, run_day, expected):
    assert period_days(period, run_day) == expected


def test_last_month_in_a_zone_is_its_local_midnights():
    first, after_last = period_days("last_month", date(2025, 11, 1))

    # October in Berlin: from CEST midnight to CET midnight (the clocks went back on the 26th).
    assert local_midnight(first, BERLIN) == int(utc(2025, 9, 30, 22).timestamp())
    assert local_midnight(after_last, BERLIN) == int(utc(2025, 10, 31, 23).timestamp())


ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Etc/UTC"])
CADENCES = st.one_of(
    st.tuples(st.just("daily"), st.none(), st.none()),
    st.tuples(st.just("weekly"), st.integers(0, 6), st.none()),
    st.tuples(st.just("monthly"), st.none(), st.integers(1, 31)),
)


@given(
    zone=ZONES,
    cadence=CADENCES,
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    start=st.integers(int(utc(2020, 1, 1).timestamp()), int(utc(2030, 1, 1).timestamp())).map(
        lambda seconds: datetime.fromtimestamp(seconds, UTC)
    ),
)
@example(zone="Europe/Berlin", cadence=("daily", None, None), at=time(2, 30), start=datetime(2025, 3, 1, tzinfo=UTC))
@example(zone="Europe/Berlin", cadence=("daily", None, None), at=time(2, 30), start=datetime(2025, 10, 1, tzinfo=UTC))
@example(zone="America/Santiago", cadence=("daily", None, None), at=time(0, 0), start=datetime(2025, 8, 20, tzinfo=UTC))
@example(zone="Etc/UTC", cadence=("monthly", None, 31), at=time(7, 0), start=datetime(2024, 1, 15, tzinfo=UTC))
def test_due_times_fall_once_on_every_due_day_and_nowhere_else(zone, cadence, at, start):
    """Over 70 days, the due times are exactly one per due day (checked against the calendar), in order."""
    name, weekday, day_of_month = cadence
    tz = ZoneInfo(zone)
    dues = []
    moment = start
    horizon = start + timedelta(days=70)
    while True:
        moment = next_due_after(moment, name, at, tz, weekday=weekday, day_of_month=day_of_month)
        if moment > horizon:
            break
        dues.append(moment)

    days = [due.astimezone(tz).date() for due in dues]
    first_day, last_day = start.astimezone(tz).date(), horizon.astimezone(tz).date()
    expected = [
        first_day + timedelta(days=i)
        for i in range((last_day - first_day).days + 1)
        if _calendar_due(first_day + timedelta(days=i), name, weekday, day_of_month)
    ]
    # The first and last calendar days are partly outside [start, horizon]: compare the days strictly inside.
    inside = [d for d in expected if first_day < d < last_day]
    assert [d for d in days if first_day < d < last_day] == inside
    assert dues == sorted(set(dues))
    for due in dues:
        local = due.astimezone(tz)
        wanted = datetime.combine(local.date(), at)
        if local.time() != at:
            # Only a wall time the clocks skipped moves, and only to the jump: the second before was earlier.
            before = (due - timedelta(seconds=1)).astimezone(tz)
            assert before.replace(tzinfo=None) < wanted < local.replace(tzinfo=None)
            assert before.utcoffset() != local.utcoffset()


def _calendar_due(day, cadence, weekday, day_of_month):
    """An independent reading of the cadence, from the calendar module."""
    if cadence == "daily":
        return True
    if cadence == "weekly":
        return calendar.weekday(day.year, day.month, day.day) == weekday
    return day.day == min(day_of_month, calendar.monthrange(day.year, day.month)[1])


def test_is_due_day_refuses_an_unknown_cadence():
    with pytest.raises(ValueError, match="hourly"):
        is_due_day(date(2025, 1, 1), "hourly")
