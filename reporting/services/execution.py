"""Run a report: stream its file into storage and record the outcome."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import IO, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reporting.models import File, ReportRun
from reporting.reports import Params, ReportError, get_report
from reporting.unixtime import from_unix

from . import storage, uploads
from .heartbeat import Heartbeat, Superseded

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
    """A binary sink that passes bytes through to storage, keeping size and sha256.

    It checks the heartbeat on each write, so an attempt that was taken over
    stops instead of writing a file nobody will keep.
    """

    def __init__(self, raw: IO[bytes] | uploads.Upload, heartbeat: Heartbeat | None = None) -> None:
        self.raw = raw
        self.heartbeat = heartbeat
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        if self.heartbeat is not None:
            self.heartbeat.check()
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def execute_report_run(run: ReportRun) -> None:
    """Generate the file of the run's current attempt and record the outcome.

    ReportError or a storage failure ends the run failed with its message. The
    report is written once, straight into storage under the attempt's own name
    (services.uploads), and becomes visible only when whole; whatever fails
    before the run is marked succeeded discards it, so a run has one file or none.
    """
    report = get_report(run.report_type_id)
    if report is None:
        run.mark_failed(f"Report type {run.report_type_id} is no longer available.")
        return
    params = params_for(run)
    if (expected := report.rows_to_write(params)) is not None:
        run.start_progress(expected)
    with Heartbeat(run) as heartbeat:
        upload = uploads.Upload(storage.attempt_name(run, run.attempts))
        sink = HashingWriter(upload, heartbeat)
        try:
            row_count = report.write(params, cast(IO[bytes], sink), heartbeat)
            heartbeat.check()
            storage_name = upload.commit()
        except BaseException as exc:
            upload.abort()
            if heartbeat.lost and not isinstance(exc, Superseded):
                # Canceled or taken over: the heartbeat interrupted the query (or storage was cleared), and
                # whatever that raised is not the run's error: the run is no longer this attempt's.
                raise Superseded(f"{run.id}: attempt {run.attempts} stopped, the run moved on") from exc
            if isinstance(exc, ReportError | storage.StorageFailed):
                _fail(run, str(exc))
                return
            raise
    committed: list[bool] = []
    try:
        with transaction.atomic():
            # The first of this transaction's on-commit hooks: from then on the run names the file. The
            # hooks after it (the email's enqueue) run inside this block's exit, where a worker's shutdown
            # or a soft time limit can still raise; the succeeded run must keep its file then.
            transaction.on_commit(lambda: committed.append(True))
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
    except BaseException:
        # Another attempt or the reaper finished the run first, or the database
        # failed: the file belongs to no run, so it goes.
        if not committed:
            storage.remove(storage_name)
        raise
    if run.attempts > 1:
        storage.discard_attempt_files(run, keep=run.attempts)  # a straggler that saved after the takeover


def _fail(run: ReportRun, error: str) -> None:
    """Fail the run of this attempt; InvalidTransition if it is no longer this attempt's."""
    logger.info("Report run %s failed: %s", run.id, error)
    run.mark_failed(error)
