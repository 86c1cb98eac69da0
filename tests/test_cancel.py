"""Cancel, for real: the worker's query stops part way, the run ends failed "Canceled by …", no file is kept."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from reporting import tasks
from reporting.models import ApiEvent, Door, ReportRun
from reporting.services import Caller
from reporting.services.cancel import cancel_run
from tests.factories import BalanceTransactionFactory, ReportRunFactory
from tests.workers import wait_until_terminal, worker_process

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
ROWS = 200
# The slow worker's export is one query that sorts its rows by a function sleeping this long per row
# (tests/slow_worker): 10 s in all, and no row reaches the file before the sort is done.
SLOW_ROW = 0.05


@contextmanager
def slow_row_function() -> Iterator[None]:
    """PostgreSQL's `slow_row()` for the slow worker, counting its calls in a sequence (no rollback undoes it)."""
    if connection.vendor != "postgresql":
        yield  # SQLite's is the worker's own Python function
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE IF EXISTS slow_rows; CREATE SEQUENCE slow_rows")
        cursor.execute(
            "CREATE OR REPLACE FUNCTION slow_row(integer) RETURNS integer LANGUAGE sql VOLATILE AS "
            f"$$ SELECT 0 * nextval('slow_rows')::integer FROM pg_sleep({SLOW_ROW}) $$"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS slow_row(integer); DROP SEQUENCE IF EXISTS slow_rows")


def slow_rows_so_far(counter: Path) -> int:
    if connection.vendor != "postgresql":
        return len(counter.read_text()) if counter.exists() else 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM slow_rows")
        value, called = cursor.fetchone()
    return int(value) if called else 0


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_cancel_stops_the_workers_query_and_keeps_no_file(account, analyst, redis_url, tmp_path, report_files):
    for n in range(ROWS):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, tzinfo=UTC) + timedelta(minutes=n))
    analyst.first_name, analyst.last_name = "Ana", "Lyst"
    analyst.save()
    run = ReportRunFactory(
        account=account,
        requested_by=analyst,
        report_type_id="balance_change_from_activity.itemized.1",
        parameters=SEPTEMBER,
    )
    counter = tmp_path / "slow_rows"
    env = {
        "SLOW_ROW_SECONDS": str(SLOW_ROW),
        "SLOW_ROW_COUNTER": str(counter),
        "SLOW_REPORT_SECONDS": "0",
        "REPORT_PROGRESS_SECONDS": "0.2",
        "REPORT_HEARTBEAT_SECONDS": "1",
        **report_files.environment(),
    }
    with slow_row_function(), worker_process(redis_url, **env):
        tasks.run_report.delay(run.pk)
        deadline = time.monotonic() + 60
        while slow_rows_so_far(counter) == 0:
            assert time.monotonic() < deadline, "the worker never started the query"
            time.sleep(0.05)
        running = ReportRun.objects.get(pk=run.pk)
        # Claimed, its rows counted from the daily totals, none written: the worker is inside the query.
        assert (running.rows_expected, running.rows_written) == (ROWS, 0)

        cancel_run(Caller(account, False, Door.DASHBOARD, user=analyst), running)

        # The worker has one slot: it runs the next run once it has given the canceled one up.
        after = ReportRunFactory(account=account, requested_by=analyst)
        tasks.run_report.delay(after.pk)
        after = wait_until_terminal(after.pk)
        calls = slow_rows_so_far(counter)

    assert after.status == "succeeded", after.error
    # The query stopped part way: a worker that only looked between chunks would have sorted every row first.
    assert 0 < calls < ROWS
    run.refresh_from_db()
    assert (run.status, run.error, run.result) == ("failed", "Canceled by Ana Lyst", None)
    assert report_files.names() == [after.result.storage_name]  # nothing of the canceled run, whole or in part
    assert ApiEvent.objects.filter(object_id=run.pk, type="reporting.report_run.failed").count() == 1
