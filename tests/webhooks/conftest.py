"""A receiver on 127.0.0.1, endpoints pointing at it, and finished runs whose events they are sent."""

from __future__ import annotations

import pytest

from reporting.models import ApiEvent, Door, WebhookDelivery
from reporting.services import Caller, webhooks
from tests.factories import ReportRunFactory

from .receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def system(account) -> Caller:
    return Caller(account, False, Door.SYSTEM)


@pytest.fixture
def endpoint(system, receiver):
    """An endpoint for every event type, at the receiver; its secret rides along as `.plain_secret`."""
    endpoint, secret = webhooks.create_endpoint(system, url=receiver.url, enabled_events=["*"])
    endpoint.plain_secret = secret
    return endpoint


def failed_run(account, error="No data for this interval."):
    run = ReportRunFactory(account=account)
    run.mark_failed(error)
    return run


def delivery_of(run) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event__object_id=run.id, event__type=ApiEvent.Type.REPORT_RUN_FAILED)
