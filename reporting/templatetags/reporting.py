from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from django import template
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from reporting import l10n
from reporting.models import ReportRun

register = template.Library()


@register.simple_tag
def interval(run: ReportRun, zone: tzinfo | None = None) -> str:
    """Show a run's half-open interval as people read it: first and last day, in their zone (the current one)."""
    zone = zone or timezone.get_current_timezone()
    start, end = run.interval_start, run.interval_end
    if "payout" in run.parameters:
        return _("payout %(id)s") % {"id": run.parameters["payout"]}
    if start is None and end is not None:
        # Ending-balance types: the balance at the end of the day before interval_end.
        return _("as of %(day)s") % {"day": l10n.day((end.astimezone(zone) - timedelta(seconds=1)).date())}
    if start is None or end is None:
        return "—"
    start, end = start.astimezone(zone), end.astimezone(zone)
    if _is_midnight(start) and _is_midnight(end):
        first, last = l10n.day(start.date()), l10n.day((end - timedelta(days=1)).date())
        return first if first == last else f"{first} – {last}"
    with timezone.override(zone):
        return _("%(start)s – %(end)s (end excluded)") % {"start": l10n.moment(start), "end": l10n.moment(end)}


def _is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) == (0, 0, 0)


@register.filter
def in_words(delta: timedelta | None) -> str:
    """A duration as people say it, to its largest unit: "2 hours", "3 days", "less than a minute"."""
    if delta is None:
        return ""
    if delta < timedelta(minutes=1):
        return _("less than a minute")
    now = timezone.now()
    return timesince(now - delta, now, depth=1)


@register.filter
def moment(value: datetime | None, empty: str = "") -> SafeString | str:
    """A time in the user's zone and language, named, in a <time> element: `{{ run.created|moment:"—" }}`."""
    return l10n.moment_html(value, empty)


@register.simple_tag
def text_language() -> str:
    """The language of the page's words, for <html lang>: the active one if its words are translated, else English."""
    active = translation.get_language() or settings.LANGUAGE_CODE
    return active if active.split("-")[0] in settings.TEXT_LANGUAGES else "en"


@register.filter
def mode_name(livemode: bool) -> str:
    """The mode as a sentence names it, in the user's language: "live" or "test"."""
    return pgettext("mode", "live") if livemode else pgettext("mode", "test")


@register.simple_tag
def column_picker_words() -> SafeString:
    """The sentences column_picker.js writes, in the user's language, as JSON data for the script to read.

    A <script type="application/json"> is data, not code: the Content-Security-Policy lets
    it be. Placeholders are Python's %(name)s, which the script fills in. Plurals come in
    two forms, one and other: right for every language in settings.LANGUAGES.
    """
    words = {
        "shown": _("%(shown)s of %(total)s columns shown"),
        "moved": _("%(name)s moved to position %(position)s of %(count)s."),
        "ticked_one": ngettext("Ticked %(count)s column.", "Ticked %(count)s columns.", 1),
        "ticked_other": ngettext("Ticked %(count)s column.", "Ticked %(count)s columns.", 2),
        "unticked_one": ngettext("Unticked %(count)s column.", "Unticked %(count)s columns.", 1),
        "unticked_other": ngettext("Unticked %(count)s column.", "Unticked %(count)s columns.", 2),
        "defaults": _("Default columns: %(count)s ticked, in their default order."),
        "up": _("Move %(name)s up"),
        "down": _("Move %(name)s down"),
        "drag": _("Drag to move"),
        "bad_key": _("Enter a metadata key without brackets."),
        "added": _("%(name)s added."),
    }
    return json_script(words, "column-picker-words")
