from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from reporting import l10n
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
        return f"as of {l10n.day((end.astimezone(zone) - timedelta(seconds=1)).date())}"
    if start is None or end is None:
        return "—"
    start, end = start.astimezone(zone), end.astimezone(zone)
    if _is_midnight(start) and _is_midnight(end):
        first, last = l10n.day(start.date()), l10n.day((end - timedelta(days=1)).date())
        return first if first == last else f"{first} – {last}"
    with timezone.override(zone):
        return f"{l10n.moment(start)} – {l10n.moment(end)} (end excluded)"


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


@register.filter
def moment(value: datetime | None, empty: str = "") -> SafeString | str:
    """A time in the user's zone and language, named, in a <time> element: `{{ run.created|moment:"—" }}`."""
    return l10n.moment_html(value, empty)


@register.filter
def day(value: date | datetime | None, empty: str = "") -> str:
    """A calendar day as the user's language writes it (a datetime: its day in the user's zone)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return l10n.day(value)


@register.filter
def count(value: int | None, empty: str = "") -> str:
    """A count with the language's thousands separator."""
    return empty if value is None else l10n.count(value)
