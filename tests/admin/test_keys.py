"""The API key admin: the digest is never shown, and revoking takes the account admin role and is recorded."""

from __future__ import annotations

import pytest

from reporting.models import ApiKey, Event
from tests.admin.conftest import change_url, changelist_url, history_url, post_action

pytestmark = pytest.mark.django_db


def test_api_key_pages_never_show_the_digest(admin_client, account):
    key, secret = ApiKey.issue(account=account, livemode=False, name="Deploy")

    pages = [
        admin_client.get(changelist_url(ApiKey)),
        admin_client.get(change_url(key)),
        admin_client.get(history_url(key)),
    ]

    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert key.digest not in body
        assert secret not in body
    assert key.masked in pages[0].content.decode()


def test_revoke_action_revokes_and_records_event(admin_client, admin_user, account):
    key, _secret = ApiKey.issue(account=account, livemode=True)

    post_action(admin_client, ApiKey, "revoke", [key])

    key.refresh_from_db()
    assert key.revoked_at is not None
    event = Event.objects.get(action=Event.Action.KEY_REVOKED)
    assert (
        event.door,
        event.actor,
        event.account_id,
        event.livemode,
        event.object_id,
    ) == ("admin", admin_user, account.id, True, str(key.pk))


def test_revoke_needs_account_admin_role(analyst_staff_client, account):
    key, _secret = ApiKey.issue(account=account, livemode=False)

    post_action(analyst_staff_client, ApiKey, "revoke", [key])

    key.refresh_from_db()
    assert key.revoked_at is None
    assert not Event.objects.filter(action=Event.Action.KEY_REVOKED).exists()
