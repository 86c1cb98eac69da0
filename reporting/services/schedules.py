"""Schedules: save one (every rule checked, nothing saved on a refusal), pause, resume and delete it.

A schedule is a report type, a period relative to the day it is due ("last full
month"), the type's other options, a cadence in a time zone, and recipients who
are members of the account. Its runs are requested by `schedule_runs` through
`request_run`, as its owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from reporting import recurrence
from reporting.models import Event, Membership, ReportType, Schedule, User
from reporting.parameters import ParametersForm, timezone_names
from reporting.reports import Report, get_report
from reporting.unixtime import MAX_TIMESTAMP, from_unix

from .caller import Caller
from .runs import MAY_NOT_REQUEST, Problem, RunRequestError, live_only_message, problems_of

MAY_NOT_MANAGE = "Only the schedule's owner or an account admin may change this schedule."
DAY_PERIODS = (Schedule.Period.YESTERDAY, Schedule.Period.LAST_WEEK, Schedule.Period.LAST_MONTH)
# What the period stands in for: these never come from the options.
PERIOD_PARAMETERS = ("interval_start", "interval_end", "payout")


class ScheduleError(RunRequestError):
    """A refused schedule, its problems in the order of the form."""


@dataclass(frozen=True)
class ScheduleRequest:
    """What a door asks to schedule, as typed values; the service decides whether it may be saved."""

    name: str
    report_type_id: str
    period: str
    cadence: str
    time_of_day: time
    timezone: str
    weekday: int | None = None
    day_of_month: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    recipients: Sequence[User] = ()


def periods_for(report: Report) -> list[Schedule.Period]:
    """The relative periods a type can take: days for interval and as-of types, a payout for by-id types."""
    return [Schedule.Period.LAST_PAYOUT] if "payout" in report.required else list(DAY_PERIODS)


def create_schedule(caller: Caller, request: ScheduleRequest) -> Schedule:
    """Save a schedule owned by the caller's user, due next after now; ScheduleError says all that is wrong."""
    caller.require_role("can_request", message=MAY_NOT_REQUEST)
    if caller.user is None:
        raise PermissionDenied("A schedule needs an owner: a user it runs as.")
    report = get_report(request.report_type_id)
    if report is None:
        raise ScheduleError([Problem("report_type", f"{request.report_type_id} is not a valid report type.")])
    problems = check(caller, report, request)
    if problems:
        raise ScheduleError(problems)
    schedule = Schedule(
        account=caller.account,
        livemode=caller.livemode,
        owner=caller.user,
        name=request.name.strip(),
        report_type_id=report.id,
        period=request.period,
        options=normalised_options(report, request.options),
        cadence=request.cadence,
        weekday=request.weekday if request.cadence == Schedule.Cadence.WEEKLY else None,
        day_of_month=request.day_of_month if request.cadence == Schedule.Cadence.MONTHLY else None,
        time_of_day=request.time_of_day.replace(second=0, microsecond=0),
        timezone=request.timezone,
    )
    schedule.next_due_at = schedule.next_due_after(timezone.now())
    with transaction.atomic():
        schedule.save()
        schedule.recipients.set(request.recipients)
        caller.record(Event.Action.SCHEDULE_CREATED, schedule.id, report_type=report.id, name=schedule.name)
    return schedule


def check(caller: Caller, report: Report, request: ScheduleRequest) -> list[Problem]:
    """Every reason the request cannot be saved, field by field."""
    problems = []
    if not request.name.strip():
        problems.append(Problem("name", "Give the schedule a name.", "required"))
    report_type = ReportType.objects.filter(pk=report.id).first()
    if report_type is None:
        problems.append(Problem("report_type", f"{report.id} is not a valid report type."))
    elif report_type.live_only and not caller.livemode:
        problems.append(Problem("report_type", live_only_message(report.id), "live_mode_required"))
    allowed = periods_for(report)
    if request.period not in allowed:
        names = " or ".join(f'"{p.label.lower()}"' for p in allowed)
        taken = dict(Schedule.Period.choices).get(request.period, request.period)
        problems.append(Problem("period", f'{report.id} cannot take "{taken.lower()}" as its period: choose {names}.'))
    problems += cadence_problems(request)
    if request.timezone not in timezone_names():
        problems.append(Problem("timezone", f"Unknown time zone: {request.timezone}"))
    problems += option_problems(report, request.options)
    members = set(Membership.objects.filter(account=caller.account).values_list("user_id", flat=True))
    for user in request.recipients:
        if user.pk not in members:
            problems.append(
                Problem("recipients", f"{user.email or user.get_username()} is not a member of this account.")
            )
        elif not user.email:
            problems.append(Problem("recipients", f"{user.get_username()} has no email address."))
    return problems


def cadence_problems(request: ScheduleRequest) -> list[Problem]:
    if request.cadence not in Schedule.Cadence.values:
        return [Problem("cadence", f'Unknown cadence "{request.cadence}": choose daily, weekly or monthly.')]
    if request.cadence == Schedule.Cadence.WEEKLY and request.weekday not in range(7):
        return [Problem("weekday", "Choose the day of the week a weekly schedule runs on.", "required")]
    if request.cadence == Schedule.Cadence.MONTHLY and request.day_of_month not in range(1, 32):
        return [
            Problem(
                "day_of_month",
                "A monthly schedule runs on a day from 1 to 31 (29 to 31: the last day of shorter months).",
                "invalid",
            )
        ]
    return []


def option_problems(report: Report, options: Mapping[str, Any]) -> list[Problem]:
    """The type's own parameters form judges the options; the period's parameters are stood in for."""
    problems = [
        Problem(name, f"{name} comes from the schedule's period, not from its options.", "parameter_unknown")
        for name in options
        if name in PERIOD_PARAMETERS
    ]
    form = options_form(report, options)
    form.is_valid()
    return problems + [p for p in problems_of(form) if p.param not in PERIOD_PARAMETERS]


def options_form(report: Report, options: Mapping[str, Any]) -> ParametersForm:
    # Stand-ins for the period's parameters (their own errors are ignored), and no availability limit.
    stand_ins = {"interval_start": 0, "interval_end": 86400, "payout": "po_schedule"}
    data = {**{k: v for k, v in stand_ins.items() if k in report.parameters}, **options}
    return ParametersForm(
        data, report=report, availability=(datetime(1970, 1, 1, tzinfo=UTC), from_unix(MAX_TIMESTAMP))
    )


def normalised_options(report: Report, options: Mapping[str, Any]) -> dict[str, Any]:
    form = options_form(report, options)
    form.is_valid()
    return {k: v for k, v in form.parameters().items() if k not in PERIOD_PARAMETERS}


def may_manage(caller: Caller, schedule: Schedule) -> bool:
    if caller.user is None or caller.user.is_superuser:
        return True
    membership = caller.membership()
    if membership is None:
        return False
    return membership.can_manage or (schedule.owner_id == caller.user.pk and membership.can_request)


def owner_problem(schedule: Schedule) -> str | None:
    """Why the owner may not request this schedule's runs any more, in words for the account's admins; or None."""
    owner = schedule.owner
    if owner is None:
        return "Its owner's user was deleted; a schedule runs as its owner."
    if not owner.is_active:
        return f"Its owner, {owner.get_username()}, was deactivated; a schedule runs as its owner."
    if owner.is_superuser:
        return None
    membership = owner.membership_for(schedule.account)
    name = owner.get_username()
    if membership is None:
        return f"Its owner, {name}, is no longer a member of this account; a schedule runs as its owner."
    if not membership.can_request:
        return f"Its owner, {name}, is now a {membership.get_role_display().lower()}, who may not request reports."
    if schedule.livemode and not membership.can_manage:
        return f"Its owner, {name}, is no longer an account admin, whom live-mode schedules need."
    return None


def pause(schedule: Schedule, reason: str, caller: Caller | None = None) -> bool:
    """Pause the schedule with a reason the account sees; False if it already was paused."""
    now = timezone.now()
    with transaction.atomic():
        paused = Schedule.objects.filter(pk=schedule.pk, paused_at__isnull=True).update(
            paused_at=now, pause_reason=reason[:300], next_due_at=None
        )
        if paused and caller is not None:
            caller.record(Event.Action.SCHEDULE_PAUSED, schedule.id, reason=reason)
    schedule.refresh_from_db()
    return bool(paused)


def pause_schedule(caller: Caller, schedule: Schedule) -> bool:
    if not may_manage(caller, schedule):
        raise PermissionDenied(MAY_NOT_MANAGE)
    who = caller.user.get_username() if caller.user is not None else "the system"
    return pause(schedule, f"Paused by {who}.", caller)


def resume_schedule(caller: Caller, schedule: Schedule) -> bool:
    """Resume from the next due time after now (missed due times are not made up); refused while the owner may not run it."""
    if not may_manage(caller, schedule):
        raise PermissionDenied(MAY_NOT_MANAGE)
    if (problem := owner_problem(schedule)) is not None:
        raise ScheduleError([Problem(None, f"It cannot resume. {problem}", "owner")])
    with transaction.atomic():
        resumed = Schedule.objects.filter(pk=schedule.pk, paused_at__isnull=False).update(
            paused_at=None, pause_reason="", next_due_at=schedule.next_due_after(timezone.now())
        )
        if resumed:
            caller.record(Event.Action.SCHEDULE_RESUMED, schedule.id)
    schedule.refresh_from_db()
    return bool(resumed)


def delete_schedule(caller: Caller, schedule: Schedule) -> None:
    """Delete the schedule and its history of due times; the runs it made stay."""
    if not may_manage(caller, schedule):
        raise PermissionDenied(MAY_NOT_MANAGE)
    with transaction.atomic():
        caller.record(Event.Action.SCHEDULE_DELETED, schedule.id, name=schedule.name)
        schedule.delete()


def period_parameters(schedule: Schedule, due_at: datetime) -> dict[str, int]:
    """The interval a day period stands for at a due time: its days in the schedule's zone, as the type takes them."""
    zone = schedule.zone
    first, after_last = recurrence.period_days(schedule.period, due_at.astimezone(zone).date())
    report = get_report(schedule.report_type_id)
    params = {
        "interval_start": recurrence.local_midnight(first, zone),
        "interval_end": recurrence.local_midnight(after_last, zone),
    }
    return {k: v for k, v in params.items() if report is None or k in report.parameters}
