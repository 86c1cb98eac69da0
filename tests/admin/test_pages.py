"""Every admin page renders: each registered model's changelist and change page, the index, links to escaped ids."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from reporting.models import (
    ApiKey,
    DataWatermark,
    Door,
    Event,
    ReportRun,
    ReportType,
    Schedule,
    ScheduledRun,
    StripeSource,
    WebhookAttempt,
    WebhookDelivery,
)
from reporting.services import Caller
from reporting.services.webhooks import create_endpoint
from tests.admin.conftest import change_url, changelist_url, listed, succeeded_run
from tests.factories import BalanceTransactionFactory, FileFactory, MembershipFactory, PayoutFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = list(admin.site._registry)


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
    endpoint, _secret = create_endpoint(
        Caller(account, False, Door.ADMIN), url="https://hooks.example.com/in", enabled_events=["*"]
    )
    failed = ReportRunFactory(account=account)
    failed.mark_failed("No data.")  # its event, delivered to the endpoint once, with one attempt logged
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, started_at=delivery.created, duration_ms=12, status_code=500, response_body="no"
    )
    schedule = Schedule.objects.create(
        account=account,
        owner=admin_user,
        name="Month end",
        report_type_id="balance.summary.1",
        period="last_month",
        cadence="monthly",
        day_of_month=31,
        time_of_day="07:00",
        timezone="Europe/Berlin",
        next_due_at=run.created,
    )
    ScheduledRun.objects.create(schedule=schedule, due_at=run.created, run=run, status="requested")
    login = {"username": "mallory", "ip_address": "203.0.113.9", "user_agent": "curl", "path_info": "/admin/login/"}
    return {
        # django-axes' records of logins (the login throttle)
        "accessattempt": AccessAttempt.objects.create(**login, failures_since_start=3),
        "accesslog": AccessLog.objects.create(**login),
        "accessfailurelog": AccessFailureLog.objects.create(**login),
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
        "schedule": schedule,
        "stripesource": StripeSource.objects.create(account=account, encrypted_key="-", key_hint="rk_test_…4242"),
        "user": admin_user,
        "apievent": delivery.event,
        "webhookendpoint": endpoint,
        "webhookdelivery": delivery,
    }


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


def test_missing_object_is_404_not_a_redirect(admin_client):
    response = admin_client.get(reverse("admin:reporting_reportrun_change", args=["frr_missing"]))

    assert response.status_code == 404


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
