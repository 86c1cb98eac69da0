from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from reporting import tasks
from reporting.models import Event, IdempotencyKey, ReportRun, ReportType
from reporting.parameters import ParametersForm
from tests.api.conftest import ApiClient
from tests.factories import BalanceTransactionFactory, FileFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

URL = "/v1/reporting/report_runs"
SEPT = {"parameters[interval_start]": "1756684800", "parameters[interval_end]": "1759276800"}


def create(api, data, **headers):
    with mock.patch.object(tasks.run_report, "delay") as delay:
        response = api.post(URL, data, headers=headers)
    return response, delay


# Create


def test_create_returns_pending_run_and_echoes_parameters(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response, delay = create(
            api,
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
            None,
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


# Retrieve and list


def test_retrieve_succeeded_run_embeds_file(api, account):
    run = ReportRunFactory(account=account)
    run.mark_succeeded(result=FileFactory(account=account, size=42), row_count=3)

    body = api.get(f"{URL}/{run.id}?expand[0]=result").json()

    assert body["status"] == "succeeded"
    assert body["succeeded_at"] == int(run.succeeded_at.timestamp())
    assert body["result"]["object"] == "file"
    assert body["result"]["size"] == 42
    assert body["result"]["purpose"] == "finance_report_run"
    assert body["result"]["url"] == f"http://testserver/v1/files/{run.result.id}/contents"


def test_retrieve_failed_run_has_error(api, account):
    run = ReportRunFactory(account=account)
    run.mark_failed("No data")

    body = api.get(f"{URL}/{run.id}").json()

    assert (body["status"], body["error"], body["result"]) == ("failed", "No data", None)


def test_retrieve_unknown_id_is_resource_missing(api):
    response = api.get(f"{URL}/frr_missing")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "param": "id",
        "message": "No such report run: 'frr_missing'",
    }


@pytest.fixture
def runs(account):
    base = datetime(2025, 10, 1, tzinfo=UTC)
    # Two runs share each second so ties are broken by id.
    return [ReportRunFactory(account=account, created=base + timedelta(seconds=i // 2)) for i in range(25)]


def ordered(runs):
    return sorted(runs, key=lambda r: (r.created, r.id), reverse=True)


def test_list_is_newest_first_with_default_limit(api, runs):
    body = api.get(URL).json()

    assert body["object"] == "list"
    assert body["url"] == "/v1/reporting/report_runs"
    assert [r["id"] for r in body["data"]] == [r.id for r in ordered(runs)[:10]]
    assert body["has_more"] is True


def test_list_pages_forward_and_backward_without_gaps(api, runs):
    expected = [r.id for r in ordered(runs)]
    seen, cursor = [], None
    while True:
        params = {"limit": 7, **({"starting_after": cursor} if cursor else {})}
        page = api.get(URL, params).json()
        seen += [r["id"] for r in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    back, cursor = [], expected[-1]
    while cursor:
        page = api.get(URL, {"limit": 6, "ending_before": cursor}).json()
        back = [r["id"] for r in page["data"]] + back
        cursor = page["data"][0]["id"] if page["has_more"] else None

    assert seen == expected
    assert back == expected[:-1]


def test_has_more_is_exact_at_the_boundary(api, account):
    for i in range(3):
        ReportRunFactory(account=account, created=datetime(2025, 10, 1, 0, 0, i, tzinfo=UTC))

    assert api.get(URL, {"limit": 3}).json()["has_more"] is False
    assert api.get(URL, {"limit": 2}).json()["has_more"] is True


def test_list_created_filters(api, runs):
    t = int(runs[10].created.timestamp())

    exact = {r["id"] for r in api.get(URL, {"created": t, "limit": 100}).json()["data"]}
    gte = {r["id"] for r in api.get(URL, {"created[gte]": t, "limit": 100}).json()["data"]}
    gt_lt = {r["id"] for r in api.get(URL, {"created[gt]": t, "created[lt]": t + 3, "limit": 100}).json()["data"]}
    lte = {r["id"] for r in api.get(URL, {"created[lte]": t, "limit": 100}).json()["data"]}

    assert exact == {r.id for r in runs if int(r.created.timestamp()) == t}
    assert gte == {r.id for r in runs if int(r.created.timestamp()) >= t}
    assert gt_lt == {r.id for r in runs if t < int(r.created.timestamp()) < t + 3}
    assert lte == {r.id for r in runs if int(r.created.timestamp()) <= t}


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"limit": "0"}, "limit", "parameter_invalid_integer"),
        ({"limit": "101"}, "limit", "parameter_invalid_integer"),
        ({"limit": "ten"}, "limit", "parameter_invalid_integer"),
        ({"starting_after": "frr_a", "ending_before": "frr_b"}, "ending_before", "parameters_exclusive"),
        ({"starting_after": "frr_missing"}, "starting_after", "resource_missing"),
        ({"created[between]": "1"}, "created[between]", "parameter_unknown"),
        ({"created": "soon"}, "created", "parameter_invalid_integer"),
        ({"colour": "red"}, "colour", "parameter_unknown"),
    ],
)
def test_bad_list_params_are_stripe_errors(api, params, param, code):
    response = api.get(URL, params)

    assert response.status_code in (400, 404)
    assert response.json()["error"]["param"] == param
    assert response.json()["error"].get("code") == code


def test_list_query_count_does_not_grow_with_page_size(api, account, django_assert_max_num_queries):
    for _ in range(30):
        run = ReportRunFactory(account=account)
        run.mark_succeeded(result=FileFactory(account=account), row_count=1)

    with django_assert_max_num_queries(8):
        body = api.get(URL, {"limit": 30}).json()

    assert len(body["data"]) == 30


# Idempotency


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
