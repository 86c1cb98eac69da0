"""The report run admin's re-run action: new runs enqueued on commit, by the roles and rules the API applies."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.test import Client

from reporting import services, tasks
from reporting.models import ApiKey, Event, Membership, ReportRun, ReportType
from tests.admin.conftest import changelist_url, failed_run, post_action, staff_member, succeeded_run
from tests.factories import BalanceTransactionFactory, MembershipFactory, PayoutFactory, ReportRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(account):
    """Ledger data from February 2025 in both modes: re-runs are validated against data availability."""
    for livemode in (False, True):
        BalanceTransactionFactory(account=account, livemode=livemode, created=datetime(2025, 2, 1, tzinfo=UTC))


def test_rerun_creates_new_runs_with_same_parameters_enqueued_on_commit(
    admin_client, admin_user, account, ledger, django_capture_on_commit_callbacks
):
    failed = failed_run(
        account=account,
        parameters={
            "interval_start": 1740787200,
            "interval_end": 1743465600,
            "currency": "usd",
        },
    )
    done = succeeded_run(account=account, livemode=True, report_type_id="payouts.itemized.1")

    with mock.patch.object(tasks.run_report, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = post_action(admin_client, ReportRun, "rerun", [failed, done])
        enqueued_before_commit = delay.call_count
        for callback in callbacks:  # what COMMIT would do
            callback()

    new_runs = {run.rerun_of_id: run for run in ReportRun.objects.filter(rerun_of__isnull=False)}
    assert set(new_runs) == {failed.id, done.id}
    for original in (failed, done):
        new = new_runs[original.id]
        assert (new.report_type_id, new.parameters, new.livemode, new.account_id) == (
            original.report_type_id,
            original.parameters,
            original.livemode,
            original.account_id,
        )
        assert (new.status, new.requested_via, new.requested_by) == (
            "pending",
            "admin",
            admin_user,
        )
    assert enqueued_before_commit == 0
    assert len(callbacks) == 2
    assert sorted(c.args for c in delay.call_args_list) == sorted((run.id,) for run in new_runs.values())
    assert "Queued 2 new runs." in [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(
    ("report_type", "parameters", "rows"),
    [
        ("payout_reconciliation.by_id.itemized.4", {"payout": "po_admin1", "timezone": "Europe/Paris"}, 1),
        # 2025-03-04: before the payout arrives, so the charge is still in the balance (and a total line).
        ("ending_balance_reconciliation.summary.1", {"interval_end": 1741046400}, 2),
    ],
)
def test_rerun_runs_types_without_an_interval(
    admin_client, account, django_capture_on_commit_callbacks, report_type, parameters, rows
):
    payout = PayoutFactory(account=account, stripe_id="po_admin1", amount=900, created=datetime(2025, 3, 3, tzinfo=UTC))
    BalanceTransactionFactory(
        account=account, created=datetime(2025, 3, 1, tzinfo=UTC), amount=1000, fee=100, automatic_payout=payout
    )
    original = failed_run(account=account, report_type_id=report_type, parameters=parameters)

    with mock.patch.object(tasks.run_report, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        post_action(admin_client, ReportRun, "rerun", [original])
    new = ReportRun.objects.get(rerun_of=original)
    services.execute_report_run(new)

    new.refresh_from_db()
    assert delay.call_args.args == (new.id,)
    assert new.status == "succeeded", new.error
    assert new.result.size > 0
    assert new.row_count == rows


def test_rerun_records_admin_event(admin_client, admin_user, account, ledger, django_capture_on_commit_callbacks):
    failed = failed_run(account=account)

    with django_capture_on_commit_callbacks(execute=False):
        post_action(admin_client, ReportRun, "rerun", [failed])

    new = ReportRun.objects.get(rerun_of=failed)
    event = Event.objects.get(object_id=new.id)
    assert (event.action, event.door, event.actor, event.account_id) == (
        "run.rerun",
        "admin",
        admin_user,
        account.id,
    )


def test_rerun_skips_pending_runs(admin_client, account, django_capture_on_commit_callbacks):
    pending = ReportRunFactory(account=account)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(admin_client, ReportRun, "rerun", [pending])

    assert not ReportRun.objects.filter(rerun_of=pending).exists()
    assert callbacks == []
    assert any("still pending" in str(m) for m in response.context["messages"])


def test_analyst_staff_may_rerun_their_accounts_test_runs(
    analyst_staff_client, analyst_staff, account, ledger, django_capture_on_commit_callbacks
):
    failed = failed_run(account=account)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_action(analyst_staff_client, ReportRun, "rerun", [failed])

    assert ReportRun.objects.get(rerun_of=failed).requested_by == analyst_staff
    assert len(callbacks) == 1


def test_viewer_staff_cannot_rerun(client, account, django_capture_on_commit_callbacks):
    client.force_login(staff_member(account, Membership.Role.VIEWER))
    failed = failed_run(account=account)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(client, ReportRun, "rerun", [failed])

    assert not ReportRun.objects.filter(rerun_of=failed).exists()
    assert callbacks == []
    assert 'value="rerun"' not in response.content.decode()


def test_rerun_checks_the_role_in_each_runs_account(
    analyst_staff_client,
    analyst_staff,
    other_account,
    django_capture_on_commit_callbacks,
):
    MembershipFactory(user=analyst_staff, account=other_account, role=Membership.Role.VIEWER)
    viewed_only = failed_run(account=other_account)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(analyst_staff_client, ReportRun, "rerun", [viewed_only])

    assert not ReportRun.objects.filter(rerun_of=viewed_only).exists()
    assert callbacks == []
    assert any("may not request runs" in str(m) for m in response.context["messages"])


def test_analyst_staff_are_offered_rerun(analyst_staff_client, account):
    failed_run(account=account)

    response = analyst_staff_client.get(changelist_url(ReportRun))

    assert 'value="rerun"' in response.content.decode()


def test_rerun_of_a_live_only_type_in_test_mode_is_refused_as_the_api_refuses_it(
    admin_client, account, ledger, django_capture_on_commit_callbacks
):
    ReportType.objects.filter(pk="balance.summary.1").update(live_only=True)
    failed = failed_run(account=account, livemode=False)
    secret = ApiKey.issue(account=account, livemode=False)[1]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(admin_client, ReportRun, "rerun", [failed])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/v1/reporting/report_runs",
        {"report_type": "balance.summary.1", **{f"parameters[{k}]": v for k, v in failed.parameters.items()}},
    )

    api_message = api.json()["error"]["message"]
    assert api.status_code == 400
    assert "live mode" in api_message
    assert not ReportRun.objects.filter(rerun_of=failed).exists()
    assert callbacks == []
    assert f"Skipped {failed.id}: {api_message.rstrip('.')}." in [str(m) for m in response.context["messages"]]
