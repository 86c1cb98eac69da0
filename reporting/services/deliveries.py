"""Send each delivery until its endpoint answers 2xx: one attempt at a time, every attempt logged, retries backing off.

At least once, as Stripe: receivers tell a repeat by the event's id.

- An attempt takes its delivery with a conditional UPDATE (due, pending, not held),
  which holds it for longer than an attempt can last (the task's hard time limit).
  A duplicate message finds it held or not due and does nothing; a worker killed
  mid-attempt leaves a hold that expires, and the delivery is sent again.
- A failed attempt (not 2xx, no answer, refused address) schedules the next one
  WEBHOOK_BACKOFF seconds later, doubling up to WEBHOOK_BACKOFF_MAX, until
  WEBHOOK_RETRY_FOR after the delivery began; then it ends failed.
- The next attempt rides a Celery countdown when due soon; beat's sweep
  (`sweep`, every WEBHOOK_SWEEP_EVERY) sends the later ones, those a killed worker
  left held, and those whose message was lost (broker down, or Redis lost it).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reporting import crypto
from reporting.api.serializers import event_dict
from reporting.models import ApiEvent, WebhookAttempt, WebhookDelivery

from .webhook_http import Answer, post

logger = logging.getLogger(__name__)

# A sweep queues at most this many deliveries; the next sweep takes the rest.
SWEEP_BATCH = 500
# A delivery's message this many seconds overdue is taken for lost.
LOST_AFTER = 300


def time_limits() -> tuple[int, int]:
    """The delivery task's (soft, hard) time limits: connect and read, each up to WEBHOOK_TIMEOUT, and the lookup."""
    soft = math.ceil(3 * settings.WEBHOOK_TIMEOUT) + 10
    return soft, soft + 10


def hold() -> timedelta:
    """How long an attempt holds its delivery: past the hard limit, so only a dead attempt's hold runs out."""
    return timedelta(seconds=time_limits()[1] + 5)


@dataclass(frozen=True)
class Outcome:
    """What one call did: `sent` an attempt (with its answer), or nothing; `look_again_in` seconds, if worth it."""

    sent: Answer | None = None
    look_again_in: float | None = None


def pending_count() -> Coalesce:
    """Stripe's `pending_webhooks` of each event, as a subquery (no GROUP BY on the page's query)."""
    counted = (
        WebhookDelivery.objects.pending()
        .filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def payload(event: ApiEvent) -> bytes:
    pending = WebhookDelivery.objects.pending().filter(event=event).count()
    return json.dumps(event_dict(event, pending_webhooks=pending), indent=2).encode()


def deliver(delivery_id: int) -> Outcome:
    """Make the delivery's next attempt if it is due and nobody holds it."""
    now = timezone.now()
    taken = (
        WebhookDelivery.objects.due(now)
        .filter(pk=delivery_id)
        .update(locked_until=now + hold(), attempts=F("attempts") + 1)
    )
    if not taken:
        return _not_taken(delivery_id, now)
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted a moment ago
        return Outcome()
    endpoint, event = delivery.endpoint, delivery.event
    started = timezone.now()
    if not endpoint.is_enabled and not event.test:
        answer = Answer(duration_ms=0, error="Not sent: the endpoint is disabled.")
        return Outcome(sent=_record(delivery, answer, started, give_up=True))
    try:
        answer = post(endpoint.url, payload(event), endpoint.secret)
    except crypto.UndecryptableSecret as exc:
        return Outcome(sent=_record(delivery, Answer(duration_ms=0, error=str(exc)), started, give_up=True))
    except SoftTimeLimitExceeded:
        answer = Answer(duration_ms=0, error="The attempt ran out of time.")
    return Outcome(sent=_record(delivery, answer, started))


def _not_taken(delivery_id: int, now: datetime) -> Outcome:
    """Nothing to send now: over, held by a live attempt, or not yet due (then say when to look again)."""
    row = WebhookDelivery.objects.pending().filter(pk=delivery_id).values("locked_until", "next_attempt_at").first()
    if row is None or row["next_attempt_at"] is None:
        return Outcome()
    later = max(t for t in (row["locked_until"], row["next_attempt_at"]) if t is not None)
    wait = (later - now).total_seconds() + 1
    return Outcome(look_again_in=wait if wait <= settings.WEBHOOK_MAX_COUNTDOWN else None)


def backoff(attempts: int) -> float:
    """Seconds before the attempt after `attempts` failed ones."""
    return float(min(settings.WEBHOOK_BACKOFF * 2 ** (attempts - 1), settings.WEBHOOK_BACKOFF_MAX))


def _record(delivery: WebhookDelivery, answer: Answer, started: datetime, *, give_up: bool = False) -> Answer:
    """Log the attempt and move the delivery on, if it is still this attempt's (its hold may have run out)."""
    now = timezone.now()
    deadline = delivery.created + timedelta(seconds=settings.WEBHOOK_RETRY_FOR)
    mine = WebhookDelivery.objects.pending().filter(pk=delivery.pk, attempts=delivery.attempts)
    summary = {"last_status_code": answer.status, "last_error": answer.error, "locked_until": None}
    delay = None
    with transaction.atomic():
        # Locked, so the endpoint cannot be deleted (its deliveries with it) under the attempt's record.
        if not WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            return answer
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started,
            duration_ms=answer.duration_ms,
            status_code=answer.status,
            response_body=answer.body,
            error=answer.error,
        )
        if answer.ok:
            mine.update(status=WebhookDelivery.Status.SUCCEEDED, finished_at=now, next_attempt_at=None, **summary)
        elif give_up or now >= deadline:
            mine.update(status=WebhookDelivery.Status.FAILED, finished_at=now, next_attempt_at=None, **summary)
        else:
            # The last attempt falls on the deadline itself rather than past it.
            next_at = min(now + timedelta(seconds=backoff(delivery.attempts)), deadline)
            if mine.update(next_attempt_at=next_at, **summary):
                delay = (next_at - now).total_seconds()
    if answer.ok:
        logger.info("Webhook %s delivered to %s (%s)", delivery.event_id, delivery.endpoint_id, answer.status)
    else:
        outcome = " ".join(part for part in (f"HTTP {answer.status}" if answer.status else "", answer.error) if part)
        logger.warning(
            "Webhook %s to %s, attempt %d: %s", delivery.event_id, delivery.endpoint_id, delivery.attempts, outcome
        )
    if delay is not None and delay <= settings.WEBHOOK_MAX_COUNTDOWN:
        transaction.on_commit(partial(enqueue, [delivery.pk], countdown=delay))
    return answer


def enqueue(delivery_ids: Iterable[int], *, countdown: float | None = None) -> int:
    """Queue the deliveries' tasks; a broker that is away leaves them to the sweep. Returns how many were sent."""
    from reporting.tasks import deliver_webhook  # the tasks import the services

    sent = 0
    for delivery_id in delivery_ids:
        try:
            if countdown is None:
                deliver_webhook.delay(delivery_id)
            else:
                deliver_webhook.apply_async((delivery_id,), countdown=countdown)
        except Exception:
            logger.warning("Webhook delivery %s was not queued; the sweep will send it", delivery_id, exc_info=True)
            continue
        sent += 1
    return sent


def sweep() -> int:
    """Queue the deliveries that are due with no message on its way (beat). Returns how many.

    That is: an attempt's hold ran out (its worker died), the back-off was too long
    for a countdown, or the message is overdue by LOST_AFTER (the broker lost it, or
    was away when it was sent). A delivery whose message is merely queued behind
    others is left alone: a duplicate would find nothing to do, but costs a task.
    """
    now = timezone.now()
    no_countdown = _first_without_countdown()
    late = WebhookDelivery.objects.due(now).filter(
        Q(locked_until__isnull=False)
        | Q(attempts__gte=no_countdown)
        | Q(next_attempt_at__lte=now - timedelta(seconds=LOST_AFTER))
    )
    ids = list(late.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    return enqueue(ids)


def _first_without_countdown() -> int:
    """After this many failed attempts the next one is too far off for a countdown: only the sweep sends it."""
    attempts = 1
    while backoff(attempts) <= settings.WEBHOOK_MAX_COUNTDOWN and attempts < 64:
        attempts += 1
    return attempts
