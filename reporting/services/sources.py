"""Stripe as a source of an account's ledger: connect a key, sync, and say how the syncs go.

The dashboard's Data sources page, the commands, the admin and beat call these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from reporting import crypto
from reporting.models import Event, StripeSource
from reporting.sources.stripe.client import SourceError, check_key, key_hint, key_livemode
from reporting.sources.stripe.sync import SyncBusy, sync
from reporting.sources.stripe.writing import Tally, fail

from .caller import Caller

logger = logging.getLogger(__name__)

__all__ = ["SourceError", "SyncBusy", "Tally", "connect_stripe", "disconnect_stripe", "run_sync", "source_of"]


def source_of(account_id: str, livemode: bool) -> StripeSource | None:
    return StripeSource.objects.filter(account_id=account_id, livemode=livemode).first()


def connect_stripe(caller: Caller, secret: str) -> StripeSource:
    """Check a key with one call, then keep it encrypted for the caller's mode; the prefix must name that mode."""
    caller.require_role("can_manage", message="Only an account admin can connect a Stripe account.")
    secret = secret.strip()
    livemode = key_livemode(secret)
    if livemode != caller.livemode:
        mode, other = ("live", "test") if livemode else ("test", "live")
        raise SourceError(f"That is a {mode}-mode key: it can only fill {mode}-mode data, and this is {other} mode.")
    hint = key_hint(secret)
    try:
        check_key(secret)
    except SourceError as exc:
        logger.warning("Connecting Stripe key %s to %s refused: %s", hint, caller.account.pk, exc)
        raise
    with transaction.atomic():
        source, _ = StripeSource.objects.update_or_create(
            account=caller.account,
            livemode=livemode,
            defaults={
                "encrypted_key": crypto.encrypt(secret),
                "key_hint": hint,
                "created_by": caller.user,
                "last_error": "",
            },
        )
        caller.record(Event.Action.SOURCE_CONNECTED, object_id=caller.account.pk, key=hint)
    return source


def disconnect_stripe(caller: Caller) -> bool:
    """Forget the mode's key (the ledger it filled stays); False if none was connected."""
    caller.require_role("can_manage", message="Only an account admin can disconnect a Stripe account.")
    source = source_of(caller.account.pk, caller.livemode)
    if source is None:
        return False
    with transaction.atomic():
        source.delete()
        caller.record(Event.Action.SOURCE_DISCONNECTED, object_id=caller.account.pk, key=source.key_hint)
    return True


def run_sync(source: StripeSource, *, until: datetime | None = None) -> Tally:
    """Sync a source now, in this process (SourceError: why it failed, already recorded on the source)."""
    try:
        secret = crypto.decrypt(source.encrypted_key)
    except crypto.UndecryptableSecret as exc:
        fail(source, str(exc))
        raise SourceError(str(exc)) from None
    return sync(source, secret, until=until)


@dataclass(frozen=True)
class SyncStatus:
    """What the Data sources page, the admin and the catalogue say of a source."""

    source: StripeSource

    @property
    def running(self) -> bool:
        return self.source.sync_heartbeat is not None

    @property
    def failing(self) -> bool:
        return bool(self.source.last_error)


def request_sync(caller: Caller) -> bool:
    """Queue a sync of the caller's mode now ("Sync now"); False when the broker is away (beat will sync)."""
    from reporting.tasks import sync_stripe_source

    caller.require_role("can_request", message="Only an analyst or an admin can start a sync.")
    source = source_of(caller.account.pk, caller.livemode)
    if source is None:
        raise SourceError("No Stripe account is connected in this mode.")
    try:
        sync_stripe_source.delay(source.pk)
    except Exception as exc:  # the broker's errors vary by transport
        logger.warning("Sync of %s was not queued (%s); beat will start it", source, type(exc).__name__)
        return False
    return True
