"""The beat's tick: each schedule due gets its run, once per due time, through `request_run` as its owner.

- Once: a due time becomes a ScheduledRun row, unique per (schedule, due time), and
  the schedule's next due time moves on by a conditional UPDATE, in the transaction
  that creates the run. Two beats, or a beat restarted mid-tick, make one run; a
  tick that fails rolls back and the next one takes the same due time again.
- As the owner: a run is requested with the owner's rights now. An owner who left
  the account or may no longer request (or, in live mode, is no longer an admin)
  pauses the schedule, with the reason on the schedule's page.
- Periods are relative to the due time, in the schedule's zone. A period the ledger
  does not cover yet (data arrive by UTC day, up to half a day late) waits, retried
  by each tick, up to SCHEDULE_DATA_WAIT_HOURS; then that due time is not run, and
  its row says why.
- Missed due times (beat was down) are made up, oldest first, up to
  SCHEDULE_CATCH_UP per schedule per tick.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reporting.models import Door, Payout, Schedule, ScheduledRun, data_availability
from reporting.unixtime import from_unix

from .caller import Caller
from .runs import RunRequestError, RunsRateLimited, request_run
from .schedules import owner_problem, pause, period_parameters

logger = logging.getLogger(__name__)


class NotYet(Exception):
    """The ledger does not cover the period yet: try again on a later tick."""


class NotRunnable(Exception):
    """This due time cannot run at all; the message says why."""


def run_due_schedules(now: datetime | None = None) -> dict[str, int]:
    """One tick; returns how many due times were requested, left waiting, refused and paused."""
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    # Those that waited before this tick: a due time taken now has just been tried.
    waiting = list(ScheduledRun.objects.filter(status=ScheduledRun.Status.WAITING).values_list("pk", flat=True))
    for occurrence_id in waiting:
        if outcome := _guarded(retry_waiting, occurrence_id, now):
            counts[outcome] += 1
    for schedule_id in list(Schedule.objects.due(now).values_list("pk", flat=True)):
        for _ in range(settings.SCHEDULE_CATCH_UP):
            outcome = _guarded(take_next_due, schedule_id, now)
            if outcome is None:
                break
            counts[outcome] += 1
    return dict(counts)


def _guarded(step: Any, key: Any, now: datetime) -> str | None:
    # One schedule's failure (rolled back, taken again by the next tick) must not starve the others.
    try:
        return step(key, now)  # type: ignore[no-any-return]
    except Exception:
        logger.exception("Schedule step %s(%s) failed; the next tick tries again", step.__name__, key)
        return None


def take_next_due(schedule_id: str, now: datetime) -> str | None:
    """Turn the schedule's next due time, if it has come, into its ScheduledRun (and run); None if there is none."""
    schedule = Schedule.objects.select_related("account", "owner").filter(pk=schedule_id).first()
    if schedule is None or schedule.is_paused or schedule.next_due_at is None or schedule.next_due_at > now:
        return None
    due = schedule.next_due_at
    following = schedule.next_due_after(due)
    with transaction.atomic():
        # Conditional on the due time read: of two beats, one moves it on; the other updates nothing and stops.
        moved = Schedule.objects.filter(pk=schedule.pk, paused_at__isnull=True, next_due_at=due).update(
            next_due_at=following
        )
        if not moved:
            return None
        try:
            with transaction.atomic():
                occurrence = ScheduledRun.objects.create(
                    schedule=schedule, due_at=due, attempts=1, created=now, updated=now
                )
        except IntegrityError:
            return None  # the unique key: this due time has had its turn
        schedule.next_due_at = following
        return attempt(schedule, occurrence, now)


def retry_waiting(occurrence_id: int, now: datetime) -> str | None:
    """Try a due time that waits for its data again; None if another tick took it first."""
    occurrence = (
        ScheduledRun.objects.select_related("schedule__account", "schedule__owner")
        .filter(pk=occurrence_id, status=ScheduledRun.Status.WAITING)
        .first()
    )
    if occurrence is None:
        return None
    with transaction.atomic():
        if not ScheduledRun.objects.filter(
            pk=occurrence.pk, status=ScheduledRun.Status.WAITING, attempts=occurrence.attempts
        ).update(attempts=F("attempts") + 1, updated=now):
            return None
        occurrence.attempts += 1
        schedule = occurrence.schedule
        if schedule.is_paused:
            return _close(occurrence, f"The schedule was paused before it ran. {schedule.pause_reason}".strip(), now)
        return attempt(schedule, occurrence, now)


def attempt(schedule: Schedule, occurrence: ScheduledRun, now: datetime) -> str:
    """Request the run of one due time as the owner, or record why it waits or does not run."""
    if (problem := owner_problem(schedule)) is not None:
        pause(schedule, problem)
        _close(occurrence, problem, now)
        return "paused"
    try:
        parameters = parameters_at(schedule, occurrence.due_at)
    except NotYet as waiting:
        if now - occurrence.due_at > timedelta(hours=settings.SCHEDULE_DATA_WAIT_HOURS):
            hours = settings.SCHEDULE_DATA_WAIT_HOURS
            return _close(occurrence, f"{waiting} It was still missing {hours} hours after the due time.", now)
        return _wait(occurrence, str(waiting), now)
    except NotRunnable as refusal:
        return _close(occurrence, str(refusal), now)
    caller = Caller(schedule.account, schedule.livemode, Door.SCHEDULE, user=schedule.owner)
    try:
        run = request_run(caller, report_type_id=schedule.report_type_id, parameters=parameters)
    except PermissionDenied as denied:
        reason = owner_problem(schedule) or str(denied)
        pause(schedule, reason)
        _close(occurrence, reason, now)
        return "paused"
    except RunsRateLimited:
        return _wait(occurrence, "The account's run rate was reached; it runs when the rate allows.", now)
    except RunRequestError as refusal:
        return _close(occurrence, refusal.message, now)
    occurrence.run, occurrence.status, occurrence.reason, occurrence.updated = (
        run,
        ScheduledRun.Status.REQUESTED,
        "",
        now,
    )
    occurrence.save(update_fields=["run", "status", "reason", "updated", "attempts"])
    return "requested"


def parameters_at(schedule: Schedule, due_at: datetime) -> dict[str, Any]:
    """The run's parameters for one due time: the options, and the period turned into an interval or a payout."""
    _, available_end = data_availability(schedule.account, schedule.livemode)
    if schedule.period == Schedule.Period.LAST_PAYOUT:
        payout = (
            Payout.objects.for_mode(schedule.account, schedule.livemode)
            .filter(automatic=True, effective_at__lte=min(due_at, available_end))
            .exclude(status__in=[Payout.Status.FAILED, Payout.Status.CANCELED])
            .order_by("-effective_at", "-id")
            .first()
        )
        if payout is None:
            raise NotRunnable("No automatic payout had arrived by the due time: there was nothing to reconcile.")
        return {**schedule.options, "payout": payout.stripe_id}
    period = period_parameters(schedule, due_at)
    end = from_unix(period["interval_end"])
    if end > available_end:
        raise NotYet(
            f"The period ends {end:%Y-%m-%d %H:%M} UTC and the ledger's data are complete up to "
            f"{available_end:%Y-%m-%d %H:%M} UTC."
        )
    return {**schedule.options, **period}


def _wait(occurrence: ScheduledRun, reason: str, now: datetime) -> str:
    occurrence.status, occurrence.reason, occurrence.updated = ScheduledRun.Status.WAITING, reason[:500], now
    occurrence.save(update_fields=["status", "reason", "updated", "attempts"])
    return "waiting"


def _close(occurrence: ScheduledRun, reason: str, now: datetime) -> str:
    occurrence.status, occurrence.reason, occurrence.updated = ScheduledRun.Status.REFUSED, reason[:500], now
    occurrence.save(update_fields=["status", "reason", "updated", "attempts"])
    return "refused"
