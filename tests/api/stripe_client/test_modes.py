"""Test and live keys through the client: each sees only its own mode's types, runs, files and idempotency keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests
import stripe

from reporting.models import ReportRun, ReportType
from tests.factories import ReportRunFactory

from .conftest import AVAILABLE_END, LIVE_INTERVAL, create_params, finish, unix

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_live_key_sees_live_availability(live_sc):
    report_type = live_sc.v1.reporting.report_types.retrieve("balance.summary.1")

    assert report_type.livemode is True
    assert report_type.data_available_start == unix(datetime(2025, 2, 1, tzinfo=UTC))
    assert report_type.data_available_end == AVAILABLE_END


@pytest.fixture
def live_only_payouts():
    ReportType.objects.filter(pk="payouts.itemized.1").update(live_only=True)
    yield
    ReportType.objects.filter(pk="payouts.itemized.1").update(live_only=False)


def test_live_only_type_needs_a_live_key(sc, live_sc, live_only_payouts):
    with pytest.raises(stripe.InvalidRequestError) as on_create:
        sc.v1.reporting.report_runs.create(create_params(report_type="payouts.itemized.1"))
    with pytest.raises(stripe.InvalidRequestError) as on_retrieve:
        sc.v1.reporting.report_types.retrieve("payouts.itemized.1")
    test_types = [t.id for t in sc.v1.reporting.report_types.list().data]
    live_types = [t.id for t in live_sc.v1.reporting.report_types.list().data]
    live_run = live_sc.v1.reporting.report_runs.create(
        {"report_type": "payouts.itemized.1", "parameters": LIVE_INTERVAL}
    )

    for caught in (on_create, on_retrieve):
        assert caught.value.http_status == 400
        assert caught.value.param == "report_type"
        assert re.search(r"live[- ]mode", caught.value.user_message, re.IGNORECASE)
    assert "payouts.itemized.1" not in test_types
    assert "payouts.itemized.1" in live_types
    assert live_run.livemode is True
    assert ReportRun.objects.filter(livemode=False).count() == 0


def test_each_mode_sees_only_its_own_runs(sc, live_sc, account):
    test_runs = [ReportRunFactory(account=account, livemode=False) for _ in range(3)]
    live_runs = [ReportRunFactory(account=account, livemode=True) for _ in range(2)]

    seen_by_test = {r.id for r in sc.v1.reporting.report_runs.list({"limit": 100}).auto_paging_iter()}
    seen_by_live = {r.id for r in live_sc.v1.reporting.report_runs.list({"limit": 100}).auto_paging_iter()}
    with pytest.raises(stripe.InvalidRequestError) as cross:
        sc.v1.reporting.report_runs.retrieve(live_runs[0].id)
    with pytest.raises(stripe.InvalidRequestError) as cross_cursor:
        sc.v1.reporting.report_runs.list({"starting_after": live_runs[0].id})

    assert seen_by_test == {r.id for r in test_runs}
    assert seen_by_live == {r.id for r in live_runs}
    assert cross.value.http_status == 404
    assert cross.value.code == "resource_missing"
    assert cross_cursor.value.http_status == 404


def test_live_key_file_is_hidden_from_test_key(sc, live_sc, live_secret, in_process_tasks):
    created = live_sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": LIVE_INTERVAL})
    run = finish(in_process_tasks, live_sc.v1.reporting.report_runs.retrieve, created.id)
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        sc.v1.files.retrieve(run.result.id)
    live_download = requests.get(run.result.url, auth=(live_secret, ""), timeout=10)

    assert run.status == "succeeded", run.error
    assert run.livemode is True
    assert hidden.value.http_status == 404
    assert sc.v1.files.list().data == []
    assert [f.id for f in live_sc.v1.files.list().data] == [run.result.id]
    assert live_download.status_code == 200
    assert len(live_download.content) == run.result.size


def test_file_download_needs_a_key_of_the_same_mode(sc, succeeded_run, live_secret):
    anonymous = requests.get(succeeded_run.result.url, timeout=10)
    live = requests.get(succeeded_run.result.url, auth=(live_secret, ""), timeout=10)

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["type"] == "invalid_request_error"
    assert live.status_code == 404
    assert live.json()["error"]["code"] == "resource_missing"


def test_idempotency_keys_are_per_mode(sc, live_sc):
    live_params = create_params(parameters=LIVE_INTERVAL)

    test_run = sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "shared"})
    live_run = live_sc.v1.reporting.report_runs.create(live_params, options={"idempotency_key": "shared"})

    assert test_run.id != live_run.id
    assert (test_run.livemode, live_run.livemode) == (False, True)
    assert ReportRun.objects.count() == 2
