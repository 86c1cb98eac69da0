"""Who asks the services for something: an account's mode, through a door, as a user or an API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied

from reporting.models import Account, ApiKey, Door, Event, Membership, User


@dataclass(frozen=True)
class Caller:
    """The account and mode a request acts on, the door it came through and who sent it.

    A user (dashboard, admin), an API key (API), or neither (commands, the demo,
    public links). Every service takes one, so each door says who it is once and
    the services decide what that may do.
    """

    account: Account
    livemode: bool
    door: Door
    user: User | None = None
    api_key: ApiKey | None = None

    @classmethod
    def for_key(cls, api_key: ApiKey) -> Caller:
        return cls(api_key.account, api_key.livemode, Door.API, api_key=api_key)

    def membership(self) -> Membership | None:
        if self.user is None:
            return None
        return Membership.objects.filter(user=self.user, account=self.account).first()

    def require_role(self, allowed: Literal["can_request", "can_manage"], *, message: str) -> None:
        """Refuse a user whose role in the account may not do this (`can_request` or `can_manage`).

        Live mode always needs an account admin. Keys act with their own mode;
        commands and the system act for the account; superusers for any account.
        """
        if self.user is None or self.user.is_superuser:
            return
        membership = self.membership()
        if membership is None or not getattr(membership, allowed) or (self.livemode and not membership.can_manage):
            raise PermissionDenied(message)

    def record(self, action: Event.Action, object_id: str, **data: Any) -> Event:
        return Event.record(
            action,
            door=self.door,
            account=self.account,
            livemode=self.livemode,
            actor=self.user,
            api_key=self.api_key,
            object_id=object_id,
            **data,
        )
