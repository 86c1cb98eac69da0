from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting import services, tasks
from reporting.models import (
    ApiKey,
    BalanceTransaction,
    DataWatermark,
    Event,
    File,
    Membership,
    Payout,
    ReportRun,
    ReportType,
)
from tests.factories import (
    AccountFactory,
    BalanceTransactionFactory,
    FileFactory,
    MembershipFactory,
    PayoutFactory,
    ReportRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = list(admin.site._registry)


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# The admin escapes ids in its URLs ("_3C" would otherwise read back as "<"), as its own links do.
def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])


def history_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[quote(obj.pk)])


def listed(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def succeeded_run(**kwargs):
    run = ReportRunFactory(**kwargs)
    run.claim()
    run.mark_succeeded(
        result=FileFactory(account=run.account, livemode=run.livemode, size=2048, sha256="ab" * 32),
        row_count=12,
    )
    return run


@pytest.fixture
def ledger(account):
    """Ledger data from February 2025 in both modes: re-runs are validated against data availability."""
    for livemode in (False, True):
        BalanceTransactionFactory(account=account, livemode=livemode, created=datetime(2025, 2, 1, tzinfo=UTC))


def failed_run(**kwargs):
    run = ReportRunFactory(**kwargs)
    run.mark_failed("boom")
    return run


def staff_member(account, role):
    """A staff user (not a superuser) with view permissions on everything, member of one account."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reporting", codename__startswith="view_")
    )
    MembershipFactory(user=user, account=account, role=role)
    return user


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Globex")


@pytest.fixture
def every_object(account, admin_user):
    """One row of every model registered in the admin, in the test account."""
    key, _secret = ApiKey.issue(account=account, livemode=False, name="CI", created_by=admin_user)
    # PayoutFactory has no default for `automatic`, which its effective_at needs.
    payout = PayoutFactory(account=account, automatic=True)
    txn = BalanceTransactionFactory(account=account, automatic_payout=payout)
    run = succeeded_run(account=account, requested_by_key=key, requested_via="api")
    Event.record(
        Event.Action.RUN_REQUESTED,
        door="api",
        account=account,
        api_key=key,
        object_id=run.id,
    )
    return {
        "account": account,
        "apikey": key,
        "balancetransaction": txn,
        "datawatermark": DataWatermark.objects.filter(account=account).first(),
        "event": Event.objects.get(object_id=run.id),
        "file": run.result,
        "group": Group.objects.create(name="Back office"),
        "membership": MembershipFactory(account=account),
        "payout": payout,
        "reportrun": run,
        "reporttype": ReportType.objects.get(pk="balance.summary.1"),
        "user": admin_user,
    }


@pytest.fixture
def analyst_staff(account):
    return staff_member(account, Membership.Role.ANALYST)


@pytest.fixture
def analyst_staff_client(client, analyst_staff):
    client.force_login(analyst_staff)
    return client


# Every page renders


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_renders_for_superuser(admin_client, every_object, model):
    response = admin_client.get(changelist_url(model))

    assert response.status_code == 200
    assert listed(response)


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.model_name)
def test_change_page_renders_for_superuser(admin_client, every_object, model):
    obj = every_object[model._meta.model_name]

    response = admin_client.get(change_url(obj))

    assert response.status_code == 200


def test_run_detail_shows_parameters_file_and_reruns(admin_client, account):
    original = failed_run(
        account=account,
        parameters={
            "interval_start": 1740787200,
            "interval_end": 1743465600,
            "currency": "eur",
        },
    )
    rerun = succeeded_run(account=account, rerun_of=original)

    original_body = admin_client.get(change_url(original)).content.decode()
    rerun_body = admin_client.get(change_url(rerun)).content.decode()

    assert "&quot;currency&quot;: &quot;eur&quot;" in original_body
    assert "boom" in original_body
    assert rerun.id in original_body
    assert rerun.result.id in rerun_body
    assert "ab" * 32 in rerun_body
    assert "2.0\xa0KB" in rerun_body
    assert original.id in rerun_body


def test_missing_object_is_404_not_a_redirect(admin_client):
    response = admin_client.get(reverse("admin:reporting_reportrun_change", args=["frr_missing"]))

    assert response.status_code == 404


# Report run changelist


@pytest.fixture
def runs(account, other_account):
    return {
        "failed": failed_run(account=account),
        "live": succeeded_run(account=account, livemode=True, report_type_id="payouts.itemized.1"),
        "other": ReportRunFactory(account=other_account, requested_via="api"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "failed"}, {"failed"}),
        ({"status__exact": "pending"}, {"other"}),
        ({"report_type__id__exact": "payouts.itemized.1"}, {"live"}),
        ({"mode": "live"}, {"live"}),
        ({"mode": "test"}, {"failed", "other"}),
        ({"requested_via__exact": "api"}, {"other"}),
        ({}, {"failed", "live", "other"}),
    ],
)
def test_run_changelist_filters(admin_client, runs, query, expected):
    response = admin_client.get(changelist_url(ReportRun), query)

    assert response.status_code == 200
    assert listed(response) == {runs[name].id for name in expected}


def test_run_changelist_filters_by_account(admin_client, runs, other_account):
    response = admin_client.get(changelist_url(ReportRun), {"account__id__exact": other_account.id})

    assert listed(response) == {runs["other"].id}


def test_run_search_by_id(admin_client, runs):
    response = admin_client.get(changelist_url(ReportRun), {"q": runs["failed"].id})

    assert listed(response) == {runs["failed"].id}


def test_run_search_by_result_file_id(admin_client, runs):
    response = admin_client.get(changelist_url(ReportRun), {"q": runs["live"].result_id})

    assert listed(response) == {runs["live"].id}


def test_run_changelist_shows_requester_duration_and_size(admin_client, account):
    key, _secret = ApiKey.issue(account=account, livemode=False)
    run = succeeded_run(account=account, requested_by_key=key, requested_via="api")
    ReportRun.objects.filter(pk=run.pk).update(started_at=run.finished_at - timedelta(seconds=75))

    body = admin_client.get(changelist_url(ReportRun)).content.decode()

    assert f"{key.masked} (API)" in body
    assert "1 min 15 s" in body
    assert "2.0\xa0KB" in body


def test_run_changelist_query_count_does_not_grow_with_runs(
    admin_client, account, other_account, django_assert_max_num_queries
):
    succeeded_run(account=account, requested_by=UserFactory())
    url = changelist_url(ReportRun)
    admin_client.get(url)  # warm up the session and content type caches
    with CaptureQueriesContext(connection) as one_run:
        admin_client.get(url)
    for n in range(10):
        key, _secret = ApiKey.issue(account=other_account, livemode=bool(n % 2))
        succeeded_run(
            account=other_account,
            livemode=bool(n % 2),
            requested_by_key=key,
            requested_via="api",
        )
        failed_run(
            account=account,
            requested_by=UserFactory(),
            rerun_of=ReportRun.objects.first(),
        )

    with django_assert_max_num_queries(len(one_run)):
        response = admin_client.get(url)

    assert len(listed(response)) == 21


# Re-run action


def post_action(client, model, action, objects):
    return client.post(
        changelist_url(model),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


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


# Read-only admins


@pytest.fixture
def ledger_rows(account):
    payout = PayoutFactory(account=account, automatic=True)
    return {
        "payout": payout,
        "txn": BalanceTransactionFactory(account=account, amount=1050, fee=50, automatic_payout=payout),
        "event": Event.record(
            Event.Action.LEDGER_IMPORTED,
            door="cli",
            account=account,
            object_id="import_1",
        ),
    }


@pytest.mark.parametrize("name", ["txn", "payout", "event"])
def test_read_only_admins_refuse_change(admin_client, ledger_rows, name):
    obj = ledger_rows[name]

    response = admin_client.post(change_url(obj), {"description": "edited", "object_id": "edited", "amount": "1"})

    assert response.status_code == 403
    fresh = type(obj).objects.get(pk=obj.pk)
    assert [getattr(fresh, f.attname) for f in fresh._meta.concrete_fields] == [
        getattr(obj, f.attname) for f in obj._meta.concrete_fields
    ]


@pytest.mark.parametrize("model", [BalanceTransaction, Payout, Event, ReportRun, ApiKey])
def test_read_only_admins_refuse_add(admin_client, model):
    response = admin_client.get(reverse(f"admin:reporting_{model._meta.model_name}_add"))

    assert response.status_code == 403


@pytest.mark.parametrize("name", ["txn", "payout", "event"])
def test_read_only_admins_refuse_delete(admin_client, ledger_rows, name):
    obj = ledger_rows[name]
    url = reverse(f"admin:reporting_{obj._meta.model_name}_delete", args=[quote(obj.pk)])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_ledger_amounts_in_major_units(admin_client, ledger_rows):
    BalanceTransactionFactory(account=ledger_rows["txn"].account, currency="jpy", amount=1500, fee=0)

    body = admin_client.get(changelist_url(BalanceTransaction)).content.decode()

    assert ">10.50<" in body
    assert ">10.00<" in body
    assert ">1500<" in body


def test_payout_admin_has_no_save_button(admin_client, ledger_rows):
    body = admin_client.get(change_url(ledger_rows["payout"])).content.decode()

    assert 'name="_save"' not in body
    assert "100.00" in body


# API keys


def test_api_key_pages_never_show_the_digest(admin_client, account):
    key, secret = ApiKey.issue(account=account, livemode=False, name="Deploy")

    pages = [
        admin_client.get(changelist_url(ApiKey)),
        admin_client.get(change_url(key)),
        admin_client.get(history_url(key)),
    ]

    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert key.digest not in body
        assert secret not in body
    assert key.masked in pages[0].content.decode()


def test_revoke_action_revokes_and_records_event(admin_client, admin_user, account):
    key, _secret = ApiKey.issue(account=account, livemode=True)

    post_action(admin_client, ApiKey, "revoke", [key])

    key.refresh_from_db()
    assert key.revoked_at is not None
    event = Event.objects.get(action=Event.Action.KEY_REVOKED)
    assert (
        event.door,
        event.actor,
        event.account_id,
        event.livemode,
        event.object_id,
    ) == ("admin", admin_user, account.id, True, str(key.pk))


def test_revoke_needs_account_admin_role(analyst_staff_client, account):
    key, _secret = ApiKey.issue(account=account, livemode=False)

    post_action(analyst_staff_client, ApiKey, "revoke", [key])

    key.refresh_from_db()
    assert key.revoked_at is None
    assert not Event.objects.filter(action=Event.Action.KEY_REVOKED).exists()


# Tenant scoping


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
        "event": Event.record(
            Event.Action.RUN_REQUESTED,
            door="api",
            account=account,
            livemode=livemode,
            object_id=run.id,
        ),
    }


SCOPED = ["run", "file", "key", "txn", "payout", "watermark", "event"]


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


def test_payout_links_to_the_transactions_it_settled(admin_client, ledger_rows):
    BalanceTransactionFactory(account=ledger_rows["txn"].account)
    link = f"{changelist_url(BalanceTransaction)}?automatic_payout__id__exact={ledger_rows['payout'].pk}"

    detail = admin_client.get(change_url(ledger_rows["payout"])).content.decode()
    settled = admin_client.get(link)

    assert link.replace("&", "&amp;") in detail
    assert listed(settled) == {ledger_rows["txn"].pk}


def test_admin_index_renders_for_staff(analyst_staff_client):
    response = analyst_staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert changelist_url(ReportRun) in response.content.decode()


def test_admin_links_escape_ids_that_look_like_admin_escapes(admin_client, account):
    # "_3C" in an id reads back as "<" unless the link escapes it, as the admin's own links do.
    run = ReportRunFactory(id="frr_3C" + "a" * 22, account=account)
    run.mark_succeeded(result=FileFactory(id="file_3C" + "b" * 22, account=account), row_count=1)
    page = admin_client.get(change_url(run.result)).content.decode()

    run_link = re.search(r'href="([^"]*/reportrun/[^"]*/change/)"', page).group(1)

    assert admin_client.get(run_link).status_code == 200


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
