"""Stripe's events and the webhook endpoints they are delivered to, with every delivery and attempt."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting import crypto
from reporting.ids import new_event_id, new_webhook_endpoint_id

from .accounts import Account
from .ledger import AppendOnlyModel


class ApiEvent(AppendOnlyModel):
    """Stripe's Event object: a change to an API object, listed at /v1/events and sent to webhook endpoints.

    Not the audit log (`Event`: who did what, through which door). Written in the
    transaction of the change it describes (an outbox: services.events), so an event
    exists exactly when its change committed; `data` holds the object as the API
    rendered it at that moment, and never changes.
    """

    class Type(models.TextChoices):
        REPORT_RUN_SUCCEEDED = "reporting.report_run.succeeded", _("A report run succeeded")
        REPORT_RUN_FAILED = "reporting.report_run.failed", _("A report run failed")
        REPORT_TYPE_UPDATED = "reporting.report_type.updated", _("A report type's data availability moved")

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    # No index of its own: apievent_mode_created starts with account.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    type = models.CharField(max_length=64, choices=Type)
    created = models.DateTimeField(default=timezone.now)
    api_version = models.CharField(max_length=32)
    object_id = models.CharField(max_length=100, help_text=_("The id of data.object: a run or a report type."))
    data = models.JSONField(help_text=_("Stripe's `data`: `object`, and `previous_attributes` for updates."))
    test = models.BooleanField(
        default=False, help_text=_("Sent by “Send test event” to one endpoint; not listed at /v1/events.")
    )

    class Meta:
        verbose_name = "API event"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "livemode", "-created", "-id"], name="apievent_mode_created")]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class WebhookEndpoint(models.Model):
    """Stripe's webhook_endpoint: a URL the account's events of some types are POSTed to, signed with its secret.

    The signing secret (`whsec_…`) is stored encrypted (reporting.crypto): it is
    needed again for every signature, and shown to people only when created.
    """

    class Status(models.TextChoices):
        ENABLED = "enabled", _("Enabled")
        DISABLED = "disabled", _("Disabled")

    id = models.CharField(primary_key=True, max_length=40, default=new_webhook_endpoint_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    url = models.CharField("URL", max_length=2048)
    enabled_events = models.JSONField(help_text=_("Event types sent here; `*` for every type."))
    description = models.CharField(max_length=5000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.ENABLED)
    api_version = models.CharField(max_length=32)
    encrypted_secret = models.TextField(help_text=_("The signing secret, encrypted with ENCRYPTION_KEYS (Fernet)."))
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "livemode", "-created", "-id"], name="endpoint_mode_created")]

    def __str__(self) -> str:
        return f"{self.id} {self.url}"

    @property
    def is_enabled(self) -> bool:
        return self.status == self.Status.ENABLED

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.encrypted_secret)

    def wants(self, event_type: str) -> bool:
        return "*" in self.enabled_events or event_type in self.enabled_events


class WebhookDeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def pending(self) -> WebhookDeliveryQuerySet:
        return self.filter(status=WebhookDelivery.Status.PENDING)

    def due(self, now: datetime) -> WebhookDeliveryQuerySet:
        """Pending deliveries whose next attempt is due and that no live attempt holds."""
        return self.pending().filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now), next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One event for one endpoint: sent until the endpoint answers 2xx, or given up after WEBHOOK_RETRY_FOR.

    Unique per (event, endpoint), so a duplicate message or a second fan-out never
    makes a second delivery. An attempt takes the row with a conditional UPDATE
    (`locked_until`), so two workers never POST the same attempt; one killed
    mid-attempt leaves a lock that expires, and the sweep sends the delivery again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(ApiEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty once the delivery is over."))
    locked_until = models.DateTimeField(null=True, blank=True, help_text=_("An attempt in flight holds it until then."))
    finished_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_unique_event_endpoint")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "-created", "-id"], name="delivery_endpoint_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the endpoint answered, how fast, or why nothing came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField("response time (ms)")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text=_("The start of the answer's body."))
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "-number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="attempt_unique_number")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
