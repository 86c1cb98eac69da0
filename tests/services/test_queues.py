"""Runs wait on the short or the long queue by their expected rows (services.queues), whoever sends them."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from config.celery import app as celery_app
from reporting import services
from reporting.models import DailyTotal, DataWatermark, Door, ReportRun
from reporting.reports import REPORT_TYPES, Params
from reporting.services import fairness, queues
from tests.admin.conftest import failed_run, post_action
from tests.factories import AccountFactory, BalanceTransactionFactory, ReportRunFactory
from tests.memory_broker import take
from tests.workers import stop, wait_until_terminal, worker_process

SEPTEMBER = {"interval_start": 1756684800, "interval_end": 1759276800}
SEPTEMBER_1ST = {"interval_start": 1756684800, "interval_end": 1756771200}
ITEMIZED = "balance_change_from_activity.itemized.1"
SUMMARY = "balance.summary.1"
DAILY = 10_000  # charges a day in September, as the daily totals count them: 300,000 in the month


@pytest.fixture
def big_ledger(account):
    """300,000 charges in September by the daily totals (written as the triggers would), and one real
    transaction on August 1st that opens the data."""
    BalanceTransactionFactory(account=account, created=datetime(2025, 8, 1, tzinfo=UTC))
    DailyTotal.objects.bulk_create(
        DailyTotal(
            account=account,
            livemode=False,
            currency="usd",
            day=date(2025, 9, day),
            reporting_category="charge",
            count=DAILY,
            amount=DAILY * 1000,
            net=DAILY * 1000,
        )
        for day in range(1, 31)
    )
    return account


def sent_to(run_id: str) -> list[str]:
    """The queues that hold a task message for the run (taken off the in-memory broker)."""
    return [queue for queue in (queues.SHORT, queues.LONG) for args in take(queues.RUN_TASK, queue) if args == [run_id]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("report_type_id", "parameters", "queue"),
    [
        (ITEMIZED, SEPTEMBER, queues.LONG),  # 300,000 rows
        (ITEMIZED, SEPTEMBER_1ST, queues.SHORT),  # 10,000
        (ITEMIZED, {**SEPTEMBER, "currency": "eur"}, queues.SHORT),  # none in euros
        ("payouts.itemized.1", SEPTEMBER, queues.SHORT),  # payouts only: the charges do not count
        (SUMMARY, SEPTEMBER, queues.SHORT),  # the daily totals, however many rows they sum
        ("balance_change_from_activity.summary.1", SEPTEMBER, queues.SHORT),
        ("payout_reconciliation.summary.1", SEPTEMBER, queues.LONG),  # goes through the ledger
        ("ending_balance_reconciliation.itemized.1", {"interval_end": 1759276800}, queues.LONG),
    ],
)
def test_queue_for_counts_the_rows_a_run_goes_through(big_ledger, report_type_id, parameters, queue):
    run = ReportRunFactory(account=big_ledger, report_type_id=report_type_id, parameters=parameters)

    assert queues.queue_for(run) == queue


@pytest.mark.django_db
@pytest.mark.parametrize(("threshold", "queue"), [(300_000, queues.LONG), (300_001, queues.SHORT)])
def test_queue_for_compares_with_the_setting(big_ledger, settings, threshold, queue):
    settings.REPORT_LONG_QUEUE_ROWS = threshold
    run = ReportRunFactory(account=big_ledger, report_type_id=ITEMIZED, parameters=SEPTEMBER)

    assert queues.queue_for(run) == queue


@pytest.mark.django_db
def test_every_report_type_counts_its_expected_rows(big_ledger):
    params = Params(big_ledger.id, False, datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC))

    counts = {report_type: report.expected_rows(params) for report_type, report in REPORT_TYPES.items()}

    assert counts[ITEMIZED] == 30 * DAILY
    assert all(isinstance(rows, int) and rows >= 0 for rows in counts.values())


# Every sender of run_report: the request (API, dashboard, command), the admin's re-run, fairness' hand-on, the reaper.
SIZES = pytest.mark.parametrize(("report_type_id", "queue"), [(ITEMIZED, queues.LONG), (SUMMARY, queues.SHORT)])


@pytest.mark.django_db
@SIZES
def test_a_requested_run_is_sent_to_its_queue(big_ledger, django_capture_on_commit_callbacks, report_type_id, queue):
    caller = services.Caller(big_ledger, False, Door.API)

    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_run(caller, report_type_id=report_type_id, parameters=SEPTEMBER)

    assert sent_to(run.id) == [queue]


@pytest.mark.django_db
@SIZES
def test_a_rerun_from_the_admin_is_sent_to_its_queue(
    admin_client, big_ledger, django_capture_on_commit_callbacks, report_type_id, queue
):
    original = failed_run(account=big_ledger, report_type_id=report_type_id, parameters=SEPTEMBER)

    with django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, ReportRun, "rerun", [original])

    assert sent_to(ReportRun.objects.get(rerun_of=original).id) == [queue]


@pytest.mark.django_db
@SIZES
def test_a_run_handed_on_is_sent_to_its_queue(big_ledger, report_type_id, queue):
    waiting = ReportRunFactory(account=big_ledger, report_type_id=report_type_id, parameters=SEPTEMBER)

    fairness.hand_on(big_ledger.id)

    assert sent_to(waiting.id) == [queue]


@pytest.mark.django_db
@SIZES
def test_a_run_the_reaper_queues_is_sent_to_its_queue(big_ledger, report_type_id, queue):
    never_sent = ReportRunFactory(account=big_ledger, report_type_id=report_type_id, parameters=SEPTEMBER)

    assert services.reap_report_runs()["requeued"] == 1

    assert sent_to(never_sent.id) == [queue]


# Real workers, one per queue, on a real Redis.


def request(account, report_type_id: str) -> ReportRun:
    caller = services.Caller(account, False, Door.API)
    return services.request_run(caller, report_type_id=report_type_id, parameters=SEPTEMBER)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_summary_is_not_held_up_by_an_export_on_the_long_queue(redis_url, settings, tmp_path):
    # Every itemized run is long here (the test process routes: the router runs where a task is sent).
    settings.REPORT_LONG_QUEUE_ROWS = 1
    exporter, other = AccountFactory(name="Exporter"), AccountFactory(name="Other")
    for account in (exporter, other):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))
        DataWatermark.advance(account, False, datetime(2025, 12, 1, tzinfo=UTC))
    marker = tmp_path / "stalled"
    files = str(tmp_path / "files")
    # The long queue's worker stalls in the middle of saving its first file (tests/slow_worker), busy until it is
    # stopped; the short queue's worker is an ordinary one (its summaries do not sleep).
    with (
        worker_process(redis_url, queues.LONG, SLOW_STORAGE_MARKER=str(marker), REPORT_FILES_ROOT=files) as long,
        worker_process(redis_url, queues.SHORT, SLOW_REPORT_SECONDS="0", REPORT_FILES_ROOT=files) as short,
    ):
        with celery_app.connection_for_write() as conn:
            conn.default_channel.client.delete(queues.SHORT, queues.LONG)  # nothing left over from other tests
        export = request(exporter, ITEMIZED)
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline, "the long queue's worker never started the export"
            time.sleep(0.05)

        summary = wait_until_terminal(request(other, SUMMARY).pk)
        export.refresh_from_db()
        stop(long, short)  # both at once

    assert summary.status == "succeeded", summary.error
    assert (export.status, export.attempts) == ("pending", 1)  # still in the long worker's hands
