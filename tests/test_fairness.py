"""One account's flood of runs does not hold up another account's run (services.fairness), on a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from reporting import services
from reporting.models import DataWatermark, Door, ReportRun
from reporting.services import queues
from tests.conftest import use_broker
from tests.factories import AccountFactory, BalanceTransactionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEPTEMBER = {"interval_start": 1756684800, "interval_end": 1759276800}
FLOOD = 4


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(redis_url: str, **env: str) -> subprocess.Popen[bytes]:
    """A real prefork worker with two processes, whose balance summaries take 0.3 s (tests.slow_worker)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "2"]
        + ["--loglevel", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.slow_worker.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "SLOW_REPORT_SECONDS": "0.3",
            **env,
        },
    )


def request(account) -> ReportRun:
    caller = services.Caller(account, False, Door.API)
    return services.request_run(caller, report_type_id="balance.summary.1", parameters=SEPTEMBER)


def wait_for_all(runs: list[ReportRun], timeout: float = 60) -> list[ReportRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [ReportRun.objects.get(pk=run.pk) for run in runs]
        if all(run.is_terminal for run in fresh):
            return fresh
        time.sleep(0.2)
    raise AssertionError(f"runs still pending after {timeout}s: {[r.pk for r in fresh if r.is_pending]}")


def test_a_flood_from_one_account_does_not_hold_up_another_accounts_run(redis_url, report_files):
    flooder, other = AccountFactory(name="Flood"), AccountFactory(name="Other")
    for account in (flooder, other):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))
        DataWatermark.advance(account, False, datetime(2025, 12, 1, tzinfo=UTC))
    use_broker(celery_app, redis_url)
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.delete(queues.SHORT)  # nothing left over from other tests
        # Queued in this order before any worker runs: the other account's run is behind the whole flood.
        flood = [request(flooder) for _ in range(FLOOD)]
        single = request(other)
        worker = start_worker(redis_url, REPORT_RUNS_PER_ACCOUNT="1", **report_files.environment())
        try:
            runs = wait_for_all([*flood, single])
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        use_broker(celery_app, "memory://")

    *flood, single = runs
    assert [run.status for run in runs] == ["succeeded"] * (FLOOD + 1), [run.error for run in runs]
    # The worker processes wrote the files where this leg keeps them (a bucket on the S3 leg: tests/report_storage.py).
    assert all(report_files.holds(run.result.storage_name) for run in runs)
    # Two worker processes, at most one run per account at a time: the other account's run
    # started while the flood's first was still running, not after all of them.
    first = min(flood, key=lambda run: run.started_at)
    assert single.started_at < first.finished_at
    assert [run for run in flood if run.started_at < single.started_at] == [first]
    # The flood's runs went one at a time: each started after the one before it ended.
    ordered = sorted(flood, key=lambda run: run.started_at)
    assert all(b.started_at >= a.finished_at for a, b in zip(ordered, ordered[1:], strict=False))
