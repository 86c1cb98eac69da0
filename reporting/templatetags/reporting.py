from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from reporting.models import ReportRun

register = template.Library()


@register.simple_tag
def interval(run: ReportRun, zone: tzinfo | None = None) -> str:
    """Show a run's half-open interval as people read it: first and last day, in their zone (the current one)."""
    zone = zone or timezone.get_current_timezone()
    start, end = run.interval_start, run.interval_end
    if "payout" in run.parameters:
        return f"payout {run.parameters['payout']}"
    if start is None and end is not None:
        # Ending-balance types: the balance at the end of the day before interval_end.
        return f"as of {end.astimezone(zone) - timedelta(seconds=1):%Y-%m-%d}"
    if start is None or end is None:
        return "—"
    start, end = start.astimezone(zone), end.astimezone(zone)
    if _is_midnight(start) and _is_midnight(end):
        last_day = end - timedelta(days=1)
        return f"{start:%Y-%m-%d}" if last_day.date() == start.date() else f"{start:%Y-%m-%d} – {last_day:%Y-%m-%d}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} (end excluded)"


def _is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) == (0, 0, 0)


@register.filter
def in_words(delta: timedelta | None) -> str:
    """A duration as people say it, to its largest unit: "2 hours", "3 days", "less than a minute"."""
    if delta is None:
        return ""
    if delta < timedelta(minutes=1):
        return "less than a minute"
    now = timezone.now()
    return timesince(now - delta, now, depth=1)
