"""Admin for events, webhook endpoints and their deliveries: each delivery with the log of its attempts.

Read-only: events never change, endpoints are managed on the dashboard's
Webhooks page and through the API, deliveries only by their task. The signing
secret is never displayed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from reporting.models import ApiEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from reporting.services.deliveries import pending_count

from .base import EMPTY, AccountFilter, ModeColumn, ModeFilter, ReadOnlyAdmin, pretty_json


@admin.register(ApiEvent)
class ApiEventAdmin(ModeColumn, ReadOnlyAdmin[ApiEvent]):
    list_display = ("id", "type", "object_id", "account", "mode", "created", "pending_webhooks", "test")
    list_filter = ("type", ModeFilter, "test", ("account", AccountFilter))
    list_select_related = ("account",)
    search_fields = ("=id", "=object_id")
    fields = ("id", "type", "object_id", "account", "mode", "created", "api_version", "test", "payload")
    readonly_fields = ("mode", "payload")
    date_hierarchy = "created"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiEvent]:
        return super().get_queryset(request).annotate(pending=pending_count())

    @admin.display(description=gettext_lazy("pending webhooks"), ordering="pending")
    def pending_webhooks(self, event: ApiEvent) -> int:
        return int(getattr(event, "pending", 0))

    @admin.display(description=gettext_lazy("data"))
    def payload(self, event: ApiEvent) -> SafeString:
        return pretty_json(event.data)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ModeColumn, ReadOnlyAdmin[WebhookEndpoint]):
    list_display = ("id", "url", "account", "mode", "status", "events", "created")
    list_filter = ("status", ModeFilter, ("account", AccountFilter))
    list_select_related = ("account",)
    search_fields = ("=id", "url")
    fields = (
        "id",
        "url",
        "account",
        "mode",
        "status",
        "enabled_events",
        "description",
        "metadata",
        "api_version",
        "created",
        "created_by",
    )
    exclude = ("encrypted_secret",)
    readonly_fields = ("mode",)

    @admin.display(description=gettext_lazy("events"))
    def events(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.enabled_events)


class AttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    fields = ("number", "started_at", "status_code", "duration_ms", "error", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("response body"))
    def body(self, attempt: WebhookAttempt) -> str:
        return Truncator(attempt.response_body).chars(300) or EMPTY


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin[WebhookDelivery]):
    account_path = "endpoint__account"
    livemode_path = "endpoint__livemode"
    list_display = (
        "event",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "error",
        "next_attempt_at",
        "finished_at",
    )
    list_filter = ("status", "event__type", ("endpoint__account", AccountFilter))
    list_select_related = ("event", "endpoint")
    search_fields = ("=event__id", "=endpoint__id")
    fields = (
        "event",
        "endpoint",
        "status",
        "created",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "finished_at",
        "last_status_code",
        "last_error",
    )
    inlines = (AttemptInline,)

    @admin.display(description=gettext_lazy("type"), ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description=gettext_lazy("last error"), ordering="last_error")
    def error(self, delivery: WebhookDelivery) -> str:
        return Truncator(delivery.last_error).chars(80) or EMPTY
