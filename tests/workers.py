"""Real Celery worker processes for tests that kill, stall or outlive them (the slow worker's settings)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from config.celery import app as celery_app
from reporting.models import ReportRun
from tests.conftest import use_broker

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database, as a URL a worker process can be given."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def worker_process(redis_url: str, queues: str = "", **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A prefork worker (one child) on the test database and `redis_url`; this process sends to it too.

    `queues` is its `-Q` (e.g. "long"); without it, it consumes every queue.
    """
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1"),
            *("--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"),
            # Named apart: two workers of one test on one host.
            *(("--queues", queues, "--hostname", f"{queues.replace(',', '-')}-{os.getpid()}@%h") if queues else ()),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.slow_worker.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            **env,
        },
    )
    use_broker(celery_app, redis_url)
    try:
        yield worker
    finally:
        use_broker(celery_app, "memory://")
        stop(worker)
        worker.wait(timeout=30)


def stop(*workers: subprocess.Popen[bytes]) -> None:
    """Begin a cold shutdown of each worker (nothing of the test's is left to finish); each takes about 2 s."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGQUIT)


def wait_until_terminal(run_id: str, timeout: float = 60) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if run.is_terminal:
            return run
        time.sleep(0.1)
    raise AssertionError(f"{run_id} still pending after {timeout}s")
