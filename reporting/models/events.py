"""The append-only audit log: who did what, through which door."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .accounts import Account, ApiKey
from .ledger import AppendOnlyModel
from .runs import Door


class Event(AppendOnlyModel):
    class Action(models.TextChoices):
        RUN_REQUESTED = "run.requested", _("Requested a report run")
        RUN_RERUN = "run.rerun", _("Re-ran a report run")
        RUN_CANCELED = "run.canceled", _("Canceled a report run")
        FILE_DOWNLOADED = "file.downloaded", _("Downloaded a file")
        LEDGER_IMPORTED = "ledger.imported", _("Imported ledger data")
        KEY_CREATED = "api_key.created", _("Created an API key")
        KEY_REVOKED = "api_key.revoked", _("Revoked an API key")
        ACCOUNT_UPDATED = "account.updated", _("Changed the account's settings")
        SOURCE_CONNECTED = "source.connected", _("Connected a Stripe account")
        SOURCE_DISCONNECTED = "source.disconnected", _("Disconnected a Stripe account")
        LEDGER_SYNCED = "ledger.synced", _("Synced the ledger from Stripe")
        PAYOUT_UPDATED = "payout.updated", _("A payout changed upstream")
        WEBHOOK_CREATED = "webhook_endpoint.created", _("Added a webhook endpoint")
        WEBHOOK_UPDATED = "webhook_endpoint.updated", _("Changed a webhook endpoint")
        WEBHOOK_DELETED = "webhook_endpoint.deleted", _("Deleted a webhook endpoint")
        WEBHOOK_TESTED = "webhook_endpoint.tested", _("Sent a test event to a webhook endpoint")
        SCHEDULE_CREATED = "schedule.created", _("Created a schedule")
        SCHEDULE_PAUSED = "schedule.paused", _("Paused a schedule")
        SCHEDULE_RESUMED = "schedule.resumed", _("Resumed a schedule")
        SCHEDULE_DELETED = "schedule.deleted", _("Deleted a schedule")

    created = models.DateTimeField(default=timezone.now, db_index=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    door = models.CharField(max_length=16, choices=Door)
    action = models.CharField(max_length=32, choices=Action)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.action} {self.object_id}"

    @classmethod
    def record(
        cls,
        action: Event.Action,
        *,
        door: Door,
        account: Account | None,
        livemode: bool = False,
        actor: Any = None,
        api_key: ApiKey | None = None,
        object_id: str = "",
        **data: Any,
    ) -> Event:
        # Anonymous users (public links) are recorded as no actor.
        user = actor if getattr(actor, "is_authenticated", False) else None
        return cls.objects.create(
            action=action,
            door=door,
            account=account,
            livemode=livemode,
            actor=user,
            api_key=api_key,
            object_id=object_id,
            data=data,
        )
