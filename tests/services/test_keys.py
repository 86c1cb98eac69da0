"""services.issue_key / revoke_key: the role, the write and the audit event together."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied

from reporting import services
from reporting.models import ApiKey, Door, Event, Membership, digest_secret
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def admin_caller(account, *, livemode=False):
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=Membership.Role.ADMIN)
    return services.Caller(account, livemode, Door.DASHBOARD, user=user)


def test_issue_key_stores_only_the_digest_and_records_the_event(account):
    caller = admin_caller(account, livemode=True)

    key, secret = services.issue_key(caller, name="ci")

    assert secret.startswith("sk_live_")
    assert key.digest == digest_secret(secret)
    assert secret not in (key.prefix, key.last4)
    assert (key.name, key.created_by, key.livemode) == ("ci", caller.user, True)
    event = Event.objects.get(action="api_key.created")
    assert (event.object_id, event.actor, event.door, event.livemode) == (str(key.pk), caller.user, "dashboard", True)


def test_issue_key_refuses_an_analyst(account):
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=Membership.Role.ANALYST)

    with pytest.raises(PermissionDenied):
        services.issue_key(services.Caller(account, False, Door.DASHBOARD, user=user))

    assert not ApiKey.objects.exists()
    assert not Event.objects.exists()


def test_issue_key_writes_nothing_when_the_event_fails(account):
    with mock.patch.object(Event, "record", side_effect=RuntimeError("disk full")), pytest.raises(RuntimeError):
        services.issue_key(services.Caller(account, False, Door.CLI))

    assert not ApiKey.objects.exists()


def test_revoke_key_once_records_one_event(account):
    caller = admin_caller(account)
    key, _ = services.issue_key(caller)

    first, second = services.revoke_key(caller, key), services.revoke_key(caller, key)

    assert (first, second) == (True, False)
    assert key.revoked_at is not None
    assert Event.objects.filter(action="api_key.revoked", object_id=str(key.pk)).count() == 1


def test_revoke_key_refuses_another_accounts_key(account):
    key, _ = services.issue_key(services.Caller(AccountFactory(), False, Door.CLI))

    with pytest.raises(ValueError, match="does not belong"):
        services.revoke_key(admin_caller(account), key)

    key.refresh_from_db()
    assert key.revoked_at is None
