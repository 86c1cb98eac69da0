"""The state of a bench run: its settings, ledgers and findings, each step's outcome, and the
services (Redis, gunicorn, a Celery worker) that steps d–f talk to."""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench import procs
from bench.config import ITEMIZED, BenchError, Config, Measured, label

if TYPE_CHECKING:
    from bench.ledger import Ledger

BASE_DIR = Path(__file__).resolve().parent.parent


def interval(start: datetime, end: datetime) -> dict[str, int]:
    """Return a report run's parameters for [start, end)."""
    return {"interval_start": int(start.timestamp()), "interval_end": int(end.timestamp())}


class Bench:
    def __init__(self, config: Config, var_dir: Path, broker_url: str, embedded_broker: bool) -> None:
        self.config = config
        self.var_dir = var_dir
        self.broker_url = broker_url
        self.embedded_broker = embedded_broker
        self.vendor = "sqlite"
        self.database = ""
        self.ledgers: dict[int, Ledger] = {}
        self.keys: dict[str, str] = {}  # account id -> API secret
        self.m = Measured()
        self.errors: dict[str, str] = {}
        self.notes: list[str] = []
        self.services: dict[str, procs.Service] = {}
        self.port = 0
        self.wrk: str | None = None
        self.load_generator = ""

    @contextlib.contextmanager
    def step(self, name: str, title: str) -> Iterator[None]:
        """Run a step: print its progress, and record (rather than raise) what stops it."""
        started = time.monotonic()
        print(f"[bench] {name}: {title} …", flush=True)
        try:
            yield
        except Exception as exc:
            traceback.print_exc()
            self.errors[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            print(f"[bench] {name}: ERROR {self.errors[name]}", flush=True)
        else:
            print(f"[bench] {name}: done in {time.monotonic() - started:.1f} s", flush=True)

    def labels(self) -> list[str]:
        return [label(s) for s in self.config.sizes]

    def target_ledger(self) -> Ledger:
        if self.config.target_size not in self.ledgers:
            raise BenchError("no ledger to run on (the ledger step failed)")
        return self.ledgers[self.config.target_size]

    def availability(self, account_id: str) -> tuple[datetime, datetime]:
        from reporting.models import Account, data_availability

        return data_availability(Account.objects.get(pk=account_id), False)

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BASE_DIR), env.get("PYTHONPATH", "")) if p)
        return env

    # Services

    def start_broker(self) -> None:
        """Start the embedded Redis, unless BENCH_REDIS_URL names a server."""
        if self.embedded_broker:
            self.services["redis"] = procs.start_redis(self.var_dir / "redis.sock", self.var_dir / "logs" / "redis.log")

    def start_web(self, serving: dict[str, str] | None = None) -> None:
        """Start gunicorn, or restart it: with the bench's own environment, or with these serving settings.

        `serving` replaces GUNICORN_WORKER_CLASS (config/gunicorn.py), DATABASE_POOL and CONN_MAX_AGE.
        """
        self.stop_service("gunicorn")
        if not self.port:
            self.port = int(os.environ.get("BENCH_PORT") or procs.free_port())
        env = self.child_env()
        if serving is not None:
            replaced = ("GUNICORN_WORKER_CLASS", "DATABASE_POOL", "CONN_MAX_AGE")
            env = {k: v for k, v in env.items() if k not in replaced} | serving
        self.services["gunicorn"] = procs.start_gunicorn(self.port, self.var_dir / "logs" / "gunicorn.log", env)

    def start_worker(self, concurrency: int) -> None:
        self.stop_service("celery")
        log = self.var_dir / "logs" / f"celery-{concurrency}.log"
        self.services["celery"] = procs.start_celery(concurrency, log, self.child_env())
        # Ready when it has run a report end to end.
        built = self.target_ledger()
        _, end = self.availability(built.account_id)
        self.submit_and_wait([(end - timedelta(days=1), end)], built.account_id, timeout=120)

    def start_queue_workers(self) -> None:
        """Start the workers of `make run` (config/run_local.WORKERS), one per queue list, each once ready."""
        from config.run_local import WORKERS

        self.stop_service("celery")
        for queues, name in WORKERS:
            log = self.var_dir / "logs" / f"celery-{name}.log"
            self.services[f"celery-{name}"] = procs.start_celery(1, log, self.child_env(), queues)
        for _, name in WORKERS:
            procs.wait_ready(self.services[f"celery-{name}"])

    def stop_service(self, name: str) -> None:
        if service := self.services.pop(name, None):
            service.stop()

    def stop_all(self) -> None:
        workers = [name for name in self.services if name.startswith("celery")]
        for name in (*workers, "gunicorn", "redis"):
            with contextlib.suppress(Exception):
                self.stop_service(name)

    def submit_and_wait(
        self, intervals: list[tuple[datetime, datetime]], account_id: str, *, timeout: float
    ) -> tuple[float, float]:
        """Queue one-day itemized runs in one transaction; return the seconds from COMMIT to the last
        one done, and the seconds the runs spent running, summed (claim to finish)."""
        from django.db import transaction

        from reporting import services
        from reporting.models import Account, Door, ReportRun

        caller = services.Caller(Account.objects.get(pk=account_id), False, Door.CLI)
        with transaction.atomic():
            ids = [
                services.request_run(caller, report_type_id=ITEMIZED, parameters=interval(s, e)).pk
                for s, e in intervals
            ]
            started = time.perf_counter()  # the tasks are sent on COMMIT, just after this
        pending = ReportRun.objects.filter(pk__in=ids, status=ReportRun.Status.PENDING)
        while pending.exists():
            if time.perf_counter() - started > timeout:
                raise BenchError(f"{pending.count()} of {len(ids)} runs still pending after {timeout:.0f} s")
            self.services["celery"].check()
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        failed = ReportRun.objects.filter(pk__in=ids, status=ReportRun.Status.FAILED).values_list("error", flat=True)
        if failed:
            raise BenchError(f"{len(failed)} runs failed: {failed[0]}")
        busy = sum(
            (finished - begun).total_seconds()
            for begun, finished in ReportRun.objects.filter(pk__in=ids).values_list("started_at", "finished_at")
            if begun and finished
        )
        return elapsed, busy
