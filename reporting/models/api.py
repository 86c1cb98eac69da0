"""Rows that only the Stripe-compatible API needs: file links and idempotency keys."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.ids import new_file_link_id

from .accounts import Account
from .runs import File

# Stripe keeps an idempotent response for at least 24 hours.
IDEMPOTENCY_TTL = timedelta(hours=24)


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


class FileLink(models.Model):
    """A public, unauthenticated URL for one file, until it expires."""

    id = models.CharField(primary_key=True, max_length=40, default=new_file_link_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["account", "livemode", "-created", "-id"], name="filelink_mode_created")]

    def __str__(self) -> str:
        return self.id

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class IdempotencyKeyQuerySet(models.QuerySet["IdempotencyKey"]):
    def expired(self) -> IdempotencyKeyQuerySet:
        return self.filter(created__lt=timezone.now() - IDEMPOTENCY_TTL)


class IdempotencyKey(models.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed for repeats."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField(default=False)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text=_("Method, path and parameters of the first request."))
    response_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Empty while in flight."))
    response_body = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "livemode", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return self.key
