"""The serving stack (config/gunicorn.py, as `make run` and production start it) outlasts slow clients.

gunicorn runs as a real subprocess on the test database with a 2 s worker
timeout: a sync worker busy with a client longer than that is killed, which is
how a slow download used to be cut. The slow-reader test runs both worker
classes, so it shows the failure it guards against.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from reporting.models import ApiKey, File, report_storage
from tests.report_storage import ReportFiles

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parent.parent
DOWNLOAD_BYTES = 12_000_000
READ_RATE = 3_000_000  # bytes/s: about 4 s, twice the worker timeout, and 12 MB outgrow the socket buffers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_gunicorn(
    var_dir: Path, redis_url: str, worker_class: str, report_files: ReportFiles
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        **report_files.environment(),  # the test's own report storage: big_file's are found
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "GUNICORN_WORKER_CLASS": worker_class,
    }
    args = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "2"]
    process = subprocess.Popen(
        args, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process, port
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # its worker too: an orphan keeps the test database open
    process.wait(timeout=10)
    raise RuntimeError("gunicorn did not answer /healthz")


@pytest.fixture
def web(tmp_path, redis_url, report_files) -> Iterator[tuple[int, Path]]:
    process, port = start_gunicorn(tmp_path, redis_url, "gevent", report_files)
    yield port, tmp_path
    process.terminate()
    process.wait(timeout=10)


def test_healthz_answers_while_30_connections_dribble_their_requests(web):
    port, _ = web
    dribblers = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]
    try:
        for s in dribblers:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
        answers = [urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status for _ in range(3)]
        time.sleep(2.5)  # past the worker timeout: the dribblers must not have got the worker killed
        answers.append(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status)
    finally:
        for s in dribblers:
            s.close()
    assert answers == [200, 200, 200, 200]


def slow_download(port: int, file_id: str, secret: str) -> bytes:
    """Read /v1/files/{id}/contents at READ_RATE through a small receive buffer; return the body received."""
    auth = base64.b64encode(f"{secret}:".encode()).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        request = f"GET /v1/files/{file_id}/contents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
        s.sendall(f"{request}Connection: close\r\n\r\n".encode())
        data, started = bytearray(), time.monotonic()
        while chunk := s.recv(32768):
            data += chunk
            ahead = len(data) / READ_RATE - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    return http_body(bytes(data))


def http_body(response: bytes) -> bytes:
    """The body of a raw HTTP/1.1 response, as much of it as arrived: a file streamed from S3 comes
    chunked (its size is not known to FileResponse), one from the local disk with a Content-Length."""
    head, _, body = response.partition(b"\r\n\r\n")
    if b"\r\ntransfer-encoding: chunked" not in head.lower():
        return body
    decoded, at = bytearray(), 0
    while (end := body.find(b"\r\n", at)) > at and (size := int(body[at:end].split(b";")[0], 16)):
        decoded += body[end + 2 : end + 2 + size]
        at = end + 2 + size + 2
    return bytes(decoded)


def big_file(account) -> tuple[File, bytes]:
    """A stored report file of DOWNLOAD_BYTES, in the test's report storage (gunicorn's too: start_gunicorn)."""
    content = b"".join(b'"txn_%016d","2025-01-01 00:00:00","usd","10.00"\n' % i for i in range(DOWNLOAD_BYTES // 50))
    name = report_storage().save(f"{account.id}/big.csv", ContentFile(content))
    file = File.objects.create(
        account=account,
        livemode=False,
        filename="big.csv",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_name=name,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return file, content


@pytest.mark.parametrize("worker_class", ["gevent", "sync"])
def test_a_slow_reader_gets_the_whole_download(tmp_path, redis_url, account, worker_class, report_files):
    process, port = start_gunicorn(tmp_path, redis_url, worker_class, report_files)
    try:
        _, secret = ApiKey.issue(account=account, livemode=False)
        file, content = big_file(account)

        body = slow_download(port, file.id, secret)
    finally:
        process.terminate()
        process.wait(timeout=10)

    if worker_class == "gevent":  # the shipped stack
        assert hashlib.sha256(body).hexdigest() == file.sha256
    else:  # sync workers: killed at the timeout mid-download, as the issue saw
        assert len(body) < len(content)
