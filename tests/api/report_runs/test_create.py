"""Creating a report run: the pending run echoed back, and every bad request refused as Stripe refuses it."""

from __future__ import annotations

from unittest import mock

import pytest

from reporting import tasks
from reporting.models import Event, ReportRun, ReportType

from .conftest import SEPT, URL, create

pytestmark = pytest.mark.django_db


def test_create_returns_pending_run_and_echoes_parameters(api, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.run_report, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            URL,
            {
                "report_type": "balance.summary.1",
                **SEPT,
                "parameters[columns][0]": "net_amount",
                "parameters[columns][1]": "category",
            },
        )

    body = response.json()
    run = ReportRun.objects.get()
    assert response.status_code == 200
    assert body == {
        "id": run.id,
        "object": "reporting.report_run",
        "created": int(run.created.timestamp()),
        "error": None,
        "livemode": False,
        "parameters": {"interval_start": 1756684800, "interval_end": 1759276800, "columns": ["net_amount", "category"]},
        "report_type": "balance.summary.1",
        "result": None,
        "status": "pending",
        "succeeded_at": None,
    }
    delay.assert_called_once_with(run.id)
    assert run.requested_via == "api"
    assert run.requested_by_key is not None
    assert Event.objects.filter(action="run.requested", door="api", object_id=run.id).exists()


def test_create_accepts_bracket_list_form(api):
    response, _ = create(
        api, {"report_type": "balance.summary.1", **SEPT, "parameters[columns][]": ["currency", "category"]}
    )

    assert response.json()["parameters"]["columns"] == ["currency", "category"]


def test_create_orders_indexed_lists_by_index(api):
    body = "report_type=balance.summary.1&parameters[interval_start]=1756684800&parameters[interval_end]=1759276800&parameters[columns][1]=category&parameters[columns][0]=currency"

    with mock.patch.object(tasks.run_report, "delay"):
        response = api.post(URL, body, content_type="application/x-www-form-urlencoded")

    assert response.json()["parameters"]["columns"] == ["currency", "category"]


def test_live_key_creates_live_run(live_api):
    response, _ = create(live_api, {"report_type": "balance.summary.1", **SEPT})

    assert response.json()["livemode"] is True
    assert ReportRun.objects.get().livemode is True


@pytest.mark.parametrize(
    ("data", "status", "code", "param"),
    [
        ({**SEPT}, 400, "parameter_missing", "report_type"),
        (
            {"report_type": "balance.summary.1", "parameters[interval_end]": "1759276800"},
            400,
            "parameter_missing",
            "parameters[interval_start]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[foo]": "1"},
            400,
            "parameter_unknown",
            "parameters[foo]",
        ),
        ({"report_type": "balance.summary.1", **SEPT, "surprise": "1"}, 400, "parameter_unknown", "surprise"),
        (
            {"report_type": "payouts.itemized.1", **SEPT, "parameters[timezone]": "Etc/UTC"},
            400,
            "parameter_unknown",
            "parameters[timezone]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[interval_start]": "abc"},
            400,
            "parameter_invalid_integer",
            "parameters[interval_start]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[interval_start]": "-5"},
            400,
            "parameter_invalid_integer",
            "parameters[interval_start]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[interval_end]": "99999999999999"},
            400,
            "parameter_invalid_integer",
            "parameters[interval_end]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[interval_start][x]": "1"},
            400,
            None,
            "parameters[interval_start][x]",
        ),
        (
            {
                "report_type": "balance.summary.1",
                "parameters[interval_start]": "1759276800",
                "parameters[interval_end]": "1756684800",
            },
            400,
            None,
            "parameters[interval_end]",
        ),
        (
            {
                "report_type": "balance.summary.1",
                "parameters[interval_start]": "1700000000",
                "parameters[interval_end]": "1759276800",
            },
            400,
            None,
            "parameters[interval_start]",
        ),
        (
            {
                "report_type": "balance.summary.1",
                "parameters[interval_start]": "1756684800",
                "parameters[interval_end]": "1790000000",
            },
            400,
            None,
            "parameters[interval_end]",
        ),
        ({"report_type": "nope.summary.1", **SEPT}, 400, None, "report_type"),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[columns][0]": "bogus"},
            400,
            "parameter_invalid",
            "parameters[columns]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[timezone]": "Mars/Base"},
            400,
            None,
            "parameters[timezone]",
        ),
        (
            {"report_type": "balance.summary.1", **SEPT, "parameters[currency]": "xyz"},
            400,
            None,
            "parameters[currency]",
        ),
        ({"report_type": "", **SEPT}, 400, "parameter_invalid_empty", "report_type"),
        ({"report_type": "balance.summary.1", "parameters": "x"}, 400, None, "parameters"),
        ({"report_type": "balance.summary.1", **SEPT, "expand[0]": "nothing"}, 400, None, "expand"),
    ],
)
def test_bad_create_is_a_stripe_error_and_creates_nothing(api, data, status, code, param):
    response, delay = create(api, data)

    error = response.json()["error"]
    assert response.status_code == status
    assert error["type"] == "invalid_request_error"
    assert error.get("code") == code
    assert error["param"] == param
    assert error["message"]
    assert not ReportRun.objects.exists()
    delay.assert_not_called()


def test_interval_error_names_the_data_available_end(api):
    response, _ = create(
        api,
        {
            "report_type": "balance.summary.1",
            "parameters[interval_start]": "1756684800",
            "parameters[interval_end]": "1790000000",
        },
    )

    assert "data_available_end" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"report_type": "balance.summary.1"}', "application/json"),
        ("report_type=balance.summary.1&parameters[interval_start=1", "application/x-www-form-urlencoded"),
        ("a=1&a[b]=2", "application/x-www-form-urlencoded"),
        ("parameters[columns][]=a&parameters[columns][][x]=b", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_body_is_400(api, body, content_type):
    with mock.patch.object(tasks.run_report, "delay"):
        response = api.post(URL, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert not ReportRun.objects.exists()


def test_live_only_type_refused_with_test_key(api, live_api):
    ReportType.objects.filter(pk="balance.summary.1").update(live_only=True)

    test_response, _ = create(api, {"report_type": "balance.summary.1", **SEPT})
    live_response, _ = create(live_api, {"report_type": "balance.summary.1", **SEPT})

    assert test_response.status_code == 400
    assert "live-mode API key" in test_response.json()["error"]["message"]
    assert live_response.status_code == 200
    assert ReportRun.objects.get().livemode is True
