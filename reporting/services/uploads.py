"""A report's file written into storage as it is made: it appears whole when committed, or not at all.

The worker writes each chunk once, straight to where the file will live:

- S3: a multipart upload of AWS_S3_FILE_BUFFER_SIZE parts (django-storages'
  setting, 5 MiB by default), each sent while the next one fills; the object
  exists only once the upload completes, and an aborted upload leaves nothing.
- A local directory: a `.part` file beside the final name, renamed onto it at the
  end (one filesystem, so the rename is atomic: readers see all or nothing).
- Any other Django storage: a temporary file saved whole at the end, as before.

A worker killed mid-write leaves an incomplete upload or a `.part` file;
`storage.discard_leftovers` removes them when another attempt takes the run over.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO, Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File as DjangoFile
from django.core.files.storage import FileSystemStorage, Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from reporting.models import report_storage

from .storage import PART, StorageFailed, describe, remove

T = TypeVar("T")

logger = logging.getLogger(__name__)


class Upload:
    """Write a file into report storage under `name`: `write` chunks, then `commit` (or `abort`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._target: _Target | None = None  # opened on the first write, so opening fails like writing

    def write(self, data: bytes | memoryview) -> int:
        self._storage_call(lambda: self._opened().write(data))
        return len(data)

    def commit(self) -> str:
        """Make the file visible under its name and return that name (on failure, `abort` cleans up)."""
        return self._storage_call(lambda: self._opened().commit())

    def abort(self) -> None:
        """Drop whatever was written; a storage that cannot is logged, not raised (the caller's error matters)."""
        try:
            if self._target is not None:
                self._target.abort()
        except Exception:
            logger.exception("Could not discard the partly written report file %s", self.name)
        remove(self.name)

    def _opened(self) -> _Target:
        if self._target is None:
            self._target = _target_for(report_storage(), self.name)
        return self._target

    def _storage_call(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (StorageFailed, SoftTimeLimitExceeded):
            raise
        except Exception as exc:
            logger.warning("Could not write report file %s: %s", self.name, exc)
            raise StorageFailed(describe(exc)) from exc


class _Target:
    def write(self, data: bytes | memoryview) -> None:
        raise NotImplementedError

    def commit(self) -> str:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


def _target_for(store: Storage, name: str) -> _Target:
    if isinstance(store, S3Storage):
        return _Multipart(store, name)
    if isinstance(store, FileSystemStorage):
        return _RenamedOnCommit(store, name)
    return _Spooled(store, name)


class _Multipart(_Target):
    """Parts of AWS_S3_FILE_BUFFER_SIZE, each uploaded by a thread while the next one fills: the export
    waits on the network only when a part is filled before the one before it is up. A file smaller
    than one part is one PUT."""

    def __init__(self, store: S3Storage, name: str) -> None:
        # django-storages' own name-to-key mapping and write parameters (content type, ACL).
        key = store._normalize_name(clean_name(name))
        self.name = name
        self.object: Any = store.bucket.Object(key)
        self.parameters = store._get_write_parameters(key)
        self.part_size = int(getattr(settings, "AWS_S3_FILE_BUFFER_SIZE", 5 * 1024 * 1024))
        self.buffer = bytearray()
        self.upload: Any = None
        self.parts: list[dict[str, Any]] = []
        self.sending: Future[dict[str, Any]] | None = None
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3-part")

    def write(self, data: bytes | memoryview) -> None:
        self.buffer += data
        if len(self.buffer) >= self.part_size:
            self._send()

    def commit(self) -> str:
        try:
            if self.upload is None:
                self.object.put(Body=bytes(self.buffer), **self.parameters)
            else:
                if self.buffer:
                    self._send()
                self._sent()
                self.upload.complete(MultipartUpload={"Parts": self.parts})
        finally:
            self.sender.shutdown()
        return self.name

    def abort(self) -> None:
        if self.sending is not None:
            wait([self.sending])
        self.sender.shutdown()
        if self.upload is not None:
            self.upload.abort()  # its parts go with it

    def _send(self) -> None:
        """Hand the buffer to the sender thread, once the part before it is up (two parts in memory at most)."""
        if self.upload is None:
            self.upload = self.object.initiate_multipart_upload(**self.parameters)
        self._sent()
        number, body = len(self.parts) + 1, bytes(self.buffer)
        self.buffer.clear()
        self.sending = self.sender.submit(self._upload_part, number, body)

    def _sent(self) -> None:
        if self.sending is not None:
            self.parts.append(self.sending.result())  # raises the part's error here, in the writer
            self.sending = None

    def _upload_part(self, number: int, body: bytes) -> dict[str, Any]:
        answer = self.upload.Part(number).upload(Body=body)
        return {"ETag": answer["ETag"], "PartNumber": number}


class _RenamedOnCommit(_Target):
    def __init__(self, store: FileSystemStorage, name: str) -> None:
        self.store = store
        self.name = name
        self.path = Path(store.path(name))
        self.part = Path(store.path(name + PART))
        self._make_directories(self.part.parent)
        # Created with the storage's file mode (FILE_UPLOAD_PERMISSIONS) from the start: the
        # partial file is no more readable than the whole one will be.
        mode = store.file_permissions_mode if store.file_permissions_mode is not None else 0o666
        descriptor = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self.file: IO[bytes] = os.fdopen(descriptor, "wb")

    def _make_directories(self, directory: Path) -> None:
        """As FileSystemStorage.save makes them: with FILE_UPLOAD_DIRECTORY_PERMISSIONS (without its umask dance)."""
        mode = self.store.directory_permissions_mode
        missing = [d for d in (directory, *directory.parents) if not d.exists()]
        for each in reversed(missing):
            each.mkdir(exist_ok=True)
            if mode is not None:
                os.chmod(each, mode)

    def write(self, data: bytes | memoryview) -> None:
        self.file.write(data)

    def commit(self) -> str:
        self.file.close()
        if self.store.file_permissions_mode is not None:
            os.chmod(self.part, self.store.file_permissions_mode)  # os.open's mode is masked by the umask
        os.replace(self.part, self.path)
        return self.name

    def abort(self) -> None:
        self.file.close()
        self.part.unlink(missing_ok=True)


class _Spooled(_Target):
    def __init__(self, store: Storage, name: str) -> None:
        self.store = store
        self.name = name
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (closed by commit or abort)

    def write(self, data: bytes | memoryview) -> None:
        self.file.write(data)

    def commit(self) -> str:
        self.file.seek(0)
        with self.file:
            return self.store.save(self.name, DjangoFile(self.file))

    def abort(self) -> None:
        self.file.close()
