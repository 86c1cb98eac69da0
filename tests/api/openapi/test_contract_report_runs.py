"""Contract: report runs and report types through the test client, every answer checked against the document."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.utils import timezone

from reporting.models import IdempotencyKey, ReportRun, ReportType

from .conformance import conforms, error_of
from .conftest import CREATE_RUN, JUNE_TO_OCTOBER

pytestmark = pytest.mark.django_db


# Report runs


def test_create_report_run(api, no_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/v1/reporting/report_runs", {**CREATE_RUN, "parameters[columns][]": ["category"]})

    run = conforms(response).json
    assert run["status"] == "pending"
    assert run["result"] is None
    assert run["parameters"] == {**JUNE_TO_OCTOBER, "columns": ["category"]}
    no_broker.assert_called_once_with(run["id"])


def test_create_report_run_with_an_idempotency_key_replays(api, no_broker):
    first = api.post("/v1/reporting/report_runs", CREATE_RUN, HTTP_IDEMPOTENCY_KEY="k1")

    second = api.post("/v1/reporting/report_runs", CREATE_RUN, HTTP_IDEMPOTENCY_KEY="k1")

    assert conforms(second).json == conforms(first).json
    assert second["Idempotent-Replayed"] == "true"
    assert ReportRun.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({}, "parameter_missing", "report_type"),
        ({"report_type": ""}, "parameter_invalid_empty", "report_type"),
        ({**CREATE_RUN, "report_type": "nope.1"}, None, "report_type"),
        ({**CREATE_RUN, "parameters[foo]": "1"}, "parameter_unknown", "parameters[foo]"),
        (
            {**CREATE_RUN, "parameters[interval_start]": "soon"},
            "parameter_invalid_integer",
            "parameters[interval_start]",
        ),
        ({**CREATE_RUN, "parameters[interval_end]": CREATE_RUN["parameters[interval_start]"]}, None, None),
        ({**CREATE_RUN, "parameters[columns][]": "nope"}, "parameter_invalid", "parameters[columns]"),
        ({**CREATE_RUN, "expand[]": "data"}, None, "expand"),
        ({**CREATE_RUN, "colour": "red"}, "parameter_unknown", "colour"),
    ],
)
def test_create_report_run_rejects_bad_parameters(api, no_broker, body, code, param):
    response = api.post("/v1/reporting/report_runs", body)

    error = error_of(response, 400)
    assert error["type"] == "invalid_request_error"
    assert error.get("code") == code
    if param:
        assert error["param"] == param
    assert ReportRun.objects.count() == 0


def test_idempotency_key_reused_with_other_parameters_is_400(api, no_broker):
    api.post("/v1/reporting/report_runs", CREATE_RUN, HTTP_IDEMPOTENCY_KEY="k2")

    response = api.post(
        "/v1/reporting/report_runs", {**CREATE_RUN, "report_type": "payouts.itemized.1"}, HTTP_IDEMPOTENCY_KEY="k2"
    )

    assert error_of(response, 400)["type"] == "idempotency_error"


def test_idempotency_key_in_flight_is_409(api, account, no_broker):
    # A first request with this key is still running (no response stored yet).
    api.post("/v1/reporting/report_runs", CREATE_RUN, HTTP_IDEMPOTENCY_KEY="k3")
    IdempotencyKey.objects.filter(key="k3").update(response_status=None, response_body="", created=timezone.now())

    response = api.post("/v1/reporting/report_runs", CREATE_RUN, HTTP_IDEMPOTENCY_KEY="k3")

    assert error_of(response, 409)["type"] == "idempotency_error"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sk_test_unknown000000000000000000", "Basic !!!", "Token abc"],
)
def test_report_runs_without_a_valid_key_are_401(ledger, authorization):
    client = Client(**({"HTTP_AUTHORIZATION": authorization} if authorization else {}))

    get = client.get("/v1/reporting/report_runs")
    post = client.post("/v1/reporting/report_runs", CREATE_RUN)

    assert error_of(get, 401)["type"] == "invalid_request_error"
    assert error_of(post, 401)["type"] == "invalid_request_error"


def test_basic_auth_with_the_key_as_user_name(ledger, test_secret):
    token = base64.b64encode(f"{test_secret}:".encode()).decode()

    response = Client(HTTP_AUTHORIZATION=f"Basic {token}").get("/v1/reporting/report_runs")

    assert conforms(response).status == 200


def test_list_report_runs_in_every_state(api, world):
    response = api.get("/v1/reporting/report_runs", {"expand[]": ["data.result"]})

    page = conforms(response).json
    by_id = {run["id"]: run for run in page["data"]}
    assert {r["status"] for r in by_id.values()} == {"pending", "succeeded", "failed"}
    assert by_id[world.failed.id]["error"] == "No data for this interval."
    succeeded = by_id[world.succeeded.id]
    assert succeeded["result"]["id"] == world.succeeded.result_id
    assert succeeded["result"]["links"]["data"][0]["id"] in {world.link.id, world.expired_link.id}
    assert isinstance(succeeded["succeeded_at"], int)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "1"},
        {"limit": "100", "created[gte]": "0", "created[lt]": "4102444800"},
        {"created": "1700000000"},
        {"expand[]": ["data.parameters", "data.result"]},
    ],
)
def test_list_report_runs_pages(api, world, query):
    response = api.get("/v1/reporting/report_runs", query)

    conforms(response)


def test_list_report_runs_with_cursors(api, world):
    first = conforms(api.get("/v1/reporting/report_runs", {"limit": "1"})).json

    after = api.get("/v1/reporting/report_runs", {"limit": "1", "starting_after": first["data"][0]["id"]})
    before = api.get("/v1/reporting/report_runs", {"ending_before": conforms(after).json["data"][0]["id"]})

    assert first["has_more"] is True
    assert conforms(before).json["data"] == first["data"]


@pytest.mark.parametrize(
    ("query", "code", "param"),
    [
        ({"limit": "0"}, "parameter_invalid_integer", "limit"),
        ({"limit": "ten"}, "parameter_invalid_integer", "limit"),
        ({"created[between]": "1"}, "parameter_unknown", "created[between]"),
        ({"starting_after": "frr_missing"}, "resource_missing", "starting_after"),
        ({"starting_after": "a", "ending_before": "b"}, "parameters_exclusive", "ending_before"),
        ({"expand[]": "data.nope"}, None, "expand"),
        ({"colour": "red"}, "parameter_unknown", "colour"),
    ],
)
def test_list_report_runs_rejects_bad_parameters(api, world, query, code, param):
    response = api.get("/v1/reporting/report_runs", query)

    status = 404 if code == "resource_missing" else 400
    error = error_of(response, status)
    assert error.get("code") == code
    assert error["param"] == param


def test_retrieve_succeeded_report_run_embeds_its_file(api, world):
    response = api.get(f"/v1/reporting/report_runs/{world.succeeded.id}", {"expand[]": "result"})

    run = conforms(response).json
    assert run["status"] == "succeeded"
    assert run["result"]["object"] == "file"
    assert run["result"]["purpose"] == "finance_report_run"
    assert run["result"]["url"].endswith(f"/v1/files/{world.succeeded.result_id}/contents")


def test_retrieve_missing_report_run_is_404(api):
    response = api.get("/v1/reporting/report_runs/frr_missing")

    error = error_of(response, 404)
    assert (error["code"], error["param"]) == ("resource_missing", "id")


def test_other_modes_runs_are_404(live_api, world):
    response = live_api.get(f"/v1/reporting/report_runs/{world.pending.id}")

    assert error_of(response, 404)["code"] == "resource_missing"


# Report types


def test_list_report_types(api):
    response = api.get("/v1/reporting/report_types")

    page = conforms(response).json
    assert page["has_more"] is False
    assert {t["id"] for t in page["data"]} >= {"balance.summary.1"}


def test_retrieve_report_type(api):
    response = api.get("/v1/reporting/report_types/balance.summary.1")

    report_type = conforms(response).json
    assert report_type["version"] == 1
    assert report_type["data_available_start"] < report_type["data_available_end"]


def test_retrieve_missing_report_type_is_404(api):
    response = api.get("/v1/reporting/report_types/nope.1")

    assert error_of(response, 404)["code"] == "resource_missing"


def test_live_only_report_type_with_a_test_key_is_400(api, live_api):
    ReportType.objects.filter(pk="balance.summary.1").update(live_only=True)

    test_mode = api.get("/v1/reporting/report_types/balance.summary.1")
    live_mode = live_api.get("/v1/reporting/report_types/balance.summary.1")

    assert error_of(test_mode, 400)["param"] == "report_type"
    assert conforms(live_mode).json["livemode"] is True


def test_report_types_expand_nothing(api):
    response = api.get("/v1/reporting/report_types", {"expand[]": "data.name"})

    assert error_of(response, 400)["param"] == "expand"
