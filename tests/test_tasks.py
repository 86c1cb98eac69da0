from __future__ import annotations

import hashlib
import logging
import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from reporting import services, tasks
from reporting.models import Door, File, InvalidTransition, ReportRun
from reporting.reports import ReportError, get_report
from reporting.services import queues
from tests.conftest import use_broker
from tests.factories import BalanceTransactionFactory, ReportRunFactory
from tests.workers import wait_until_terminal, worker_process

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}


@pytest.fixture
def ledger(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, tzinfo=UTC))
    return account


def summary_run(account, **kwargs):
    return ReportRunFactory(account=account, report_type_id="balance.summary.1", parameters=SEPTEMBER, **kwargs)


@pytest.mark.django_db
def test_run_report_writes_file_and_succeeds(ledger):
    run = summary_run(ledger)

    tasks.run_report(run.pk)

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.row_count == 8
    content = run.result.open().read()
    assert run.result.size == len(content)
    assert run.result.sha256 == hashlib.sha256(content).hexdigest()
    assert run.result.filename == "balance.summary.1_2025-09-01_2025-09-30.csv"
    assert run.result.expires_at > timezone.now() + timedelta(days=29)
    assert run.started_at <= run.finished_at


@pytest.mark.django_db
def test_run_report_second_delivery_does_nothing(ledger):
    run = summary_run(ledger)
    tasks.run_report(run.pk)
    first = ReportRun.objects.get(pk=run.pk)

    tasks.run_report(run.pk)

    assert ReportRun.objects.get(pk=run.pk).finished_at == first.finished_at
    assert File.objects.count() == 1


@pytest.mark.django_db
def test_run_report_for_missing_run_is_a_no_op():
    tasks.run_report("frr_missing")


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_delivery_makes_one_file_and_one_transition(account, settings, report_files):
    # The claim's own conditional UPDATE is under test: without the per-account cap, whose
    # account lock would serialise the two deliveries before they reach the barrier.
    settings.REPORT_RUNS_PER_ACCOUNT = 0
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, tzinfo=UTC))
    run = summary_run(account)
    barrier = threading.Barrier(2)
    claims: list[bool] = []
    original_claim = ReportRun.claim

    def claim_together(self, **kwargs):
        barrier.wait(timeout=10)  # both deliveries reach the claim at the same moment
        claimed = original_claim(self, **kwargs)
        claims.append(claimed)
        return claimed

    def deliver():
        try:
            tasks.run_report(run.pk)
        finally:
            connection.close()

    with mock.patch.object(ReportRun, "claim", claim_together):
        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

    run.refresh_from_db()
    assert sorted(claims) == [False, True]
    assert run.status == "succeeded"
    assert File.objects.count() == 1
    assert report_files.names() == [run.result.storage_name]


@pytest.mark.django_db
def test_report_error_fails_run_with_its_message(ledger):
    run = summary_run(ledger)

    with mock.patch.object(
        type(get_report("balance.summary.1")), "rows", side_effect=ReportError("Currency xyz has no data")
    ):
        tasks.run_report(run.pk)

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Currency xyz has no data")
    assert not File.objects.exists()


@pytest.mark.django_db
def test_unexpected_generator_error_fails_readably_and_logs_traceback(ledger, caplog):
    run = summary_run(ledger)

    with (
        mock.patch.object(type(get_report("balance.summary.1")), "rows", side_effect=ZeroDivisionError("boom")),
        caplog.at_level(logging.ERROR),
    ):
        tasks.run_report(run.pk)

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == tasks.INTERNAL_ERROR
    assert "boom" not in run.error
    assert "ZeroDivisionError: boom" in caplog.text


@pytest.mark.django_db
def test_file_is_removed_when_run_was_finished_elsewhere(ledger, report_files):
    run = summary_run(ledger)
    assert run.claim()

    def reaper_wins(*args, **kwargs):
        ReportRun.objects.get(pk=run.pk).mark_failed("reaped")
        return 8

    with (
        mock.patch.object(type(get_report("balance.summary.1")), "write", side_effect=reaper_wins),
        pytest.raises(InvalidTransition),
    ):
        services.execute_report_run(run)

    run.refresh_from_db()
    assert run.status == "failed"
    assert not File.objects.exists()
    assert report_files.names() == []


# Reaper


@pytest.mark.django_db
def test_reaper_fails_run_whose_attempt_beats_past_the_hard_time_limit(ledger, settings):
    # A hung worker in a pool that enforces no time limit: alive, never done.
    run = summary_run(
        ledger,
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120),
        heartbeat_at=timezone.now(),
        attempts=1,
    )

    counts = tasks.reap_report_runs()

    run.refresh_from_db()
    assert counts["failed"] == 1
    assert run.status == "failed"
    assert run.error == "The report took longer than 29 minutes and was stopped. Try a shorter interval."


@pytest.mark.django_db
def test_reaper_leaves_running_run_alone(ledger):
    run = summary_run(
        ledger,
        started_at=timezone.now() - timedelta(seconds=300),
        heartbeat_at=timezone.now() - timedelta(seconds=2),
        attempts=1,
        enqueued_at=timezone.now() - timedelta(hours=1),
        enqueue_count=1,
    )

    with mock.patch.object(tasks.run_report, "delay") as delay:
        counts = tasks.reap_report_runs()

    assert counts == {"failed": 0, "taken_over": 0, "requeued": 0}
    delay.assert_not_called()
    assert ReportRun.objects.get(pk=run.pk).is_pending


@pytest.mark.django_db
def test_reaper_requeues_lost_task_with_backoff(ledger, settings):
    run = summary_run(
        ledger, enqueued_at=timezone.now() - timedelta(seconds=settings.REPORT_REQUEUE_AFTER + 5), enqueue_count=1
    )

    with mock.patch.object(tasks.run_report, "delay") as delay:
        first = tasks.reap_report_runs()
        second = tasks.reap_report_runs()  # too soon for another re-queue

    run.refresh_from_db()
    assert (first["requeued"], second["requeued"]) == (1, 0)
    delay.assert_called_once_with(run.pk)
    assert run.enqueue_count == 2


@pytest.mark.django_db
def test_reaper_gives_up_after_max_enqueues(ledger, settings):
    run = summary_run(
        ledger, enqueued_at=timezone.now() - timedelta(days=1), enqueue_count=settings.REPORT_MAX_ENQUEUES
    )

    with mock.patch.object(tasks.run_report, "delay") as delay:
        tasks.reap_report_runs()

    run.refresh_from_db()
    delay.assert_not_called()
    assert run.status == "failed"
    assert "No worker picked this report up" in run.error


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_reaper_recovers_a_dropped_queue_message(
    account, analyst, redis_url, request, django_capture_on_commit_callbacks
):
    # Data from September 1st on: the service checks the interval against data availability.
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))
    use_broker(celery_app, redis_url)
    try:
        with celery_app.connection_for_write() as conn:
            queue_client = conn.default_channel.client
            queue_client.delete(queues.SHORT)
            run = services.request_run(
                services.Caller(account, False, Door.DASHBOARD, user=analyst),
                report_type_id="balance.summary.1",
                parameters=SEPTEMBER,
            )
            assert queue_client.llen(queues.SHORT) == 1
            queue_client.delete(queues.SHORT)  # the broker lost the message (restart without persistence)
        ReportRun.objects.filter(pk=run.pk).update(enqueued_at=timezone.now() - timedelta(minutes=10))

        counts = tasks.reap_report_runs()
        request.getfixturevalue("celery_worker")
        run = wait_until_terminal(run.pk)
    finally:
        use_broker(celery_app, "memory://")

    assert counts["requeued"] == 1
    assert run.status == "succeeded", run.error


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_soft_time_limit_fails_run_readably(account, redis_url):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, tzinfo=UTC))
    run = summary_run(account)

    with worker_process(redis_url, REPORT_TIME_LIMIT="20", REPORT_SOFT_TIME_LIMIT="1", SLOW_REPORT_SECONDS="15"):
        # Time limits travel in the message header, so the sender states them too.
        tasks.run_report.apply_async((run.pk,), soft_time_limit=1, time_limit=20)
        run = wait_until_terminal(run.pk)

    assert run.status == "failed"
    assert run.error == "The report took longer than 1 second and was stopped. Try a shorter interval."
