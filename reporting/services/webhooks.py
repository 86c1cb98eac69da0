"""Webhook endpoints: add, change, delete and test them; one place for the role, the URL rule and the audit event.

The API and the dashboard call these (account admins; API keys act for their
account). The signing secret is returned once, by `create_endpoint`, and kept
encrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from reporting import crypto
from reporting.api.serializers import API_VERSION, report_run_dict
from reporting.ids import new_webhook_secret
from reporting.models import ApiEvent, Event, File, ReportRun, WebhookDelivery, WebhookEndpoint

from . import events
from .caller import Caller
from .webhook_urls import UnsafeUrl, check_url

MANAGE = "Only account admins can manage webhook endpoints."
# Stripe's limit per account and mode.
MAX_ENDPOINTS = 16
EVENT_TYPES = ("*", *ApiEvent.Type.values)
MAX_DESCRIPTION = 5000


class EndpointError(Exception):
    """Bad input for an endpoint: the message, and the parameter it concerns."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def create_endpoint(
    caller: Caller,
    *,
    url: str,
    enabled_events: Sequence[str],
    description: str = "",
    metadata: dict[str, str] | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint to the caller's account and mode; return it with its signing secret, shown this once."""
    caller.require_role("can_manage", message=MANAGE)
    fields = {"url": _url(url), "enabled_events": _events(enabled_events), "description": _description(description)}
    secret = new_webhook_secret()
    with transaction.atomic():
        # Counted under the account's row lock, so two requests cannot both take the last place.
        type(caller.account).objects.select_for_update().filter(pk=caller.account.pk).first()
        if WebhookEndpoint.objects.filter(account=caller.account, livemode=caller.livemode).count() >= MAX_ENDPOINTS:
            raise EndpointError(f"An account may have at most {MAX_ENDPOINTS} webhook endpoints per mode.", "url")
        endpoint = WebhookEndpoint.objects.create(
            account=caller.account,
            livemode=caller.livemode,
            metadata=metadata or {},
            api_version=API_VERSION,
            encrypted_secret=crypto.encrypt(secret),
            created_by=caller.user,
            **fields,
        )
        caller.record(Event.Action.WEBHOOK_CREATED, endpoint.id, url=endpoint.url)
    return endpoint, secret


def update_endpoint(
    caller: Caller,
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    enabled_events: Sequence[str] | None = None,
    description: str | None = None,
    disabled: bool | None = None,
    metadata: dict[str, str] | None = None,
) -> WebhookEndpoint:
    """Change what is given (None: leave as is). A disabled endpoint gets no new deliveries; its pending ones end."""
    _check_owner(caller, endpoint)
    caller.require_role("can_manage", message=MANAGE)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = _url(url)
    if enabled_events is not None:
        changes["enabled_events"] = _events(enabled_events)
    if description is not None:
        changes["description"] = _description(description)
    if disabled is not None:
        changes["status"] = WebhookEndpoint.Status.DISABLED if disabled else WebhookEndpoint.Status.ENABLED
    if metadata is not None:
        changes["metadata"] = metadata
    with transaction.atomic():
        for name, value in changes.items():
            setattr(endpoint, name, value)
        endpoint.save(update_fields=list(changes))
        changed = sorted(changes)
        caller.record(Event.Action.WEBHOOK_UPDATED, endpoint.id, changed=changed, url=endpoint.url)
    return endpoint


def delete_endpoint(caller: Caller, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint, its deliveries and their log (its events stay)."""
    _check_owner(caller, endpoint)
    caller.require_role("can_manage", message=MANAGE)
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
        caller.record(Event.Action.WEBHOOK_DELETED, endpoint.id, url=endpoint.url)


def send_test_event(caller: Caller, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Deliver a sample `reporting.report_run.succeeded` to this endpoint only (placeholder ids; not listed)."""
    _check_owner(caller, endpoint)
    caller.require_role("can_manage", message=MANAGE)
    with transaction.atomic():
        event = ApiEvent.objects.create(
            account=caller.account,
            livemode=caller.livemode,
            type=ApiEvent.Type.REPORT_RUN_SUCCEEDED,
            api_version=API_VERSION,
            object_id=SAMPLE_RUN_ID,
            data={"object": sample_run(caller)},
            test=True,
        )
        (delivery_id,) = events.publish([event], endpoint=endpoint)
        caller.record(Event.Action.WEBHOOK_TESTED, endpoint.id, event=event.id)
    return WebhookDelivery.objects.get(pk=delivery_id)


SAMPLE_RUN_ID = "frr_" + "0" * 24


def sample_run(caller: Caller) -> dict[str, Any]:
    """A succeeded run as the API shows one, with placeholder ids, so a receiver's test touches no real report."""
    now = timezone.now()
    file = File(
        id="file_" + "0" * 24,
        account=caller.account,
        livemode=caller.livemode,
        filename="report.csv",
        size=0,
        created=now,
        expires_at=now + timedelta(days=30),
    )
    file.newest_links = []  # type: ignore[attr-defined]  # an unsaved file has no links to read
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    run = ReportRun(
        id=SAMPLE_RUN_ID,
        account=caller.account,
        livemode=caller.livemode,
        report_type_id="balance.summary.1",
        parameters={"interval_start": int((day - timedelta(days=1)).timestamp()), "interval_end": int(day.timestamp())},
        status=ReportRun.Status.SUCCEEDED,
        created=now,
        succeeded_at=now,
        result=file,
    )
    return report_run_dict(None, run)


def _check_owner(caller: Caller, endpoint: WebhookEndpoint) -> None:
    if endpoint.account_id != caller.account.pk or endpoint.livemode != caller.livemode:
        raise ValueError(f"Webhook endpoint {endpoint.pk} does not belong to {caller.account.pk}'s mode")


def _url(url: str) -> str:
    try:
        return check_url(url)
    except UnsafeUrl as exc:
        raise EndpointError(str(exc), "url") from None


def _events(enabled_events: Sequence[str]) -> list[str]:
    if not enabled_events:
        raise EndpointError("Invalid enabled_events: give at least one event type, or `*` for all.", "enabled_events")
    for i, name in enumerate(enabled_events):
        if name not in EVENT_TYPES:
            raise EndpointError(
                f"Invalid enabled_events[{i}]: must be one of {', '.join(EVENT_TYPES)}.", f"enabled_events[{i}]"
            )
    return list(dict.fromkeys(enabled_events))


def _description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise EndpointError(f"Invalid description: at most {MAX_DESCRIPTION} characters.", "description")
    return description
