"""The dashboard's report runs: the new-run form, a run's page and its download (the list: run_list)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
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
from reporting.services.cancel import offers_cancel
from reporting.services.progress import progress_of
from reporting.services.reruns import OPTIONS

from .access import DashboardRequest, caller, member_required


def runs_for(request: DashboardRequest) -> ReportRunQuerySet:
    return ReportRun.objects.for_mode(request.membership.account, request.livemode)


def schedule_of(run: ReportRun) -> dict[str, str] | None:
    """The name and page of the schedule that made the run, if one did."""
    try:
        schedule = run.scheduled.schedule
    except ReportRun.scheduled.RelatedObjectDoesNotExist:
        return None
    return {"name": schedule.name, "url": schedule.get_absolute_url()}


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


def prefill_options(form: RunRequestForm, query: QueryDict) -> None:
    """Start the form's options at the query's values: "Run again" links (services.reruns) name them all."""
    for name in OPTIONS:
        if name in form.fields and name in query:
            form.initial[name] = query.getlist(name) if name == "columns" else query[name]


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
        prefill_options(form, request.GET)
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
    # The poll that sees the run succeed brings its preview too (swapped in out of band).
    context = {
        "run": run,
        "schedule": schedule_of(run),
        "preview": services.preview(run),
        "progress": progress_of(run),
        "can_cancel": offers_cancel(request.user, request.membership, run),
    }
    return TemplateResponse(request, template, context)


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
