"""Two beats at once (two threads, two database connections) make one run per due time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time
from unittest import mock

import pytest
from django.db import connection

from reporting import services, tasks
from reporting.models import Door, Membership, ReportRun, Schedule, ScheduledRun
from reporting.services import schedule_runs
from reporting.services.schedules import ScheduleRequest
from tests.factories import BalanceTransactionFactory, MembershipFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_beats_racing_for_one_due_time_make_one_run(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 3, 1, tzinfo=UTC))
    owner = UserFactory(username="olga", email="olga@example.com")
    MembershipFactory(account=account, user=owner, role=Membership.Role.ANALYST)
    request = ScheduleRequest(
        name="Month end",
        report_type_id="balance.summary.1",
        period="last_month",
        cadence="monthly",
        day_of_month=1,
        time_of_day=time(7),
        timezone="Etc/UTC",
    )
    with mock.patch("django.utils.timezone.now", return_value=datetime(2025, 10, 15, tzinfo=UTC)):
        schedule = services.create_schedule(services.Caller(account, False, Door.DASHBOARD, user=owner), request)
    due = schedule.next_due_at
    # Both beats have read the schedule, with the same due time, before either writes.
    both_read = threading.Barrier(2, timeout=10)
    next_due_after = Schedule.next_due_after
    read: list[datetime] = []

    def after_reading(self, moment):
        read.append(moment)
        both_read.wait()
        return next_due_after(self, moment)

    outcomes: list[str | None] = []
    errors: list[BaseException] = []

    def beat():
        try:
            outcomes.append(schedule_runs.take_next_due(schedule.pk, due))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    with (
        mock.patch.object(Schedule, "next_due_after", after_reading),
        mock.patch.object(tasks.run_report, "delay") as delay,
    ):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert not errors
    assert read == [due, due]
    assert sorted(outcomes, key=str) == [None, "requested"]
    run = ReportRun.objects.get()
    assert ScheduledRun.objects.get().run == run
    delay.assert_called_once_with(run.pk)
    schedule.refresh_from_db()
    assert schedule.next_due_at == datetime(2025, 12, 1, 7, tzinfo=UTC)
