"""A crashed worker costs a retry, not the run: heartbeats, takeovers, bounded attempts, one file per run."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import timezone

from reporting import services, tasks
from reporting.models import File, InvalidTransition, ReportRun, report_storage
from reporting.services import attempts, notifications, storage
from reporting.services.heartbeat import Heartbeat, Superseded
from tests.factories import BalanceTransactionFactory, ReportRunFactory
from tests.workers import wait_until_terminal, worker_process

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
ITEMIZED = "balance_change_from_activity.itemized.1"


def itemized_run(account, rows: int = 5, **kwargs) -> ReportRun:
    for n in range(rows):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, tzinfo=UTC) + timedelta(hours=n))
    return ReportRunFactory(account=account, report_type_id=ITEMIZED, parameters=SEPTEMBER, **kwargs)


def go_silent(run: ReportRun, seconds: float) -> None:
    """Age the run's heartbeat as if its worker had died `seconds` ago."""
    ago = timezone.now() - timedelta(seconds=seconds)
    ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=ago)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.local_storage  # it looks at the .part file the stalled worker leaves on the disk
def test_worker_killed_mid_export_costs_a_retry_not_the_run(account, redis_url, settings, tmp_path, report_files):
    run = itemized_run(account, rows=200)
    marker = tmp_path / "stalled"
    files = report_files.root
    env = {
        "SLOW_STORAGE_MARKER": str(marker),
        "REPORT_FILES_ROOT": str(files),
        "REPORT_HEARTBEAT_SECONDS": "0.2",
        "REPORT_STALE_AFTER": "1",
    }
    with worker_process(redis_url, **env):
        tasks.run_report.delay(run.pk)
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline, "the worker never reached the storage"
            time.sleep(0.05)
        pid = int(marker.read_text())
        # The heartbeat thread beats while the export is stuck mid-write.
        while not (beating := ReportRun.objects.get(pk=run.pk)).heartbeat_at > beating.started_at:
            assert time.monotonic() < deadline, "no heartbeat during the stalled write"
            time.sleep(0.05)
        part = files / account.id / f"{run.id}.csv.part"
        half = part.stat().st_size  # attempt 1's file being written, under a name no reader uses
        assert half > 0
        assert not (files / account.id / f"{run.id}.csv").exists()

        os.kill(pid, signal.SIGKILL)
        run = wait_until_terminal(run.pk)

    assert run.status == "succeeded", run.error
    assert run.attempts == 2
    assert run.row_count == 200
    content = run.result.open().read()
    assert half < len(content) == run.result.size
    assert run.result.sha256 == hashlib.sha256(content).hexdigest()
    # The half-written file is gone: the new attempt's file is the only one.
    assert sorted(p for p in files.rglob("*") if p.is_file()) == [files / run.result.storage_name]


@pytest.mark.django_db(transaction=True)
def test_a_worker_stopped_just_after_the_success_commits_keeps_the_file(account, report_files, monkeypatch):
    # The success commits, then its on-commit hooks run (the email's enqueue), still inside the
    # worker's task: a shutdown (the pool's SIGTERM raises SystemExit) can land there. The run is
    # succeeded by then, so its file must stay (it was deleted: a succeeded run with no file).
    run = itemized_run(account)
    assert run.claim()

    def stopped(run_id: str) -> None:
        raise SystemExit(-241)

    monkeypatch.setattr(notifications, "queue_email", stopped)
    with pytest.raises(SystemExit):
        services.execute_report_run(run)

    run = ReportRun.objects.get(pk=run.pk)
    assert run.status == "succeeded"
    assert report_files.names() == [run.result.storage_name]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_redelivery_finding_a_fresh_heartbeat_looks_again_when_it_would_be_stale(account, settings, request):
    # A killed worker's task comes back before its heartbeat is stale (production: 30 s).
    settings.REPORT_STALE_AFTER = 1
    run = itemized_run(account)
    assert run.claim()  # attempt 1, whose worker is about to die: it never beats again
    request.getfixturevalue("celery_worker")

    tasks.run_report.delay(run.pk)
    run = wait_until_terminal(run.pk)

    assert (run.status, run.attempts) == ("succeeded", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("first_to_finish", ["old attempt", "new attempt"])
def test_a_taken_over_attempt_never_finishes_the_run(account, settings, first_to_finish, report_files):
    old = itemized_run(account)
    assert attempts.claim(old).outcome is attempts.Outcome.CLAIMED
    go_silent(old, settings.REPORT_STALE_AFTER + 1)
    new = ReportRun.objects.get(pk=old.pk)
    assert attempts.claim(new).outcome is attempts.Outcome.CLAIMED  # the old attempt comes back to life after this

    if first_to_finish == "old attempt":
        with pytest.raises(InvalidTransition):
            services.execute_report_run(old)
        services.execute_report_run(new)
    else:
        services.execute_report_run(new)
        with pytest.raises(InvalidTransition):
            services.execute_report_run(old)

    run = ReportRun.objects.get(pk=old.pk)
    assert (run.status, run.attempts) == ("succeeded", 2)
    assert File.objects.count() == 1
    assert report_files.names() == [run.result.storage_name]


@pytest.mark.django_db
def test_a_live_attempt_is_not_taken_over(account):
    run = itemized_run(account)
    assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED

    twin = attempts.claim(ReportRun.objects.get(pk=run.pk))

    assert twin.outcome is attempts.Outcome.BUSY
    assert 0 < twin.stale_in <= 30
    assert ReportRun.objects.get(pk=run.pk).attempts == 1


@pytest.mark.django_db
def test_attempts_are_bounded_then_the_run_fails_with_the_reason(account, settings, report_files):
    run = itemized_run(account)
    for _ in range(settings.REPORT_MAX_ATTEMPTS):
        assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED
        report_storage().save(storage.attempt_name(run, run.attempts), ContentFile(b"half"))
        go_silent(run, settings.REPORT_STALE_AFTER + 1)
        run = ReportRun.objects.get(pk=run.pk)

    assert attempts.claim(run).outcome is attempts.Outcome.GONE

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == (
        "The worker generating this report stopped before it finished, 3 times (it may need more memory than "
        "the worker has), so it was not tried again. Try a shorter interval or fewer columns."
    )
    assert report_files.names() == []


@pytest.mark.django_db
def test_reaper_hands_a_silent_run_to_a_new_attempt_at_once(account, settings, in_process_tasks, report_files):
    run = itemized_run(account, enqueued_at=timezone.now(), enqueue_count=1)
    assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED
    report_storage().save(storage.attempt_name(run, 1), ContentFile(b'"a half'))
    go_silent(run, settings.REPORT_STALE_AFTER + 1)

    counts = tasks.reap_report_runs()
    in_process_tasks.run_queued()

    run.refresh_from_db()
    assert (counts["taken_over"], counts["requeued"]) == (1, 1)
    assert (run.status, run.attempts, run.row_count) == ("succeeded", 2, 5)
    assert report_files.names() == [run.result.storage_name]


@pytest.mark.django_db
def test_reaper_fails_a_run_killed_by_the_hard_time_limit_instead_of_running_it_again(account, settings):
    run = itemized_run(account)
    assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED
    # It beat until past the soft limit, then went silent: the hard limit killed it.
    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT + 40)
    ReportRun.objects.filter(pk=run.pk).update(started_at=started, heartbeat_at=timezone.now() - timedelta(seconds=35))

    counts = tasks.reap_report_runs()

    run.refresh_from_db()
    assert counts == {"failed": 1, "taken_over": 0, "requeued": 0}
    assert run.error == "The report took longer than 29 minutes and was stopped. Try a shorter interval."


@pytest.mark.django_db(transaction=True)
def test_heartbeat_beats_through_one_long_statement(account, settings):
    # A big COPY or sort hands over no row for minutes: the attempt must not look dead meanwhile.
    settings.REPORT_HEARTBEAT_SECONDS = 0.05
    run = itemized_run(account)
    assert run.claim()

    with Heartbeat(run), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            connection.connection.create_function("sleep", 1, time.sleep)
            cursor.execute("SELECT sleep(0.5)")
        else:
            cursor.execute("SELECT pg_sleep(0.5)")

    assert ReportRun.objects.get(pk=run.pk).heartbeat_at > run.heartbeat_at


@pytest.mark.django_db(transaction=True)
def test_heartbeat_beats_until_the_run_is_taken_over(account, settings):
    settings.REPORT_HEARTBEAT_SECONDS = 0.05
    run = itemized_run(account)
    assert run.claim()
    claimed_at = run.heartbeat_at

    with Heartbeat(run) as heartbeat:
        deadline = time.monotonic() + 10
        while ReportRun.objects.get(pk=run.pk).heartbeat_at == claimed_at:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.02)
        heartbeat.check()  # still ours
        ReportRun.objects.filter(pk=run.pk).update(attempts=2)  # another attempt took it
        while not heartbeat.lost:
            assert time.monotonic() < deadline, "the heartbeat never noticed"
            time.sleep(0.02)

        with pytest.raises(Superseded):
            heartbeat.check()
    connections.close_all()
