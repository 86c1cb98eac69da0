"""services.request_run: the rules every door shares, tested once, without a door."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied

from reporting import services, tasks
from reporting.models import Door, Event, Membership, ReportRun, ReportType
from tests.factories import BalanceTransactionFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = {"interval_start": 1756684800, "interval_end": 1759276800}


@pytest.fixture
def ledger(account):
    for livemode in (False, True):
        BalanceTransactionFactory(account=account, livemode=livemode, created=datetime(2025, 9, 1, tzinfo=UTC))


def caller_with_role(account, role, *, livemode=False):
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=role)
    return services.Caller(account, livemode, Door.DASHBOARD, user=user)


def refusal(caller, report_type_id="balance.summary.1", parameters=SEPTEMBER, **kwargs):
    with pytest.raises(services.RunRequestError) as raised:
        services.request_run(caller, report_type_id=report_type_id, parameters=parameters, **kwargs)
    return raised.value


def test_request_run_creates_a_pending_run_records_the_event_and_queues_it_on_commit(
    account, ledger, django_capture_on_commit_callbacks
):
    caller = caller_with_role(account, Membership.Role.ANALYST)

    with mock.patch.object(tasks.run_report, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        run = services.request_run(
            caller, report_type_id="balance.summary.1", parameters={**SEPTEMBER, "currency": "USD"}
        )

    assert (run.status, run.requested_by, run.requested_via) == ("pending", caller.user, "dashboard")
    assert run.parameters == {**SEPTEMBER, "currency": "usd"}
    delay.assert_called_once_with(run.id)
    event = Event.objects.get(object_id=run.id)
    assert (event.action, event.actor, event.door) == ("run.requested", caller.user, "dashboard")


def test_request_run_refuses_a_viewer(account, ledger):
    caller = caller_with_role(account, Membership.Role.VIEWER)

    with pytest.raises(PermissionDenied):
        services.request_run(caller, report_type_id="balance.summary.1", parameters=SEPTEMBER)

    assert not ReportRun.objects.exists()


def test_request_run_refuses_live_mode_to_an_analyst(account, ledger):
    caller = caller_with_role(account, Membership.Role.ANALYST, livemode=True)

    with pytest.raises(PermissionDenied):
        services.request_run(caller, report_type_id="balance.summary.1", parameters=SEPTEMBER)


def test_request_run_refuses_an_unknown_type(account, ledger):
    problem = refusal(services.Caller(account, False, Door.CLI), report_type_id="balance.summary.9").problems[0]

    assert problem.param == "report_type"
    assert "balance.summary.9 is not a valid report type" in problem.message


def test_request_run_refuses_a_live_only_type_in_test_mode_whoever_asks(account, ledger):
    ReportType.objects.filter(pk="balance.summary.1").update(live_only=True)
    callers = [
        caller_with_role(account, Membership.Role.ADMIN),
        services.Caller(account, False, Door.CLI),
        services.Caller(account, False, Door.ADMIN, user=UserFactory(is_superuser=True)),
    ]

    messages = {refusal(caller).message for caller in callers}
    live = services.request_run(
        caller_with_role(account, Membership.Role.ADMIN, livemode=True),
        report_type_id="balance.summary.1",
        parameters=SEPTEMBER,
    )

    assert messages == {services.runs.live_only_message("balance.summary.1")}
    assert live.livemode is True


def test_request_run_checks_data_availability(account, ledger):
    before = {"interval_start": 1754006400, "interval_end": 1759276800}  # from August: no data yet

    problem = refusal(services.Caller(account, False, Door.CLI), parameters=before).problems[0]

    assert problem.param == "interval_start"
    assert "before data_available_start" in problem.message


def test_request_run_reports_unknown_parameters_first(account, ledger):
    problems = refusal(
        services.Caller(account, False, Door.CLI), parameters={**SEPTEMBER, "currency": "xxx", "colour": "red"}
    ).problems

    assert [(p.param, p.code) for p in problems] == [("colour", "parameter_unknown"), ("currency", "invalid_choice")]


def test_rerun_of_a_pending_run_is_refused(account, ledger):
    pending = ReportRunFactory(account=account, parameters=SEPTEMBER)

    problem = refusal(services.Caller(account, False, Door.ADMIN), rerun_of=pending).problems[0]

    assert "still pending" in problem.message
    assert not ReportRun.objects.filter(rerun_of=pending).exists()
