"""Submit → real Celery worker on real Redis → file → succeeded → download."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reporting.models import ReportRun
from tests.factories import BalanceTransactionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_until_terminal(run_id: str, timeout: float = 30) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if run.is_terminal:
            return run
        time.sleep(0.1)
    raise AssertionError(f"{run_id} still pending after {timeout}s")


def test_submit_runs_on_real_worker_and_downloads(client, analyst, account, celery_worker, report_files):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 2, tzinfo=UTC), amount=5000, fee=0)
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, 8, tzinfo=UTC), amount=1000, fee=59)
    client.force_login(analyst)

    response = client.post(
        reverse("reporting:run-create"),
        {
            "report_type": "balance.summary.1",
            "start_date": "2025-09-01",
            "end_date": "2025-09-30",
            "timezone": "Etc/UTC",
        },
    )
    assert response.status_code == 302
    run = wait_until_terminal(ReportRun.objects.get().id)
    download = client.get(reverse("reporting:run-download", args=[run.id]))

    assert run.status == "succeeded", run.error
    assert run.row_count == 8
    body = b"".join(download.streaming_content).decode()
    assert body.splitlines()[0] == '"category","description","net_amount","currency"'
    assert '"starting_balance","Starting balance (2025-09-01)","50.00","usd"' in body
    assert '"ending_balance","Ending balance (2025-09-30)","59.41","usd"' in body
    assert run.result.size == len(body.encode())
    assert report_files.holds(run.result.storage_name)  # in the bucket on the S3 leg (tests/report_storage.py)
