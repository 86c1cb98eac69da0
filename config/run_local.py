"""`make run`: migrate, load the demo, then run web, worker, beat (and Redis) until Ctrl-C.

Production does not use this: it runs gunicorn, `celery worker` and `celery beat`
directly (README) and never loads demo data. The commands, the supervisor and the
stop are config/processes.py's, shared with `make cluster`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.processes import (
    Child,
    beat_command,
    interrupt_on_signals,
    kept_secret,
    print_banner,
    stop,
    supervise,
    web_command,
    worker_command,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


# The workers of a laptop (README "Production" runs the same two): one for the short queue
# alone, so that a summary never waits behind an export however many are running or
# queued, and one for the long queue that also takes short work when it has none. A
# worker's processes all consume its queues, so keeping one free for short work takes a
# worker of its own; one process each keeps memory modest (idle, 218 MB PSS for the two,
# 160 MB for the one worker of two processes they replace).
WORKERS = (("short", "short"), ("long,short", "long"))


def queue_options(queues: str, name: str) -> tuple[str, ...]:
    """celery worker's options for a worker named `name` serving `queues` (comma-separated)."""
    return ("--queues", queues, "--hostname", f"{name}@%h")


def local_secret_key() -> str:
    # Created once and kept, so sessions survive restarts; never used in production.
    return kept_secret(VAR_DIR / "secret_key")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def main() -> int:
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SECRET_KEY", local_secret_key())
    # Plain HTTP on 127.0.0.1: no HTTPS redirect, cookies without the Secure flag.
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
    # Webhooks to a receiver on this machine (a local `stripe listen`-style server) are fine here.
    os.environ.setdefault("WEBHOOKS_ALLOW_PRIVATE_URLS", "true")
    port = os.environ.get("PORT", "8000")
    # Links made without a request (events, webhooks, emails) point at this server.
    os.environ.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    broker: list[Child] = []
    children: list[Child] = []
    if not os.environ.get("REDIS_URL"):
        from reporting.embedded_redis import start

        # Restarted when it dies: web, worker and beat reconnect, and the reaper
        # queues what was accepted meanwhile (its queue persists in var/).
        def redis() -> subprocess.Popen[bytes]:
            return start(VAR_DIR / "redis.sock")

        broker.append(Child("Redis", redis(), restart=redis))
    try:
        manage("migrate", "--no-input", "-v", "0")
        manage("collectstatic", "--no-input", "-v", "0")
        manage("load_demo")
        commands = {
            "web": web_command(port),
            **{
                f"worker ({queues})": worker_command(*queue_options(queues, name), concurrency=1)
                for queues, name in WORKERS
            },
            "beat": beat_command(VAR_DIR / "celerybeat-schedule"),
        }
        children += [
            Child(name, subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True))
            for name, command in commands.items()
        ]
        print_banner(port)
        exited = supervise(broker + children)
        print(f"  {exited.name} exited ({exited.process.returncode}): stopping everything", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        # Web, worker and beat first, Redis last: a worker acknowledges its tasks on the way out.
        stop([child.process for child in children])
        stop([child.process for child in broker])
    return 0


if __name__ == "__main__":
    interrupt_on_signals()
    sys.exit(main())
