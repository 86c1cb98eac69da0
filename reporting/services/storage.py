"""Report files in storage: each attempt's own name, removal of what is left, failures in words, a health probe.

Everything goes through `report_storage()` (Django's storage API), so another
backend (S3) changes nothing here.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
import uuid
from typing import IO, Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from reporting.models import ReportRun, report_storage

logger = logging.getLogger(__name__)

FULL = {errno.ENOSPC, errno.EDQUOT}
PART = ".part"  # a local file being written (services.uploads)
NOT_SAVED = "The report's file was not saved; please try again later."


class StorageFailed(Exception):
    """Storage refused a report's file; the message says why, in words a requester can read."""


def attempt_name(run: ReportRun, attempt: int) -> str:
    """The storage name of an attempt's file: attempts never share a name, so none removes another's file."""
    suffix = "" if attempt <= 1 else f".{attempt}"
    return f"{run.account_id}/{run.id}{suffix}.csv"


def remove(name: str) -> None:
    """Delete a stored file if it exists; a storage that cannot even delete is logged, not raised."""
    store = report_storage()
    try:
        if store.exists(name):
            store.delete(name)
    except Exception:
        logger.exception("Could not remove report file %s", name)


def discard_attempt_files(run: ReportRun, *, keep: int | None) -> None:
    """Remove the files of the run's attempts so far, but attempt `keep`'s (the one its File row names)."""
    for attempt in range(1, run.attempts + 1):
        if attempt != keep:
            name = attempt_name(run, attempt)
            remove(name)
            discard_leftovers(name)


def discard_leftovers(name: str) -> None:
    """Remove what a killed writer of `name` left (services.uploads): a `.part` file, or an incomplete S3 upload."""
    store = report_storage()
    if not isinstance(store, S3Storage):
        remove(name + PART)
        return
    try:
        key = store._normalize_name(clean_name(name))  # django-storages' own name-to-key mapping
        for upload in store.bucket.multipart_uploads.filter(Prefix=key):
            if upload.object_key == key:
                upload.abort()
    except Exception:
        logger.exception("Could not abort incomplete uploads of report file %s", name)


def presigned_url(name: str, filename: str) -> str | None:
    """A short-lived URL that downloads the file as `filename`, when REPORT_DOWNLOADS=redirect and storage is S3."""
    store = report_storage()
    if settings.REPORT_DOWNLOADS != "redirect" or not isinstance(store, S3Storage):
        return None
    disposition = f'attachment; filename="{filename}"'
    url: str = store.url(
        name, parameters={"ResponseContentDisposition": disposition, "ResponseContentType": "text/csv"}
    )
    return url


def stream(name: str) -> IO[bytes]:
    """The file for reading as it arrives: from S3, the object's body itself (not first copied to a spool)."""
    store = report_storage()
    opened: Any = store.open(name, "rb")
    if isinstance(store, S3Storage):
        return cast(IO[bytes], opened.obj.get()["Body"])
    return cast(IO[bytes], opened)


def describe(exc: BaseException) -> str:
    """A run's error for a storage failure: what went wrong, and what to do."""
    return f"{problem(exc)}. {NOT_SAVED}"


def problem(exc: BaseException) -> str:
    """A storage error in words: full, or the storage's own error (its text is in the worker's log)."""
    if isinstance(exc, OSError) and exc.errno in FULL:
        return "Report storage is full"
    if isinstance(exc, OSError) and exc.strerror:
        return f"Report storage failed: {exc.strerror}"
    if isinstance(exc, ClientError):  # S3's answer: NoSuchBucket, AccessDenied, ...
        error = exc.response.get("Error", {})
        return f"Report storage failed: {error.get('Code', 'error')} ({error.get('Message', '')})"
    if isinstance(exc, BotoCoreError):  # the endpoint unreachable, no credentials, ...
        return f"Report storage failed: {exc}"
    return f"Report storage failed ({type(exc).__name__})"


# /healthz: a write-and-delete of a tiny file, remembered briefly so probes cost the storage little;
# per storage object (settings that change STORAGES get a new one, and a fresh probe).
_probe_lock = threading.Lock()
_probe_result: tuple[Storage, float, str | None] | None = None


def probe() -> str | None:
    """None when report storage takes and deletes a small file, else what went wrong in words."""
    global _probe_result
    store = report_storage()
    with _probe_lock:
        now = time.monotonic()
        if _probe_result is not None:
            probed, at, result = _probe_result
            if probed is store and now - at < settings.REPORT_STORAGE_PROBE_SECONDS:
                return result
        result = _write_and_delete(store)
        _probe_result = (store, now, result)
        return result


def _write_and_delete(store: Storage) -> str | None:
    name = f"healthz-{uuid.uuid4().hex}.probe"
    try:
        saved = store.save(name, ContentFile(b"ok\n"))
    except Exception as exc:
        remove(name)
        return problem(exc)
    try:
        store.delete(saved)
    except Exception as exc:
        return problem(exc)
    return None
