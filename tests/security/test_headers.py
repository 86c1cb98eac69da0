"""Response headers and markup: a Content-Security-Policy without inline code, no caching of secrets, Secure cookies.

The browser test (tests/test_browser.py) runs the dashboard and the admin under
this policy and fails on any violation; here every page is checked for what the
policy would block, page by page, without a browser.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reporting.models import ApiKey, Membership
from tests.admin.conftest import change_url, succeeded_run
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# What a policy without 'unsafe-inline' blocks: inline scripts (JSON data blocks
# excepted: never run), <style> elements, style="" and on…="" attributes, javascript: URLs.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


@pytest.fixture
def member_client(client, admin_member, account):
    client.force_login(admin_member)
    return client


def dashboard_pages(account):
    run = succeeded_run(account=account)
    return [
        reverse("login"),
        reverse("reporting:run-list"),
        reverse("reporting:run-create"),
        reverse("reporting:run-create") + "?report_type=payout_reconciliation.by_id.itemized.4",
        reverse("reporting:report-types"),
        reverse("reporting:payout-search") + "?q=1",
        reverse("reporting:run-detail", args=[run.id]),
        reverse("reporting:api-keys"),
    ]


def admin_pages(account, user):
    run = succeeded_run(account=account)
    return [
        reverse("admin:index"),
        reverse("admin:reporting_reportrun_changelist"),
        change_url(run),
        reverse("admin:reporting_user_change", args=[user.pk]),
        reverse("admin:auth_user_password_change", args=[user.pk]),
        reverse("admin:reporting_user_add"),
        reverse("admin:reporting_membership_add"),
        change_url(account),
        reverse("admin:reporting_balancetransaction_import"),
    ]


def assert_strict_policy(response):
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_dashboard_pages_send_the_policy_and_hold_no_inline_code(member_client, account):
    for url in dashboard_pages(account):
        response = member_client.get(url)

        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert INLINE.findall(response.content.decode()) == [], url


def test_admin_pages_send_the_policy_and_hold_no_inline_code(admin_client, admin_user, account):
    MembershipFactory(account=account, user=admin_user, role=Membership.Role.ADMIN)
    for url in admin_pages(account, admin_user):
        response = admin_client.get(url)

        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert INLINE.findall(response.content.decode()) == [], url


def test_lockout_page_holds_no_inline_code(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    UserFactory(username="ana")

    response = client.post(reverse("login"), {"username": "ana", "password": "not-the-Pa55word"})

    assert response.status_code == 429
    assert_strict_policy(response)
    assert INLINE.findall(response.content.decode()) == []


def test_new_api_key_page_is_never_cached(member_client):
    shown = member_client.post(reverse("reporting:api-keys"), {"name": "Nightly"})
    listed = member_client.get(reverse("reporting:api-keys"))

    assert "sk_test_" in shown.content.decode()  # the page with the new secret
    for response in (shown, listed):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_admin_pages_are_never_cached(admin_client, account):
    key, _secret = ApiKey.issue(account=account, livemode=False)

    response = admin_client.get(reverse("admin:reporting_apikey_change", args=[key.pk]))

    assert "no-store" in response["Cache-Control"]


def test_api_responses_are_never_cached(client, account):
    _key, secret = ApiKey.issue(account=account, livemode=False)
    run = succeeded_run(account=account)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    link = client.post("/v1/file_links", {"file": run.result_id}, **auth)
    public = client.get(link.json()["url"].split("testserver", 1)[-1])
    listed = client.get("/v1/reporting/report_runs", **auth)

    assert (link.status_code, listed.status_code) == (200, 200)
    for response in (link, public, listed):
        assert response["Cache-Control"] == "no-cache, no-store"


def test_session_and_csrf_cookies_are_secure_and_the_session_one_http_only(client, settings):
    UserFactory(username="ana", password="right-Pa55word-42")

    login_page = client.get(reverse("login"))
    logged_in = client.post(reverse("login"), {"username": "ana", "password": "right-Pa55word-42"})

    assert login_page.cookies["csrftoken"]["secure"] is True
    session = logged_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # the production default (the tests speak plain HTTP)

    page = client.get("/accounts/login/")
    health = client.get("/healthz")

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/accounts/login/"
    assert health.status_code in (200, 503)
