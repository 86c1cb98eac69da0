"""Files and file links through the client: the run's file, link lifecycle, expiry, public links, nested lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
import stripe

from reporting.models import File, FileLink

from .conftest import LINK_KEYS, create_params, finish, unix

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_run_result_is_also_a_file_in_files_api(sc, succeeded_run):
    file = sc.v1.files.retrieve(succeeded_run.result.id)
    listed = sc.v1.files.list({"purpose": "finance_report_run"})
    expanded = sc.v1.reporting.report_runs.retrieve(succeeded_run.id, {"expand": ["result"]})
    runs = sc.v1.reporting.report_runs.list({"expand": ["data.result"]})

    assert isinstance(file, stripe.File)
    assert file.to_dict() == succeeded_run.result.to_dict()
    assert listed.url == "/v1/files"
    assert [f.id for f in listed.data] == [file.id]
    assert expanded.result.id == file.id
    assert [r.id for r in runs.data] == [succeeded_run.id]
    assert runs.data[0].result.id == file.id


def test_file_link_lifecycle(sc, succeeded_run, test_secret):
    file_id = succeeded_run.result.id
    authed = requests.get(succeeded_run.result.url, auth=(test_secret, ""), timeout=10)

    link = sc.v1.file_links.create({"file": file_id, "metadata": {"order": "42"}})
    public = requests.get(link.url, timeout=10)
    listed = sc.v1.file_links.list({"file": file_id})
    fetched = sc.v1.file_links.retrieve(link.id)
    not_expired = sc.v1.file_links.list({"expired": False})
    expired_link = sc.v1.file_links.update(link.id, {"expires_at": "now"})
    after = requests.get(link.url, timeout=10)
    refetched = sc.v1.file_links.retrieve(link.id)
    with pytest.raises(stripe.InvalidRequestError) as frozen:
        sc.v1.file_links.update(link.id, {"metadata": {"a": "b"}})
    expired_list = sc.v1.file_links.list({"expired": True})

    assert isinstance(link, stripe.FileLink)
    assert set(link.to_dict()) == LINK_KEYS
    assert link.id.startswith("link_")
    assert link.file == file_id
    assert link.expired is False
    assert link.expires_at is None
    assert link.livemode is False
    assert link.metadata.to_dict() == {"order": "42"}
    assert public.status_code == 200
    assert public.content == authed.content
    assert listed.url == "/v1/file_links"
    assert [item.id for item in listed.data] == [link.id]
    assert fetched.url == link.url
    assert [item.id for item in not_expired.data] == [link.id]
    assert expired_link.expired is True
    assert expired_link.url is None
    assert type(expired_link.expires_at) is int
    assert after.status_code == 404
    assert after.json()["error"]["type"] == "invalid_request_error"
    assert refetched.expired is True
    assert [item.id for item in expired_list.data] == [link.id]
    assert frozen.value.http_status == 400


def test_file_link_with_future_expiry_and_expanded_file(sc, succeeded_run):
    expires_at = unix(datetime.now(UTC) + timedelta(days=1))

    link = sc.v1.file_links.create({"file": succeeded_run.result.id, "expires_at": expires_at, "expand": ["file"]})
    updated = sc.v1.file_links.update(link.id, {"metadata": {"a": "b"}})
    with_links = sc.v1.files.retrieve(succeeded_run.result.id, {"expand": ["links"]})

    assert link.expires_at == expires_at
    assert isinstance(link.file, stripe.File)
    assert link.file.id == succeeded_run.result.id
    assert updated.metadata.to_dict() == {"a": "b"}
    assert updated.expires_at == expires_at
    assert [item.id for item in with_links.links.data] == [link.id]
    assert with_links.links.url == f"/v1/file_links?file={succeeded_run.result.id}"


def test_file_link_errors(sc, succeeded_run):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sc.v1.file_links.create({})
    with pytest.raises(stripe.InvalidRequestError) as unknown_file:
        sc.v1.file_links.create({"file": "file_nope"})
    with pytest.raises(stripe.InvalidRequestError) as past:
        sc.v1.file_links.create({"file": succeeded_run.result.id, "expires_at": 1})

    assert (missing.value.http_status, missing.value.code, missing.value.param) == (400, "parameter_missing", "file")
    assert (unknown_file.value.http_status, unknown_file.value.code) == (404, "resource_missing")
    assert unknown_file.value.param == "file"
    assert (past.value.http_status, past.value.param) == (400, "expires_at")
    assert FileLink.objects.count() == 0


def test_nested_links_list_pages_through_its_own_url(sc, succeeded_run):
    links = [sc.v1.file_links.create({"file": succeeded_run.result.id}) for _ in range(12)]

    file = sc.v1.files.retrieve(succeeded_run.result.id, {"expand": ["links"]})
    ids = [link.id for link in file.links.auto_paging_iter()]

    assert len(file.links.data) == 10
    assert file.links.has_more is True
    assert ids == [link.id for link in reversed(links)]


def test_unsetting_link_metadata_and_expiry(sc, succeeded_run):
    expires_at = unix(datetime.now(UTC) + timedelta(days=1))
    link = sc.v1.file_links.create({"file": succeeded_run.result.id, "metadata": {"a": "1"}, "expires_at": expires_at})

    cleared = sc.v1.file_links.update(link.id, {"metadata": "", "expires_at": ""})

    assert cleared.metadata.to_dict() == {}
    assert cleared.expires_at is None
    assert cleared.expired is False


def test_expired_file_is_no_longer_downloadable(sc, succeeded_run, test_secret):
    link = sc.v1.file_links.create({"file": succeeded_run.result.id})
    File.objects.filter(pk=succeeded_run.result.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    file = sc.v1.files.retrieve(succeeded_run.result.id)
    contents = requests.get(file.url, auth=(test_secret, ""), timeout=10)
    public = requests.get(link.url, timeout=10)

    assert file.expires_at <= unix(datetime.now(UTC))
    assert contents.status_code == 404
    assert contents.json()["error"]["code"] == "resource_missing"
    assert public.status_code == 404


def test_legacy_file_link_modify_and_list(legacy, in_process_tasks):
    run = finish(
        in_process_tasks, stripe.reporting.ReportRun.retrieve, stripe.reporting.ReportRun.create(**create_params()).id
    )
    link = stripe.FileLink.create(file=run.result.id)

    expired = stripe.FileLink.modify(link.id, expires_at="now")
    listed = stripe.FileLink.list(file=run.result.id)
    files = stripe.File.list(purpose="finance_report_run")

    assert expired.expired is True
    assert expired.url is None
    assert [item.id for item in listed.data] == [link.id]
    assert all(isinstance(f, stripe.File) for f in files.data)
    assert [f.id for f in files.data] == [run.result.id]
    assert requests.get(link.url, timeout=10).status_code == 404


def test_public_link_responses_carry_a_request_id(sc, succeeded_run):
    """Facts §3: `Request-Id` is present on every response, the files host's included."""
    link = sc.v1.file_links.create({"file": succeeded_run.result.id})

    found = requests.get(link.url, timeout=10)
    missing = requests.get(link.url + "x", timeout=10)

    assert found.status_code == 200
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"
    assert found.headers.get("Request-Id", "").startswith("req_")
    assert missing.headers.get("Request-Id", "").startswith("req_")


def test_public_link_answers_other_methods_with_a_json_error(sc, succeeded_run):
    """Facts §2.9: errors on the files host use the normal JSON error envelope."""
    link = sc.v1.file_links.create({"file": succeeded_run.result.id})

    posted = requests.post(link.url, timeout=10)

    assert posted.status_code in (404, 405)
    assert posted.headers["Content-Type"] == "application/json"
    assert posted.json()["error"]["type"] == "invalid_request_error"


def test_nested_expand_through_file_links_is_accepted(sc, succeeded_run):
    """Facts §1.3/§3: `links` is expandable on a file, and expand paths may be up to 4 levels deep."""
    link = sc.v1.file_links.create({"file": succeeded_run.result.id})

    run = sc.v1.reporting.report_runs.retrieve(succeeded_run.id, {"expand": ["result.links"]})
    runs = sc.v1.reporting.report_runs.list({"expand": ["data.result.links"]})
    fetched = sc.v1.file_links.retrieve(link.id, {"expand": ["file.links"]})

    assert [item.id for item in run.result.links.data] == [link.id]
    assert [item.id for item in runs.data[0].result.links.data] == [link.id]
    assert [item.id for item in fetched.file.links.data] == [link.id]
