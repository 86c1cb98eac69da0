"""Contract: files and file links through the test client, every answer checked against the document."""

from __future__ import annotations

import time

import pytest

from reporting.models import FileLink

from .conformance import conforms, error_of

pytestmark = pytest.mark.django_db


# Files


def test_list_files(api, world):
    response = api.get("/v1/files", {"purpose": "finance_report_run", "expand[]": "data.links"})

    page = conforms(response).json
    assert {f["id"] for f in page["data"]} == {world.succeeded.result_id, world.expired_file_id}


def test_retrieve_file_with_its_links(api, world):
    response = api.get(f"/v1/files/{world.succeeded.result_id}", {"expand[]": "links"})

    file = conforms(response).json
    assert file["links"]["url"] == f"/v1/file_links?file={world.succeeded.result_id}"
    assert {link["id"] for link in file["links"]["data"]} == {world.link.id, world.expired_link.id}


def test_file_contents_are_csv(api, world):
    response = api.get(f"/v1/files/{world.succeeded.result_id}/contents")

    exchange = conforms(response)
    assert exchange.status == 200
    assert exchange.body.startswith(b'"category","description","net_amount","currency"\n')


@pytest.mark.parametrize("which", ["missing", "expired"])
def test_file_contents_of_missing_or_expired_file_are_404(api, world, which):
    file_id = {"missing": "file_missing", "expired": world.expired_file_id}[which]

    response = api.get(f"/v1/files/{file_id}/contents")

    assert error_of(response, 404)["code"] == "resource_missing"


def test_retrieve_missing_file_is_404(api):
    response = api.get("/v1/files/file_missing")

    assert error_of(response, 404)["param"] == "id"


def test_files_need_a_key(anonymous, world):
    listing = anonymous.get("/v1/files")
    contents = anonymous.get(f"/v1/files/{world.succeeded.result_id}/contents")

    error_of(listing, 401)
    error_of(contents, 401)


# File links


def test_create_file_link_with_metadata_and_expiry(api, world):
    expires_at = int(time.time()) + 3600

    response = api.post(
        "/v1/file_links",
        {"file": world.succeeded.result_id, "expires_at": expires_at, "metadata[order]": "42", "expand[]": "file"},
    )

    link = conforms(response).json
    assert link["expires_at"] == expires_at
    assert link["metadata"] == {"order": "42"}
    assert link["file"]["id"] == world.succeeded.result_id
    assert link["url"].startswith("http")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "parameter_missing"),
        ({"file": "file_missing"}, 404, "resource_missing"),
        ({"file": "FILE", "expires_at": "1"}, 400, None),
        ({"file": "FILE", "metadata[k]": "x" * 501}, 400, None),
        ({"file": "FILE", "metadata[a][b]": "x"}, 400, None),
        ({"file": "FILE", "url": "x"}, 400, "parameter_unknown"),
        ({"file": "EXPIRED_FILE"}, 400, None),
    ],
)
def test_create_file_link_rejects_bad_parameters(api, world, body, status, code):
    ids = {"FILE": world.succeeded.result_id, "EXPIRED_FILE": world.expired_file_id}
    body = {k: ids.get(v, v) for k, v in body.items()}
    before = FileLink.objects.count()

    response = api.post("/v1/file_links", body)

    assert error_of(response, status).get("code") == code
    assert FileLink.objects.count() == before


@pytest.mark.parametrize(
    "query",
    [{}, {"expired": "true"}, {"expired": "false"}, {"file": "FILE"}, {"limit": "1", "expand[]": "data.file"}],
)
def test_list_file_links(api, world, query):
    query = {k: (world.succeeded.result_id if v == "FILE" else v) for k, v in query.items()}

    response = api.get("/v1/file_links", query)

    page = conforms(response).json
    if query.get("expired") == "true":
        assert [link["id"] for link in page["data"]] == [world.expired_link.id]
        assert page["data"][0]["url"] is None


def test_retrieve_file_link(api, world):
    response = api.get(f"/v1/file_links/{world.link.id}", {"expand[]": "file"})

    assert conforms(response).json["file"]["object"] == "file"


def test_update_file_link(api, world):
    response = api.post(f"/v1/file_links/{world.link.id}", {"metadata[a]": "1", "expires_at": "now"})

    link = conforms(response).json
    assert link["expired"] is True
    assert link["url"] is None


def test_update_expired_file_link_is_400(api, world):
    response = api.post(f"/v1/file_links/{world.expired_link.id}", {"metadata[a]": "1"})

    assert error_of(response, 400)["param"] == "id"


def test_update_missing_file_link_is_404(api):
    response = api.post("/v1/file_links/link_missing", {"metadata[a]": "1"})

    assert error_of(response, 404)["code"] == "resource_missing"


def test_public_link_serves_the_file_without_a_key(anonymous, world):
    response = anonymous.get(f"/links/{world.link.token}")

    exchange = conforms(response)
    assert exchange.status == 200
    assert exchange.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("which", ["expired", "unknown"])
def test_public_link_expired_or_unknown_is_404(anonymous, world, which):
    token = {"expired": world.expired_link.token, "unknown": "nope"}[which]

    response = anonymous.get(f"/links/{token}")

    assert error_of(response, 404)["code"] == "resource_missing"
