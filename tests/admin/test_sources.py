"""Stripe sources in the admin: read-only, the key never shown, filters by mode and failing, and "Sync now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from reporting import crypto
from reporting.models import DataWatermark, Membership, StripeSource
from tests.admin.conftest import change_url, changelist_url, listed, post_action, staff_member
from tests.memory_broker import queued_syncs

pytestmark = pytest.mark.django_db


def source(account, livemode=False, **fields):
    hint = f"sk_{'live' if livemode else 'test'}_…{account.pk[-4:]}"
    return StripeSource.objects.create(
        account=account, livemode=livemode, encrypted_key=crypto.encrypt("never-shown"), key_hint=hint, **fields
    )


def test_the_list_shows_how_syncs_go_and_filters_failing_ones(admin_client, account, other_account):
    DataWatermark.advance(account, False, timezone.now() - timedelta(hours=3, minutes=10))
    healthy = source(account, last_success_at=datetime(2025, 12, 1, tzinfo=UTC), rows_pulled=1200, last_rows_pulled=7)
    failing = source(account, livemode=True, last_error="Stripe refused the key (401).", sync_heartbeat=timezone.now())
    elsewhere = source(other_account, last_error="Could not reach https://api.stripe.com")

    page = admin_client.get(changelist_url(StripeSource))
    body = page.content.decode()
    failing_only = admin_client.get(changelist_url(StripeSource), {"failing": "yes"})
    live_only = admin_client.get(changelist_url(StripeSource), {"mode": "live"})
    detail = admin_client.get(change_url(healthy)).content.decode()

    assert listed(page) == {healthy.pk, failing.pk, elsewhere.pk}
    assert listed(failing_only) == {failing.pk, elsewhere.pk}
    assert listed(live_only) == {failing.pk}
    row = body[body.index(healthy.key_hint) :]
    row = row[: row.index("</tr>")]
    assert ">3\xa0hours<" in row  # the lag: how far the mode's watermark trails now
    assert "Stripe refused the key (401)." in body
    for text in (body, detail):
        assert "encrypted" not in text
        assert all(s.encrypted_key not in text for s in (healthy, failing, elsewhere))
    assert 'name="_save"' not in detail  # nothing to edit: the cursors belong to the sync


def test_sync_now_queues_the_selected_sources(admin_client, account, other_account):
    selected = [source(account), source(other_account, livemode=True)]
    source(account, livemode=True)  # not selected
    queued_syncs()

    response = post_action(admin_client, StripeSource, "sync_now", selected)

    assert "Queued 2 syncs." in response.content.decode()
    assert sorted(queued_syncs()) == sorted(s.pk for s in selected)


def test_staff_sync_only_the_sources_their_role_allows(client, account, other_account):
    analyst = staff_member(account, Membership.Role.ANALYST)
    viewer = staff_member(other_account, Membership.Role.VIEWER)
    theirs, mine, live = source(other_account), source(account), source(account, livemode=True)
    queued_syncs()

    client.force_login(analyst)
    seen = listed(client.get(changelist_url(StripeSource)))
    post_action(client, StripeSource, "sync_now", [mine, theirs, live])
    queued_by_analyst = queued_syncs()
    client.force_login(viewer)
    offered = client.get(changelist_url(StripeSource)).content.decode()

    assert seen == {mine.pk}  # another tenant's, and live mode without the admin role, stay out of sight
    assert queued_by_analyst == [mine.pk]
    assert 'value="sync_now"' not in offered  # viewers may not start syncs
