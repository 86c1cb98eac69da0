"""A real S3 server for the tests: SeaweedFS (reporting.embedded_s3) on free ports, one bucket "reports"."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from storages.backends.s3 import S3Storage

from reporting import embedded_s3

KEY, SECRET = "test-access-key", "test-secret-key-" + uuid.uuid4().hex


class SharedSessionS3Storage(S3Storage):
    """django-storages' S3Storage, whose boto3 connections last the whole test run instead of one storage object.

    Every test's settings make a new storage (its own location), and S3Storage makes
    a new boto3 session and resource for each storage object and thread: 0.1-0.3 s
    (the S3 service model loaded afresh), then 20-40 ms (the client built), paid by
    every test that touches report storage. Here one session serves the run and each
    thread keeps its resource per endpoint: a resource is not thread-safe, and the
    live server's and the worker's threads need their own, as in S3Storage. The
    processes the tests start (workers, gunicorn) use S3Storage itself, as
    config/settings.py builds it from the AWS_* variables.
    """

    _lock = threading.Lock()
    _sessions: dict[tuple[str | None, str | None], boto3.Session] = {}
    _per_thread = threading.local()

    def _create_session(self) -> boto3.Session:
        key = (self.access_key, self.secret_key)
        if key not in self._sessions:
            self._sessions[key] = super()._create_session()
        return self._sessions[key]

    @property
    def connection(self) -> Any:
        resources = self._per_thread.__dict__.setdefault("resources", {})
        key = (self.endpoint_url, self.region_name, self.access_key, self.secret_key)
        if key not in resources:
            with self._lock:  # a boto3 session is not thread-safe either
                resources[key] = super().connection
        return resources[key]


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str = "reports"

    @property
    def s3(self) -> embedded_s3.S3Endpoint:
        return embedded_s3.S3Endpoint(self.endpoint, KEY, SECRET, self.bucket)

    def client(self) -> Any:
        return self.s3.client()

    def keys(self, prefix: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def storage(self, location: str, *, endpoint: str | None = None, bucket: str | None = None) -> dict[str, Any]:
        """STORAGES["reports"] under `location` in the bucket, as config/settings.py builds it from AWS_* variables
        (the environment() below), but for the shared boto3 session."""
        return {
            "BACKEND": "tests.s3.SharedSessionS3Storage",
            "OPTIONS": {
                "bucket_name": bucket or self.bucket,
                "endpoint_url": endpoint or self.endpoint,
                "access_key": KEY,
                "secret_key": SECRET,
                "region_name": "us-east-1",
                "location": location,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 60,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        }

    def environment(self, location: str) -> dict[str, str]:
        """The variables that give a process the tests start (a worker, gunicorn) the same storage()."""
        return {**self.s3.environment(), "AWS_LOCATION": location}


@contextmanager
def seaweedfs(root: Path) -> Iterator[S3Server]:
    process, endpoint = embedded_s3.start(root, access_key=KEY, secret_key=SECRET)
    try:
        yield S3Server(endpoint.url)
    finally:
        process.kill()  # it takes many seconds to stop politely, and keeps nothing the tests need
        process.wait(timeout=30)
