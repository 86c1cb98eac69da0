"""The reaper (on Celery beat, every REAPER_EVERY seconds): every accepted run gets a worker or a reason.

- A run whose attempt went silent (no heartbeat for REPORT_STALE_AFTER) goes
  back to the queue for a new attempt, or ends failed with the reason once its
  attempts are spent (services.attempts).
- A run still unclaimed is (re-)queued: at once when its task was never sent
  (the broker was down), else after REPORT_REQUEUE_AFTER, backing off, until
  REPORT_MAX_ENQUEUES, then failed.
- A run whose attempt is still beating long past the hard time limit has a
  hung worker (a pool that enforces no time limit): it fails.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from reporting.models import ReportRun

from . import attempts
from .enqueue import enqueue

logger = logging.getLogger(__name__)


def reap_report_runs() -> dict[str, int]:
    """One round; returns how many runs it failed, handed back for a new attempt, and queued."""
    now = timezone.now()
    counts = {"failed": 0, "taken_over": 0, "requeued": 0}
    stale_before = attempts.stale_before(now)
    for run in ReportRun.objects.stale(heartbeat_before=stale_before):
        if reason := attempts.give_up_reason(run):
            counts["failed"] += attempts.fail_for_good(run, reason)
        elif run.release(stale_before=stale_before):
            logger.warning("Report run %s: attempt %d stopped beating; queued again", run.id, run.attempts)
            counts["taken_over"] += 1
    hung_since = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for run in ReportRun.objects.pending().filter(started_at__lt=hung_since):
        counts["failed"] += attempts.fail_for_good(run, attempts.too_long(settings.CELERY_TASK_SOFT_TIME_LIMIT))
    requeue_after = timedelta(seconds=settings.REPORT_REQUEUE_AFTER)
    for run in ReportRun.objects.unclaimed().filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after)
    ):
        # Back off: wait twice as long after each re-queue before the next one.
        due = run.enqueued_at is None or now - run.enqueued_at >= requeue_after * 2 ** (run.enqueue_count - 1)
        if not due:
            continue
        if run.enqueue_count >= settings.REPORT_MAX_ENQUEUES:
            counts["failed"] += attempts.fail_for_good(
                run, "No worker picked this report up. Please run it again later."
            )
            continue
        # Conditional on what was read: of two reapers, one sends.
        if (
            ReportRun.objects.unclaimed()
            .filter(pk=run.pk, enqueue_count=run.enqueue_count, enqueued_at=run.enqueued_at)
            .update(enqueued_at=now, enqueue_count=run.enqueue_count + 1)
        ):
            counts["requeued"] += enqueue(run.pk)
    return counts
