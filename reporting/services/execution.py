"""Run a report: stream its file into storage and record the outcome."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import timedelta
from typing import IO, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reporting.models import File, ReportRun
from reporting.reports import Params, ReportError, get_report
from reporting.unixtime import from_unix

from . import storage
from .heartbeat import Heartbeat

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
    """A binary sink that passes bytes through to a file, keeping size and sha256.

    It checks the heartbeat on each write, so an attempt that was taken over
    stops instead of writing a file nobody will keep.
    """

    def __init__(self, raw: IO[bytes], heartbeat: Heartbeat | None = None) -> None:
        self.raw = raw
        self.heartbeat = heartbeat
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        if self.heartbeat is not None:
            self.heartbeat.check()
        try:
            self.raw.write(data)
        except OSError as exc:
            raise SpoolFailed(exc) from exc
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        try:
            self.raw.flush()
        except OSError as exc:
            raise SpoolFailed(exc) from exc


class SpoolFailed(Exception):
    """The worker's temporary file (the report before it goes to storage) could not be written."""

    def __init__(self, exc: OSError) -> None:
        full = exc.errno in storage.FULL
        problem = "The worker has no disk space left for" if full else f"The worker could not write ({exc.strerror})"
        super().__init__(f"{problem} this report's temporary file. {storage.NOT_SAVED}")


def execute_report_run(run: ReportRun) -> None:
    """Generate the file of the run's current attempt and record the outcome.

    ReportError or a storage failure ends the run failed with its message. The
    report is spooled to an anonymous temporary file (gone with the process,
    should it die) and saved to storage whole; whatever fails after a byte
    reached storage removes it, so a run has one file or none.
    """
    report = get_report(run.report_type_id)
    if report is None:
        run.mark_failed(f"Report type {run.report_type_id} is no longer available.")
        return
    params = params_for(run)
    with Heartbeat(run) as heartbeat, tempfile.TemporaryFile() as spool:
        sink = HashingWriter(spool, heartbeat)
        try:
            row_count = report.write(params, cast(IO[bytes], sink))
            sink.flush()
        except (ReportError, SpoolFailed) as exc:
            _fail(run, str(exc))
            return
        heartbeat.check()
        spool.seek(0)
        try:
            storage_name = storage.save_whole(storage.attempt_name(run, run.attempts), spool)
        except storage.StorageFailed as exc:
            _fail(run, str(exc))
            return
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
    except BaseException:
        # Another attempt or the reaper finished the run first, or the database
        # failed: the file belongs to no run, so it goes.
        storage.remove(storage_name)
        raise
    if run.attempts > 1:
        storage.discard_attempt_files(run, keep=run.attempts)  # a straggler that saved after the takeover


def _fail(run: ReportRun, error: str) -> None:
    """Fail the run of this attempt; InvalidTransition if it is no longer this attempt's."""
    logger.info("Report run %s failed: %s", run.id, error)
    run.mark_failed(error)
