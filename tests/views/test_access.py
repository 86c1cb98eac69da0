"""Who reaches the dashboard: login, deactivation, accounts and memberships, and switching to live mode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AccountFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_run_list_requires_login(client):
    response = client.get(reverse("reporting:run-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivated_user_is_logged_out_on_next_request(analyst_client, analyst):
    assert analyst_client.get(reverse("reporting:run-list")).status_code == 200
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])

    response = analyst_client.get(reverse("reporting:run-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_login_then_dashboard(client, analyst, ledger):
    analyst.set_password("correct horse battery")
    analyst.save()

    assert client.post(reverse("login"), {"username": "ana", "password": "correct horse battery"}).status_code == 302
    response = client.get(reverse("reporting:run-list"))

    assert response.status_code == 200
    assert response.wsgi_request.user == analyst
    assert response.context["membership"].account.name == "Acme"


def test_member_of_several_accounts_sees_the_first_by_name(client, analyst, account):
    MembershipFactory(account=AccountFactory(name="Zeta"), user=analyst)
    MembershipFactory(account=AccountFactory(name="Aardvark"), user=analyst)
    client.force_login(analyst)

    response = client.get(reverse("reporting:run-list"))

    assert response.context["membership"].account.name == "Aardvark"


def test_run_list_shows_only_own_account_and_mode(analyst_client, account):
    mine = ReportRunFactory(account=account)
    live = ReportRunFactory(account=account, livemode=True)
    other = ReportRunFactory()

    body = analyst_client.get(reverse("reporting:run-list")).content.decode()

    assert mine.id in body
    assert live.id not in body
    assert other.id not in body


def test_analyst_cannot_switch_to_live_mode(analyst_client, account):
    live = ReportRunFactory(account=account, livemode=True)

    response = analyst_client.post(reverse("reporting:switch-mode"))

    assert response.status_code == 403
    assert live.id not in analyst_client.get(reverse("reporting:run-list")).content.decode()


def test_admin_switches_to_live_mode_after_confirming_and_back_at_once(client, admin_member, ledger):
    live = ReportRunFactory(account=ledger, livemode=True)
    test = ReportRunFactory(account=ledger)
    client.force_login(admin_member)
    url = reverse("reporting:switch-mode")

    asked = client.post(url, {"mode": "live"})
    still_test = client.get(reverse("reporting:run-list")).content.decode()
    confirmed = client.post(url, {"mode": "live", "confirm": "yes"})
    in_live = client.get(reverse("reporting:run-list")).content.decode()
    client.post(url, {"mode": "test"})
    back = client.get(reverse("reporting:run-list")).content.decode()

    assert asked.status_code == 200
    assert "Switch to live mode?" in asked.content.decode()
    assert test.id in still_test
    assert live.id not in still_test
    assert confirmed.status_code == 302
    assert live.id in in_live
    assert test.id not in in_live
    assert 'class="mode-banner live"' in in_live
    assert test.id in back
    assert live.id not in back


@pytest.mark.parametrize("data", [{"mode": "production"}, {"mode": "LIVE", "confirm": "yes"}])
def test_an_unknown_mode_is_refused_and_changes_nothing(client, admin_member, ledger, data):
    live = ReportRunFactory(account=ledger, livemode=True)
    client.force_login(admin_member)

    response = client.post(reverse("reporting:switch-mode"), data)

    assert response.status_code == 400
    assert live.id not in client.get(reverse("reporting:run-list")).content.decode()


def test_user_without_membership_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(reverse("reporting:run-list")).status_code == 403
