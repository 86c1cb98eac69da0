"""The broker can go away: runs accepted while Redis is down are created, answered as such, and queued when it is back."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from config.celery import app as celery_app
from reporting import embedded_redis, tasks
from reporting.models import ApiKey, ReportRun
from reporting.services import queues
from tests.api.conftest import ApiClient
from tests.conftest import use_broker
from tests.factories import BalanceTransactionFactory
from tests.workers import wait_until_terminal

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEPTEMBER = {"parameters[interval_start]": "1756684800", "parameters[interval_end]": "1759276800"}


class Broker:
    """A Redis of this test's own, on a unix socket, that the test kills and starts again."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.url = f"redis+socket://{socket}"
        self.process: Popen[bytes] | None = None

    def start(self) -> None:
        # Without persistence: a restart loses what was queued, the harder case.
        self.process = embedded_redis.start(self.socket, persist=False)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self) -> list[str]:
        """The run ids of the task messages waiting in the short queue (the summaries')."""
        with celery_app.connection_for_write() as conn:
            messages = conn.default_channel.client.lrange(queues.SHORT, 0, -1)
        # Celery's message: a JSON envelope around the base64 JSON body [args, kwargs, options].
        return [json.loads(base64.b64decode(json.loads(m)["body"]))[0][0] for m in messages]


@pytest.fixture
def broker(tmp_path, settings) -> Iterator[Broker]:
    broker = Broker(tmp_path / "redis.sock")
    broker.start()
    settings.CELERY_BROKER_URL = broker.url
    use_broker(celery_app, broker.url)
    yield broker
    use_broker(celery_app, "memory://")
    broker.kill()


@pytest.fixture
def september(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))
    return account


def test_api_run_accepted_while_redis_is_down_is_answered_and_runs_once_redis_is_back(september, broker, caplog):
    api = ApiClient(ApiKey.issue(account=september, livemode=False)[1])
    enqueue_log = logging.getLogger("reporting.services.enqueue")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
        broker.kill()
        enqueue_log.addHandler(caplog.handler)  # the worker took the root logger's handlers
        try:
            response = api.post("/v1/reporting/report_runs", {"report_type": "balance.summary.1", **SEPTEMBER})
        finally:
            enqueue_log.removeHandler(caplog.handler)

        assert response.status_code == 200, response.content
        run = ReportRun.objects.get()
        assert response.json()["id"] == run.id
        assert response.json()["status"] == "pending"
        assert run.enqueued_at is None  # not queued: the reaper's to send
        assert f"Report run {run.id} was not queued, the broker is unreachable" in caplog.text

        broker.start()  # empty: it lost nothing it ever had, the run was never queued
        counts = tasks.reap_report_runs()
        # The worker started before the outage reconnects and runs it.
        run = wait_until_terminal(run.pk)

    assert counts["requeued"] == 1
    assert run.status == "succeeded", run.error
    assert run.attempts == 1


def test_dashboard_run_accepted_while_redis_is_down_is_listed_and_queued_once_redis_is_back(
    september, analyst, client, broker
):
    client.force_login(analyst)
    broker.kill()

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
    run = ReportRun.objects.get()
    assert run.id in client.get(response["Location"]).content.decode()
    broker.start()
    assert broker.queued() == []
    tasks.reap_report_runs()
    assert broker.queued() == [run.id]
    tasks.reap_report_runs()  # queued now: not again until REPORT_REQUEUE_AFTER
    assert broker.queued() == [run.id]
