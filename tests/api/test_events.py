"""GET /v1/events and /v1/events/{id}: Stripe's filters and cursors, each key seeing its own account's mode only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reporting.models import ApiEvent, DataWatermark, Door
from reporting.services import Caller, webhooks
from tests.api.openapi.conformance import conforms, error_of
from tests.factories import AccountFactory, BalanceTransactionFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

FAILED, SUCCEEDED = ApiEvent.Type.REPORT_RUN_FAILED.value, ApiEvent.Type.REPORT_RUN_SUCCEEDED.value
UPDATED = ApiEvent.Type.REPORT_TYPE_UPDATED.value


@pytest.fixture
def events(account):
    """Three failed runs' events and the report types' events of one availability move, a second apart."""
    runs = []
    for i in range(3):
        run = ReportRunFactory(account=account)
        run.mark_failed(f"Failure {i}")
        runs.append(run)
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    DataWatermark.advance(account, False, datetime(2025, 12, 5, tzinfo=UTC))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i, event in enumerate(ApiEvent.objects.order_by("created", "id")):
        ApiEvent.objects.filter(pk=event.pk).update(created=base + timedelta(seconds=i))
    return list(ApiEvent.objects.order_by("-created", "-id"))


def ids(response):
    return [e["id"] for e in conforms(response).json["data"]]


def test_list_is_newest_first_with_each_event_as_stripe_shapes_it(api, events):
    response = api.get("/v1/events", {"limit": 100})

    page = conforms(response).json
    assert page["url"] == "/v1/events"
    assert [e["id"] for e in page["data"]] == [e.id for e in events]
    failed = next(e for e in page["data"] if e["type"] == FAILED)
    assert failed["object"] == "event"
    assert failed["api_version"] == "2020-08-27"
    assert failed["request"] == {"id": None, "idempotency_key": None}
    assert failed["pending_webhooks"] == 0
    assert failed["data"]["object"]["object"] == "reporting.report_run"


def test_retrieve(api, events):
    response = api.get(f"/v1/events/{events[0].id}")

    assert conforms(response).json["id"] == events[0].id


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ({"type": FAILED}, {FAILED}),
        ({"type": "reporting.report_run.*"}, {FAILED}),
        ({"type": "reporting.*"}, {FAILED, UPDATED}),
        ({"type": "*.updated"}, {UPDATED}),
        ({"type": "charge.succeeded"}, set()),
        ({"types[]": [SUCCEEDED, UPDATED]}, {UPDATED}),
        ({"types[0]": FAILED}, {FAILED}),
    ],
)
def test_type_filters(api, events, query, kinds):
    response = api.get("/v1/events", {**query, "limit": 100})

    listed = conforms(response).json["data"]
    assert {e["type"] for e in listed} == kinds
    assert len(listed) == sum(e.type in kinds for e in events)


def test_type_and_types_are_exclusive(api, events):
    response = api.get("/v1/events", {"type": FAILED, "types[]": [FAILED]})

    assert error_of(response, 400)["code"] == "parameters_exclusive"


def test_created_filter_and_cursor(api, events):
    pivot = events[5]
    t = int(pivot.created.timestamp())

    newer = api.get("/v1/events", {"created[gt]": t, "limit": 100})
    page = api.get("/v1/events", {"starting_after": pivot.id, "limit": 2})

    assert ids(newer) == [e.id for e in events[:5]]
    assert ids(page) == [e.id for e in events[6:8]]
    assert conforms(page).json["has_more"] is True


def test_delivery_success_and_pending_webhooks(api, account, events):
    endpoint, _ = webhooks.create_endpoint(
        Caller(account, False, Door.API), url="https://hooks.example.com/in", enabled_events=[FAILED]
    )
    run = ReportRunFactory(account=account)
    run.mark_failed("late")
    pending = ApiEvent.objects.get(object_id=run.id)

    unsuccessful = api.get("/v1/events", {"delivery_success": "false"})
    retrieved = api.get(f"/v1/events/{pending.id}")

    assert ids(unsuccessful) == [pending.id]
    assert conforms(retrieved).json["pending_webhooks"] == 1
    assert pending.id not in ids(api.get("/v1/events", {"delivery_success": "true", "limit": 100}))
    assert endpoint.deliveries.count() == 1


def test_a_key_sees_its_own_accounts_mode_only(api, live_api, account, events):
    other = AccountFactory()
    theirs = ReportRunFactory(account=other)
    theirs.mark_failed("theirs")
    their_event = ApiEvent.objects.get(object_id=theirs.id)

    assert error_of(api.get(f"/v1/events/{their_event.id}"), 404)["code"] == "resource_missing"
    assert error_of(live_api.get(f"/v1/events/{events[0].id}"), 404)["param"] == "id"
    assert ids(live_api.get("/v1/events")) == []
    assert error_of(api.get("/v1/events", {"starting_after": their_event.id}), 404)["param"] == "starting_after"


def test_test_events_are_not_listed(api, account, events):
    endpoint, _ = webhooks.create_endpoint(
        Caller(account, False, Door.API), url="https://hooks.example.com/in", enabled_events=["*"]
    )
    test_event = webhooks.send_test_event(Caller(account, False, Door.DASHBOARD), endpoint).event

    assert test_event.id not in ids(api.get("/v1/events", {"limit": 100}))
    assert error_of(api.get(f"/v1/events/{test_event.id}"), 404)["code"] == "resource_missing"
