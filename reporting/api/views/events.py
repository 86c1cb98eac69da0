"""Events: list, retrieve."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import LIST_EVENTS, RETRIEVE_EVENT
from reporting.api.operations.webhooks import MAX_TYPES
from reporting.api.pagination import paginate
from reporting.api.params import as_list, string
from reporting.api.rows import one
from reporting.models import ApiEvent, WebhookDelivery
from reporting.services.deliveries import pending_count


def events_of(request: ApiRequest) -> QuerySet[ApiEvent]:
    # Test events (the dashboard's "Send test event") went to one endpoint; they are not the account's history.
    return ApiEvent.objects.filter(account_id=request.account.pk, livemode=request.livemode, test=False)


def event_json(event: ApiEvent) -> dict[str, Any]:
    return serializers.event_dict(event, pending_webhooks=event.pending_webhooks)  # type: ignore[attr-defined]


def matching_types(pattern: str) -> list[str]:
    """The event types `pattern` names, `*` matching any characters (Stripe's groups: `reporting.report_run.*`)."""
    regex = ".*".join(map(re.escape, pattern.split("*")))
    return [kind for kind in ApiEvent.Type.values if re.fullmatch(regex, kind)]


def filtered(queryset: QuerySet[ApiEvent], params: dict[str, Any]) -> QuerySet[ApiEvent]:
    if "type" in params and "types" in params:
        raise StripeError(
            "You may only specify one of these parameters: type, types.", code="parameters_exclusive", param="types"
        )
    if "type" in params:
        queryset = queryset.filter(type__in=matching_types(string(params["type"], "type")))
    if "types" in params:
        types = as_list(params["types"])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise StripeError("Invalid array: types must be a list of strings.", param="types")
        if len(types) > MAX_TYPES:
            raise StripeError(f"Invalid types: at most {MAX_TYPES} types.", param="types")
        queryset = queryset.filter(type__in=types)
    if "delivery_success" in params:
        value = params["delivery_success"]
        if value not in ("true", "false"):
            raise StripeError("Invalid boolean: delivery_success must be true or false.", param="delivery_success")
        unsuccessful = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(
            status=WebhookDelivery.Status.SUCCEEDED
        )
        queryset = queryset.filter(~Exists(unsuccessful) if value == "true" else Exists(unsuccessful))
    return queryset


@api_view(LIST_EVENTS)
def events(request: ApiRequest) -> HttpResponseBase:
    check(request)
    scope = events_of(request)
    queryset = filtered(scope, request.params).annotate(pending_webhooks=pending_count())
    page, has_more = paginate(queryset, request.params, kind="event", cursor_scope=scope)
    return JsonResponse(serializers.list_dict("/v1/events", [event_json(e) for e in page], has_more))


@api_view(RETRIEVE_EVENT)
def event(request: ApiRequest, event_id: str) -> HttpResponseBase:
    check(request)
    found = one(events_of(request).filter(pk=event_id).annotate(pending_webhooks=pending_count()))
    if found is None:
        raise resource_missing("event", event_id)
    return JsonResponse(event_json(found))
