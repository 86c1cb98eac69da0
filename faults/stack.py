"""The product's processes for a fault run: embedded Redis, gunicorn, Celery workers and beat, each killable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import procs

BASE_DIR = Path(__file__).resolve().parent.parent


class Stack:
    def __init__(self, var_dir: Path, env: dict[str, str]) -> None:
        self.var_dir = var_dir
        self.env = env
        self.logs = var_dir / "logs"
        self.port = procs.free_port()
        self.redis: procs.Service | None = None
        self.web: procs.Service | None = None
        self.workers: list[procs.Service] = []
        self.beat: procs.Service | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a management command (its output goes to logs/manage.log)."""
        log = (self.logs / "manage.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def restart_with(self, **env: str) -> None:
        """Restart web and workers (one worker) with these settings on top of the stack's own."""
        for service in [*self.workers, self.web]:
            if service is not None:
                service.stop()
        self.workers = []
        base = self.env
        self.env = {**base, **env}
        try:
            self.start_web()
            self.start_worker(concurrency=2)
        finally:
            self.env = base

    def start_redis(self) -> None:
        self.redis = procs.start_redis(self.var_dir / "redis.sock", self.logs / "redis.log")

    def kill_redis(self) -> None:
        assert self.redis is not None
        self.redis._signal(9)
        self.redis.process.wait()

    def start_web(self) -> None:
        self.web = procs.start_gunicorn(self.port, self.logs / "gunicorn.log", self.env)

    def start_worker(self, concurrency: int = 1, **env: str) -> procs.Service:
        name = f"faults{len(self.workers)}-{os.getpid()}@%h"
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        args += ["--concurrency", str(concurrency), "--hostname", name]
        worker = procs.Service("celery worker", args, self.logs / "worker.log", {**self.env, **env})
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def kill_worker(self, worker: procs.Service) -> None:
        """SIGKILL the worker and its pool, as the OOM killer or a crashed host would."""
        worker._signal(9)
        worker.process.wait()
        self.workers.remove(worker)

    def start_beat(self) -> None:
        args = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]
        args += ["--schedule", str(self.var_dir / "celerybeat-schedule")]
        self.beat = procs.Service("celery beat", args, self.logs / "beat.log", self.env)

    def stop(self) -> None:
        for service in [*self.workers, self.beat, self.web, self.redis]:
            if service is not None and service.process.poll() is None:
                service.stop()
        self.workers = []
