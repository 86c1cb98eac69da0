"""The whole import, in three steps whose memory does not grow with the file, all or nothing.

1. Read: the file is decoded and parsed a block at a time; each transaction goes
   to the import's staging file on disk (`staging`), each payout's facts stay in
   memory (a few per day of the file).
2. Check: the staged rows are compared with the ledger a chunk at a time
   (`checking`); any problem ends the import with nothing written.
3. Write: in short transactions on SQLite, one on PostgreSQL (`writing`).

Every import but a dry run is an `ImportJob`: its row shows the progress (the
admin's page polls it) and takes the account's import slot, one import per
account and mode at a time.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from reporting.ids import random_id
from reporting.models import Account, CellFormat, Door, ImportBusy, ImportJob

from .checking import check
from .parsing import FileReader
from .problems import LedgerImportError
from .reading import decode_stream, read_records
from .result import ImportResult
from .staging import Staging, batched
from .writing import undo, watermark, write

# Transactions read before they are staged together (and the progress is written).
READ_CHUNK = 2000
# Seconds between two progress writes of one job (a write each; phases are written at once).
PROGRESS_EVERY = 0.5

LOST = (
    "The import stopped before it finished (its worker was lost); nothing was imported. Please import the file again."
)


def import_ledger(
    data: bytes | str | IO[bytes],
    *,
    account: Account,
    livemode: bool,
    door: Door,
    actor: Any = None,
    filename: str = "",
    dry_run: bool = False,
    job: ImportJob | None = None,
    cell_format: str | None = None,
) -> ImportResult:
    """Read, check and write a file; advance the watermark; record the event. Raise LedgerImportError.

    The watermark moves to the latest time the file dates a transaction by (the
    balance family's date: created, or a payout's effective time), never past
    now and never backwards. Raises ImportBusy while another import of the account
    and mode runs. `job` is the admin's queued job; without one, the import makes
    its own (a dry run none: it writes nothing). `cell_format` is the form of the
    file's text cells (a CellFormat), by default the account's setting: the form its
    own exports are written in.
    """
    cell_format = cell_format or (job.cell_format if job is not None and job.cell_format else account.cell_format)
    stream = _open(data)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if job is None and not dry_run:
        size = os.fstat(stream.fileno()).st_size if not isinstance(stream, io.BytesIO) else len(stream.getbuffer())
        job = ImportJob.objects.create(
            account=account, livemode=livemode, door=door, actor=user, filename=filename, size=size
        )
    if job is not None:
        try:
            take_slot(job)
        except ImportBusy as busy:
            if job.door != Door.ADMIN:  # the admin's job waits in the queue; the command's is told to retry
                job.finish(ImportJob.Status.FAILED, problems=[str(busy)])
            raise
    staging = Staging(staging_path(job))
    try:
        result = _run(
            stream,
            staging,
            job,
            spreadsheet_safe=cell_format == CellFormat.SPREADSHEET_SAFE,
            account=account,
            livemode=livemode,
            dry_run=dry_run,
            door=door,
            actor=user,
            filename=filename,
        )
    except LedgerImportError as exc:
        if job is not None:
            job.finish(ImportJob.Status.FAILED, problems=[str(problem) for problem in exc.problems])
        raise
    except BaseException:
        if job is not None:
            job.finish(
                ImportJob.Status.FAILED, problems=["An internal error stopped the import; nothing was imported."]
            )
        raise
    finally:
        staging.close()
        stream.close()
    if job is not None:
        rows, added = result.rows, result.added  # the last counts, which progress writes may have skipped
        job.finish(
            ImportJob.Status.SUCCEEDED,
            summary=result.summary(),
            bytes_read=job.size,
            rows_read=rows,
            rows_checked=rows,
            rows_to_write=added,
            rows_written=added,
        )
    return result


def take_slot(job: ImportJob) -> None:
    """Start the job once no other import of its account and mode runs; a stale one is undone and failed first."""
    for stale in ImportJob.stale(job.account_id, job.livemode).exclude(pk=job.pk):
        recover(stale)
    job.start()


def recover(job: ImportJob) -> None:
    """Undo what a job that lost its worker wrote, and mark it failed."""
    undo_writes(job)
    job.finish(ImportJob.Status.FAILED, problems=[LOST])


def undo_writes(job: ImportJob) -> None:
    """Undo what a job that lost its worker wrote (SQLite: PostgreSQL rolled it back); drop its staging file."""
    path = staging_path(job)
    if not path.exists():
        return
    staging = Staging(path)
    try:
        if job.phase == ImportJob.Phase.WRITING:
            undo(staging, job.account, job.livemode)
    finally:
        staging.close()


def staging_path(job: ImportJob | None) -> Path:
    name = job.id if job is not None else random_id("dry_")
    return Path(settings.IMPORT_FILES_ROOT) / "staging" / f"{name}.sqlite3"


class _Progress:
    """Writes a job's progress at most every PROGRESS_EVERY seconds, and at once when the phase changes."""

    def __init__(self, job: ImportJob | None) -> None:
        self.job, self.last = job, 0.0

    def __call__(self, phase: ImportJob.Phase, **counts: int) -> None:
        now = time.monotonic()
        if self.job is None or (phase == self.job.phase and now - self.last < PROGRESS_EVERY):
            return
        self.last = now
        self.job.report(phase, **counts)


def _run(
    stream: IO[bytes],
    staging: Staging,
    job: ImportJob | None,
    *,
    spreadsheet_safe: bool,
    account: Account,
    livemode: bool,
    dry_run: bool,
    door: Door,
    actor: Any,
    filename: str,
) -> ImportResult:
    progress = _Progress(job)
    progress(ImportJob.Phase.READING, bytes_read=0)
    reader = FileReader(read_records(decode_stream(stream)), spreadsheet_safe=spreadsheet_safe)
    refs: set[str] = set()  # payouts the rows name
    rows = 0
    with reader.problems.collecting():
        for txns in batched(reader.txns(), READ_CHUNK):
            staging.add_txns(txns, reader.repeated)
            refs.update(ref for t in txns for ref in (t.payout, t.automatic_payout) if ref)
            rows += len(txns)
            progress(ImportJob.Phase.READING, bytes_read=stream.tell(), rows_read=rows)
    reader.finish()
    result = ImportResult(reader.layout, rows=staging.count("txns"), notes=list(reader.notes))
    result.cell_format = CellFormat.SPREADSHEET_SAFE if spreadsheet_safe else CellFormat.STRIPE_EXACT
    result.ignored_columns = list(reader.ignored_columns)
    progress(ImportJob.Phase.CHECKING, bytes_read=stream.tell(), rows_read=result.rows, rows_checked=0)
    plan = check(
        staging,
        reader.payouts,
        refs,
        reader.layout,
        account=account,
        livemode=livemode,
        result=result,
        progress=lambda n: progress(ImportJob.Phase.CHECKING, rows_checked=n),
    )
    result.notes += plan.notes
    result.added, result.links_added = plan.rows_to_write, plan.links
    result.payouts_created, result.payouts_updated = len(plan.new_payouts), len(plan.payout_updates)
    result.watermark = watermark(plan, account, livemode)
    if dry_run:
        return result
    progress(ImportJob.Phase.WRITING, rows_checked=result.rows, rows_to_write=plan.rows_to_write, rows_written=0)
    write(
        plan,
        staging,
        result,
        account=account,
        livemode=livemode,
        door=door,
        actor=actor,
        filename=filename,
        progress=lambda n: progress(ImportJob.Phase.WRITING, rows_written=n),
    )
    return result


def _open(data: bytes | str | IO[bytes]) -> IO[bytes]:
    if isinstance(data, str):
        return io.BytesIO(data.encode())
    if isinstance(data, bytes):
        return io.BytesIO(data)
    return data
