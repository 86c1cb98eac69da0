"""`make run`: migrate, load the demo, then run web, worker, beat (and Redis) until Ctrl-C.

Production does not use this: it runs gunicorn, `celery worker` and `celery beat`
directly (README) and never loads demo data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def local_secret_key() -> str:
    # Created once and kept, so sessions survive restarts; never used in production.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Created owner-only: never readable by others, not even for a moment.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


@dataclass
class Child:
    """A process `make run` started; `restart`, if set, starts it again when it dies."""

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


def main() -> int:
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SECRET_KEY", local_secret_key())
    # Plain HTTP on 127.0.0.1: no HTTPS redirect, cookies without the Secure flag.
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")  # the links in emails
    children: list[Child] = []
    if not os.environ.get("REDIS_URL"):
        from reporting.embedded_redis import start

        # Restarted when it dies: web, worker and beat reconnect, and the reaper
        # queues what was accepted meanwhile (its queue persists in var/).
        def redis() -> subprocess.Popen[bytes]:
            return start(VAR_DIR / "redis.sock")

        children.append(Child("Redis", redis(), restart=redis))
    try:
        manage("migrate", "--no-input", "-v", "0")
        manage("collectstatic", "--no-input", "-v", "0")
        manage("load_demo")
        commands = [
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:config.gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
            ],
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
        ]
        # Each child leads its own process group: Ctrl-C reaches only us, and we stop
        # them in order (Redis last) and can kill a whole group (gunicorn's workers).
        names = ("web", "worker", "beat")
        children += [
            Child(name, subprocess.Popen(c, cwd=BASE_DIR, start_new_session=True))
            for name, c in zip(names, commands, strict=True)
        ]
        print_banner(port)
        exited = supervise(children)
        print(f"  {exited.name} exited ({exited.process.returncode}): stopping everything", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop([child.process for child in children])
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def print_banner(port: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from reporting.demo import DEMO_LIVE_SECRET, DEMO_TEST_SECRET

    print(
        f"""
  reporting is running: http://127.0.0.1:{port}/
  Log in as user "demo", password "demo".
  Demo API keys:  test {DEMO_TEST_SECRET}
                  live {DEMO_LIVE_SECRET}
  Admin: http://127.0.0.1:{port}/admin/   Health: http://127.0.0.1:{port}/healthz
  Press Ctrl-C to stop everything.
""",
        flush=True,
    )


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop web, worker and beat first, Redis last; kill any group that lingers."""
    for process in reversed(processes):
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        _signal_group(process, signal.SIGKILL)  # leftovers, such as orphaned workers


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


if __name__ == "__main__":
    # Explicit, because a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main())
