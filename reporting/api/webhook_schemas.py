"""Events and webhook endpoints in the document, exactly as serializers.py shapes them.

From Stripe's description of the same objects (spec3, 2020-08-27): an event's `data.object` is
here a report run or a report type, the only objects whose events this service sends.
"""

from __future__ import annotations

from reporting.models import ApiEvent

from .ledger_schemas import METADATA
from .schemas import Schema, boolean, list_of, nullable_ref, object_id, object_name, ref, string, timestamp

EVENT_TYPES = list(ApiEvent.Type.values)
# What an endpoint may ask for: every type, or some.
ENABLED_EVENTS = ["*", *EVENT_TYPES]

EVENT: Schema = {
    "title": "event",
    "description": "Something that happened to an object of the account: a run ended, a type's data moved.",
    "type": "object",
    "required": ["created", "data", "id", "livemode", "object", "pending_webhooks", "request", "type"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("evt_"),
        "object": object_name("event"),
        "api_version": string("The API version `data` was rendered in.", nullable=True),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "data": ref("notification_event_data"),
        "livemode": boolean("`true` for live-mode objects, `false` for test-mode objects."),
        "pending_webhooks": {
            "type": "integer",
            "description": "Number of webhook deliveries not yet answered with a 2xx (nor given up).",
        },
        "request": nullable_ref(
            "notification_event_request", "The API request behind the event (`id` null: it was automatic)."
        ),
        "type": {"type": "string", "enum": EVENT_TYPES, "description": "Description of the event."},
    },
}

NOTIFICATION_EVENT_DATA: Schema = {
    "title": "notification_event_data",
    "description": "The object the event is about, as it was then; for updates, the values before.",
    "type": "object",
    "required": ["object"],
    "additionalProperties": False,
    "properties": {
        "object": {
            "anyOf": [ref("reporting.report_run"), ref("reporting.report_type")],
            "description": "The report run (`reporting.report_run.*`) or the report type (`…report_type.updated`).",
        },
        "previous_attributes": ref("notification_event_data.previous_attributes"),
    },
}

PREVIOUS_ATTRIBUTES: Schema = {
    "title": "notification_event_data.previous_attributes",
    "description": "The fields of a report type that changed, with their values before (only in `*.updated`).",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "data_available_end": timestamp("`data_available_end` before."),
        "data_available_start": timestamp("`data_available_start` before."),
        "updated": timestamp("`updated` before."),
    },
}

NOTIFICATION_EVENT_REQUEST: Schema = {
    "title": "notification_event_request",
    "description": "The API request that caused the event.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": string("ID of the API request that caused the event; null: automatic.", nullable=True),
        "idempotency_key": string("The idempotency key of that request, if any.", nullable=True),
    },
}

WEBHOOK_ENDPOINT: Schema = {
    "title": "webhook_endpoint",
    "description": "A URL the account's events are POSTed to, signed (`Stripe-Signature`) with the endpoint's secret.",
    "type": "object",
    "required": ["created", "enabled_events", "id", "livemode", "metadata", "object", "status", "url"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("we_"),
        "object": object_name("webhook_endpoint"),
        "api_version": string("The API version events sent here are rendered in.", nullable=True),
        "application": string("The Connect application that created it (never here).", nullable=True),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "description": string("An optional description of what the webhook is used for.", nullable=True),
        "enabled_events": {
            "type": "array",
            "items": {"type": "string", "enum": ENABLED_EVENTS},
            "description": "The event types sent here; `*` sends every type.",
        },
        "livemode": boolean("`true` for live-mode objects, `false` for test-mode objects."),
        "metadata": METADATA,
        "secret": string(
            "The endpoint's signing secret (`whsec_…`): only in the answer to the request that created it.",
            pattern="^whsec_[A-Za-z0-9]+$",
        ),
        "status": {"type": "string", "enum": ["enabled", "disabled"], "description": "The status of the endpoint."},
        "url": string("The URL of the webhook endpoint."),
    },
}

DELETED_WEBHOOK_ENDPOINT: Schema = {
    "title": "deleted_webhook_endpoint",
    "description": "What is left of a deleted endpoint.",
    "type": "object",
    "required": ["deleted", "id", "object"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("we_"),
        "object": object_name("webhook_endpoint"),
        "deleted": {"type": "boolean", "enum": [True], "description": "Always true for a deleted object."},
    },
}

WEBHOOK_SCHEMAS: dict[str, Schema] = {
    "event": EVENT,
    "notification_event_data": NOTIFICATION_EVENT_DATA,
    "notification_event_data.previous_attributes": PREVIOUS_ATTRIBUTES,
    "notification_event_request": NOTIFICATION_EVENT_REQUEST,
    "event_list": list_of("event", "^/v1/events$", "A page of events, newest first."),
    "webhook_endpoint": WEBHOOK_ENDPOINT,
    "deleted_webhook_endpoint": DELETED_WEBHOOK_ENDPOINT,
    "webhook_endpoint_list": list_of(
        "webhook_endpoint", "^/v1/webhook_endpoints$", "A page of webhook endpoints, newest first."
    ),
}
