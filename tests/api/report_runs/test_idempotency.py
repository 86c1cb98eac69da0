"""Idempotency keys on create: replayed, refused with other parameters, scoped, purged, and safe under a race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from reporting import tasks
from reporting.models import IdempotencyKey, ReportRun
from reporting.parameters import ParametersForm
from tests.api.conftest import ApiClient
from tests.factories import BalanceTransactionFactory

from .conftest import SEPT, URL, create

pytestmark = pytest.mark.django_db


def test_same_idempotency_key_replays_first_response(api):
    data = {"report_type": "balance.summary.1", **SEPT}

    first, _ = create(api, data, **{"Idempotency-Key": "abc"})
    second, delay = create(api, data, **{"Idempotency-Key": "abc"})

    assert second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ReportRun.objects.count() == 1
    delay.assert_not_called()


def test_same_key_different_parameters_is_idempotency_error(api):
    create(api, {"report_type": "balance.summary.1", **SEPT}, **{"Idempotency-Key": "abc"})

    response, _ = create(api, {"report_type": "payouts.itemized.1", **SEPT}, **{"Idempotency-Key": "abc"})

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "idempotency_error"
    assert ReportRun.objects.count() == 1


def test_failed_validation_does_not_keep_the_key(api):
    create(api, {"report_type": "nope"}, **{"Idempotency-Key": "abc"})

    response, _ = create(api, {"report_type": "balance.summary.1", **SEPT}, **{"Idempotency-Key": "abc"})

    assert response.status_code == 200


def test_keys_are_scoped_to_account_and_mode(api, live_api):
    data = {"report_type": "balance.summary.1", **SEPT}

    create(api, data, **{"Idempotency-Key": "abc"})
    response, _ = create(live_api, data, **{"Idempotency-Key": "abc"})

    assert "Idempotent-Replayed" not in response
    assert ReportRun.objects.count() == 2


def test_keys_are_purged_after_24_hours(api):
    create(api, {"report_type": "balance.summary.1", **SEPT}, **{"Idempotency-Key": "abc"})
    IdempotencyKey.objects.update(created=datetime.now(tz=UTC) - timedelta(hours=25))

    purged = tasks.purge_idempotency_keys()

    assert purged == 1
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_run(account, test_secret):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    BalanceTransactionFactory(account=account, created=datetime(2025, 11, 3, tzinfo=UTC))
    first_in_flight, second_done = threading.Event(), threading.Event()
    responses = {}
    original = ParametersForm.is_valid

    def held_is_valid(self):
        if not first_in_flight.is_set():
            first_in_flight.set()
            # Hold the first request open while the twin arrives. (On SQLite the twin
            # waits for the write lock instead, so do not wait for it forever.)
            second_done.wait(timeout=3)
        return original(self)

    def post(name):
        try:
            data = {"report_type": "balance.summary.1", **SEPT}
            responses[name] = ApiClient(test_secret).post(URL, data, headers={"Idempotency-Key": "same"})
        finally:
            connection.close()

    # Patched once for both threads: patching per thread would race and leave a mock behind.
    with mock.patch.object(ParametersForm, "is_valid", held_is_valid), mock.patch.object(tasks.run_report, "delay"):
        first = threading.Thread(target=post, args=("first",))
        first.start()
        assert first_in_flight.wait(timeout=10)
        second = threading.Thread(target=post, args=("second",))
        second.start()
        second.join(timeout=30)
        second_done.set()
        first.join(timeout=30)

    assert ReportRun.objects.count() == 1
    assert responses["first"].status_code == 200
    second = responses["second"]
    if second.status_code == 409:
        assert second.json()["error"]["type"] == "idempotency_error"
    else:
        assert second.status_code == 200
        assert second["Idempotent-Replayed"] == "true"
        assert second.json()["id"] == responses["first"].json()["id"]
