"""Stripe's events, written in the transaction of the change they describe, and handed to their deliveries.

An outbox: an event row commits with its change or not at all, and so do the
deliveries it fans out to (one per enabled endpoint that wants its type); their
tasks are queued once it commits (services.deliveries). Nothing is sent for a
change that rolled back, and nothing committed goes unsent.

- `run_ended(run)`: a run reached succeeded or failed. ReportRun's transitions call
  it, whoever finished the run (worker, reaper, admin); it is the one place that
  hears "a run ended": it records the event and queues the run's email
  (services.notifications).
- `availability_changed(watermark)`: a source moved the data watermark
  (DataWatermark.advance, whichever source); when the report types' data
  availability moved with it, each type of the mode gets an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from reporting.api.serializers import API_VERSION, JSON, report_run_dict, report_type_dict
from reporting.models import (
    ApiEvent,
    DataWatermark,
    ReportRun,
    ReportType,
    WebhookDelivery,
    WebhookEndpoint,
    data_availability,
)
from reporting.reports import REPORT_TYPES

from . import deliveries as deliveries_service
from . import notifications

# The fields of a report type that move with its data availability.
AVAILABILITY_FIELDS = ("data_available_end", "data_available_start", "updated")


def run_ended(run: ReportRun) -> ApiEvent:
    """Record the event of a run that just finished (call inside the transaction that finished it)."""
    kind = (
        ApiEvent.Type.REPORT_RUN_SUCCEEDED
        if run.status == ReportRun.Status.SUCCEEDED
        else ApiEvent.Type.REPORT_RUN_FAILED
    )
    event = ApiEvent.objects.create(
        account_id=run.account_id,
        livemode=run.livemode,
        type=kind,
        api_version=API_VERSION,
        object_id=run.id,
        data={"object": report_run_dict(None, run)},
    )
    publish([event])
    notifications.email_when_committed(run)
    return event


def availability_changed(watermark: DataWatermark) -> list[ApiEvent]:
    """Record a `reporting.report_type.updated` per type of the mode if its data availability moved.

    Compared with what the events last told (kept on the watermark), so a source
    that advances without new whole days, or twice to the same mark, tells nothing.
    An availability first seen empty (no data yet) is remembered silently.
    """
    account, livemode = watermark.account, watermark.livemode
    now = data_availability(account, livemode)
    told = (watermark.announced_start, watermark.announced_end)
    if told == now:
        return []
    DataWatermark.objects.filter(pk=watermark.pk).update(announced_start=now[0], announced_end=now[1])
    watermark.announced_start, watermark.announced_end = now
    if told == (None, None) and now[0] == now[1]:
        return []
    types = ReportType.objects.filter(id__in=list(REPORT_TYPES))
    if not livemode:
        types = types.filter(live_only=False)  # as the API lists them: live-only types exist in live mode only
    created = timezone.now()
    events = []
    for report_type in types:
        data = {"object": report_type_dict(report_type, livemode=livemode, availability=now)}
        if told[0] is not None and told[1] is not None:
            data["previous_attributes"] = _previous(report_type, livemode, (told[0], told[1]), data["object"])
        events.append(
            ApiEvent(
                account_id=account.pk,
                livemode=livemode,
                type=ApiEvent.Type.REPORT_TYPE_UPDATED,
                api_version=API_VERSION,
                object_id=report_type.id,
                data=data,
                created=created,
            )
        )
    ApiEvent.objects.bulk_create(events)
    publish(events)
    return events


def _previous(report_type: ReportType, livemode: bool, told: tuple[datetime, datetime], current: JSON) -> JSON:
    """Stripe's `previous_attributes`: the values before, of the fields that changed."""
    before = report_type_dict(report_type, livemode=livemode, availability=told)
    return {name: before[name] for name in AVAILABILITY_FIELDS if before[name] != current[name]}


def publish(events: Sequence[ApiEvent], *, endpoint: WebhookEndpoint | None = None) -> list[int]:
    """Create a delivery per event and endpoint that wants it (or to `endpoint` only); queue them on commit.

    Events of one account and mode. Returns the deliveries' ids.
    """
    if not events:
        return []
    if endpoint is None:
        first = events[0]  # they share the account and mode
        endpoints = list(
            WebhookEndpoint.objects.filter(
                account_id=first.account_id, livemode=first.livemode, status=WebhookEndpoint.Status.ENABLED
            )
        )
    else:
        endpoints = [endpoint]
    now = timezone.now()
    deliveries = [
        WebhookDelivery(event=event, endpoint=target, next_attempt_at=now)
        for event in events
        for target in endpoints
        if endpoint is not None or target.wants(event.type)
    ]
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = list(
        WebhookDelivery.objects.filter(event__in=[e.pk for e in events], endpoint__in=endpoints).values_list(
            "pk", flat=True
        )
    )
    transaction.on_commit(partial(deliveries_service.enqueue, ids))
    return ids
