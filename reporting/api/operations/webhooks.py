"""Events and webhook endpoints: Stripe's `/v1/events` and `/v1/webhook_endpoints`."""

from __future__ import annotations

from reporting.api.bodies import WEBHOOK_ENDPOINT_BODY, WEBHOOK_ENDPOINT_UPDATE_BODY
from reporting.api.components import JSON_ERRORS, PAGE_PARAMS, POST_ERRORS, json_ok, param, path_param, query_param
from reporting.api.schemas import string
from reporting.api.webhook_schemas import EVENT_TYPES

from .operation import Operation

EVENT_ID = path_param("event", "The id of an event (`evt_…`).")
ENDPOINT_ID = path_param("webhook_endpoint", "The id of a webhook endpoint (`we_…`).")
# At most this many types in `types[]`, as Stripe.
MAX_TYPES = 20

LIST_EVENTS = Operation(
    "GET",
    "/v1/events",
    "GetEvents",
    "List events, newest first.",
    "Events",
    {"200": json_ok("event_list", "A page of events."), **JSON_ERRORS},
    parameters=(
        *PAGE_PARAMS,
        query_param(
            "type",
            "Only events of this type, or of a group of types with `*` as a wildcard (`reporting.report_run.*`).",
            string(),
        ),
        {
            "name": "types[]",
            "in": "query",
            "required": False,
            "description": f"Only events of these types (at most {MAX_TYPES}); not with `type`.",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "string", "enum": EVENT_TYPES}, "maxItems": MAX_TYPES},
        },
        query_param(
            "delivery_success",
            "Only events whose every webhook delivery succeeded (`true`), or with one pending or given up (`false`).",
            {"type": "boolean"},
        ),
    ),
    expand=(),
)
RETRIEVE_EVENT = Operation(
    "GET",
    "/v1/events/{event}",
    "GetEventsId",
    "Retrieve an event.",
    "Events",
    {"200": json_ok("event", "The event."), **JSON_ERRORS},
    parameters=(EVENT_ID,),
    expand=(),
)
LIST_WEBHOOK_ENDPOINTS = Operation(
    "GET",
    "/v1/webhook_endpoints",
    "GetWebhookEndpoints",
    "List webhook endpoints, newest first.",
    "Webhook endpoints",
    {"200": json_ok("webhook_endpoint_list", "A page of webhook endpoints."), **JSON_ERRORS},
    parameters=(param("ending_before"), param("limit"), param("starting_after")),
    expand=(),
)
CREATE_WEBHOOK_ENDPOINT = Operation(
    "POST",
    "/v1/webhook_endpoints",
    "PostWebhookEndpoints",
    "Create a webhook endpoint.",
    "Webhook endpoints",
    {
        "200": json_ok("webhook_endpoint", "The new endpoint, with its signing `secret` (shown this once)."),
        **POST_ERRORS,
    },
    parameters=(param("Idempotency-Key"),),
    body=WEBHOOK_ENDPOINT_BODY,
    description="Events are POSTed to the URL as JSON, signed like Stripe's (`Stripe-Signature`), and sent "
    "again with exponential back-off until a 2xx answer, for up to three days.",
)
RETRIEVE_WEBHOOK_ENDPOINT = Operation(
    "GET",
    "/v1/webhook_endpoints/{webhook_endpoint}",
    "GetWebhookEndpointsWebhookEndpoint",
    "Retrieve a webhook endpoint.",
    "Webhook endpoints",
    {"200": json_ok("webhook_endpoint", "The endpoint (without its secret)."), **JSON_ERRORS},
    parameters=(ENDPOINT_ID,),
    expand=(),
)
UPDATE_WEBHOOK_ENDPOINT = Operation(
    "POST",
    "/v1/webhook_endpoints/{webhook_endpoint}",
    "PostWebhookEndpointsWebhookEndpoint",
    "Update a webhook endpoint.",
    "Webhook endpoints",
    {"200": json_ok("webhook_endpoint", "The updated endpoint."), **POST_ERRORS},
    parameters=(ENDPOINT_ID, param("Idempotency-Key")),
    body=WEBHOOK_ENDPOINT_UPDATE_BODY,
    description="A disabled endpoint is sent no new events, and its pending deliveries end.",
)
DELETE_WEBHOOK_ENDPOINT = Operation(
    "DELETE",
    "/v1/webhook_endpoints/{webhook_endpoint}",
    "DeleteWebhookEndpointsWebhookEndpoint",
    "Delete a webhook endpoint.",
    "Webhook endpoints",
    {"200": json_ok("deleted_webhook_endpoint", "The endpoint is gone."), **JSON_ERRORS},
    parameters=(ENDPOINT_ID,),
    description="Its pending deliveries end with it.",
)
