"""Who may work on a run: a new attempt takes it when no live attempt holds it, within bounds.

A run's attempt shows it is alive by its heartbeat (services.heartbeat). An
attempt whose heartbeat is older than REPORT_STALE_AFTER lost its worker
(killed, out of memory, machine gone): the next delivery of the run's task, or
the reaper, starts a new attempt, up to REPORT_MAX_ATTEMPTS. Every change of
hands is a conditional UPDATE on the attempt number (ReportRun.claim), so two
attempts never both finish a run.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from reporting.models import ReportRun

from . import storage

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    CLAIMED = "claimed"  # this caller runs the new attempt
    BUSY = "busy"  # a live attempt holds the run
    GONE = "gone"  # finished, failed now, or taken by someone else


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    # BUSY: seconds until the holder's heartbeat goes stale, should its worker be dead.
    stale_in: float = 0.0


def stale_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.REPORT_STALE_AFTER)


def claim(run: ReportRun) -> Claim:
    """Take `run` for a new attempt if it is free or its attempt went silent; see Claim."""
    now = timezone.now()
    cutoff = stale_before(now)
    if not run.is_pending:
        return Claim(Outcome.GONE)
    if run.started_at is not None:
        heartbeat = run.heartbeat_at or run.started_at
        if heartbeat >= cutoff:
            return Claim(Outcome.BUSY, stale_in=(heartbeat - cutoff).total_seconds())
        if reason := give_up_reason(run):
            fail_for_good(run, reason)
            return Claim(Outcome.GONE)
    if not run.claim(stale_before=cutoff):
        return Claim(Outcome.GONE)
    if run.attempts > 1:
        logger.warning("Report run %s: attempt %d takes over from a worker that stopped", run.id, run.attempts)
        # The dead attempt's file, if it got as far as storage, goes before this one writes its own.
        storage.discard_attempt_files(run, keep=None)
    return Claim(Outcome.CLAIMED)


def give_up_reason(run: ReportRun) -> str | None:
    """Why a run whose attempt went silent must end failed rather than run again, or None to run it again."""
    assert run.started_at is not None
    heartbeat = run.heartbeat_at or run.started_at
    soft_limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    if (heartbeat - run.started_at).total_seconds() >= soft_limit:
        # Alive past its soft limit, then silent: the hard limit killed it. Another attempt would too.
        return too_long(soft_limit)
    if run.attempts >= settings.REPORT_MAX_ATTEMPTS:
        return (
            f"The worker generating this report stopped before it finished, {run.attempts} times "
            "(it may need more memory than the worker has), so it was not tried again. "
            "Try a shorter interval or fewer columns."
        )
    return None


def fail_for_good(run: ReportRun, error: str) -> bool:
    """Fail the run unless it finished or changed hands meanwhile; remove every attempt's file."""
    if not run.fail_if_pending(error):
        return False
    logger.warning("Report run %s failed after %d attempt(s): %s", run.id, run.attempts, error)
    storage.discard_attempt_files(run, keep=None)
    return True


def too_long(seconds: int) -> str:
    return f"The report took longer than {_duration(seconds)} and was stopped. Try a shorter interval."


def _duration(seconds: int) -> str:
    value, unit = (seconds // 60, "minute") if seconds >= 60 else (seconds, "second")
    return f"{value} {unit}{'' if value == 1 else 's'}"
