"""Tenant scoping in the admin: staff see their accounts' rows, in the modes their role allows, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporting.models import (
    ApiKey,
    BalanceTransaction,
    DataWatermark,
    Event,
    File,
    Membership,
    Payout,
    ReportRun,
    StripeSource,
)
from tests.admin.conftest import (
    change_url,
    changelist_url,
    failed_run,
    history_url,
    listed,
    post_action,
    staff_member,
    succeeded_run,
)
from tests.factories import BalanceTransactionFactory, MembershipFactory, PayoutFactory

pytestmark = pytest.mark.django_db


def objects_of(account, *, livemode):
    """One scoped object of each kind in an account's mode."""
    key, _secret = ApiKey.issue(account=account, livemode=livemode)
    run = succeeded_run(account=account, livemode=livemode)
    DataWatermark.advance(account, livemode, datetime(2025, 6, 1, tzinfo=UTC))
    return {
        "run": run,
        "file": run.result,
        "key": key,
        "txn": BalanceTransactionFactory(account=account, livemode=livemode),
        "payout": PayoutFactory(account=account, livemode=livemode, automatic=True),
        "watermark": DataWatermark.objects.get(account=account, livemode=livemode),
        "source": StripeSource.objects.create(account=account, livemode=livemode, encrypted_key="-", key_hint="sk_…"),
        "event": Event.record(
            Event.Action.RUN_REQUESTED,
            door="api",
            account=account,
            livemode=livemode,
            object_id=run.id,
        ),
    }


SCOPED = ["run", "file", "key", "txn", "payout", "watermark", "event", "source"]


@pytest.mark.parametrize("name", SCOPED)
def test_staff_get_404_for_another_accounts_objects(analyst_staff_client, other_account, name):
    obj = objects_of(other_account, livemode=False)[name]

    change = analyst_staff_client.get(change_url(obj))
    history = analyst_staff_client.get(history_url(obj))

    assert (change.status_code, history.status_code) == (404, 404)


@pytest.mark.parametrize("name", SCOPED)
def test_analyst_staff_get_404_for_their_accounts_live_objects(analyst_staff_client, account, name):
    obj = objects_of(account, livemode=True)[name]

    change = analyst_staff_client.get(change_url(obj))
    history = analyst_staff_client.get(history_url(obj))

    assert (change.status_code, history.status_code) == (404, 404)


@pytest.mark.parametrize("name", SCOPED)
def test_analyst_staff_see_their_accounts_test_objects(analyst_staff_client, account, name):
    obj = objects_of(account, livemode=False)[name]

    response = analyst_staff_client.get(change_url(obj))

    assert response.status_code == 200


@pytest.mark.parametrize("name", SCOPED)
def test_admin_role_staff_see_their_accounts_live_objects(client, account, name):
    client.force_login(staff_member(account, Membership.Role.ADMIN))
    obj = objects_of(account, livemode=True)[name]

    response = client.get(change_url(obj))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("run", ReportRun),
        ("file", File),
        ("key", ApiKey),
        ("txn", BalanceTransaction),
        ("payout", Payout),
        ("watermark", DataWatermark),
        ("event", Event),
        ("source", StripeSource),
    ],
)
def test_staff_changelists_show_only_their_accounts_test_rows(
    analyst_staff_client, account, other_account, name, model
):
    mine = objects_of(account, livemode=False)[name]
    objects_of(account, livemode=True)
    objects_of(other_account, livemode=False)

    response = analyst_staff_client.get(changelist_url(model))

    assert listed(response) == {mine.pk}
    assert "Globex" not in response.content.decode()


def test_staff_see_only_their_accounts_memberships_and_users(
    analyst_staff_client, analyst_staff, account, other_account
):
    colleague = MembershipFactory(account=account)
    stranger = MembershipFactory(account=other_account)

    accounts = analyst_staff_client.get(changelist_url(type(account)))
    memberships = analyst_staff_client.get(changelist_url(Membership))
    users = analyst_staff_client.get(changelist_url(type(analyst_staff)))

    assert listed(accounts) == {account.pk}
    assert listed(memberships) == {colleague.pk, analyst_staff.memberships.get().pk}
    assert listed(users) == {colleague.user_id, analyst_staff.pk}
    assert stranger.user.username not in users.content.decode()


def test_staff_get_404_for_another_account(analyst_staff_client, other_account):
    response = analyst_staff_client.get(change_url(other_account))

    assert response.status_code == 404


def test_rerun_ignores_runs_outside_scope(analyst_staff_client, other_account, django_capture_on_commit_callbacks):
    theirs = failed_run(account=other_account)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_action(analyst_staff_client, ReportRun, "rerun", [theirs])

    assert not ReportRun.objects.filter(rerun_of=theirs).exists()
    assert callbacks == []
