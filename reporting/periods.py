"""The new-run form's periods: the days with data in the user's zone, and the presets bounded by them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

CUSTOM = "custom"
PRESETS = (
    ("last_month", _("Last month")),
    ("last_quarter", _("Last quarter")),
    ("year_to_date", _("Year to date")),
    ("last_7_days", _("Last 7 days")),
)


@dataclass(frozen=True)
class DataDays:
    """The first and last calendar days, in the user's zone, that a run may include (both included).

    The first is the local day of data_available_start: nothing happened before
    that instant, so a run may start at it even when the local midnight is earlier
    (the dashboard moves the interval's start up to it). The last is the last
    local day that ends at or before data_available_end (exclusive), so a run
    through it is never cut short. No data: `last` falls before `first`.
    """

    first: date
    last: date

    @classmethod
    def of(cls, availability: tuple[datetime, datetime], zone: ZoneInfo) -> DataDays:
        start, end = availability
        if start >= end:
            day = start.astimezone(zone).date()
            return cls(day, day - timedelta(days=1))
        return cls(start.astimezone(zone).date(), end.astimezone(zone).date() - timedelta(days=1))

    @property
    def empty(self) -> bool:
        return self.last < self.first


def quarter_start(day: date) -> date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """A preset's first and last day (both included), counted back from `today` in the user's zone.

    "Year to date" and "Last 7 days" end yesterday: today is not over, and has no data yet.
    """
    if preset == "last_month":
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1), first - timedelta(days=1)
    if preset == "last_quarter":
        this_quarter = quarter_start(today)
        return quarter_start(this_quarter - timedelta(days=1)), this_quarter - timedelta(days=1)
    if preset == "year_to_date":
        return today.replace(month=1, day=1), max(today - timedelta(days=1), today.replace(month=1, day=1))
    if preset == "last_7_days":
        return today - timedelta(days=7), today - timedelta(days=1)
    raise ValueError(f"{preset!r} is not a preset period")


def presets(today: date, days: DataDays) -> dict[str, tuple[StrOrPromise, date, date]]:
    """The presets that overlap the data, by value: their label and days, cut to the days with data."""
    offered: dict[str, tuple[StrOrPromise, date, date]] = {}
    for value, label in PRESETS:
        first, last = preset_days(value, today)
        first, last = max(first, days.first), min(last, days.last)
        if first <= last:
            offered[value] = (label, first, last)
    return offered
