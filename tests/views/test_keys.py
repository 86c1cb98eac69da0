"""API keys on the dashboard: account admins create and revoke them, the secret is shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.models import Event
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_admin_creates_key_and_sees_secret_once(client, admin_member, ledger):
    client.force_login(admin_member)

    created = client.post(reverse("reporting:api-keys"), {"name": "Nightly"}).content.decode()
    listed = client.get(reverse("reporting:api-keys")).content.decode()

    from reporting.models import ApiKey

    key = ApiKey.objects.get()
    secret = created.split('id="new-secret">')[1].split("<")[0]
    assert ApiKey.objects.authenticate(secret) == key
    assert secret not in listed
    assert key.masked in listed
    assert Event.objects.filter(action="api_key.created", door="dashboard").exists()


def test_admin_revokes_key(client, admin_member, ledger):
    from reporting.models import ApiKey

    key, secret = ApiKey.issue(account=ledger, livemode=False)
    client.force_login(admin_member)

    client.post(reverse("reporting:api-key-revoke", args=[key.pk]))

    assert ApiKey.objects.authenticate(secret) is None
    assert Event.objects.filter(action="api_key.revoked", object_id=str(key.pk)).exists()


def test_analyst_cannot_manage_keys(analyst_client):
    assert analyst_client.get(reverse("reporting:api-keys")).status_code == 403


def test_revoke_other_accounts_key_is_404(client, admin_member, ledger):
    from reporting.models import ApiKey

    key, _ = ApiKey.issue(account=AccountFactory(), livemode=False)
    client.force_login(admin_member)

    assert client.post(reverse("reporting:api-key-revoke", args=[key.pk])).status_code == 404
