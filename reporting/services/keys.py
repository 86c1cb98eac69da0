"""Issue and revoke API keys: one place for the role check, the write and the audit event."""

from __future__ import annotations

from django.db import transaction

from reporting.models import ApiKey, Event

from .caller import Caller

MANAGE_KEYS = "Only account admins can manage API keys."


def issue_key(caller: Caller, *, name: str = "", secret: str | None = None) -> tuple[ApiKey, str]:
    """Create a key for the caller's account and mode; return it with its secret, shown this once."""
    caller.require_role("can_manage", message=MANAGE_KEYS)
    with transaction.atomic():
        key, secret = ApiKey.issue(
            account=caller.account, livemode=caller.livemode, name=name[:100], created_by=caller.user, secret=secret
        )
        caller.record(Event.Action.KEY_CREATED, str(key.pk))
    return key, secret


def revoke_key(caller: Caller, key: ApiKey) -> bool:
    """Revoke a key of the caller's account and mode; False when it was already revoked."""
    if key.account_id != caller.account.pk or key.livemode != caller.livemode:
        raise ValueError(f"API key {key.pk} does not belong to {caller.account.pk}'s mode")
    caller.require_role("can_manage", message=MANAGE_KEYS)
    with transaction.atomic():
        if not key.revoke():
            return False
        caller.record(Event.Action.KEY_REVOKED, str(key.pk))
    return True
