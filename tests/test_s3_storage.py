"""Report files in a real S3 server (SeaweedFS): written to the bucket, never to a local disk, and served back
through every door with the same access check, streamed or by a short-lived presigned URL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from reporting import tasks
from reporting.models import ApiKey, File, ReportRun, report_storage
from reporting.services import storage, uploads
from tests.factories import BalanceTransactionFactory, ReportRunFactory
from tests.report_storage import KIND, ReportFiles
from tests.s3 import S3Server

pytestmark = pytest.mark.django_db

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}


@pytest.fixture
def bucket(s3_server: S3Server, settings: Any, tmp_path: Path) -> str:
    """Report storage under a fresh prefix of the bucket; the local files root a directory that must stay absent."""
    location = f"reports-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, "reports": s3_server.storage(location)}
    settings.REPORT_FILES_ROOT = tmp_path / "files"
    settings.REPORT_STORAGE_PROBE_SECONDS = 0
    return location


def itemized_run(account: Any, rows: int) -> ReportRun:
    for n in range(rows):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, tzinfo=UTC) + timedelta(minutes=n))
    return ReportRunFactory(
        account=account, report_type_id="balance_change_from_activity.itemized.1", parameters=SEPTEMBER
    )


def test_a_run_s_file_is_written_to_the_bucket_and_streamed_back_by_the_api(
    account: Any, bucket: str, s3_server: S3Server, client: Any, tmp_path: Path
) -> None:
    run = itemized_run(account, rows=40)
    tasks.run_report(run.pk)

    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert run.result is not None
    key = f"{bucket}/{run.result.storage_name}"
    stored = s3_server.client().get_object(Bucket=s3_server.bucket, Key=key)["Body"].read()
    assert stored.count(b"\n") == 41
    assert s3_server.keys(bucket) == [key]
    assert not (tmp_path / "files").exists()  # nothing on the web's or the worker's disk

    secret = ApiKey.issue(account=account, livemode=False)[1]
    response = client.get(f"/v1/files/{run.result.id}/contents", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == stored
    assert response["Content-Length"] == str(len(stored))  # sized from the file's row: not chunked
    other = ApiKey.issue(account=ReportRunFactory().account, livemode=False)[1]
    assert client.get(f"/v1/files/{run.result.id}/contents", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_redirect_mode_hands_out_a_short_lived_presigned_url_after_the_same_check(
    account: Any, bucket: str, settings: Any, live_server: Any
) -> None:
    settings.REPORT_DOWNLOADS = "redirect"
    run = itemized_run(account, rows=3)
    tasks.run_report(run.pk)
    run.refresh_from_db()
    assert run.result is not None
    secret = ApiKey.issue(account=account, livemode=False)[1]
    url = f"{live_server.url}/v1/files/{run.result.id}/contents"

    first = requests.get(url, auth=(secret, ""), allow_redirects=False, timeout=10)
    assert first.status_code == 302
    assert "X-Amz-Signature=" in first.headers["Location"]
    assert "X-Amz-Expires=60" in first.headers["Location"]
    # As Stripe's clients fetch `file.url`: with the key, following the redirect (which drops the key).
    followed = requests.get(url, auth=(secret, ""), timeout=10)
    assert followed.status_code == 200
    assert followed.content.count(b"\n") == 4
    assert followed.headers["Content-Disposition"].startswith("attachment")
    assert requests.get(url, timeout=10, allow_redirects=False).status_code == 401


def test_an_unreachable_bucket_fails_runs_in_words_and_healthz_says_so(
    account: Any, s3_server: S3Server, settings: Any, client: Any
) -> None:
    nowhere = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.STORAGES = {**settings.STORAGES, "reports": s3_server.storage("reports", endpoint=nowhere)}
    settings.REPORT_STORAGE_PROBE_SECONDS = 0
    run = itemized_run(account, rows=2)

    tasks.run_report(run.pk)
    health = client.get("/healthz")

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error.startswith(f'Report storage failed: Could not connect to the endpoint URL: "{nowhere}/')
    assert "The report's file was not saved" in run.error
    assert not File.objects.exists()
    assert health.status_code == 503
    assert health.json()["storage"].startswith("error: Report storage failed: Could not connect to the endpoint")


def uploads_in_progress(s3_server: S3Server, prefix: str) -> list[str]:
    listed = s3_server.client().list_multipart_uploads(Bucket=s3_server.bucket, Prefix=prefix)
    return [u["Key"] for u in listed.get("Uploads", [])]


MiB = 1 << 20


def test_a_small_file_is_one_put(bucket: str, s3_server: S3Server) -> None:
    upload = uploads.Upload("acct/small.csv")
    upload.write(b"a,b\n")
    assert uploads_in_progress(s3_server, bucket) == []  # held until committed: one request, no upload to abort
    upload.commit()
    stored = s3_server.client().get_object(Bucket=s3_server.bucket, Key=f"{bucket}/acct/small.csv")
    assert (stored["Body"].read(), stored["ContentType"]) == (b"a,b\n", "text/csv")


def test_a_file_is_uploaded_in_parts_as_it_is_written_and_appears_only_when_whole(
    bucket: str, s3_server: S3Server
) -> None:
    upload = uploads.Upload("acct/big.csv")
    chunks = [bytes([n]) * MiB for n in range(12)]  # more than two 5 MiB parts
    for chunk in chunks[:7]:
        upload.write(chunk)

    key = f"{bucket}/acct/big.csv"
    assert uploads_in_progress(s3_server, bucket) == [key]  # a part is up, before the file is done
    assert s3_server.keys(bucket) == []  # and nobody can read a partial file
    for chunk in chunks[7:]:
        upload.write(chunk)
    assert upload.commit() == "acct/big.csv"

    stored = s3_server.client().get_object(Bucket=s3_server.bucket, Key=key)
    assert stored["ContentLength"] == 12 * MiB
    assert stored["Body"].read() == b"".join(chunks)
    assert uploads_in_progress(s3_server, bucket) == []


def test_an_aborted_or_abandoned_upload_leaves_nothing_in_the_bucket(bucket: str, s3_server: S3Server) -> None:
    aborted = uploads.Upload("acct/aborted.csv")
    for _ in range(6):
        aborted.write(bytes(MiB))
    aborted.abort()
    abandoned = uploads.Upload("acct/abandoned.csv")  # its worker killed mid-write, past its first part
    abandoned.write(bytes(6 * MiB))
    assert uploads_in_progress(s3_server, bucket) == [f"{bucket}/acct/abandoned.csv"]

    storage.discard_leftovers("acct/abandoned.csv")  # what a takeover does for the dead attempt's name

    assert uploads_in_progress(s3_server, bucket) == []
    assert s3_server.keys(bucket) == []


# The suite's own report storage (tests/report_storage.py): the bucket on .ci/run's S3 leg, the disk elsewhere.


def test_the_suite_keeps_report_files_where_report_test_storage_says(account: Any, report_files: ReportFiles) -> None:
    run = itemized_run(account, rows=2)
    tasks.run_report(run.pk)

    run.refresh_from_db()
    assert run.result is not None
    assert report_files.kind == KIND
    assert isinstance(report_storage(), S3Storage if report_files.kind == "s3" else FileSystemStorage)
    assert report_files.holds(run.result.storage_name)  # asked of the bucket (or the disk) itself
    assert not report_files.holds(f"{run.result.storage_name}.missing")
    assert report_files.names() == [run.result.storage_name]  # this test's prefix holds its file alone


@pytest.mark.local_storage
def test_a_local_storage_test_keeps_the_disk_on_every_leg(report_files: ReportFiles, tmp_path: Path) -> None:
    assert report_files.kind == "local"
    assert isinstance(report_storage(), FileSystemStorage)
    assert report_files.root == tmp_path / "files"
