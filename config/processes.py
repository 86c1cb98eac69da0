"""The processes `make run` and `make cluster` start: their commands, their supervision, their stop.

Production starts the same commands itself (README "Production"). Each child leads its own
process group: Ctrl-C reaches only the supervisor, which stops the children in order and
can kill a whole group (gunicorn's workers, Celery's pool).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def kept_secret(path: Path) -> str:
    """A random secret created in `path` the first time and read back after: sessions survive restarts."""
    if not path.exists():
        # Created owner-only: never readable by others, not even for a moment.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def web_command(port: int | str, environment: Mapping[str, str] = os.environ) -> list[str]:
    """gunicorn on 127.0.0.1 with config/gunicorn.py, the access log on its output.

    With gevent workers (the default), gevent patches the standard library before gunicorn
    starts: gunicorn imports ssl before it reads its config, and a worker that patches ssl
    after that breaks every S3 request (botocore's SSL context recurses until RecursionError,
    and an upload through its thread pool hangs the whole worker).
    """
    args = ["-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
    if environment.get("GUNICORN_WORKER_CLASS", "gevent") == "gevent":
        args = ["-m", "gevent.monkey", "--module", *args[1:]]
    return [sys.executable, *args, "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"]


def worker_command(*options: str, concurrency: int = 2) -> list[str]:
    """A Celery worker consuming every queue (no -Q)."""
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
    return [*args, "--concurrency", str(concurrency), *options]


def beat_command(schedule: Path) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--schedule", str(schedule)]


@dataclass
class Child:
    """A process the supervisor started; `restart`, if set, starts it again when it dies."""

    name: str
    process: subprocess.Popen[bytes]
    restart: Callable[[], subprocess.Popen[bytes]] | None = None
    restarts: int = 0  # in a row, each within a minute of the one before
    started: float = field(default_factory=time.monotonic)


def supervise(children: Sequence[Child], *, every: float = 0.5, max_restarts: int = 5) -> Child:
    """Watch the children: restart those that may be restarted, return the first other one that exits.

    Polling, not os.wait(): that returns for any child, and reaps it under Popen's feet.
    A child that dies within a minute of its start `max_restarts` times in a row is
    returned too, rather than restarted in a loop.
    """
    while True:
        for child in children:
            code = child.process.poll()
            if code is None:
                continue
            if time.monotonic() - child.started > 60:
                child.restarts = 0
            if child.restart is None or child.restarts >= max_restarts:
                return child
            child.restarts += 1
            print(f"  {child.name} exited ({code}); starting it again", file=sys.stderr, flush=True)
            child.process, child.started = child.restart(), time.monotonic()
        time.sleep(every)


def stop(processes: Sequence[subprocess.Popen[bytes]], *, grace: float = 15) -> None:
    """SIGTERM the processes' groups together, wait up to `grace` seconds for all, then kill what lingers.

    Callers stop in waves: what the others need (Redis, the bucket) in a later call.
    """
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        _signal_group(process, signal.SIGKILL)  # leftovers, such as orphaned workers


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def interrupt_on_signals() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, so that the supervisor's `finally` stops its children.

    Explicit, because a shell that starts us in the background ignores SIGINT.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def print_banner(port: int | str, *more: str) -> None:
    """Where the service answers and the demo's login and keys (Django set up from this process's environment)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from reporting.demo import DEMO_LIVE_SECRET, DEMO_TEST_SECRET

    lines = [
        f"  reporting is running: http://127.0.0.1:{port}/",
        '  Log in as user "demo", password "demo".',
        f"  Demo API keys:  test {DEMO_TEST_SECRET}",
        f"                  live {DEMO_LIVE_SECRET}",
        f"  Admin: http://127.0.0.1:{port}/admin/   Health: http://127.0.0.1:{port}/healthz",
        *more,
        "  Press Ctrl-C to stop everything.",
    ]
    print("\n" + "\n".join(lines) + "\n", flush=True)
