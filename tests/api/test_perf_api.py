"""The API's hot paths: what they answer, and in how few queries, whatever the number of links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reporting.api import serializers
from reporting.models import ApiKey, FileLink, ReportRun
from tests.api.conftest import ApiClient
from tests.factories import AccountFactory, FileFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

URL = "/v1/reporting/report_runs"
BASE = datetime(2025, 10, 1, tzinfo=UTC)


def plain_body(client, run_id):
    """The run loaded without prefetching, so the serializer reads the file's links itself."""
    run = ReportRun.objects.get(pk=run_id)
    request = client.get("/v1/does-not-matter").wsgi_request
    return serializers.report_run_dict(request, run)


def succeeded_run(account, links=0, livemode=False):
    run = ReportRunFactory(account=account, livemode=livemode, parameters={"interval_start": 1, "interval_end": 86400})
    result = FileFactory(account=account, livemode=livemode, size=1234, expires_at=BASE + timedelta(days=30))
    run.mark_succeeded(result=result, row_count=7)
    for i in range(links):
        FileLink.objects.create(
            account=account,
            livemode=livemode,
            file=result,
            created=BASE + timedelta(seconds=i // 2),  # ties: broken by id
            expires_at=None if i % 3 else BASE + timedelta(days=1),
            metadata={"n": str(i)},
        )
    return run


@pytest.mark.parametrize("links", [0, 1, 10, 11, 13])
def test_by_id_answers_what_an_unprefetched_run_would(api, account, links):
    run = succeeded_run(account, links)

    body = api.get(f"{URL}/{run.id}").json()

    assert body == plain_body(api, run.id)
    shown = body["result"]["links"]
    assert len(shown["data"]) == min(links, 10)
    assert shown["has_more"] is (links > 10)
    expected = list(FileLink.objects.filter(file_id=run.result_id).order_by("-created", "-id")[:10])
    assert [link["id"] for link in shown["data"]] == [link.id for link in expected]


def test_by_id_of_pending_and_failed_runs(api, account):
    pending = ReportRunFactory(account=account)
    failed = ReportRunFactory(account=account)
    failed.mark_failed("No data")

    for run in (pending, failed):
        assert api.get(f"{URL}/{run.id}").json() == plain_body(api, run.id)


@pytest.mark.parametrize(("links", "queries"), [(None, 2), (0, 3), (3, 3), (13, 3)])
def test_by_id_queries(api, account, django_assert_num_queries, links, queries):
    # The key (and its account), the run with its file, the file's newest links.
    run = ReportRunFactory(account=account) if links is None else succeeded_run(account, links)
    api.get(f"{URL}/{run.id}")  # records the key's last use

    with django_assert_num_queries(queries):
        response = api.get(f"{URL}/{run.id}")

    assert response.status_code == 200


def test_by_id_never_shows_another_accounts_or_modes_run(api, account):
    other = succeeded_run(AccountFactory(), links=1)
    live = succeeded_run(account, links=1, livemode=True)

    for run in (other, live):
        response = api.get(f"{URL}/{run.id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "resource_missing"


def test_revoked_key_fails_on_the_next_by_id_request(account, test_secret, ledger):
    run = succeeded_run(account)
    api = ApiClient(test_secret)
    assert api.get(f"{URL}/{run.id}").status_code == 200

    ApiKey.objects.get().revoke()
    response = api.get(f"{URL}/{run.id}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_expired"


def test_unknown_key_on_by_id_is_401_before_404(ledger):
    response = ApiClient("sk_test_" + "x" * 48).get(f"{URL}/frr_missing")

    assert response.status_code == 401


def test_bad_params_on_by_id_are_400_after_auth(api, account):
    run = succeeded_run(account)

    response = api.get(f"{URL}/{run.id}", {"colour": "blue"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "colour"


@pytest.mark.parametrize(
    ("url", "expand", "file_of"),
    [
        ("/v1/reporting/report_runs", "data.result", lambda run: run["result"]),
        ("/v1/files", "data.links", lambda file: file),
        ("/v1/file_links", "data.file", lambda link: link["file"]),
    ],
)
def test_lists_show_newest_links_in_constant_queries(api, account, django_assert_num_queries, url, expand, file_of):
    files = [succeeded_run(account, links=n).result for n in (0, 2, 11, 13)]
    api.get(url)  # records the key's last use
    with django_assert_num_queries(3):  # the key, the page, the newest links of its files
        api.get(url, {"limit": 2, "expand[]": expand})

    with django_assert_num_queries(3):
        body = api.get(url, {"limit": 100, "expand[]": expand}).json()

    shown = {file_of(item)["id"]: file_of(item)["links"] for item in body["data"]}
    for file in files:
        newest = list(FileLink.objects.filter(file=file).order_by("-created", "-id").values_list("id", flat=True))
        if file.pk in shown:  # a file without links is in no list of links
            assert [link["id"] for link in shown[file.pk]["data"]] == newest[:10]
            assert shown[file.pk]["has_more"] is (len(newest) > 10)
    assert len(shown) == (3 if url == "/v1/file_links" else 4)
