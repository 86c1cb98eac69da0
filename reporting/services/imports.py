"""Ledger imports in the background: the admin's upload is stored and queued, a worker runs it.

The web process only streams the upload into the imports storage (Django spools
uploads over 2.5 MB to a temporary file, so its memory stays flat) and queues
the job; the worker reads the stored file a block at a time
(`reporting.ledger_import`). The job row carries the progress the admin's page
shows, and is the truth about the import, as a run's row is about a run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from reporting.ledger_import import LedgerImportError, import_ledger
from reporting.ledger_import.importing import undo_writes
from reporting.models import Account, Door, ImportJob, User

logger = logging.getLogger(__name__)


def import_storage() -> Storage:
    return storages["imports"]


def queue_import(
    upload: UploadedFile, *, account: Account, livemode: bool, actor: User | None, cell_format: str = ""
) -> ImportJob:
    """Store the upload and queue its import, once the job row is committed.

    `cell_format`: the form of the file's text cells; empty for the account's setting.
    """
    from reporting.tasks import import_ledger_file

    job = ImportJob(
        account=account,
        livemode=livemode,
        door=Door.ADMIN,
        actor=actor,
        filename=upload.name or "",
        size=upload.size or 0,
        cell_format=cell_format,
    )
    job.upload_name = import_storage().save(f"{job.id}.csv", upload)
    with transaction.atomic():
        job.save()
        import_ledger_file.delay_on_commit(job.pk)  # type: ignore[attr-defined]  # DjangoTask
    return job


def run_import(job_id: str) -> None:
    """Run a queued job; raises ImportBusy while another import of its account and mode runs.

    A job found running is another delivery's, unless its heartbeat is stale: then its
    worker was lost, and this delivery undoes what it wrote and runs it again.
    """
    job = ImportJob.objects.select_related("account", "actor").filter(pk=job_id).first()
    if job is None or job.is_terminal:
        return
    if job.status == ImportJob.Status.RUNNING:
        if not ImportJob.stale(job.account_id, job.livemode).filter(pk=job.pk).exists():
            return
        undo_writes(job)
    try:
        with import_storage().open(job.upload_name, "rb") as stream:
            import_ledger(
                stream,
                account=job.account,
                livemode=job.livemode,
                door=Door(job.door),
                actor=job.actor,
                filename=job.filename,
                job=job,
            )
    except LedgerImportError:
        pass  # the job row has the problems
    finally:
        if job.is_terminal:
            import_storage().delete(job.upload_name)


def reap_imports() -> int:
    """Queue again the jobs whose task was lost: queued for long, or running with a stale heartbeat."""
    from reporting.tasks import import_ledger_file

    since = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER)
    lost = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created__lt=since) | ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=since
    )
    count = 0
    for job_id in lost.values_list("pk", flat=True):
        import_ledger_file.delay(job_id)
        count += 1
    if count:
        logger.warning("Re-queued %d ledger import(s) whose task was lost", count)
    return count
