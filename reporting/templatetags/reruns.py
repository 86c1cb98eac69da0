"""`{% run_again run %}`: a run page's links to the new-run form, prefilled as the run was or moved forward."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reporting import l10n
from reporting.models import ReportRun, data_availability
from reporting.services.reruns import Query, moved_forward, same_again

register = template.Library()


def form_url(query: Query) -> str:
    def text(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    pairs = {
        name: [text(v) for v in value] if isinstance(value, list) else text(value) for name, value in query.items()
    }
    return f"{reverse('reporting:run-create')}?{urlencode(pairs, doseq=True)}"


def period(query: Query) -> str:
    if "as_of" in query:
        return _("as of %(day)s") % {"day": l10n.day(query["as_of"])}
    return f"{l10n.day(query['start_date'])} – {l10n.day(query['end_date'])}"


@register.simple_tag(takes_context=True)
def run_again(context: template.Context, run: ReportRun) -> SafeString:
    """Nothing for members who may not request runs; the forward link only when the data reaches further."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_request:
        return SafeString("")
    zone = timezone.get_current_timezone()
    links = [(form_url(same_again(run, zone)), _("Run again"))]
    forward = moved_forward(run, zone, data_availability(membership.account, run.livemode))
    if forward is not None:
        links.append((form_url(forward), _("Run again for %(period)s") % {"period": period(forward)}))
    items = format_html_join(" ", '<a class="button" href="{}">{}</a>', links)
    return format_html('<p class="run-again">{}</p>', items)
