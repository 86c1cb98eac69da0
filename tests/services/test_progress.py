"""A running run's progress: the rows it will write (from the daily totals), the rows so far (from its
heartbeat), the time left; and the heartbeat stopping the query of a run that is no longer its attempt's."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, connections

from reporting import services
from reporting.models import ReportRun
from reporting.reports import get_report
from reporting.services.heartbeat import Heartbeat
from reporting.services.progress import Progress, progress_of
from tests.factories import BalanceTransactionFactory, ReportRunFactory

START, END = datetime(2025, 9, 1, 12, tzinfo=UTC), datetime(2025, 9, 3, 12, tzinfo=UTC)
INTERVAL = {"interval_start": int(START.timestamp()), "interval_end": int(END.timestamp())}
ITEMIZED = "balance_change_from_activity.itemized.1"


def ledger(account) -> None:
    """Rows in [START, END) and outside it on the same partial days, on both sides of the categories."""
    for hour in (8, 13):  # Sep 1: 08:00 is before the interval
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, hour, tzinfo=UTC))
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, 3, tzinfo=UTC))
    BalanceTransactionFactory(
        account=account,
        created=datetime(2025, 9, 2, 5, tzinfo=UTC),
        type="payout",
        reporting_category="payout",
        amount=-500,
        fee=0,
    )
    for hour in (10, 14):  # Sep 3: 14:00 is after it
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 3, hour, tzinfo=UTC))


@pytest.mark.django_db
@pytest.mark.parametrize(("report_type", "rows"), [(ITEMIZED, 3), ("payouts.itemized.1", 1)])
def test_an_itemized_run_knows_its_rows_exactly_before_reading_one(account, report_type, rows, report_files):
    ledger(account)
    run = ReportRunFactory(account=account, report_type_id=report_type, parameters=INTERVAL)
    assert run.claim()

    services.execute_report_run(run)

    run.refresh_from_db()
    assert run.row_count == rows
    assert run.rows_expected == rows  # partial days at the edges counted from the ledger, whole days from the totals


@pytest.mark.django_db
def test_summaries_and_reconciliations_show_no_count_they_cannot_know(account):
    params = services.params_for(ReportRunFactory(account=account, parameters=INTERVAL))
    assert get_report("balance.summary.1").rows_to_write(params) is None
    assert get_report("payout_reconciliation.itemized.1").rows_to_write(params) is None


def running(**fields) -> ReportRun:
    started = datetime(2025, 9, 1, 12, tzinfo=UTC)
    return ReportRun(status="pending", started_at=started, **fields)


def test_progress_and_time_left_at_the_pace_so_far():
    started = datetime(2025, 9, 1, 12, tzinfo=UTC)
    run = running(heartbeat_at=started + timedelta(seconds=10), rows_written=1234, rows_expected=5000)

    # 1,234 rows in 10 s: the 3,766 left take about 31 s.
    assert progress_of(run) == Progress(1234, 5000, 31)
    assert progress_of(running(heartbeat_at=started, rows_written=0, rows_expected=5000)) == Progress(0, 5000, None)
    assert progress_of(running(heartbeat_at=started + timedelta(seconds=5), rows_written=9, rows_expected=None)) == (
        Progress(9, None, None)
    )
    assert Progress(1, 2, 61).minutes_left == 2


def test_no_progress_for_a_queued_an_ended_or_a_summary_run():
    assert progress_of(ReportRun(status="pending", rows_written=None)) is None  # queued
    assert progress_of(running(rows_written=None)) is None  # a summary: nothing counted
    assert progress_of(ReportRun(status="failed", started_at=datetime.now(UTC), rows_written=10)) is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_writes_the_rows_so_far(account, settings):
    settings.REPORT_PROGRESS_SECONDS = 0.05
    run = ReportRunFactory(account=account, report_type_id=ITEMIZED, parameters=INTERVAL)
    assert run.claim()
    run.start_progress(12_000)

    with Heartbeat(run) as heartbeat:
        heartbeat.rows(5000)
        heartbeat.rows(5000)  # told per chunk, from the copy's two halves too
        deadline = time.monotonic() + 10
        while (seen := ReportRun.objects.get(pk=run.pk)).rows_written != 10_000:
            assert time.monotonic() < deadline, f"rows_written stayed {seen.rows_written}"
            time.sleep(0.02)
    assert seen.heartbeat_at > run.heartbeat_at  # written with the rows: the pace is rows over that time
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_interrupts_the_query_of_a_run_that_was_canceled(account, settings):
    settings.REPORT_PROGRESS_SECONDS = 0.05
    run = ReportRunFactory(account=account, report_type_id=ITEMIZED, parameters=INTERVAL)
    assert run.claim()

    def cancel_soon() -> None:
        time.sleep(0.3)
        ReportRun.objects.get(pk=run.pk).mark_failed("Canceled by ana")
        connections.close_all()

    canceler = threading.Thread(target=cancel_soon)
    # This thread's connection itself: `django.db.connection` would resolve in the heartbeat's thread.
    with Heartbeat(run) as heartbeat, heartbeat.reading(connections["default"]):
        canceler.start()
        # A statement that runs for most of a minute unless interrupted.
        if connection.vendor == "sqlite":
            long = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c"
        else:
            long = "SELECT pg_sleep(30)"
        with connection.cursor() as cursor, pytest.raises(DatabaseError):
            cursor.execute(long)
    canceler.join()
    assert heartbeat.lost
    connections.close_all()
