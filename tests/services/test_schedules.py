"""Schedules: saving (every bad input refused, nothing saved) and the beat's tick (one run per due time, as the owner)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from reporting import services, tasks
from reporting.models import DataWatermark, Door, Event, Membership, ReportRun, Schedule, ScheduledRun
from reporting.services.schedules import ScheduleRequest
from tests.factories import AccountFactory, BalanceTransactionFactory, MembershipFactory, PayoutFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN_NOV_1_7AM = datetime(2025, 11, 1, 6, tzinfo=UTC)  # 07:00 CET


@pytest.fixture
def ledger(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 3, 1, tzinfo=UTC))
    return account


@pytest.fixture
def owner(account):
    user = UserFactory(username="olga", email="olga@example.com", timezone="Europe/Berlin")
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    return user


def dashboard(account, user, livemode=False):
    return services.Caller(account, livemode, Door.DASHBOARD, user=user)


def monthly(**overrides):
    values = {
        "name": "Month-end balance",
        "report_type_id": "balance.summary.1",
        "period": "last_month",
        "cadence": "monthly",
        "day_of_month": 1,
        "time_of_day": time(7, 0),
        "timezone": "Europe/Berlin",
        "options": {"currency": "usd", "timezone": "Europe/Berlin"},
    }
    values.update(overrides)
    return ScheduleRequest(**values)


def saved(account, owner, *, at=datetime(2025, 10, 15, tzinfo=UTC), **overrides):
    with mock.patch("django.utils.timezone.now", return_value=at):
        return services.create_schedule(dashboard(account, owner), monthly(recipients=[owner], **overrides))


def tick(now):
    with mock.patch.object(tasks.run_report, "delay"):
        return services.run_due_schedules(now)


# Saving


def test_create_schedule_saves_it_due_next_in_its_zone_and_records_who(account, owner):
    schedule = saved(account, owner)

    assert schedule.next_due_at == BERLIN_NOV_1_7AM
    assert (schedule.owner, schedule.livemode, schedule.options) == (
        owner,
        False,
        {"currency": "usd", "timezone": "Europe/Berlin"},
    )
    assert list(schedule.recipients.all()) == [owner]
    assert Event.objects.filter(action="schedule.created", object_id=schedule.id, actor=owner).exists()


@pytest.mark.parametrize(
    ("overrides", "param", "message"),
    [
        ({"cadence": "hourly"}, "cadence", 'Unknown cadence "hourly"'),
        ({"cadence": "weekly", "weekday": None}, "weekday", "day of the week"),
        ({"cadence": "weekly", "weekday": 7}, "weekday", "day of the week"),
        ({"day_of_month": 0}, "day_of_month", "from 1 to 31"),
        ({"day_of_month": 32}, "day_of_month", "from 1 to 31"),
        ({"period": "last_automatic_payout"}, "period", 'balance.summary.1 cannot take "the last automatic payout"'),
        (
            {"report_type_id": "payout_reconciliation.by_id.summary.1", "period": "last_month", "options": {}},
            "period",
            'cannot take "last full month" as its period: choose "the last automatic payout"',
        ),
        ({"period": "last_year"}, "period", 'cannot take "last_year"'),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone: Mars/Olympus"),
        ({"name": "  "}, "name", "Give the schedule a name"),
        ({"options": {"currency": "xyz"}}, "currency", "Unknown currency: xyz"),
        ({"options": {"reporting_category": "charge"}}, "reporting_category", "Received unknown parameter"),
        ({"options": {"interval_start": 1}}, "interval_start", "comes from the schedule's period"),
        ({"report_type_id": "no.such.1"}, "report_type", "not a valid report type"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason_and_nothing_is_saved(account, owner, overrides, param, message):
    with pytest.raises(services.ScheduleError) as refused:
        services.create_schedule(dashboard(account, owner), monthly(**overrides))

    assert any(p.param == param and message in p.message for p in refused.value.problems), refused.value.problems
    assert not Schedule.objects.exists()
    assert not Event.objects.filter(action="schedule.created").exists()


def test_a_recipient_outside_the_account_is_refused(account, owner):
    outsider = UserFactory(email="eve@elsewhere.example")
    MembershipFactory(user=outsider, account=AccountFactory())

    with pytest.raises(services.ScheduleError) as refused:
        services.create_schedule(dashboard(account, owner), monthly(recipients=[owner, outsider]))

    assert [(p.param, p.message) for p in refused.value.problems] == [
        ("recipients", "eve@elsewhere.example is not a member of this account.")
    ]
    assert not Schedule.objects.exists()


def test_viewers_may_not_schedule(account):
    viewer = UserFactory()
    MembershipFactory(user=viewer, account=account, role=Membership.Role.VIEWER)

    with pytest.raises(PermissionDenied):
        services.create_schedule(dashboard(account, viewer), monthly())
    assert not Schedule.objects.exists()


# The tick


def test_tick_requests_the_due_run_as_the_owner_for_last_month_in_the_schedule_zone(account, owner, ledger):
    schedule = saved(account, owner)

    counts = tick(BERLIN_NOV_1_7AM + timedelta(seconds=30))

    run = ReportRun.objects.get()
    assert counts == {"requested": 1}
    assert (run.requested_by, run.requested_via, run.status) == (owner, "schedule", "pending")
    # October in Berlin: 2025-10-01 00:00 CEST to 2025-11-01 00:00 CET.
    assert run.parameters == {
        "interval_start": int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp()),
        "interval_end": int(datetime(2025, 10, 31, 23, tzinfo=UTC).timestamp()),
        "currency": "usd",
        "timezone": "Europe/Berlin",
    }
    occurrence = ScheduledRun.objects.get()
    assert (occurrence.schedule, occurrence.due_at, occurrence.run, occurrence.status) == (
        schedule,
        BERLIN_NOV_1_7AM,
        run,
        "requested",
    )
    schedule.refresh_from_db()
    assert schedule.next_due_at == datetime(2025, 12, 1, 6, tzinfo=UTC)
    assert tick(BERLIN_NOV_1_7AM + timedelta(minutes=1)) == {}
    assert ReportRun.objects.count() == 1


def test_tick_before_the_due_time_does_nothing(account, owner, ledger):
    saved(account, owner)

    assert tick(BERLIN_NOV_1_7AM - timedelta(seconds=1)) == {}
    assert not ScheduledRun.objects.exists()


def test_a_beat_that_was_down_makes_up_each_missed_due_time_for_its_own_period(account, owner, ledger):
    saved(account, owner, cadence="daily", day_of_month=None, period="yesterday")

    tick(datetime(2025, 10, 18, 12, tzinfo=UTC))  # due on the 15th to the 18th at 07:00 Berlin

    # Each for the day before its own due day: from the 14th to the 17th, ending at Berlin midnights.
    ends = sorted(run.parameters["interval_end"] for run in ReportRun.objects.all())
    assert ends == [int(datetime(2025, 10, day, 22, tzinfo=UTC).timestamp()) for day in (14, 15, 16, 17)]


def test_a_due_time_that_already_has_its_row_makes_no_second_run(account, owner, ledger):
    # As after a beat that ran with a stale copy of the schedule: the unique key stops it.
    schedule = saved(account, owner)
    ScheduledRun.objects.create(schedule=schedule, due_at=BERLIN_NOV_1_7AM, status="refused", reason="x")

    assert tick(BERLIN_NOV_1_7AM) == {}
    assert not ReportRun.objects.exists()
    with pytest.raises(IntegrityError):
        ScheduledRun.objects.create(schedule=schedule, due_at=BERLIN_NOV_1_7AM)


def test_an_owner_demoted_to_viewer_pauses_the_schedule_with_the_reason(account, owner, ledger):
    schedule = saved(account, owner)
    Membership.objects.filter(user=owner).update(role=Membership.Role.VIEWER)

    counts = tick(BERLIN_NOV_1_7AM)

    schedule.refresh_from_db()
    assert counts == {"paused": 1}
    assert not ReportRun.objects.exists()
    assert schedule.is_paused
    assert schedule.next_due_at is None
    assert schedule.pause_reason == "Its owner, olga, is now a viewer, who may not request reports."
    assert ScheduledRun.objects.get().reason == schedule.pause_reason
    assert tick(BERLIN_NOV_1_7AM + timedelta(days=40)) == {}


def test_a_removed_owner_pauses_the_schedule_and_it_cannot_resume_until_fixed(account, owner, ledger, admin_member):
    schedule = saved(account, owner)
    Membership.objects.filter(user=owner).delete()
    tick(BERLIN_NOV_1_7AM)
    schedule.refresh_from_db()

    with pytest.raises(services.ScheduleError, match="no longer a member of this account"):
        services.resume_schedule(dashboard(account, admin_member), schedule)

    assert "olga, is no longer a member of this account" in schedule.pause_reason
    MembershipFactory(user=owner, account=account, role=Membership.Role.ANALYST)
    with mock.patch("django.utils.timezone.now", return_value=datetime(2025, 11, 20, tzinfo=UTC)):
        assert services.resume_schedule(dashboard(account, admin_member), schedule)
    assert schedule.next_due_at == datetime(2025, 12, 1, 6, tzinfo=UTC)  # missed due times are not made up


def test_only_the_owner_or_an_admin_may_pause_or_delete(account, owner):
    schedule = saved(account, owner)
    colleague = UserFactory()
    MembershipFactory(user=colleague, account=account, role=Membership.Role.ANALYST)

    with pytest.raises(PermissionDenied):
        services.pause_schedule(dashboard(account, colleague), schedule)
    with pytest.raises(PermissionDenied):
        services.delete_schedule(dashboard(account, colleague), schedule)
    assert services.pause_schedule(dashboard(account, owner), schedule)
    assert schedule.pause_reason == "Paused by olga."


def test_a_period_the_ledger_does_not_cover_yet_waits_then_runs_when_the_data_arrive(owner, ledger, account):
    # America/Los_Angeles: October ends 2025-11-01 07:00 UTC, after the data's UTC midnight.
    schedule = saved(account, owner, timezone="America/Los_Angeles", options={})
    DataWatermark.advance(account, False, datetime(2025, 11, 1, 20, tzinfo=UTC))
    due = schedule.next_due_at

    assert tick(due) == {"waiting": 1}
    assert "complete up to 2025-11-01 00:00 UTC" in ScheduledRun.objects.get().reason
    assert not ReportRun.objects.exists()
    DataWatermark.advance(account, False, datetime(2025, 11, 2, 1, tzinfo=UTC))
    assert tick(due + timedelta(hours=10)) == {"requested": 1}
    assert ScheduledRun.objects.get().run == ReportRun.objects.get()


def test_a_period_still_missing_after_the_wait_is_not_run_and_says_why(owner, ledger, account, settings):
    settings.SCHEDULE_DATA_WAIT_HOURS = 2
    schedule = saved(account, owner, timezone="America/Los_Angeles", options={})
    DataWatermark.advance(account, False, datetime(2025, 11, 1, 20, tzinfo=UTC))
    tick(schedule.next_due_at)

    assert tick(schedule.next_due_at + timedelta(hours=3)) == {"refused": 1}
    assert "still missing 2 hours after the due time" in ScheduledRun.objects.get().reason
    assert not ReportRun.objects.exists()


def test_last_automatic_payout_picks_the_latest_arrived_by_the_due_time(account, owner, ledger):
    for day in (10, 20):
        PayoutFactory(account=account, stripe_id=f"po_oct{day}", created=datetime(2025, 10, day - 2, tzinfo=UTC))
    PayoutFactory(account=account, stripe_id="po_manual", automatic=False, created=datetime(2025, 10, 25, tzinfo=UTC))
    PayoutFactory(account=account, stripe_id="po_later", created=datetime(2025, 11, 5, tzinfo=UTC))
    saved(
        account,
        owner,
        report_type_id="payout_reconciliation.by_id.summary.1",
        period="last_automatic_payout",
        options={},
    )

    tick(BERLIN_NOV_1_7AM)

    assert ReportRun.objects.get().parameters == {"payout": "po_oct20"}
