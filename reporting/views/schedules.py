"""The dashboard's schedules: saved from the new-report form, listed, each with its history; paused, resumed, deleted."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from reporting import l10n, services
from reporting.models import Schedule
from reporting.models.schedules import ScheduleQuerySet
from reporting.services.schedules import may_manage, owner_problem

from .access import DashboardRequest, caller, member_required
from .runs import form_page, run_form, schedule_form

HISTORY_LENGTH = 50


def schedules_for(request: DashboardRequest) -> ScheduleQuerySet:
    return Schedule.objects.for_mode(request.membership.account, request.livemode)


# Saving: the new-report form's "Save as schedule" button posts the whole form here.


@require_POST
@member_required
def schedule_create(request: DashboardRequest) -> HttpResponse:
    if not request.membership.can_request:
        raise PermissionDenied(services.runs.MAY_NOT_REQUEST)
    form = run_form(request, request.POST, for_schedule=True)
    schedule = schedule_form(request, form, request.POST)
    # Both validated, so that every error shows at once.
    valid = [form.is_valid(), schedule is not None and schedule.is_valid()]
    if all(valid) and schedule is not None and form.report is not None:
        try:
            saved = services.create_schedule(caller(request), schedule.to_request(form.report.id, form.run_parameters))
        except services.ScheduleError as refusal:
            schedule.add_refusal(refusal, form)
        else:
            messages.success(request, f"Schedule “{saved.name}” saved. It runs next {next_due_text(request, saved)}.")
            url = saved.get_absolute_url()
            return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    return form_page(request, form, schedule, status=400)


# Reading


@require_GET
@member_required
def schedule_list(request: DashboardRequest) -> HttpResponse:
    schedules = schedules_for(request).select_related("owner", "report_type")
    rows = [{"schedule": s, "next_due": next_due_text(request, s)} for s in schedules]
    return TemplateResponse(request, "reporting/schedule_list.html", {"rows": rows})


@require_GET
@member_required
def schedule_detail(request: DashboardRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(schedules_for(request).select_related("owner", "report_type"), pk=schedule_id)
    history = schedule.occurrences.select_related("run")[:HISTORY_LENGTH]
    context = {
        "schedule": schedule,
        "history": history,
        "next_due": next_due_text(request, schedule),
        "recipients": schedule.recipients.order_by("username"),
        "may_manage": may_manage(caller(request), schedule),
        # Shown before the next due time pauses it: the admins see why now.
        "owner_problem": None if schedule.is_paused else owner_problem(schedule),
    }
    return TemplateResponse(request, "reporting/schedule_detail.html", context)


def next_due_text(request: DashboardRequest, schedule: Schedule) -> str:
    """The next due time in the user's own zone (the middleware's), or why there is none."""
    if schedule.next_due_at is None:
        return "paused"
    return l10n.moment(schedule.next_due_at)


# Changing


@require_POST
@member_required
def schedule_pause(request: DashboardRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(schedules_for(request), pk=schedule_id)
    services.pause_schedule(caller(request), schedule)
    return redirect(schedule)


@require_POST
@member_required
def schedule_resume(request: DashboardRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(schedules_for(request), pk=schedule_id)
    try:
        services.resume_schedule(caller(request), schedule)
    except services.ScheduleError as refusal:
        messages.error(request, refusal.message)
    return redirect(schedule)


@require_POST
@member_required
def schedule_delete(request: DashboardRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(schedules_for(request), pk=schedule_id)
    services.delete_schedule(caller(request), schedule)
    messages.success(request, f"Schedule “{schedule.name}” deleted; the runs it made stay in the list.")
    return redirect("reporting:schedule-list")
