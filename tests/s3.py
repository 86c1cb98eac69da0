"""A real S3 server for the tests: SeaweedFS (reporting.embedded_s3) on free ports, one bucket "reports"."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting import embedded_s3

KEY, SECRET = "test-access-key", "test-secret-key-" + uuid.uuid4().hex


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
        """STORAGES["reports"] under `location` in the bucket, as config/settings.py builds it from AWS_* variables."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket or self.bucket,
                "endpoint_url": endpoint or self.endpoint,
                "access_key": KEY,
                "secret_key": SECRET,
                "region_name": "us-east-1",
                "location": location,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_expire": 60,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        }


@contextmanager
def seaweedfs(root: Path) -> Iterator[S3Server]:
    process, endpoint = embedded_s3.start(root, access_key=KEY, secret_key=SECRET)
    try:
        yield S3Server(endpoint.url)
    finally:
        process.kill()  # it takes many seconds to stop politely, and keeps nothing the tests need
        process.wait(timeout=30)
