"""Login throttling (django-axes, reporting/throttle.py) on the dashboard's and the admin's login pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from reporting.throttle import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-Pa55word-42"
WRONG = "wrong-Pa55word-42"
PAGES = ["login", "admin:login"]


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def people(db):
    # Staff, so that the right password also logs in to the admin.
    return {name: UserFactory(username=name, password=PASSWORD, is_staff=True) for name in ("ana", "ben", "mal")}


def log_in(client, page, username, password, address="192.0.2.1", **extra):
    client.logout()
    return client.post(reverse(page), {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def logged_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def assert_locked_out(response):
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "Try again in 15 minutes" in page


@pytest.mark.parametrize("page", PAGES)
def test_a_user_name_is_locked_after_the_limit_even_with_the_right_password(client, people, page):
    failures = [log_in(client, page, "ana", WRONG, address=f"192.0.2.{n}") for n in range(3)]

    refused = log_in(client, page, "ana", PASSWORD, address="198.51.100.7")

    # The form's "wrong password", until the failure that reaches the limit.
    assert [f.status_code for f in failures] == [200, 200, 429]
    assert_locked_out(failures[-1])
    assert_locked_out(refused)
    assert not logged_in(refused)
    assert logged_in(log_in(client, page, "ben", PASSWORD, address="198.51.100.7"))  # others are not locked


@pytest.mark.parametrize("page", PAGES)
def test_an_address_is_locked_after_the_limit_across_user_names(client, people, page):
    for username in ("ana", "ben", "nobody"):
        log_in(client, page, username, WRONG)

    assert_locked_out(log_in(client, page, "mal", PASSWORD))
    assert logged_in(log_in(client, page, "mal", PASSWORD, address="198.51.100.7"))


@pytest.mark.parametrize("page", PAGES)
def test_a_success_forgets_that_users_failures(client, people, page):
    for _ in range(2):
        log_in(client, page, "ana", WRONG)
    assert logged_in(log_in(client, page, "ana", PASSWORD))

    for _ in range(2):
        log_in(client, page, "ana", WRONG)

    assert logged_in(log_in(client, page, "ana", PASSWORD))


def test_logging_in_to_ones_own_account_does_not_reset_guesses_at_another(client, people):
    """Axes' own reset would forget every failure from the address: the attacker's own login between guesses."""
    log_in(client, "login", "ana", WRONG)
    log_in(client, "login", "ana", WRONG)
    assert logged_in(log_in(client, "login", "mal", PASSWORD))

    log_in(client, "login", "ana", WRONG)

    assert_locked_out(log_in(client, "login", "ana", PASSWORD, address="198.51.100.7"))


def test_the_lock_ends_after_the_cool_off(client, people):
    for _ in range(3):
        log_in(client, "login", "ana", WRONG)
    assert_locked_out(log_in(client, "login", "ana", PASSWORD))

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert logged_in(log_in(client, "login", "ana", PASSWORD))


def test_behind_a_proxy_the_forwarded_address_counts_not_what_the_client_claims(client, people, settings):
    settings.PROXY_COUNT = 1
    # nginx appends the address it saw; the client may send anything before it.
    for n in range(3):
        forwarded = f"10.9.9.{n}, 203.0.113.9"
        log_in(client, "login", f"user{n}", WRONG, address="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    blocked = log_in(client, "login", "ana", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    other = log_in(client, "login", "ben", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert_locked_out(blocked)
    assert logged_in(other)


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "192.0.2.1"),
        (1, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}, "203.0.113.9"),
        (2, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.0.0.2"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
    ],
)
def test_client_ip(settings, count, meta, expected):
    settings.PROXY_COUNT = count

    assert client_ip(RequestFactory().post("/accounts/login/", **meta)) == expected
