"""The dashboard's run list: filtered, keyset-paged and polled every 2 s while a run on the page is pending."""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from reporting import l10n, services
from reporting.models import ReportRun
from reporting.models.runs import ReportRunQuerySet
from reporting.run_filter_form import RunFilterForm
from reporting.services import progress
from reporting.services.cancel import offers_cancel
from reporting.services.run_search import matching, requester_of
from reporting.templatetags.reporting import interval

from .access import DashboardRequest, member_required
from .runs import runs_for, schedule_of

RUNS_PER_PAGE = 20

# What the run table reads of each run (run_rows): 20 rows every 2 s while one is pending.
RUN_TABLE_FIELDS = (
    "id",
    "account_id",
    "livemode",
    "created",
    "report_type__name",
    "parameters",
    "status",
    "error",
    "started_at",
    "requested_via",
    "requested_by__username",
    "requested_by_key__name",
    "requested_by_key__prefix",
    "requested_by_key__last4",
    "result__size",
    "scheduled__id",
    "scheduled__schedule__id",
    "scheduled__schedule__name",
    *progress.FIELDS,
)


def run_page(request: DashboardRequest, shown: ReportRunQuerySet) -> tuple[list[ReportRun], str | None, str | None]:
    """One page of `shown`, newest first, and the ids for the "Older" and "Newer" links (or None).

    `?starting_after=<run id>` lists the runs older than that run, `?ending_before=`
    those newer. Raises UnknownCursor for a run the user cannot see.
    """
    after, before = request.GET.get("starting_after") or None, request.GET.get("ending_before") or None
    shown = shown.select_related(
        "report_type", "result", "requested_by", "requested_by_key", "scheduled__schedule"
    ).only(*RUN_TABLE_FIELDS)
    # The cursor is looked up among all the user's runs: a filter that hides it does not make it unknown.
    page = services.newest_first(
        shown, limit=RUNS_PER_PAGE, starting_after=after, ending_before=before, cursor_scope=runs_for(request)
    )
    runs = page.items
    if before:
        return runs, (runs[-1].id if runs else None), (runs[0].id if page.has_more else None)
    # Newest first: older runs follow if there are more; newer ones precede a cursor page.
    return runs, (runs[-1].id if page.has_more else None), (runs[0].id if after and runs else None)


def run_rows(request: DashboardRequest, runs: list[ReportRun]) -> list[dict[str, Any]]:
    """What the run table shows of each run, formatted in the user's zone."""
    zone = timezone.get_current_timezone()
    rows = []
    for run in runs:
        rows.append(
            {
                "id": run.id,
                "url": reverse("reporting:run-detail", args=[run.id]),
                "type_id": run.report_type_id,
                "type_name": run.report_type.name,
                "interval": interval(run, zone),
                "status": run.status,
                "status_display": run.get_status_display(),
                "created": l10n.moment_html(run.created),
                "download_url": reverse("reporting:run-download", args=[run.id]) if run.status == "succeeded" else "",
                "size": filesizeformat(run.result.size) if run.result else "",
                "error": run.error,
                "started": run.started_at is not None,
                "schedule": schedule_of(run),
                "requester": requester_of(run),
                "door": run.get_requested_via_display(),
                "progress": progress.progress_of(run),
                "can_cancel": offers_cancel(request.user, request.membership, run),
            }
        )
    return rows


@require_GET
@member_required
def run_list(request: DashboardRequest) -> HttpResponse:
    filters = RunFilterForm(request.GET, user_timezone=request.user.timezone or "Etc/UTC")
    query = filters.query_string()
    runs: list[ReportRun] = []
    older = newer = None
    if filters.is_valid():
        # An unknown cursor shows no runs: the redirect below starts the list again.
        with contextlib.suppress(services.UnknownCursor):
            runs, older, newer = run_page(request, matching(runs_for(request), filters.query()))
        if not runs and (request.GET.get("starting_after") or request.GET.get("ending_before")):
            # An unknown cursor (or a page emptied since): start again from the newest matching runs.
            url = reverse("reporting:run-list") + (f"?{query}" if query else "")
            return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    context = {
        "filters": filters,
        "filter_query": f"{query}&" if query else "",
        "rows": run_rows(request, runs),
        "older": older,
        "newer": newer,
        "polling": any(run.is_pending for run in runs),
    }
    # htmx polls (and filters) the table alone: one request per interval, not one per row.
    template = "reporting/reportrun_list.html#run-table" if request.htmx else "reporting/reportrun_list.html"
    # Bad filters: the table says what to fix (htmx swaps only 2xx answers).
    status = 400 if filters.errors and not request.htmx else 200
    return TemplateResponse(request, template, context, status=status)
