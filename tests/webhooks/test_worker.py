"""A run ends → its event goes through real Redis to a real worker → a receiver on 127.0.0.1: 500, then 200."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from reporting.models import WebhookDelivery

from .conftest import failed_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_until_over(timeout: float = 30) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.first()
        if delivery is not None and not delivery.is_pending:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"the delivery is still pending after {timeout}s")


def test_a_500_is_retried_once_by_the_worker_after_the_backoff(account, endpoint, receiver, settings, celery_worker):
    settings.WEBHOOK_BACKOFF = 0.2
    receiver.answer(500)

    run = failed_run(account)  # commits: the event's delivery is queued on commit

    delivery = wait_until_over()
    first, second = receiver.take(), receiver.take()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(2, 200), (1, 500)]
    for got in (first, second):
        event = stripe.Webhook.construct_event(got.body, got.headers["Stripe-Signature"], endpoint.plain_secret)
        assert (event.type, event.data.object.id) == ("reporting.report_run.failed", run.id)
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert receiver.received.empty()
