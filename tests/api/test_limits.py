"""Rate limits on a real Redis: per key and per account on every API request, per account on run requests."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.models import ApiKey, Event, Membership, ReportRun
from tests.factories import AccountFactory, MembershipFactory, UserFactory

from .conftest import ApiClient
from .report_runs.conftest import SEPT, create

pytestmark = pytest.mark.django_db

TYPES = "/v1/reporting/report_types"


@pytest.fixture
def limits_on(settings, redis_url):
    settings.RATE_LIMIT_STORAGE_URL = redis_url
    return settings


def assert_rate_limited(response, window=60):
    error = response.json()["error"]
    assert response.status_code == 429
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert 1 <= int(response["Retry-After"]) <= window


def test_a_key_past_its_rate_gets_429_rate_limit_and_its_other_keys_do_not(limits_on, api, account):
    limits_on.API_RATE_LIMIT_PER_KEY = "3/minute"
    other = ApiClient(ApiKey.issue(account=account, livemode=False)[1])

    answers = [api.get(TYPES).status_code for _ in range(3)]
    refused = api.get(TYPES)

    assert answers == [200, 200, 200]
    assert_rate_limited(refused)
    assert other.get(TYPES).status_code == 200


def test_an_account_past_its_rate_is_refused_on_every_key_and_others_are_not(limits_on, api, account, ledger):
    limits_on.API_RATE_LIMIT_PER_ACCOUNT = "4/minute"
    second = ApiClient(ApiKey.issue(account=account, livemode=True)[1])
    stranger = ApiClient(ApiKey.issue(account=AccountFactory(), livemode=False)[1])

    answers = [client.get(TYPES).status_code for client in (api, second, api, second)]

    assert answers == [200] * 4
    assert_rate_limited(api.get(TYPES))
    assert_rate_limited(second.get(TYPES))
    assert stranger.get(TYPES).status_code == 200


def test_runs_past_the_account_rate_are_refused_through_the_api_and_the_dashboard(limits_on, api, account, client):
    limits_on.RUN_RATE_LIMIT_PER_ACCOUNT = "2/minute"
    analyst = MembershipFactory(account=account, user=UserFactory(), role=Membership.Role.ANALYST).user
    client.force_login(analyst)
    form = {"report_type": "balance.summary.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    first, _ = create(api, {"report_type": "balance.summary.1", **SEPT})
    second = client.post(reverse("reporting:run-create"), {**form, "timezone": "Etc/UTC"})
    over_api, delay = create(api, {"report_type": "balance.summary.1", **SEPT})
    over_dashboard = client.post(reverse("reporting:run-create"), {**form, "timezone": "Etc/UTC"})

    assert (first.status_code, second.status_code) == (200, 302)
    assert_rate_limited(over_api)
    assert "Too many report runs requested for this account" in over_api.json()["error"]["message"]
    delay.assert_not_called()
    assert over_dashboard.status_code == 429
    assert 1 <= int(over_dashboard["Retry-After"]) <= 60
    assert "Too many report runs requested for this account" in over_dashboard.content.decode()
    assert ReportRun.objects.count() == 2
    assert Event.objects.filter(action=Event.Action.RUN_REQUESTED).count() == 2


def test_refused_requests_do_not_use_up_the_run_rate(limits_on, api):
    limits_on.RUN_RATE_LIMIT_PER_ACCOUNT = "1/minute"

    refused, _ = create(api, {"report_type": "balance.summary.1", "parameters[interval_start]": "1"})
    accepted, _ = create(api, {"report_type": "balance.summary.1", **SEPT})

    assert (refused.status_code, accepted.status_code) == (400, 200)


def test_limits_let_requests_through_when_their_redis_is_unreachable(settings, api):
    # Nothing listens on port 1: refusing everything would turn a Redis outage into an API outage.
    settings.RATE_LIMIT_STORAGE_URL = "redis://127.0.0.1:1/0"
    settings.API_RATE_LIMIT_PER_KEY = settings.RUN_RATE_LIMIT_PER_ACCOUNT = "1/minute"

    answers = [api.get(TYPES).status_code for _ in range(3)]
    created = [create(api, {"report_type": "balance.summary.1", **SEPT})[0].status_code for _ in range(2)]

    assert answers == [200, 200, 200]
    assert created == [200, 200]
