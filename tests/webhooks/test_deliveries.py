"""Deliveries to a real HTTP server on 127.0.0.1, run in-process: signed, logged, retried, bounded in time."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from reporting import tasks
from reporting.models import ApiEvent, WebhookDelivery
from reporting.services import deliveries, webhook_urls, webhooks
from tests.memory_broker import take

from .conftest import delivery_of, failed_run
from .receiver import HANG

pytestmark = pytest.mark.django_db

DELIVER = "reporting.tasks.deliver_webhook"


def test_event_is_posted_signed_and_the_official_client_verifies_it(account, endpoint, receiver):
    run = failed_run(account)
    delivery = delivery_of(run)

    tasks.deliver_webhook(delivery.pk)

    got = receiver.take()
    event = stripe.Webhook.construct_event(got.body, got.headers["Stripe-Signature"], endpoint.plain_secret)
    assert isinstance(event, stripe.Event)
    assert (event.id, event.type, event.object) == (delivery.event_id, "reporting.report_run.failed", "event")
    assert event.data.object.id == run.id
    assert event.data.object.error == "No data for this interval."
    assert event.pending_webhooks == 1  # this very delivery, until it is answered
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.path == "/hooks/stripe"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(got.body, got.headers["Stripe-Signature"], "whsec_" + "x" * 32)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.response_body, attempt.error) == (1, 200, "answered 200", "")


def test_a_failed_attempt_is_retried_after_the_backoff_and_logged(
    account, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_BACKOFF = 60
    receiver.answer(500)
    delivery = delivery_of(failed_run(account))
    take("reporting.tasks.deliver_webhook")  # what earlier tests left

    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_webhook(delivery.pk)
    early = deliveries.deliver(delivery.pk)  # a duplicate of the retry's message, before it is due

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    wait = (delivery.next_attempt_at - delivery.attempt_log.get().started_at).total_seconds()
    assert 60 <= wait < 90  # WEBHOOK_BACKOFF after the attempt (which took a moment), not doubled yet
    assert take(DELIVER) == [[delivery.pk]]  # the retry rides a countdown
    assert early.sent is None
    assert early.look_again_in is not None
    assert 30 < early.look_again_in <= 61  # when the retry is due
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # a minute goes by

    tasks.deliver_webhook(delivery.pk)

    first, second = receiver.take(), receiver.take()
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"] == delivery.event_id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(2, 200), (1, 500)]
    assert delivery.attempt_log.get(number=1).response_body == "answered 500"


def test_an_endpoint_that_never_answers_does_not_hold_the_worker(account, endpoint, receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    receiver.answer(HANG)
    delivery = delivery_of(failed_run(account))

    tasks.deliver_webhook(delivery.pk)

    # The task is back while the endpoint still holds the request it never answers.
    assert receiver.hanging.is_set()
    assert not receiver.closing.is_set()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == "No answer within 0.3 s."
    assert delivery.locked_until is None
    assert delivery.next_attempt_at > timezone.now()


def test_retries_end_failed_after_the_retry_period(account, endpoint, receiver, settings):
    receiver.answer(503)
    delivery = delivery_of(failed_run(account))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created=timezone.now() - timedelta(seconds=settings.WEBHOOK_RETRY_FOR + 1)
    )

    tasks.deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.next_attempt_at) == ("failed", 503, None)


def test_backoff_doubles_up_to_its_cap(settings):
    settings.WEBHOOK_BACKOFF, settings.WEBHOOK_BACKOFF_MAX = 60, 3600

    delays = [deliveries.backoff(n) for n in range(1, 10)]

    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_a_delivered_event_is_not_sent_again_by_a_duplicate_message(account, endpoint, receiver):
    delivery = delivery_of(failed_run(account))
    tasks.deliver_webhook(delivery.pk)

    again = deliveries.deliver(delivery.pk)

    assert again.sent is None
    assert again.look_again_in is None
    receiver.take()
    assert receiver.received.empty()
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1


def test_an_attempt_whose_worker_died_is_sent_again_by_the_sweep(account, endpoint, receiver):
    delivery = delivery_of(failed_run(account))
    # Attempt 1 took the delivery, then its worker was killed: the hold it left runs out.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1, locked_until=timezone.now() + timedelta(hours=1))
    take(DELIVER)
    held = deliveries.deliver(delivery.pk)  # its message, delivered again at once
    assert held.sent is None
    assert receiver.received.empty()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    queued = tasks.retry_webhooks()
    (args,) = take(DELIVER)
    tasks.deliver_webhook(*args)

    assert queued == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [a.number for a in delivery.attempt_log.all()] == [2]


def test_the_sweep_leaves_a_delivery_whose_message_is_on_its_way(account, endpoint, system, settings):
    settings.WEBHOOK_BACKOFF, settings.WEBHOOK_MAX_COUNTDOWN = 60, 900
    now = timezone.now()
    queued, lost, long_backoff = (delivery_of(failed_run(account)) for _ in range(3))
    WebhookDelivery.objects.filter(pk=queued.pk).update(next_attempt_at=now - timedelta(seconds=30))
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=now - timedelta(seconds=deliveries.LOST_AFTER))
    # After 5 failures the next attempt is 960 s off: too far for a countdown, so no message was sent.
    WebhookDelivery.objects.filter(pk=long_backoff.pk).update(attempts=5, next_attempt_at=now)
    take(DELIVER)

    tasks.retry_webhooks()

    assert sorted(args[0] for args in take(DELIVER)) == sorted([lost.pk, long_backoff.pk])


def test_a_disabled_endpoint_is_sent_nothing(account, endpoint, receiver, system):
    delivery = delivery_of(failed_run(account))
    webhooks.update_endpoint(system, endpoint, disabled=True)

    tasks.deliver_webhook(delivery.pk)

    assert receiver.received.empty()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("failed", "Not sent: the endpoint is disabled.")
    failed_run(account)  # a later event makes no delivery at all
    assert WebhookDelivery.objects.count() == 1


def test_a_deleted_endpoint_takes_its_pending_deliveries_with_it(account, endpoint, receiver, system):
    delivery = delivery_of(failed_run(account))
    webhooks.delete_endpoint(system, endpoint)

    tasks.deliver_webhook(delivery.pk)  # its message was already queued

    assert receiver.received.empty()
    assert not WebhookDelivery.objects.exists()
    assert ApiEvent.objects.filter(pk=delivery.event_id).exists()  # the event stays


def test_only_the_event_types_an_endpoint_asks_for_are_delivered(account, receiver, system):
    succeeded_only, _ = webhooks.create_endpoint(
        system, url=receiver.url, enabled_events=["reporting.report_run.succeeded"]
    )

    failed_run(account)

    assert not WebhookDelivery.objects.filter(endpoint=succeeded_only).exists()


def test_the_test_event_goes_to_its_endpoint_only_with_placeholder_ids(account, endpoint, receiver, system):
    other, _ = webhooks.create_endpoint(system, url=receiver.url + "/other", enabled_events=["*"])

    delivery = webhooks.send_test_event(system, endpoint)
    tasks.deliver_webhook(delivery.pk)

    got = receiver.take()
    event = stripe.Webhook.construct_event(got.body, got.headers["Stripe-Signature"], endpoint.plain_secret)
    assert event.type == "reporting.report_run.succeeded"
    assert event.data.object.id == webhooks.SAMPLE_RUN_ID
    assert event.data.object.result.id.startswith("file_000")
    assert not WebhookDelivery.objects.filter(endpoint=other).exists()
    assert ApiEvent.objects.get(pk=event.id).test is True


def test_a_host_that_now_resolves_to_a_private_address_is_not_sent_to(account, receiver, system, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    answers = {"hooks.example.test": "93.184.216.34"}  # public when the endpoint is saved
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    endpoint, _ = webhooks.create_endpoint(system, url="http://hooks.example.test/in", enabled_events=["*"])
    answers["hooks.example.test"] = "127.0.0.1"  # and private when the event is sent (DNS rebinding)
    run = failed_run(account)

    tasks.deliver_webhook(WebhookDelivery.objects.get(endpoint=endpoint, event__object_id=run.id).pk)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.last_error.startswith("Not sent: The host hooks.example.test resolves to 127.0.0.1")
    assert (delivery.status, delivery.last_status_code) == ("pending", None)
    assert receiver.received.empty()


def test_the_connection_goes_to_the_address_checked_not_a_second_lookup(
    account, receiver, system, settings, monkeypatch
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_TIMEOUT = 1  # bounds the failure, should a second lookup send it to the void
    monkeypatch.setattr(webhook_urls, "is_public", lambda address: address == "127.0.0.1")  # the receiver's
    port = receiver.port
    lookups = []
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, *args, **kwargs)
        lookups.append(host)
        # The first lookup of an attempt (its check) finds the receiver; any later one, nowhere.
        address = "127.0.0.1" if len(lookups) == 1 else "192.0.2.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    endpoint, _ = webhooks.create_endpoint(system, url=f"http://hooks.example.test:{port}/in", enabled_events=["*"])
    lookups.clear()

    tasks.deliver_webhook(delivery_of(failed_run(account)).pk)

    got = receiver.take()
    assert got.headers["Host"] == f"hooks.example.test:{port}"
    assert lookups == ["hooks.example.test"]
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == "succeeded"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert webhook_urls.is_public(address) is public
