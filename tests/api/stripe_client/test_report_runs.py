"""Report types and runs through the client: listed, created, run, and downloaded three ways."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import stripe
from django.urls import reverse

from reporting.models import ReportRun
from reporting.reports import REPORT_TYPES, ReportError
from reporting.reports.balance import BalanceSummary

from .conftest import (
    AVAILABLE_END,
    AVAILABLE_START,
    FILE_KEYS,
    PAYOUT,
    RUN_KEYS,
    SEPTEMBER,
    TYPE_KEYS,
    TYPES,
    create_params,
    finish,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def parameters_for(report_type: str) -> dict[str, Any]:
    """September's interval, or what the type asks for instead (a payout, or only the end)."""
    required = REPORT_TYPES[report_type].required
    if "payout" in required:
        return {"payout": PAYOUT}
    return {k: v for k, v in SEPTEMBER.items() if k in required}


@pytest.fixture
def dashboard(client, analyst):
    client.force_login(analyst)
    return client


def wait_for(retrieve: Callable[[str], Any], run_id: str, timeout: float = 30) -> Any:
    """The run once the real worker has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = retrieve(run_id)
        if run.status != "pending":
            return run
        time.sleep(0.1)
    raise AssertionError(f"{run_id} still pending after {timeout}s")


def dashboard_bytes(dashboard, run_id: str) -> bytes:
    response = dashboard.get(reverse("reporting:run-download", args=[run_id]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# Report types


def test_report_types_list_and_retrieve_with_client(sc):
    listed = sc.v1.reporting.report_types.list()
    retrieved = {t: sc.v1.reporting.report_types.retrieve(t) for t in TYPES}

    assert isinstance(listed, stripe.ListObject)
    assert listed.url == "/v1/reporting/report_types"
    assert listed.has_more is False
    assert sorted(t.id for t in listed.data) == sorted(TYPES)
    for report_type in [*listed.data, *retrieved.values()]:
        assert isinstance(report_type, stripe.reporting.ReportType)
        assert set(report_type.to_dict()) == TYPE_KEYS
        assert report_type.object == "reporting.report_type"
        assert report_type.data_available_start == AVAILABLE_START
        assert report_type.data_available_end == AVAILABLE_END
        assert type(report_type.data_available_start) is int
        assert type(report_type.updated) is int
        assert report_type.livemode is False
        assert report_type.version == int(report_type.id.rsplit(".", 1)[1])
    assert retrieved["balance.summary.1"].default_columns == ["category", "description", "net_amount", "currency"]


def test_report_types_with_legacy_api(legacy):
    listed = stripe.reporting.ReportType.list()
    retrieved = stripe.reporting.ReportType.retrieve("payouts.itemized.1")

    assert sorted(t.id for t in listed.auto_paging_iter()) == sorted(TYPES)
    assert all(isinstance(t, stripe.reporting.ReportType) for t in listed.data)
    assert isinstance(retrieved, stripe.reporting.ReportType)
    assert (retrieved.data_available_start, retrieved.data_available_end) == (AVAILABLE_START, AVAILABLE_END)


# Runs, downloaded three ways


RUN_CASES = [
    *((report_type, {}) for report_type in TYPES),
    ("balance.summary.1", {"columns": ["currency", "net_amount", "category"]}),
    ("balance.summary.1", {"timezone": "America/New_York"}),
    (
        "balance_change_from_activity.itemized.3",
        {
            "timezone": "Asia/Kolkata",
            "decimal_separator": ",",
            "columns": ["created", "created_utc", "gross", "payment_metadata[order_id]", "is_link"],
        },
    ),
]


@pytest.mark.parametrize(("report_type", "extra"), RUN_CASES)
def test_run_succeeds_and_downloads_same_bytes(
    sc, live_server, test_secret, dashboard, in_process_tasks, report_type, extra
):
    parameters = {**parameters_for(report_type), **extra}

    created = sc.v1.reporting.report_runs.create({"report_type": report_type, "parameters": parameters})
    run = finish(in_process_tasks, sc.v1.reporting.report_runs.retrieve, created.id)
    basic = requests.get(run.result.url, auth=(test_secret, ""), timeout=10)
    bearer = requests.get(run.result.url, headers={"Authorization": f"Bearer {test_secret}"}, timeout=10)
    from_dashboard = dashboard_bytes(dashboard, run.id)

    assert isinstance(created, stripe.reporting.ReportRun)
    assert created.status == "pending"
    assert created.result is None
    assert created.succeeded_at is None
    assert created.error is None
    assert created.livemode is False
    assert created.report_type == report_type
    assert created.parameters.to_dict() == parameters
    assert isinstance(run, stripe.reporting.ReportRun)
    assert set(run.to_dict()) == RUN_KEYS
    assert set(run.result.to_dict()) == FILE_KEYS
    assert run.status == "succeeded", run.error
    assert type(run.succeeded_at) is int
    assert isinstance(run.result, stripe.File)
    assert run.result.object == "file"
    assert run.result.id.startswith("file_")
    assert run.result.purpose == "finance_report_run"
    assert run.result.type == "csv"
    assert run.result.url == f"{live_server.url}/v1/files/{run.result.id}/contents"
    assert basic.status_code == 200
    assert basic.headers["Content-Type"].startswith("text/csv")
    assert bearer.status_code == 200
    assert basic.content == bearer.content == from_dashboard
    assert len(basic.content) == run.result.size
    header = basic.content.decode().splitlines()[0]
    if "columns" in extra:
        assert header == ",".join(f'"{c}"' for c in extra["columns"])


def test_legacy_api_runs_downloads_and_links(legacy, dashboard, celery_worker, report_files):
    """End to end: the run travels through real Redis to a real worker."""
    created = stripe.reporting.ReportRun.create(report_type="payouts.itemized.1", parameters=SEPTEMBER)
    run = wait_for(stripe.reporting.ReportRun.retrieve, created.id)
    listed = stripe.reporting.ReportRun.list(limit=5)
    file = stripe.File.retrieve(run.result.id)
    link = stripe.FileLink.create(file=file.id)
    downloaded = requests.get(file.url, auth=(legacy, ""), timeout=10)
    public = requests.get(link.url, timeout=10)

    assert isinstance(created, stripe.reporting.ReportRun)
    assert run.status == "succeeded", run.error
    assert isinstance(run.result, stripe.File)
    assert [r.id for r in listed.data] == [run.id]
    assert isinstance(file, stripe.File)
    assert file.purpose == "finance_report_run"
    assert isinstance(link, stripe.FileLink)
    assert link.file == file.id
    assert link.expired is False
    assert downloaded.status_code == 200
    assert public.status_code == 200
    assert downloaded.content == public.content == dashboard_bytes(dashboard, run.id)
    assert len(downloaded.content) == file.size
    assert downloaded.content.startswith(b'"payout_id",')
    assert report_files.holds(ReportRun.objects.get(pk=run.id).result.storage_name)  # the S3 leg's bucket


def test_failed_run_on_the_worker(sc, celery_worker, monkeypatch):
    """End to end: the worker (a thread of this process, so the patch reaches it) fails the run."""

    def refuse(self, params, out, watcher):
        raise ReportError("Too much data for one file.")

    monkeypatch.setattr(BalanceSummary, "write", refuse)

    created = sc.v1.reporting.report_runs.create(create_params())
    run = wait_for(sc.v1.reporting.report_runs.retrieve, created.id)

    assert run.status == "failed"
    assert run.error == "Too much data for one file."
    assert run.result is None
    assert run.succeeded_at is None
