"""Celery tasks: thin wrappers that pass ids and call the services."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reporting import services
from reporting.models import InvalidTransition, ReportRun

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "An internal error stopped this report. It has been logged; please try again."


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_report(self: Task[Any, Any], report_run_id: str) -> None:
    run = ReportRun.objects.filter(pk=report_run_id).first()
    # Claim first: a redelivered or re-queued duplicate finds the run taken and stops.
    if run is None or not run.claim():
        return
    try:
        services.execute_report_run(run)
    except InvalidTransition:
        logger.info("Report run %s was finished elsewhere", report_run_id)
    except SoftTimeLimitExceeded:
        minutes = max(1, round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60))
        _fail(run, f"The report took longer than {minutes} minute{'s' if minutes != 1 else ''} and was stopped. Try a shorter interval.")
    except Exception:
        # The traceback goes to the log; the requester gets a readable message.
        logger.exception("Report run %s failed", report_run_id)
        _fail(run, INTERNAL_ERROR)


def _fail(run: ReportRun, error: str) -> None:
    try:
        run.mark_failed(error)
    except InvalidTransition:
        pass


@shared_task
def reap_report_runs() -> dict[str, int]:
    return services.reap_report_runs()
