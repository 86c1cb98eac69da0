"""The real `stripe` package (16.x) against the live server, both client styles.

Runs execute in-process (`in_process_tasks`): these tests are about what the client
sees. Two of them, a success and a failure, go through real Redis and a real worker.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import stripe
from django.urls import reverse

from reporting.models import ApiKey, File, FileLink, ReportRun, ReportType
from reporting.reports import REPORT_TYPES, ReportError
from reporting.reports.balance import BalanceSummary
from tests.conftest import InProcessTasks
from tests.factories import BalanceTransactionFactory, PayoutFactory, ReportRunFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TYPES = tuple(REPORT_TYPES)  # every implemented type
# The ledger below starts on 2025-01-02 10:00 UTC; the account's watermark is 2025-12-01.
AVAILABLE_START = int(datetime(2025, 1, 2, tzinfo=UTC).timestamp())
AVAILABLE_END = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())
SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}

PAYOUT = "po_1SeptemberBooks"


def parameters_for(report_type: str) -> dict[str, Any]:
    """September's interval, or what the type asks for instead (a payout, or only the end)."""
    required = REPORT_TYPES[report_type].required
    if "payout" in required:
        return {"payout": PAYOUT}
    return {k: v for k, v in SEPTEMBER.items() if k in required}


# Live mode's only transaction is on 2025-02-01.
LIVE_INTERVAL = {"interval_start": int(datetime(2025, 2, 1, tzinfo=UTC).timestamp()), "interval_end": AVAILABLE_END}

# Every key the facts list for each object (nullable ones included).
RUN_KEYS = {
    "id",
    "object",
    "created",
    "error",
    "livemode",
    "parameters",
    "report_type",
    "result",
    "status",
    "succeeded_at",
}
TYPE_KEYS = {
    "id",
    "object",
    "data_available_end",
    "data_available_start",
    "default_columns",
    "livemode",
    "name",
    "updated",
    "version",
}
FILE_KEYS = {"id", "object", "created", "expires_at", "filename", "links", "purpose", "size", "title", "type", "url"}
LINK_KEYS = {"id", "object", "created", "expired", "expires_at", "file", "livemode", "metadata", "url"}


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def create_params(**overrides: Any) -> dict[str, Any]:
    """A valid create request for September's balance summary, with `overrides` applied."""
    return {"report_type": "balance.summary.1", "parameters": {**SEPTEMBER}, **overrides}


# Fixtures


@pytest.fixture
def books(account):
    """Charges, a fee and an automatic payout in test mode; one charge in live mode."""
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 2, 10, tzinfo=UTC), amount=5000, fee=0)
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, 8, tzinfo=UTC), amount=1000, fee=59)
    BalanceTransactionFactory(
        account=account,
        created=datetime(2025, 9, 11, 9, tzinfo=UTC),
        amount=2500,
        fee=103,
        currency="eur",
        description='Order "7", café',
    )
    payout = PayoutFactory(account=account, stripe_id=PAYOUT, amount=4000, created=datetime(2025, 9, 12, tzinfo=UTC))
    BalanceTransactionFactory(
        account=account,
        type="payout",
        reporting_category="payout",
        amount=-4000,
        fee=0,
        created=payout.created,
        effective_at=payout.effective_at,
        description="STRIPE PAYOUT",
        payout=payout,
    )
    BalanceTransactionFactory(account=account, livemode=True, created=datetime(2025, 2, 1, tzinfo=UTC))
    return account


def make_client(live_server, secret: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret, base_addresses={"api": live_server.url, "files": live_server.url}, max_network_retries=0
    )


@pytest.fixture
def sc(live_server, test_secret, books) -> stripe.StripeClient:
    return make_client(live_server, test_secret)


@pytest.fixture
def live_sc(live_server, live_secret, books) -> stripe.StripeClient:
    return make_client(live_server, live_secret)


@pytest.fixture
def legacy(monkeypatch, live_server, test_secret, books) -> str:
    """Point the module-level API at the live server; monkeypatch restores the globals."""
    monkeypatch.setattr(stripe, "api_key", test_secret)
    monkeypatch.setattr(stripe, "api_base", live_server.url)
    monkeypatch.setattr(stripe, "upload_api_base", live_server.url)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return test_secret


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


def finish(queued: InProcessTasks, retrieve: Callable[[str], Any], run_id: str) -> Any:
    """Run the one task the create queued, here, and read the run back through the client."""
    assert queued.run_queued() == 1
    run = retrieve(run_id)
    assert run.status != "pending"
    return run


def dashboard_bytes(dashboard, run_id: str) -> bytes:
    response = dashboard.get(reverse("reporting:run-download", args=[run_id]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def succeeded_run(sc, in_process_tasks):
    """One finished balance.summary.1 run for September, read back through the client."""
    created = sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": SEPTEMBER})
    run = finish(in_process_tasks, sc.v1.reporting.report_runs.retrieve, created.id)
    assert run.status == "succeeded", run.error
    return run


# 1. Report types


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


def test_live_key_sees_live_availability(live_sc):
    report_type = live_sc.v1.reporting.report_types.retrieve("balance.summary.1")

    assert report_type.livemode is True
    assert report_type.data_available_start == unix(datetime(2025, 2, 1, tzinfo=UTC))
    assert report_type.data_available_end == AVAILABLE_END


# 2. Runs, downloaded three ways


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


def test_legacy_api_runs_downloads_and_links(legacy, dashboard, celery_worker):
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


def test_file_download_needs_a_key_of_the_same_mode(sc, succeeded_run, live_secret):
    anonymous = requests.get(succeeded_run.result.url, timeout=10)
    live = requests.get(succeeded_run.result.url, auth=(live_secret, ""), timeout=10)

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["type"] == "invalid_request_error"
    assert live.status_code == 404
    assert live.json()["error"]["code"] == "resource_missing"


# 3. Pagination


@pytest.fixture
def many_runs(account) -> list[ReportRun]:
    """260 test-mode runs, one per second, oldest first."""
    base = datetime(2025, 6, 1, tzinfo=UTC)
    return [ReportRunFactory(account=account, created=base + timedelta(seconds=i)) for i in range(260)]


def test_auto_paging_forward_sees_every_run_newest_first(sc, many_runs):
    listed = sc.v1.reporting.report_runs.list({"limit": 100})

    ids = [run.id for run in listed.auto_paging_iter()]

    assert listed.has_more is True
    assert listed.url == "/v1/reporting/report_runs"
    assert len(ids) == len(set(ids)) == 260
    assert ids == [run.id for run in reversed(many_runs)]


def test_auto_paging_backward_from_the_oldest(sc, many_runs):
    listed = sc.v1.reporting.report_runs.list({"limit": 100, "ending_before": many_runs[0].id})

    ids = [run.id for run in listed.auto_paging_iter()]

    assert len(ids) == len(set(ids)) == 259
    assert ids == [run.id for run in many_runs[1:]]


def test_auto_paging_with_the_legacy_api(legacy, many_runs):
    ids = [run.id for run in stripe.reporting.ReportRun.list(limit=100).auto_paging_iter()]

    assert ids == [run.id for run in reversed(many_runs)]


def test_created_filters(sc, many_runs):
    pivot = many_runs[200]
    t = unix(pivot.created)

    gte = [r.id for r in sc.v1.reporting.report_runs.list({"created": {"gte": t}, "limit": 7}).auto_paging_iter()]
    gt = [r.id for r in sc.v1.reporting.report_runs.list({"created": {"gt": t}, "limit": 100}).auto_paging_iter()]
    window = sc.v1.reporting.report_runs.list({"created": {"gte": t - 5, "lt": t}, "limit": 100})
    exact = sc.v1.reporting.report_runs.list({"created": t})

    assert gte == [r.id for r in reversed(many_runs[200:])]
    assert gt == [r.id for r in reversed(many_runs[201:])]
    assert [r.id for r in window.data] == [r.id for r in reversed(many_runs[195:200])]
    assert [r.id for r in exact.data] == [pivot.id]
    assert exact.has_more is False


def test_created_filters_on_runs_created_through_the_api(sc):
    run = sc.v1.reporting.report_runs.create(create_params())

    exact = sc.v1.reporting.report_runs.list({"created": run.created})
    lte = sc.v1.reporting.report_runs.list({"created": {"lte": run.created}})
    lt = sc.v1.reporting.report_runs.list({"created": {"lt": run.created}})
    gt = sc.v1.reporting.report_runs.list({"created": {"gt": run.created}})

    assert [r.id for r in exact.data] == [run.id]
    assert [r.id for r in lte.data] == [run.id]
    assert lt.data == []
    assert gt.data == []


def test_has_more_is_exact_at_the_page_boundary(sc, account):
    base = datetime(2025, 6, 1, tzinfo=UTC)
    runs = [ReportRunFactory(account=account, created=base + timedelta(seconds=i)) for i in range(3)]

    exactly_three = sc.v1.reporting.report_runs.list({"limit": 3})
    oldest = ReportRunFactory(account=account, created=base - timedelta(seconds=1))
    four = sc.v1.reporting.report_runs.list({"limit": 3})
    after_last = sc.v1.reporting.report_runs.list({"limit": 3, "starting_after": runs[0].id})
    before_oldest = sc.v1.reporting.report_runs.list({"limit": 3, "ending_before": oldest.id})

    assert [r.id for r in exactly_three.data] == [r.id for r in reversed(runs)]
    assert exactly_three.has_more is False
    assert four.has_more is True
    assert len(after_last.data) == 1
    assert after_last.has_more is False
    assert [r.id for r in before_oldest.data] == [r.id for r in reversed(runs)]
    assert before_oldest.has_more is False


def test_paging_through_runs_created_in_the_same_second(sc, account):
    same = datetime(2025, 6, 1, tzinfo=UTC)
    runs = [ReportRunFactory(account=account, created=same) for _ in range(25)]
    newest = ReportRunFactory(account=account, created=same + timedelta(seconds=1))

    forward = [r.id for r in sc.v1.reporting.report_runs.list({"limit": 4}).auto_paging_iter()]
    backward = [
        r.id for r in sc.v1.reporting.report_runs.list({"limit": 4, "ending_before": forward[-1]}).auto_paging_iter()
    ]

    assert forward[0] == newest.id
    assert sorted(forward) == sorted([r.id for r in runs] + [newest.id])
    assert len(set(forward)) == 26
    assert backward == list(reversed(forward[:-1]))


# 4. Errors


CREATE_ERRORS = [
    pytest.param({}, "parameter_missing", "report_type", id="missing-report-type"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "foo": "bar"}),
        "parameter_unknown",
        "parameters[foo]",
        id="unknown-param",
    ),
    pytest.param(create_params(foo="bar"), "parameter_unknown", "foo", id="unknown-top-level-param"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_start": "abc"}),
        "parameter_invalid_integer",
        "parameters[interval_start]",
        id="interval-start-not-integer",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_end": AVAILABLE_END + 1}),
        None,
        "parameters[interval_end]",
        id="interval-end-after-availability",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_start": AVAILABLE_START - 1}),
        None,
        "parameters[interval_start]",
        id="interval-start-before-availability",
    ),
    pytest.param(
        create_params(
            parameters={"interval_start": SEPTEMBER["interval_end"], "interval_end": SEPTEMBER["interval_start"]}
        ),
        None,
        "parameters[interval_end]",
        id="interval-reversed",
    ),
    pytest.param(create_params(report_type="balance.nope.1"), None, "report_type", id="unknown-report-type"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "columns": ["category", "nope"]}),
        None,
        "parameters[columns]",
        id="unknown-column",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "timezone": "Mars/Olympus"}),
        None,
        "parameters[timezone]",
        id="unknown-timezone",
    ),
    pytest.param(
        create_params(parameters={"interval_start": SEPTEMBER["interval_start"]}),
        "parameter_missing",
        "parameters[interval_end]",
        id="missing-interval-end",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={}),
        "parameter_missing",
        "parameters[payout]",
        id="by-id-without-payout",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={"payout": "po_nope"}),
        None,
        "parameters[payout]",
        id="unknown-payout",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={"payout": PAYOUT, **SEPTEMBER}),
        "parameter_unknown",
        "parameters[interval_start]",
        id="by-id-takes-no-interval",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "payout": PAYOUT}),
        "parameter_unknown",
        "parameters[payout]",
        id="payout-on-a-type-without-it",
    ),
    pytest.param(
        create_params(report_type="ending_balance_reconciliation.itemized.1", parameters=SEPTEMBER),
        "parameter_unknown",
        "parameters[interval_start]",
        id="ending-balance-takes-only-the-end",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.1", parameters={**SEPTEMBER, "decimal_separator": ";"}
        ),
        None,
        "parameters[decimal_separator]",
        id="bad-decimal-separator",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "decimal_separator": ","}),
        "parameter_unknown",
        "parameters[decimal_separator]",
        id="decimal-separator-on-a-summary",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.1",
            parameters={**SEPTEMBER, "columns": ["balance_transaction_id", "payment_metadata[order]"]},
        ),
        None,
        "parameters[columns]",
        id="metadata-column-on-version-1",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.2",
            parameters={**SEPTEMBER, "columns": ["balance_transaction_id", "created"]},
        ),
        None,
        "parameters[columns]",
        id="local-time-column-on-a-utc-version",
    ),
]


@pytest.mark.parametrize(("params", "code", "param"), CREATE_ERRORS)
def test_create_errors_raise_invalid_request_error(sc, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.create(params)

    error = caught.value
    assert error.http_status == 400
    assert error.param == param
    if code is not None:
        assert error.code == code
    assert error.error.type == "invalid_request_error"
    assert error.request_id.startswith("req_")
    assert ReportRun.objects.count() == 0


@pytest.mark.parametrize("where", ["manual", "other-account", "live-mode"])
def test_by_id_names_only_an_automatic_payout_of_the_keys_account_and_mode(sc, books, where):
    payout = {
        "manual": lambda: PayoutFactory(account=books, automatic=False),
        "other-account": lambda: PayoutFactory(),
        "live-mode": lambda: PayoutFactory(account=books, livemode=True),
    }[where]()

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.create(
            {"report_type": "payout_reconciliation.by_id.itemized.1", "parameters": {"payout": payout.stripe_id}}
        )

    assert caught.value.param == "parameters[payout]"
    assert f"No such automatic payout: '{payout.stripe_id}'" in caught.value.user_message
    assert ReportRun.objects.count() == 0


def test_interval_may_span_exactly_the_available_data(sc):
    whole = {"interval_start": AVAILABLE_START, "interval_end": AVAILABLE_END}

    run = sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": whole})

    assert run.parameters.to_dict() == whole


def test_create_error_with_the_legacy_api(legacy):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.reporting.ReportRun.create(report_type="balance.summary.1", parameters={**SEPTEMBER, "foo": "1"})

    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "parameters[foo]")
    assert ReportRun.objects.count() == 0


def test_unknown_ids_are_resource_missing(sc):
    calls = {
        "report run": lambda: sc.v1.reporting.report_runs.retrieve("frr_nope"),
        "report type": lambda: sc.v1.reporting.report_types.retrieve("nope.1"),
        "file": lambda: sc.v1.files.retrieve("file_nope"),
        "file link": lambda: sc.v1.file_links.retrieve("link_nope"),
    }

    for name, call in calls.items():
        with pytest.raises(stripe.InvalidRequestError) as caught:
            call()
        assert caught.value.http_status == 404, name
        assert (caught.value.code, caught.value.param) == ("resource_missing", "id"), name
        assert "No such" in caught.value.user_message, name


def test_legacy_retrieve_of_unknown_run(legacy):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.reporting.ReportRun.retrieve("frr_nope")

    assert caught.value.http_status == 404
    assert (caught.value.code, caught.value.param) == ("resource_missing", "id")


def test_invalid_key_is_authentication_error(live_server, books):
    bad = make_client(live_server, "sk_test_" + "x" * 48)

    with pytest.raises(stripe.AuthenticationError) as caught:
        bad.v1.reporting.report_runs.create(create_params())

    assert caught.value.http_status == 401
    assert ReportRun.objects.count() == 0


def test_revoked_key_is_authentication_error(live_server, account, books):
    key, secret = ApiKey.issue(account=account, livemode=False)
    key.revoke()
    revoked = make_client(live_server, secret)

    with pytest.raises(stripe.AuthenticationError) as caught:
        revoked.v1.reporting.report_runs.create(create_params())
    with pytest.raises(stripe.AuthenticationError):
        revoked.v1.reporting.report_runs.list()

    assert caught.value.http_status == 401
    assert ReportRun.objects.count() == 0


@pytest.fixture
def live_only_payouts():
    ReportType.objects.filter(pk="payouts.itemized.1").update(live_only=True)
    yield
    ReportType.objects.filter(pk="payouts.itemized.1").update(live_only=False)


def test_live_only_type_needs_a_live_key(sc, live_sc, live_only_payouts):
    with pytest.raises(stripe.InvalidRequestError) as on_create:
        sc.v1.reporting.report_runs.create(create_params(report_type="payouts.itemized.1"))
    with pytest.raises(stripe.InvalidRequestError) as on_retrieve:
        sc.v1.reporting.report_types.retrieve("payouts.itemized.1")
    test_types = [t.id for t in sc.v1.reporting.report_types.list().data]
    live_types = [t.id for t in live_sc.v1.reporting.report_types.list().data]
    live_run = live_sc.v1.reporting.report_runs.create(
        {"report_type": "payouts.itemized.1", "parameters": LIVE_INTERVAL}
    )

    for caught in (on_create, on_retrieve):
        assert caught.value.http_status == 400
        assert caught.value.param == "report_type"
        assert re.search(r"live[- ]mode", caught.value.user_message, re.IGNORECASE)
    assert "payouts.itemized.1" not in test_types
    assert "payouts.itemized.1" in live_types
    assert live_run.livemode is True
    assert ReportRun.objects.filter(livemode=False).count() == 0


@pytest.mark.parametrize(
    ("params", "param"),
    [
        pytest.param({"limit": 101}, "limit", id="limit-101"),
        pytest.param({"limit": 0}, "limit", id="limit-0"),
        pytest.param({"limit": "ten"}, "limit", id="limit-not-integer"),
        pytest.param({"created": {"after": 1}}, "created[after]", id="created-unknown-operator"),
        pytest.param({"starting_after": "frr_nope"}, "starting_after", id="unknown-cursor"),
    ],
)
def test_list_errors(sc, params, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.list(params)

    assert caught.value.http_status in (400, 404)
    assert caught.value.param == param


def test_both_cursors_are_refused(sc, account):
    first, second = (ReportRunFactory(account=account) for _ in range(2))

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.list({"starting_after": first.id, "ending_before": second.id})

    assert caught.value.http_status == 400
    assert caught.value.code == "parameters_exclusive"


# 5. Idempotent retries


def test_idempotent_create_with_client(sc):
    params = create_params()

    first = sc.v1.reporting.report_runs.create(params, options={"idempotency_key": "k1"})
    again = sc.v1.reporting.report_runs.create(params, options={"idempotency_key": "k1"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        sc.v1.reporting.report_runs.create(
            create_params(report_type="payouts.itemized.1"), options={"idempotency_key": "k1"}
        )

    assert again.id == first.id
    assert again.to_dict() == first.to_dict()
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert ReportRun.objects.count() == 1
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"


def test_idempotent_create_with_legacy_api(legacy):
    first = stripe.reporting.ReportRun.create(idempotency_key="k1", **create_params())
    again = stripe.reporting.ReportRun.create(idempotency_key="k1", **create_params())
    with pytest.raises(stripe.IdempotencyError):
        stripe.reporting.ReportRun.create(
            idempotency_key="k1", **create_params(parameters={**SEPTEMBER, "currency": "usd"})
        )

    assert again.id == first.id
    assert ReportRun.objects.count() == 1


def test_idempotency_keys_are_per_mode(sc, live_sc):
    live_params = create_params(parameters=LIVE_INTERVAL)

    test_run = sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "shared"})
    live_run = live_sc.v1.reporting.report_runs.create(live_params, options={"idempotency_key": "shared"})

    assert test_run.id != live_run.id
    assert (test_run.livemode, live_run.livemode) == (False, True)
    assert ReportRun.objects.count() == 2


def test_refused_request_does_not_burn_its_key(sc):
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.reporting.report_runs.create(create_params(report_type="nope.1"), options={"idempotency_key": "k2"})

    run = sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "k2"})

    assert run.status == "pending"
    assert ReportRun.objects.count() == 1


# 6. File links


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


# 7. Modes


def test_each_mode_sees_only_its_own_runs(sc, live_sc, account):
    test_runs = [ReportRunFactory(account=account, livemode=False) for _ in range(3)]
    live_runs = [ReportRunFactory(account=account, livemode=True) for _ in range(2)]

    seen_by_test = {r.id for r in sc.v1.reporting.report_runs.list({"limit": 100}).auto_paging_iter()}
    seen_by_live = {r.id for r in live_sc.v1.reporting.report_runs.list({"limit": 100}).auto_paging_iter()}
    with pytest.raises(stripe.InvalidRequestError) as cross:
        sc.v1.reporting.report_runs.retrieve(live_runs[0].id)
    with pytest.raises(stripe.InvalidRequestError) as cross_cursor:
        sc.v1.reporting.report_runs.list({"starting_after": live_runs[0].id})

    assert seen_by_test == {r.id for r in test_runs}
    assert seen_by_live == {r.id for r in live_runs}
    assert cross.value.http_status == 404
    assert cross.value.code == "resource_missing"
    assert cross_cursor.value.http_status == 404


def test_live_key_file_is_hidden_from_test_key(sc, live_sc, live_secret, in_process_tasks):
    created = live_sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": LIVE_INTERVAL})
    run = finish(in_process_tasks, live_sc.v1.reporting.report_runs.retrieve, created.id)
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        sc.v1.files.retrieve(run.result.id)
    live_download = requests.get(run.result.url, auth=(live_secret, ""), timeout=10)

    assert run.status == "succeeded", run.error
    assert run.livemode is True
    assert hidden.value.http_status == 404
    assert sc.v1.files.list().data == []
    assert [f.id for f in live_sc.v1.files.list().data] == [run.result.id]
    assert live_download.status_code == 200
    assert len(live_download.content) == run.result.size


# Edges of the contract


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


def test_idempotency_key_reused_on_another_endpoint(sc, succeeded_run):
    sc.v1.file_links.create({"file": succeeded_run.result.id}, options={"idempotency_key": "k3"})

    with pytest.raises(stripe.IdempotencyError) as caught:
        sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "k3"})

    assert caught.value.http_status == 400
    assert ReportRun.objects.count() == 1  # only the fixture's run


def test_response_headers_and_unknown_urls(sc, live_server, test_secret, succeeded_run):
    run = sc.v1.reporting.report_runs.retrieve(succeeded_run.id)
    basic = requests.get(f"{live_server.url}/v1/reporting/report_runs", auth=(test_secret, ""), timeout=10)
    with pytest.raises(stripe.InvalidRequestError) as unknown_url:
        sc.raw_request("get", "/v1/reporting/nope")

    assert run.last_response.headers["Stripe-Version"] == stripe.api_version
    assert run.last_response.request_id.startswith("req_")
    assert unknown_url.value.http_status == 404
    assert "Unrecognized request URL" in unknown_url.value.user_message
    assert basic.status_code == 200
    assert [r["id"] for r in basic.json()["data"]] == [succeeded_run.id]


def test_created_filter_accepts_datetimes_and_pages_backward(sc, many_runs):
    pivot = many_runs[250]

    forward = sc.v1.reporting.report_runs.list({"created": {"gte": pivot.created}, "limit": 4})
    backward = sc.v1.reporting.report_runs.list(
        {"created": {"gte": pivot.created}, "limit": 4, "ending_before": many_runs[200].id}
    )

    assert [r.id for r in forward.auto_paging_iter()] == [r.id for r in reversed(many_runs[250:])]
    assert [r.id for r in backward.auto_paging_iter()] == [r.id for r in many_runs[250:]]


def test_failed_run_on_the_worker(sc, celery_worker, monkeypatch):
    """End to end: the worker (a thread of this process, so the patch reaches it) fails the run."""

    def refuse(self, params, out):
        raise ReportError("Too much data for one file.")

    monkeypatch.setattr(BalanceSummary, "write", refuse)

    created = sc.v1.reporting.report_runs.create(create_params())
    run = wait_for(sc.v1.reporting.report_runs.retrieve, created.id)

    assert run.status == "failed"
    assert run.error == "Too much data for one file."
    assert run.result is None
    assert run.succeeded_at is None


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


def test_concurrent_twins_with_one_idempotency_key_create_one_run(sc):
    def attempt(_: int) -> str:
        try:
            return sc.v1.reporting.report_runs.create(create_params(), options={"idempotency_key": "twin"}).id
        except stripe.APIError as error:  # 409: the twin is still in flight
            return f"{error.http_status}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))

    run_ids = {o for o in outcomes if o.startswith("frr_")}
    assert ReportRun.objects.count() == 1
    assert run_ids == {ReportRun.objects.get().id}
    assert set(outcomes) - run_ids <= {"409"}
