"""Serve a report file: the access check, the expiry, the audit event and the response, for every door."""

from __future__ import annotations

from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from reporting.models import Event, File, FileLink

from . import storage
from .caller import Caller


class FileUnavailable(Exception):
    """The file cannot be served: not the caller's, or expired (`expired` says which)."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


def download(
    caller: Caller, file: File, *, filename: str | None = None, link: FileLink | None = None
) -> HttpResponseBase:
    """Serve a file of the caller's account and mode as an attachment, recording who downloaded it.

    Streamed, or (REPORT_DOWNLOADS=redirect, S3) a redirect to a short-lived presigned URL.
    `link`: the public file link it was fetched through (the caller then has no user or key).
    """
    if file.account_id != caller.account.pk or file.livemode != caller.livemode:
        raise FileUnavailable(f"No such file: {file.id}", expired=False)
    if file.is_expired or (link is not None and link.expired):
        raise FileUnavailable(f"The file {file.id} has expired and can no longer be downloaded.", expired=True)
    caller.record(Event.Action.FILE_DOWNLOADED, file.id, **({"file_link": link.id} if link else {}))
    name = filename or file.filename
    if (url := storage.presigned_url(file.storage_name, name)) is not None:
        return HttpResponseRedirect(url)
    response = FileResponse(
        storage.stream(file.storage_name), as_attachment=True, filename=name, content_type="text/csv"
    )
    # FileResponse cannot size an S3 body; the row knows it, so clients can show progress (and not chunked).
    response["Content-Length"] = str(file.size)
    response.block_size = 64 * 1024  # 4 KB reads would cost a system call (or an S3 read) per 4 KB
    return response
