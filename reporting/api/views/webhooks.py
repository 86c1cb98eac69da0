"""Webhook endpoints: list, create, retrieve, update, delete."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import (
    CREATE_WEBHOOK_ENDPOINT,
    DELETE_WEBHOOK_ENDPOINT,
    LIST_WEBHOOK_ENDPOINTS,
    RETRIEVE_WEBHOOK_ENDPOINT,
    UPDATE_WEBHOOK_ENDPOINT,
)
from reporting.api.pagination import paginate
from reporting.api.params import as_list, string
from reporting.api.rows import one
from reporting.models import WebhookEndpoint
from reporting.services import Caller, webhooks

from .links import metadata_param


def endpoints_of(request: ApiRequest) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(account_id=request.account.pk, livemode=request.livemode)


def events_param(value: Any) -> list[str]:
    events = as_list(value)
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise StripeError("Invalid array: enabled_events must be a list of strings.", param="enabled_events")
    return events


def description_param(value: Any) -> str:
    if not isinstance(value, str):
        raise StripeError("Invalid string: description must be a string.", param="description")
    return value  # empty unsets it, as Stripe


def refused(error: webhooks.EndpointError) -> StripeError:
    return StripeError(str(error), param=error.param, code="url_invalid" if error.param == "url" else None)


@api_view(LIST_WEBHOOK_ENDPOINTS, CREATE_WEBHOOK_ENDPOINT)
def webhook_endpoints(request: ApiRequest) -> HttpResponseBase:
    check(request)
    params = request.params
    if request.method == "POST":
        for name in ("url", "enabled_events"):
            if name not in params:
                raise StripeError(f"Missing required param: {name}.", code="parameter_missing", param=name)
        try:
            endpoint, secret = webhooks.create_endpoint(
                Caller.for_key(request.api_key),
                url=string(params["url"], "url"),
                enabled_events=events_param(params["enabled_events"]),
                description=description_param(params.get("description", "")),
                metadata=metadata_param(params.get("metadata", {}), {}),
            )
        except webhooks.EndpointError as error:
            raise refused(error) from None
        response = JsonResponse(serializers.webhook_endpoint_dict(endpoint, secret=secret))
        response.holds_secret = True  # type: ignore[attr-defined]  # an idempotent replay keeps it encrypted
        return response
    page, has_more = paginate(endpoints_of(request), params, kind="webhook endpoint")
    data = [serializers.webhook_endpoint_dict(endpoint) for endpoint in page]
    return JsonResponse(serializers.list_dict("/v1/webhook_endpoints", data, has_more))


@api_view(RETRIEVE_WEBHOOK_ENDPOINT, UPDATE_WEBHOOK_ENDPOINT, DELETE_WEBHOOK_ENDPOINT)
def webhook_endpoint(request: ApiRequest, endpoint_id: str) -> HttpResponseBase:
    endpoint = one(endpoints_of(request).filter(pk=endpoint_id))
    if endpoint is None:
        raise resource_missing("webhook endpoint", endpoint_id)
    check(request)
    caller = Caller.for_key(request.api_key)
    if request.method == "DELETE":
        webhooks.delete_endpoint(caller, endpoint)
        return JsonResponse(serializers.deleted_dict(endpoint.id, "webhook_endpoint"))
    if request.method == "POST":
        params = request.params
        disabled = params.get("disabled")
        if disabled is not None and disabled not in ("true", "false"):
            raise StripeError("Invalid boolean: disabled must be true or false.", param="disabled")
        try:
            webhooks.update_endpoint(
                caller,
                endpoint,
                url=string(params["url"], "url") if "url" in params else None,
                enabled_events=events_param(params["enabled_events"]) if "enabled_events" in params else None,
                description=description_param(params["description"]) if "description" in params else None,
                disabled=None if disabled is None else disabled == "true",
                metadata=metadata_param(params["metadata"], endpoint.metadata) if "metadata" in params else None,
            )
        except webhooks.EndpointError as error:
            raise refused(error) from None
    return JsonResponse(serializers.webhook_endpoint_dict(endpoint))
