"""The report run admin: its detail page, changelist filters, search, columns and query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.models import ApiKey, ReportRun
from tests.admin.conftest import change_url, changelist_url, failed_run, listed, succeeded_run
from tests.factories import ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db


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
