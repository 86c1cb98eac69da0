"""Idempotent retries through the client: one run per key, the first answer replayed, a reused key refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe

from reporting.models import ReportRun

from .conftest import SEPTEMBER, create_params

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_idempotent_create_with_client(sc):
    params = create_params()

    first = sc.v1.reporting.report_runs.create(params, options={"idempotency_key": "k1"})
    again = sc.v1.reporting.report_runs.create(params, options={"idempotency_key": "k1"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        sc.v1.reporting.report_runs.create(
            create_params(report_type="payouts.itemized.1"), options={"idempotency_key": "k1"}
        )

    assert again.id == first.id
    assert again.to_dict() == first.to_dict()
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert ReportRun.objects.count() == 1
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"


def test_idempotent_create_with_legacy_api(legacy):
    first = stripe.reporting.ReportRun.create(idempotency_key="k1", **create_params())
    again = stripe.reporting.ReportRun.create(idempotency_key="k1", **create_params())
    with pytest.raises(stripe.IdempotencyError):
        stripe.reporting.ReportRun.create(
            idempotency_key="k1", **create_params(parameters={**SEPTEMBER, "currency": "usd"})
        )

    assert again.id == first.id
    assert ReportRun.objects.count() == 1


def test_refused_request_does_not_burn_its_key(sc):
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.reporting.report_runs.create(create_params(report_type="nope.1"), options={"idempotency_key": "k2"})

    run = sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "k2"})

    assert run.status == "pending"
    assert ReportRun.objects.count() == 1


def test_idempotency_key_reused_on_another_endpoint(sc, succeeded_run):
    sc.v1.file_links.create({"file": succeeded_run.result.id}, options={"idempotency_key": "k3"})

    with pytest.raises(stripe.IdempotencyError) as caught:
        sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "k3"})

    assert caught.value.http_status == 400
    assert ReportRun.objects.count() == 1  # only the fixture's run


def test_concurrent_twins_with_one_idempotency_key_create_one_run(sc):
    def attempt(_: int) -> str:
        try:
            return sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "twin"}).id
        except stripe.APIError as error:  # 409: the twin is still in flight
            return f"{error.http_status}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))

    run_ids = {o for o in outcomes if o.startswith("frr_")}
    assert ReportRun.objects.count() == 1
    assert run_ids == {ReportRun.objects.get().id}
    assert set(outcomes) - run_ids <= {"409"}
