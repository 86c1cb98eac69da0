"""Run a report: stream its file into storage and record the outcome; reap runs whose worker or task was lost."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import timedelta
from typing import IO, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File as DjangoFile
from django.db import transaction
from django.utils import timezone

from reporting.models import (
    File,
    InvalidTransition,
    ReportRun,
    report_storage,
)
from reporting.reports import Params, ReportError, get_report
from reporting.unixtime import from_unix

logger = logging.getLogger(__name__)


def params_for(run: ReportRun) -> Params:
    p = run.parameters
    return Params(
        account_id=run.account_id,
        livemode=run.livemode,
        interval_start=from_unix(p["interval_start"]) if "interval_start" in p else None,
        interval_end=from_unix(p["interval_end"]) if "interval_end" in p else None,
        currency=p.get("currency"),
        reporting_category=p.get("reporting_category"),
        timezone=ZoneInfo(p.get("timezone", "Etc/UTC")),
        columns=p.get("columns", ()),
        payout=p.get("payout"),
        decimal_separator=p.get("decimal_separator", "."),
        spreadsheet_safe=run.spreadsheet_safe,
    )


class HashingWriter:
    """A binary sink that passes bytes through to a file, keeping size and sha256."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def execute_report_run(run: ReportRun) -> None:
    """Generate the run's file and record the outcome; ReportError ends it failed."""
    report = get_report(run.report_type_id)
    if report is None:
        run.mark_failed(f"Report type {run.report_type_id} is no longer available.")
        return
    params = params_for(run)
    with tempfile.TemporaryFile() as tmp:
        sink = HashingWriter(tmp)
        try:
            row_count = report.write(params, cast(IO[bytes], sink))
        except ReportError as exc:
            run.mark_failed(str(exc))
            return
        tmp.seek(0)
        storage_name = report_storage().save(f"{run.account_id}/{run.id}.csv", DjangoFile(tmp))
    try:
        with transaction.atomic():
            result = File.objects.create(
                account_id=run.account_id,
                livemode=run.livemode,
                filename=report.filename(params),
                size=sink.size,
                sha256=sink.sha256.hexdigest(),
                storage_name=storage_name,
                expires_at=timezone.now() + timedelta(days=settings.REPORT_FILE_TTL_DAYS),
            )
            run.mark_succeeded(result=result, row_count=row_count)
    except InvalidTransition:
        # Someone (the reaper) finished the run first: keep no orphan file.
        report_storage().delete(storage_name)
        raise


def reap_report_runs() -> dict[str, int]:
    """Fail runs whose worker vanished; re-queue runs whose task was lost."""
    from reporting.tasks import run_report

    now = timezone.now()
    counts = {"failed": 0, "requeued": 0}
    # A claimed run past the hard time limit has no live worker any more.
    grace = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for run in ReportRun.objects.stale(started_before=now - grace):
        counts["failed"] += _fail_quietly(
            run, "The worker generating this report stopped before it finished. Please run it again."
        )
    for run in ReportRun.objects.unclaimed().filter(
        enqueued_at__lt=now - timedelta(seconds=settings.REPORT_REQUEUE_AFTER)
    ):
        # Back off: wait twice as long after each re-queue before the next one.
        due = run.enqueued_at is None or now - run.enqueued_at >= timedelta(
            seconds=settings.REPORT_REQUEUE_AFTER * 2 ** (run.enqueue_count - 1)
        )
        if not due:
            continue
        if run.enqueue_count >= settings.REPORT_MAX_ENQUEUES:
            counts["failed"] += _fail_quietly(run, "No worker picked this report up. Please run it again later.")
            continue
        if (
            ReportRun.objects.unclaimed()
            .filter(pk=run.pk, enqueue_count=run.enqueue_count)
            .update(enqueued_at=now, enqueue_count=run.enqueue_count + 1)
        ):
            run_report.delay(run.pk)
            counts["requeued"] += 1
    return counts


def _fail_quietly(run: ReportRun, error: str) -> int:
    if not run.fail_if_pending(error):
        return 0  # it finished meanwhile
    logger.warning("Reaped report run %s: %s", run.id, error)
    return 1
