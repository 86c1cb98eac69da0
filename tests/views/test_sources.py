"""The Data sources page (issue 14): the mode's Stripe account, how its syncs go, and each role's controls.

Also the catalogue's notice when the mode's sync fails. The key a test connects is
recorded with the secrets every log is searched for (tests/log_secrets.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting import crypto
from reporting.demo import DEMO_TEST_SECRET, load_demo
from reporting.models import DataWatermark, Event, Membership, StripeSource
from reporting.sources.stripe.client import REQUIRED_ACCESS, key_hint
from tests.factories import MembershipFactory, UserFactory
from tests.log_secrets import record
from tests.memory_broker import queued_syncs
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db

URL = reverse("reporting:sources")
SYNC = reverse("reporting:source-sync")
DISCONNECT = reverse("reporting:source-disconnect")
SECRET = "rk_test_" + "Zq8HfL2mWv9TcX4bNp7RyKd3"
record(SECRET, "Stripe key")
POLLS = 'hx-trigger="every 2s"'


def connected(account, livemode=False, **fields):
    encrypted = crypto.encrypt(SECRET)
    return StripeSource.objects.create(
        account=account, livemode=livemode, encrypted_key=encrypted, key_hint=key_hint(SECRET), **fields
    )


def member(client, account, role):
    user = UserFactory(username=f"{role}-user")
    MembershipFactory(user=user, account=account, role=role)
    client.force_login(user)
    return user


def assert_no_key(page, source=None):
    assert SECRET not in page
    if source is not None:
        assert source.encrypted_key not in page


@pytest.mark.parametrize(
    ("role", "can_sync", "can_manage"),
    [("viewer", False, False), ("analyst", True, False), ("admin", True, True)],
)
def test_each_role_sees_the_status_and_only_its_controls(client, account, role, can_sync, can_manage):
    member(client, account, role)
    source = connected(account, last_success_at=datetime(2025, 12, 1, tzinfo=UTC))

    page = client.get(URL).content.decode()

    assert f'href="{URL}">Data sources</a>' in page  # the nav link, for every member
    assert f'<code id="source-key">{source.key_hint}</code>' in page
    assert_no_key(page, source)
    assert (f'action="{SYNC}"' in page, "Sync now</button>" in page) == (can_sync, can_sync)
    assert (f'action="{DISCONNECT}"' in page, "Disconnect…</button>" in page) == (can_manage, can_manage)
    assert POLLS not in page  # nothing is running

    source.delete()
    empty = client.get(URL).content.decode()

    assert "No Stripe account is connected in test mode." in empty
    assert ('id="connect-form"' in empty) == can_manage
    assert (f'action="{SYNC}"' in empty, f'action="{DISCONNECT}"' in empty) == (False, False)


def test_the_status_shows_times_in_the_users_zone_rows_lag_and_the_error(client, account):
    user = member(client, account, "viewer")
    user.timezone = "America/New_York"
    user.save()
    DataWatermark.advance(account, False, timezone.now() - timedelta(hours=2, minutes=5))
    connected(
        account,
        last_success_at=datetime(2025, 12, 1, 15, 0, 0, tzinfo=UTC),
        last_rows_pulled=4321,
        rows_pulled=1234567,
        last_error="Stripe refused the key (401): it was revoked, rolled or mistyped.",
    )

    page = client.get(URL).content.decode()

    assert (
        '<dd id="source-last-success"><time datetime="2025-12-01T15:00:00+00:00">12/01/2025 10 a.m. EST</time></dd>'
        in page
    )
    assert '<span class="num" id="source-last-rows">4,321</span>' in page
    assert '<span class="num" id="source-rows">1,234,567</span>' in page
    lag = re.search(r'<dd id="source-lag">\s*<strong>([^<]*)</strong>', page)
    assert lag is not None
    assert lag.group(1) == "2\xa0hours"
    assert "Last sync failed" in page
    assert "Stripe refused the key (401): it was revoked, rolled or mistyped." in page


def test_the_status_polls_itself_while_a_sync_runs(client, account):
    member(client, account, "analyst")
    source = connected(account, sync_heartbeat=timezone.now())

    page = client.get(URL).content.decode()
    running = client.get(URL, headers=HX).content.decode()
    StripeSource.objects.filter(pk=source.pk).update(sync_heartbeat=None, last_success_at=timezone.now())
    done = client.get(URL, headers=HX).content.decode()
    source.delete()
    gone = client.get(URL, headers=HX)

    assert POLLS in page
    assert "Syncing…" in page
    # htmx asks for the section alone, and it keeps polling only while the sync runs.
    assert running.strip().startswith('<section id="source-status"')
    assert "<html" not in running
    assert POLLS in running
    assert "disabled>Sync now</button>" in running
    assert POLLS not in done
    assert "Synced</span>" in done
    assert gone.headers["HX-Refresh"] == "true"  # disconnected meanwhile: the connect form needs the whole page


def test_the_connect_form_says_what_the_key_needs_and_how_it_is_kept(client, account):
    member(client, account, "admin")

    page = client.get(URL).content.decode()

    field = re.search(r'<input type="password" name="secret" autocomplete="off"[^>]*>', page)
    assert field is not None
    assert 'aria-describedby="id_secret_helptext"' in field.group()
    assert "value=" not in field.group()
    assert all(f"<li>{access}</li>" in page for access in REQUIRED_ACCESS)
    help_text = 'id="id_secret_helptext">The key is checked with one call to Stripe, then stored encrypted.'
    assert f"{help_text} It is never shown again: this page shows only its prefix and last four characters." in page


@pytest.mark.parametrize(
    ("livemode", "secret", "error"),
    [
        (False, "pk_test_" + "A" * 24, "That is not a Stripe secret or restricted key"),
        (
            False,
            "sk_live_" + "B" * 24,
            "That is a live-mode key: it can only fill live-mode data, and this is test mode.",
        ),
        (
            True,
            "rk_test_" + "C" * 24,
            "That is a test-mode key: it can only fill test-mode data, and this is live mode.",
        ),
    ],
    ids=["malformed", "live-key-in-test-mode", "test-key-in-live-mode"],
)
def test_a_refused_key_is_explained_on_the_form_and_nothing_is_saved(
    client, account, settings, livemode, secret, error
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # refused before any call: none may leave
    member(client, account, "admin")
    if livemode:
        client.post(reverse("reporting:switch-mode"), {"mode": "live", "confirm": "yes"})

    response = client.post(URL, {"secret": secret})

    page = response.content.decode()
    assert response.status_code == 400
    assert (
        f'<div class="errors" role="alert" id="key-errors"><ul class="errorlist" id="id_secret_error"><li>{error}'
        in page
    )
    assert secret not in page  # the password input does not send the key back
    assert not StripeSource.objects.exists()
    assert not Event.objects.filter(action=Event.Action.SOURCE_CONNECTED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_key_is_checked_against_the_upstream_kept_encrypted_and_never_shown(
    client, account, admin_member, live_server, settings, caplog
):
    """Needs GET /v1/balance_transactions on the upstream (the ledger API, branch ledger-api)."""
    caplog.set_level("DEBUG")
    load_demo(rows=20)  # the demo account and its test key, the "Stripe" account connected here
    settings.STRIPE_API_BASE = live_server.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    client.force_login(admin_member)
    queued_syncs()

    connect = client.post(URL, {"secret": f"  {DEMO_TEST_SECRET}\n"}, follow=True)

    source = StripeSource.objects.get()
    page = connect.content.decode()
    assert connect.redirect_chain == [(URL, 302)]
    assert (source.account, source.livemode, source.created_by) == (account, False, admin_member)
    assert crypto.decrypt(source.encrypted_key) == DEMO_TEST_SECRET
    assert source.key_hint == key_hint(DEMO_TEST_SECRET)
    assert f"Connected the Stripe account of key {source.key_hint}." in page
    assert f'<code id="source-key">{source.key_hint}</code>' in page
    assert 'id="connect-form"' not in page
    assert DEMO_TEST_SECRET not in page
    assert source.encrypted_key not in page
    assert DEMO_TEST_SECRET not in caplog.text
    assert Event.objects.filter(action=Event.Action.SOURCE_CONNECTED, data={"key": source.key_hint}).exists()
    assert queued_syncs() == [source.pk]  # its first sync, without waiting for beat


def test_sync_now_queues_a_sync_and_the_page_follows_it(client, account):
    member(client, account, "analyst")
    source = connected(account, last_attempt_at=timezone.now() - timedelta(hours=1))
    queued_syncs()

    response = client.post(SYNC, follow=True)

    assert queued_syncs() == [source.pk]
    page = response.content.decode()
    assert "A sync is queued: this page follows it." in page
    assert POLLS in page
    assert "Sync queued" in page
    StripeSource.objects.filter(pk=source.pk).update(last_attempt_at=timezone.now(), last_success_at=timezone.now())
    assert POLLS not in client.get(URL, headers=HX).content.decode()


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_posts_beyond_the_role_are_refused_and_change_nothing(client, account, role):
    member(client, account, role)
    source = connected(account)
    queued_syncs()

    statuses = [
        client.post(URL, {"secret": SECRET}).status_code,
        client.post(DISCONNECT, {"confirm": "yes"}).status_code,
        client.post(SYNC).status_code,
    ]

    assert statuses == [403, 403, 403 if role == Membership.Role.VIEWER else 302]
    assert StripeSource.objects.get() == source
    assert queued_syncs() == ([] if role == Membership.Role.VIEWER else [source.pk])


def test_disconnect_asks_first_then_forgets_the_key(client, account, admin_member):
    client.force_login(admin_member)
    source = connected(account)

    asked = client.post(DISCONNECT).content.decode()

    assert StripeSource.objects.exists()
    assert f"This forgets the key <code>{source.key_hint}</code> of test mode" in asked
    assert '<input type="hidden" name="confirm" value="yes">' in asked
    assert_no_key(asked, source)

    done = client.post(DISCONNECT, {"confirm": "yes"}, follow=True).content.decode()

    assert not StripeSource.objects.exists()
    assert f"Disconnected the Stripe account of key {source.key_hint}." in done
    assert 'id="connect-form"' in done
    assert Event.objects.filter(action=Event.Action.SOURCE_DISCONNECTED, data={"key": source.key_hint}).exists()


def test_the_catalogue_says_when_the_sync_fails(client, account):
    user = member(client, account, "viewer")
    user.timezone = "Europe/Berlin"
    user.save()
    source = connected(account, last_success_at=datetime(2025, 11, 30, 23, 30, tzinfo=UTC))
    catalogue = reverse("reporting:report-types")

    healthy = client.get(catalogue).content.decode()
    StripeSource.objects.filter(pk=source.pk).update(last_error="Could not reach https://api.stripe.com: timed out")
    failing = client.get(catalogue).content.decode()

    assert 'id="sync-failing"' not in healthy
    notice = failing[failing.index('id="sync-failing"') : failing.index("</section>")]
    assert "stopped moving since the last successful sync, <time" in notice
    assert "Could not reach https://api.stripe.com: timed out" in notice
    assert f'<a href="{URL}">Data sources</a>' in notice
    assert "balance.summary.1" in failing  # the catalogue itself is unchanged


def test_a_connect_from_a_stale_page_does_not_replace_the_connected_key(client, account, admin_member):
    client.force_login(admin_member)
    source = connected(account)

    page = client.post(URL, {"secret": "sk_test_" + "D" * 24}, follow=True).content.decode()

    assert f"A Stripe account is already connected in this mode (key {source.key_hint})" in page
    assert StripeSource.objects.get().encrypted_key == source.encrypted_key
