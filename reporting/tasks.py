"""Celery tasks: thin wrappers that pass ids and call the services."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reporting import services
from reporting.models import ImportBusy, InvalidTransition, ReportRun, StripeSource
from reporting.services import attempts, deliveries, fairness, imports, notifications, sources

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "An internal error stopped this report. It has been logged; please try again."


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_report(self: Task[Any, Any], report_run_id: str) -> None:
    run = ReportRun.objects.filter(pk=report_run_id).first()
    if run is None:
        return
    # Claim first: a duplicate finds the run taken and stops; a redelivery after
    # a worker died takes the run over once the dead attempt's heartbeat is stale.
    # A run whose account is at its cap stays pending (WAITING): one of the account's
    # runs that ends queues it again (services.fairness).
    claim = fairness.claim_turn(run)
    if claim.outcome is attempts.Outcome.BUSY:
        # Delivered again at once when a worker process is killed: look once more
        # when its heartbeat would be stale (the reaper covers the rest).
        if not self.request.called_directly and self.request.retries < 1:
            raise self.retry(countdown=claim.stale_in + 1, max_retries=1)
        return
    if claim.outcome is not attempts.Outcome.CLAIMED:
        return
    try:
        services.execute_report_run(run)
    except InvalidTransition:
        logger.info("Report run %s was finished elsewhere or taken over", report_run_id)
    except SoftTimeLimitExceeded:
        # The limit travels with the message (set by the sender), so read it there.
        soft_limit = (self.request.timelimit or (None, None))[1] or settings.CELERY_TASK_SOFT_TIME_LIMIT
        run.fail_if_pending(attempts.too_long(int(soft_limit)))
    except Exception:
        # The traceback goes to the log; the requester gets a readable message.
        logger.exception("Report run %s failed", report_run_id)
        run.fail_if_pending(INTERNAL_ERROR)
    finally:
        fairness.hand_on(run.account_id)


@shared_task
def reap_report_runs() -> dict[str, int]:
    return services.reap_report_runs()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_ledger_file(self: Task[Any, Any], job_id: str) -> None:
    try:
        imports.run_import(job_id)
    except ImportBusy:
        # Another import of the account and mode is running: wait for it.
        raise self.retry(countdown=5, max_retries=None) from None


@shared_task
def reap_imports() -> int:
    return imports.reap_imports()


@shared_task
def purge_idempotency_keys() -> int:
    from reporting.api import idempotency

    return idempotency.purge()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sync_stripe_source(source_id: int) -> None:
    source = StripeSource.objects.filter(pk=source_id).first()
    if source is None:
        return
    try:
        sources.run_sync(source)
    except sources.SyncBusy:
        logger.info("Sync of source %s is already running", source_id)
    except sources.SourceError:
        pass  # recorded on the source and logged in words; beat tries again


@shared_task
def sync_stripe_sources() -> int:
    """Beat: queue a sync of every connected source."""
    ids = list(StripeSource.objects.values_list("pk", flat=True))
    for source_id in ids:
        sync_stripe_source.delay(source_id)
    return len(ids)


_SOFT_LIMIT, _HARD_LIMIT = deliveries.time_limits()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=_SOFT_LIMIT, time_limit=_HARD_LIMIT)
def deliver_webhook(self: Task[Any, Any], delivery_id: int) -> None:
    outcome = deliveries.deliver(delivery_id)
    # Held by an attempt whose worker was just killed (this is its message, delivered again),
    # or early: look once more when it is due; the sweep covers the rest.
    if outcome.look_again_in is not None and not self.request.called_directly and self.request.retries < 1:
        raise self.retry(countdown=outcome.look_again_in, max_retries=1)


@shared_task
def retry_webhooks() -> int:
    """Beat: queue the webhook deliveries that are due and have no message on its way."""
    return deliveries.sweep()


@shared_task
def run_schedules() -> dict[str, int]:
    """Beat, every minute: request the runs of the schedules that are due."""
    return services.run_due_schedules()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def email_run_result(report_run_id: str) -> None:
    # A refusal is logged and the run stays owed: the sweep queues it again.
    with contextlib.suppress(notifications.SendFailed):
        notifications.send_run_email(report_run_id)


@shared_task
def queue_owed_emails() -> int:
    """Beat: queue again the run emails the broker lost or the mail server refused."""
    return notifications.queue_owed_emails()
