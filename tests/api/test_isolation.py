"""No key reaches another account's data, nor the other mode's: every id path says resource_missing."""

from __future__ import annotations

import io

import pytest

from reporting.models import ApiKey, FileLink, report_storage
from tests.api.conftest import ApiClient
from tests.factories import AccountFactory, FileFactory, ReportRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(account):
    """A succeeded test-mode run of `account`, with its file and a file link."""
    name = report_storage().save("t/x.csv", io.BytesIO(b'"a"\n'))
    file = FileFactory(account=account, storage_name=name, size=4)
    run = ReportRunFactory(account=account)
    run.mark_succeeded(result=file, row_count=1)
    link = FileLink.objects.create(account=account, livemode=False, file=file)
    return {"run": run.id, "file": file.id, "link": link.id}


PATHS = [
    ("get", "/v1/reporting/report_runs/{run}", {}),
    ("get", "/v1/files/{file}", {}),
    ("get", "/v1/files/{file}/contents", {}),
    ("get", "/v1/file_links/{link}", {}),
    ("post", "/v1/file_links/{link}", {"metadata[a]": "b"}),
    ("post", "/v1/file_links", {"file": "{file}"}),
    ("get", "/v1/reporting/report_runs", {"starting_after": "{run}"}),
    ("get", "/v1/reporting/report_runs", {"ending_before": "{run}"}),
    ("get", "/v1/files", {"starting_after": "{file}"}),
    ("get", "/v1/files", {"ending_before": "{file}"}),
    ("get", "/v1/file_links", {"starting_after": "{link}"}),
    ("get", "/v1/file_links", {"ending_before": "{link}"}),
]


@pytest.mark.parametrize("whose", ["other-account", "other-mode"])
@pytest.mark.parametrize(("method", "path", "params"), PATHS)
def test_ids_outside_the_keys_account_and_mode_are_resource_missing(account, target, whose, method, path, params):
    owner = AccountFactory() if whose == "other-account" else account
    secret = ApiKey.issue(account=owner, livemode=whose == "other-mode")[1]
    url = path.format(**target)
    data = {k: v.format(**target) for k, v in params.items()}

    response = getattr(ApiClient(secret), method)(url, data)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert set(response.json()) == {"error"}  # an error, never data
    assert FileLink.objects.count() == 1


@pytest.mark.parametrize("whose", ["other-account", "other-mode"])
@pytest.mark.parametrize("path", ["/v1/reporting/report_runs", "/v1/files", "/v1/file_links"])
def test_lists_hold_only_the_keys_account_and_mode(account, target, whose, path):
    owner = AccountFactory() if whose == "other-account" else account
    secret = ApiKey.issue(account=owner, livemode=whose == "other-mode")[1]

    body = ApiClient(secret).get(path).json()

    assert body["data"] == []
