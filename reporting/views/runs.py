"""The dashboard's report runs: the polled list, the new-run form, a run's page and its download."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from reporting import services
from reporting.forms import RunRequestForm
from reporting.models import DailyTotal, ReportRun, ReportType, data_availability
from reporting.models.runs import ReportRunQuerySet
from reporting.reports import REPORT_TYPES, get_report
from reporting.schedule_form import ScheduleForm
from reporting.templatetags.reporting import interval

from .access import DashboardRequest, caller, member_required

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
    "result__size",
    "scheduled__id",
    "scheduled__schedule__id",
    "scheduled__schedule__name",
)


def runs_for(request: DashboardRequest) -> ReportRunQuerySet:
    return ReportRun.objects.for_mode(request.membership.account, request.livemode)


def run_page(request: DashboardRequest) -> tuple[list[ReportRun], str | None, str | None]:
    """One page of runs, newest first, and the ids for the "Older" and "Newer" links (or None).

    `?starting_after=<run id>` lists the runs older than that run, `?ending_before=`
    those newer. Raises UnknownCursor for a run the user cannot see.
    """
    after, before = request.GET.get("starting_after") or None, request.GET.get("ending_before") or None
    shown = runs_for(request).select_related("report_type", "result", "scheduled__schedule").only(*RUN_TABLE_FIELDS)
    page = services.newest_first(shown, limit=RUNS_PER_PAGE, starting_after=after, ending_before=before)
    runs = page.items
    if before:
        return runs, (runs[-1].id if runs else None), (runs[0].id if page.has_more else None)
    # Newest first: older runs follow if there are more; newer ones precede a cursor page.
    return runs, (runs[-1].id if page.has_more else None), (runs[0].id if after and runs else None)


def run_rows(runs: list[ReportRun]) -> list[dict[str, Any]]:
    """What the run table shows of each run, formatted in the user's zone."""
    zone = timezone.get_current_timezone()
    rows = []
    for run in runs:
        created = run.created.astimezone(zone)
        rows.append(
            {
                "id": run.id,
                "url": reverse("reporting:run-detail", args=[run.id]),
                "type_id": run.report_type_id,
                "type_name": run.report_type.name,
                "interval": interval(run, zone),
                "status": run.status,
                "status_display": run.get_status_display(),
                "created": f"{created:%Y-%m-%d %H:%M}",
                "zone": created.tzname() or "",
                "download_url": reverse("reporting:run-download", args=[run.id]) if run.status == "succeeded" else "",
                "size": filesizeformat(run.result.size) if run.result else "",
                "error": run.error,
                "started": run.started_at is not None,
                "schedule": schedule_of(run),
            }
        )
    return rows


def schedule_of(run: ReportRun) -> dict[str, str] | None:
    """The name and page of the schedule that made the run, if one did."""
    try:
        schedule = run.scheduled.schedule
    except ReportRun.scheduled.RelatedObjectDoesNotExist:
        return None
    return {"name": schedule.name, "url": schedule.get_absolute_url()}


@require_GET
@member_required
def run_list(request: DashboardRequest) -> HttpResponse:
    try:
        runs, older, newer = run_page(request)
    except services.UnknownCursor:
        runs, older, newer = [], None, None
    if not runs and (request.GET.get("starting_after") or request.GET.get("ending_before")):
        # An unknown cursor (or a page emptied since): start again from the newest runs.
        url = reverse("reporting:run-list")
        return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    context = {"rows": run_rows(runs), "older": older, "newer": newer, "polling": any(run.is_pending for run in runs)}
    # htmx polls the table alone: one request per interval, not one per row.
    template = "reporting/reportrun_list.html#run-table" if request.htmx else "reporting/reportrun_list.html"
    return TemplateResponse(request, template, context)


def report_types_for(request: DashboardRequest) -> tuple[list[str], set[str]]:
    """The registered types in the registry's order, and those the back office made live-only."""
    rows = dict(ReportType.objects.filter(id__in=list(REPORT_TYPES)).values_list("id", "live_only"))
    return [t for t in REPORT_TYPES if t in rows], {t for t, live_only in rows.items() if live_only}


def run_form(
    request: DashboardRequest, data: Any = None, switch_to: Any = None, *, for_schedule: bool = False
) -> RunRequestForm:
    account, livemode = request.membership.account, request.livemode
    report_types, live_only = report_types_for(request)
    # The daily totals hold every currency the ledger has, in far fewer rows than the ledger.
    currencies = list(
        DailyTotal.objects.filter(account=account, livemode=livemode)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()
    )
    user_tz = request.user.timezone or "Etc/UTC"
    return RunRequestForm(
        data,
        report_types=report_types,
        user_timezone=user_tz,
        availability=data_availability(account, livemode),
        currencies=currencies,
        today=timezone.localdate(timezone=zoneinfo.ZoneInfo(user_tz)),
        switch_to=switch_to,
        live_only=live_only,
        livemode=livemode,
        for_schedule=for_schedule,
    )


def schedule_form(request: DashboardRequest, form: RunRequestForm, data: Any = None) -> ScheduleForm | None:
    """The "Save as schedule" fields under the form, for those who may request runs of that type here."""
    if not request.membership.can_request or form.needs_live_mode:
        return None
    return ScheduleForm(
        data,
        report=form.report,
        account=request.membership.account,
        owner=request.user,
        user_timezone=request.user.timezone or "Etc/UTC",
    )


def form_page(
    request: DashboardRequest, form: RunRequestForm, schedule: ScheduleForm | None, *, status: int = 200
) -> TemplateResponse:
    """The new-report page, or its form alone for htmx (which swaps it in whatever the status)."""
    start, end = form.availability
    context = {
        "form": form,
        "schedule_form": schedule,
        "available_start": start,
        "available_end": end,
        "has_data": start < end,
    }
    template = "reporting/reportrun_form.html#run-form" if request.htmx else "reporting/reportrun_form.html"
    return TemplateResponse(request, template, context, status=200 if request.htmx else status)


@require_http_methods(["GET", "POST"])
@member_required
def run_create(request: DashboardRequest) -> HttpResponse:
    retry_after = None
    if request.method == "POST":
        form = run_form(request, request.POST)
        if form.is_valid() and form.report is not None:
            try:
                services.request_run(
                    caller(request),
                    report_type_id=form.report.id,
                    parameters=form.run_parameters,
                    once=form.cleaned_data.get("once") or None,
                )
            except services.AlreadyRequested as twin:
                # The same form posted again (double click, Enter, a second tab): show the run it made.
                url = reverse("reporting:run-detail", args=[twin.run.id])
                return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
            except services.RunRequestError as refusal:
                form.add_refusal(refusal)
                retry_after = getattr(refusal, "retry_after", None)
            else:
                url = reverse("reporting:run-list")
                return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    else:
        # Changing the report type re-renders the form with that type's fields.
        form = run_form(request, switch_to=request.GET)
    response = form_page(request, form, schedule_form(request, form), status=400 if request.method == "POST" else 200)
    if retry_after is not None:
        # The account's run rate (services.limits): the form says when to try again.
        response["Retry-After"] = str(retry_after)
        response.status_code = 200 if request.htmx else 429
    return response


@require_GET
@member_required
def run_detail(request: DashboardRequest, run_id: str) -> HttpResponse:
    run = get_object_or_404(
        runs_for(request).select_related(
            "result", "report_type", "requested_by", "requested_by_key", "scheduled__schedule"
        ),
        pk=run_id,
    )
    template = "reporting/reportrun_detail.html#run-status" if request.htmx else "reporting/reportrun_detail.html"
    return TemplateResponse(request, template, {"run": run, "schedule": schedule_of(run)})


@require_GET
@member_required
def run_download(request: DashboardRequest, run_id: str) -> HttpResponseBase:
    run = get_object_or_404(runs_for(request).select_related("result"), pk=run_id, status=ReportRun.Status.SUCCEEDED)
    if run.result is None:
        raise Http404("This run has no file.")
    # Named after the days the user picked, in their own zone (the stored name uses the run's).
    report = get_report(run.report_type_id)
    name = report.filename(services.params_for(run), timezone.get_current_timezone()) if report else None
    try:
        return services.download(caller(request), run.result, filename=name)
    except services.FileUnavailable as exc:
        raise Http404(str(exc)) from exc
