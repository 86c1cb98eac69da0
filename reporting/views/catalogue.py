"""The report type catalogue and the new-run form's payout picker."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from reporting import l10n
from reporting.catalogue import families, search_payouts
from reporting.models import data_availability
from reporting.reports import REPORT_TYPES
from reporting.services.previews import activity_figures
from reporting.services.sources import SyncStatus, source_of

from .access import DashboardRequest, member_required
from .runs import report_types_for


@require_GET
@member_required
def report_types(request: DashboardRequest) -> HttpResponse:
    types, live_only = report_types_for(request)
    start, end = data_availability(request.membership.account, request.livemode)
    # Only said here, never checked by runs: a failing sync stops availability, not reports.
    source = source_of(request.membership.account.pk, request.livemode)
    # The 12 months up to the last day with data (UTC), or up to today when there is none yet.
    last_day = (end - timedelta(microseconds=1) if start < end else timezone.now()).astimezone(UTC).date()
    context = {
        "families": families([REPORT_TYPES[t] for t in types], live_only),
        "available_start": start,
        "available_end": end,
        "has_data": start < end,
        "activity": activity_figures(request.membership.account.pk, request.livemode, last_day),
        "failing_source": source if source is not None and SyncStatus(source).failing else None,
    }
    return TemplateResponse(request, "reporting/reporttype_list.html", context)


@require_GET
@member_required
def payout_search(request: DashboardRequest) -> HttpResponse:
    # The form's payout input searches as the user types (htmx sends its value as `payout`).
    text = request.GET.get("q", request.GET.get("payout", ""))[:100]
    payouts = search_payouts(request.membership.account, request.livemode, text)
    results = [(p, l10n.minor_amount(p.amount, p.currency)) for p in payouts]
    report_type = request.GET.get("report_type", "")
    context = {"results": results, "q": text, "report_type": report_type if report_type in REPORT_TYPES else ""}
    template = "reporting/payout_list.html#payout-results" if request.htmx else "reporting/payout_list.html"
    return TemplateResponse(request, template, context)
