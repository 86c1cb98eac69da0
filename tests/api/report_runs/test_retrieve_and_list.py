"""Retrieving and listing report runs: embedded files, errors, cursors both ways, created filters, query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import FileFactory, ReportRunFactory

from .conftest import URL

pytestmark = pytest.mark.django_db


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
