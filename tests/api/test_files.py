from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reporting.models import Event, FileLink, report_storage
from tests.factories import FileFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

CSV = b'"category","net_amount"\n"activity","1.00"\n'


@pytest.fixture
def report_file(account):
    name = report_storage().save("t/report.csv", io.BytesIO(CSV))
    file = FileFactory(
        account=account, storage_name=name, size=len(CSV), filename="balance.summary.1_2025-09-01_2025-10-01.csv"
    )
    ReportRunFactory(account=account).mark_succeeded(result=file, row_count=1)
    return file


def test_file_object_has_stripes_fields(api, report_file):
    body = api.get(f"/v1/files/{report_file.id}").json()

    assert set(body) == {
        "id",
        "object",
        "created",
        "expires_at",
        "filename",
        "links",
        "purpose",
        "size",
        "title",
        "type",
        "url",
    }
    assert body["object"] == "file"
    assert body["type"] == "csv"
    assert body["size"] == len(CSV)
    assert body["links"] == {
        "object": "list",
        "data": [],
        "has_more": False,
        "url": f"/v1/file_links?file={report_file.id}",
    }


def test_files_list_filters_by_purpose(api, report_file):
    assert [f["id"] for f in api.get("/v1/files", {"purpose": "finance_report_run"}).json()["data"]] == [report_file.id]
    assert api.get("/v1/files", {"purpose": "dispute_evidence"}).json()["data"] == []


def test_contents_download_needs_a_key_and_streams_csv(api, report_file):
    url = api.get(f"/v1/files/{report_file.id}").json()["url"]

    anonymous = Client().get(url)
    response = api.get(url)

    assert anonymous.status_code == 401
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert b"".join(response.streaming_content) == CSV
    assert Event.objects.filter(action="file.downloaded", door="api", object_id=report_file.id).count() == 1


def test_expired_file_cannot_be_downloaded(api, report_file):
    report_file.expires_at = timezone.now() - timedelta(seconds=1)
    report_file.save()

    response = api.get(f"/v1/files/{report_file.id}/contents")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_file_link_gives_public_url_until_it_expires(api, report_file):
    link = api.post("/v1/file_links", {"file": report_file.id, "metadata[purpose]": "auditor"}).json()

    public = Client().get(link["url"])
    expired = api.post(f"/v1/file_links/{link['id']}", {"expires_at": "now"}).json()
    after = Client().get(link["url"])

    assert link["object"] == "file_link"
    assert link["file"] == report_file.id
    assert link["metadata"] == {"purpose": "auditor"}
    assert link["expired"] is False
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == CSV
    assert expired["expired"] is True
    assert expired["url"] is None
    assert after.status_code == 404


def test_file_link_with_future_expiry_and_expand(api, report_file):
    expires = int((timezone.now() + timedelta(days=1)).timestamp())

    link = api.post("/v1/file_links", {"file": report_file.id, "expires_at": expires, "expand[0]": "file"}).json()

    assert link["expires_at"] == expires
    assert link["file"]["id"] == report_file.id


@pytest.mark.parametrize(
    ("data", "param", "code"),
    [
        ({}, "file", "parameter_missing"),
        ({"file": "file_missing"}, "file", "resource_missing"),
        ({"file": "{id}", "expires_at": "100"}, "expires_at", None),
        ({"file": "{id}", "expires_at": "tomorrow"}, "expires_at", "parameter_invalid_integer"),
        ({"file": "{id}", "colour": "red"}, "colour", "parameter_unknown"),
        ({"file": "{id}", "metadata": "x"}, "metadata", None),
    ],
)
def test_bad_file_link_create_changes_nothing(api, report_file, data, param, code):
    data = {k: v.format(id=report_file.id) for k, v in data.items()}

    response = api.post("/v1/file_links", data)

    assert response.status_code in (400, 404)
    assert response.json()["error"]["param"] == param
    assert response.json()["error"].get("code") == code
    assert not FileLink.objects.exists()


def test_file_links_list_filters(api, account, report_file):
    live = api.post("/v1/file_links", {"file": report_file.id}).json()
    dead = api.post("/v1/file_links", {"file": report_file.id}).json()
    FileLink.objects.filter(pk=dead["id"]).update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))

    unexpired = api.get("/v1/file_links", {"expired": "false"}).json()["data"]
    expired = api.get("/v1/file_links", {"expired": "true", "file": report_file.id}).json()["data"]

    assert [link["id"] for link in unexpired] == [live["id"]]
    assert [link["id"] for link in expired] == [dead["id"]]


def test_file_object_lists_its_links(api, report_file):
    link = api.post("/v1/file_links", {"file": report_file.id}).json()

    body = api.get(f"/v1/files/{report_file.id}").json()

    assert [item["id"] for item in body["links"]["data"]] == [link["id"]]
