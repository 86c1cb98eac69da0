"""Shared by the stripe client tests: the books, a client per key and style, and one finished run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from reporting.reports import REPORT_TYPES
from tests.conftest import InProcessTasks
from tests.factories import BalanceTransactionFactory, PayoutFactory

TYPES = tuple(REPORT_TYPES)  # every implemented type
# The ledger below starts on 2025-01-02 10:00 UTC; the account's watermark is 2025-12-01.
AVAILABLE_START = int(datetime(2025, 1, 2, tzinfo=UTC).timestamp())
AVAILABLE_END = int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())
SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}

PAYOUT = "po_1SeptemberBooks"

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


# Runs execute in-process (`in_process_tasks`): these tests are about what the client sees.
# Two of them, a success and a failure, go through real Redis and a real worker (test_report_runs.py).


def finish(queued: InProcessTasks, retrieve: Callable[[str], Any], run_id: str) -> Any:
    """Run the one task the create queued, here, and read the run back through the client."""
    assert queued.run_queued() == 1
    run = retrieve(run_id)
    assert run.status != "pending"
    return run


@pytest.fixture
def succeeded_run(sc, in_process_tasks):
    """One finished balance.summary.1 run for September, read back through the client."""
    created = sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": SEPTEMBER})
    run = finish(in_process_tasks, sc.v1.reporting.report_runs.retrieve, created.id)
    assert run.status == "succeeded", run.error
    return run
