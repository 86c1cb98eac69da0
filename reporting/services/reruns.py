"""Run again: a run's parameters as the new-run form's query string, as they were or moved forward.

The form speaks in the user's calendar days (`start_date`, `end_date`, `as_of`)
and the type's options (`payout`, `currency`, `columns`, …), so a run's Unix
interval is read back in the user's zone. Moving forward keeps the kind of
period: whole calendar months become the next as many whole months, if the
data covers them all; any other period keeps its length and ends on the last
day with data. An "as of" a month's last day moves to the next month's last
day; another "as of" moves to the last day with data. Payout runs do not move.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from reporting.models import ReportRun

# The options the form shows under the same names as the parameters.
OPTIONS = ("payout", "currency", "reporting_category", "timezone", "decimal_separator", "columns")

Query = dict[str, Any]


def last_day_with_data(availability: tuple[datetime, datetime], zone: tzinfo) -> date | None:
    """The latest day of `zone` that ends by the data's end (None without data)."""
    start, end = availability
    return None if end <= start else end.astimezone(zone).date() - timedelta(days=1)


def same_again(run: ReportRun, zone: tzinfo) -> Query:
    """The form's query for the run's own parameters (its days in `zone`)."""
    query: Query = {"report_type": run.report_type_id}
    start, end = run.interval_start, run.interval_end
    if end is not None:
        # The day holding the interval's last instant: the end is excluded.
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        if start is None:
            query["as_of"] = last
        else:
            query["start_date"], query["end_date"] = start.astimezone(zone).date(), last
    for name in OPTIONS:
        if run.parameters.get(name):
            query[name] = run.parameters[name]
    return query


def moved_forward(run: ReportRun, zone: tzinfo, availability: tuple[datetime, datetime]) -> Query | None:
    """The same query with the period moved forward, or None when it cannot move (no newer data, a payout)."""
    query = same_again(run, zone)
    latest = last_day_with_data(availability, zone)
    if latest is None or "payout" in query:
        return None
    if "as_of" in query:
        as_of: date = query["as_of"]
        later = month_end(add_months(as_of.replace(day=1), 1)) if is_month_end(as_of) else latest
        return {**query, "as_of": later} if as_of < later <= latest else None
    if "start_date" not in query:
        return None
    first, last = query["start_date"], query["end_date"]
    months = whole_months(first, last)
    if months:
        start = add_months(first, months)
        end = add_months(start, months) - timedelta(days=1)
        return {**query, "start_date": start, "end_date": end} if end <= latest else None
    if latest <= last:
        return None
    return {**query, "start_date": latest - (last - first), "end_date": latest}


def whole_months(first: date, last: date) -> int:
    """How many whole calendar months `first`..`last` (both included) spans, or 0 if it is not whole months."""
    after = last + timedelta(days=1)
    if first.day != 1 or after.day != 1:
        return 0
    return (after.year - first.year) * 12 + after.month - first.month


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.month - 1 + months
    return date(first_of_month.year + index // 12, index % 12 + 1, 1)


def month_end(first_of_month: date) -> date:
    return add_months(first_of_month, 1) - timedelta(days=1)


def is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1
