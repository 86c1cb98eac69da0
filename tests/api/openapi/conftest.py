"""Shared by the OpenAPI tests: the request that creates a run, and one of each object in each interesting state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from reporting import tasks
from reporting.models import ApiEvent, FileLink, ReportRun, WebhookEndpoint
from tests.factories import BalanceTransactionFactory, FileFactory, PayoutFactory, ReportRunFactory

JUNE_TO_OCTOBER = {
    "interval_start": int(datetime(2025, 6, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
ENDPOINT = {"url": "https://hooks.example.com/stripe", "enabled_events[]": ["*"]}
CREATE_RUN = {
    "report_type": "balance.summary.1",
    "parameters[interval_start]": JUNE_TO_OCTOBER["interval_start"],
    "parameters[interval_end]": JUNE_TO_OCTOBER["interval_end"],
}


@pytest.fixture
def no_broker():
    """Enqueues go nowhere (the view enqueues with delay_on_commit, which calls delay)."""
    with mock.patch.object(tasks.run_report, "delay") as delay:
        yield delay


@pytest.fixture
def anonymous():
    return Client()


@dataclass
class World:
    """One of each kind of object, in each interesting state."""

    pending: ReportRun
    succeeded: ReportRun
    failed: ReportRun
    link: FileLink
    expired_link: FileLink
    expired_file_id: str
    ids: dict[str, list[str]] = field(default_factory=dict)


def ledger_ids(account) -> dict[str, list[str]]:
    """A failed automatic payout with what it settled (a charge, its refund), its own and its failure's
    transactions, and a manual payout: after the runs' interval, so their reports do not change."""
    november = datetime(2025, 11, 3, tzinfo=UTC)
    failed = PayoutFactory(account=account, status="failed", created=november + timedelta(days=2))
    manual = PayoutFactory(account=account, automatic=False, created=november + timedelta(days=1))
    charge = {"charge_id": "ch_world", "customer_id": "cus_world", "customer_email": "ada@example.com"}
    rows = [
        BalanceTransactionFactory(account=account, created=november, source_id="ch_world", is_link=True, **charge),
        BalanceTransactionFactory(
            account=account,
            type="refund",
            reporting_category="refund",
            amount=-500,
            fee=0,
            created=november + timedelta(hours=1),
            source_id="re_world",
            automatic_payout=failed,
            **charge,
        ),
    ]
    for payout, kind, sign, days in (
        (failed, "payout", -1, 2),
        (failed, "payout_failure", 1, 5),
        (manual, "payout", -1, 1),
    ):
        rows.append(
            BalanceTransactionFactory(
                account=account,
                type=kind,
                reporting_category="payout" if kind == "payout" else "payout_reversal",
                amount=sign * payout.amount,
                fee=0,
                created=november + timedelta(days=days),
                source_id=payout.stripe_id,
                payout=payout,
            )
        )
    return {"id": [row.stripe_id for row in rows], "payout": [failed.stripe_id, manual.stripe_id]}


@pytest.fixture
def world(api, account, no_broker) -> World:
    pending = ReportRun.objects.get(pk=api.post("/v1/reporting/report_runs", CREATE_RUN).json()["id"])
    succeeded = ReportRun.objects.get(pk=api.post("/v1/reporting/report_runs", CREATE_RUN).json()["id"])
    tasks.run_report(succeeded.pk)  # generates the file in-process
    succeeded.refresh_from_db()
    failed = ReportRunFactory(account=account, parameters=JUNE_TO_OCTOBER)
    failed.mark_failed("No data for this interval.")
    link = FileLink.objects.get(pk=api.post("/v1/file_links", {"file": succeeded.result_id}).json()["id"])
    expired_link = FileLink.objects.create(
        account=account, file=succeeded.result, expires_at=timezone.now() - timedelta(days=1)
    )
    expired_file = FileFactory(account=account, expires_at=timezone.now() - timedelta(days=1))
    endpoint = WebhookEndpoint.objects.get(pk=api.post("/v1/webhook_endpoints", ENDPOINT).json()["id"])
    world = World(pending, succeeded, failed, link, expired_link, expired_file.id)
    world.ids = {
        "report_run": [pending.id, succeeded.id, failed.id],
        "report_type": ["balance.summary.1", "payouts.itemized.1", "balance_change_from_activity.itemized.1"],
        "file": [succeeded.result_id, expired_file.id],
        "link": [link.id, expired_link.id],
        "token": [link.token, expired_link.token],
        # The runs' events (the report types' too, had the ledger's availability moved).
        "event": list(ApiEvent.objects.filter(account=account).values_list("id", flat=True)),
        "webhook_endpoint": [endpoint.id],
        **ledger_ids(account),
    }
    return world
