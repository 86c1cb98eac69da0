"""Events and webhook endpoints through the official client: its classes, filters, cursors, and the secret."""

from __future__ import annotations

import pytest
import stripe

from reporting.models import ApiEvent
from tests.factories import ReportRunFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def failed_runs(account):
    runs = []
    for i in range(5):
        run = ReportRunFactory(account=account)
        run.mark_failed(f"Failure {i}")
        runs.append(run)
    return runs


def test_events_are_listed_paged_and_retrieved(sc, failed_runs):
    listed = sc.v1.events.list({"type": "reporting.report_run.*", "limit": 2})

    events = list(listed.auto_paging_iter())
    one = sc.v1.events.retrieve(events[0].id)

    assert listed.has_more is True
    assert listed.url == "/v1/events"
    assert [e.data.object.id for e in events] == [run.id for run in reversed(failed_runs)]
    assert isinstance(one, stripe.Event)
    assert (one.type, one.object, one.livemode, one.pending_webhooks) == (
        "reporting.report_run.failed",
        "event",
        False,
        0,
    )
    assert one.data.object.object == "reporting.report_run"
    assert one.data.object.error == "Failure 4"
    assert one.request.id is None


def test_events_filters_and_errors(sc, failed_runs):
    created = int(ApiEvent.objects.get(object_id=failed_runs[2].id).created.timestamp())

    by_types = sc.v1.events.list({"types": ["reporting.report_type.updated", "reporting.report_run.succeeded"]})
    since = sc.v1.events.list({"created": {"gte": created}, "limit": 100})

    assert by_types.data == []
    assert {e.data.object.id for e in since.data} >= {run.id for run in failed_runs[2:]}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sc.v1.events.retrieve("evt_missing")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_events_with_the_legacy_api(legacy, failed_runs):
    events = stripe.Event.list(limit=100)

    assert {e.data.object.id for e in events.data} == {run.id for run in failed_runs}


def test_webhook_endpoints_through_the_client(sc):
    created = sc.v1.webhook_endpoints.create(
        {"url": "https://hooks.example.com/stripe", "enabled_events": ["reporting.report_run.succeeded"]}
    )

    retrieved = sc.v1.webhook_endpoints.retrieve(created.id)
    disabled = sc.v1.webhook_endpoints.update(created.id, {"disabled": True, "description": "ERP"})
    listed = sc.v1.webhook_endpoints.list()
    deleted = sc.v1.webhook_endpoints.delete(created.id)

    assert isinstance(created, stripe.WebhookEndpoint)
    assert created.secret.startswith("whsec_")
    assert created.enabled_events == ["reporting.report_run.succeeded"]
    assert "secret" not in retrieved.to_dict()
    assert (disabled.status, disabled.description) == ("disabled", "ERP")
    assert [e.id for e in listed.data] == [created.id]
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sc.v1.webhook_endpoints.create({"url": "ftp://example.com", "enabled_events": ["*"]})
    assert refused.value.param == "url"
