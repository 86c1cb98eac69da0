"""The search of every output for secrets (tests/log_secrets.py) finds one when it is there.

Each test here is marked `leaks_secrets`: it fails unless the search finds what it
leaks, through the same captures every other test's output goes through.
"""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from reporting.models import ApiKey
from tests.factories import UserFactory
from tests.log_secrets import leaks, record

pytestmark = [pytest.mark.django_db, pytest.mark.leaks_secrets]


def test_a_session_key_logged_by_any_logger_is_found(client):
    client.force_login(UserFactory())

    # A bare session key has no shape the log redaction knows: it reaches the log as is.
    logging.getLogger("reporting").warning("session %s", client.session.session_key)


def test_a_password_a_child_process_prints_is_found(account):
    user = UserFactory()
    user.set_password("correct horse battery staple")

    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write(sys.argv[1])", "correct horse battery staple"])


def test_an_api_secret_printed_is_found(account):
    _key, secret = ApiKey.issue(account=account, livemode=True)

    print(f"the secret is {secret}.")


def test_leaks_finds_each_kind_and_nothing_else():
    record("Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3r", "file-link token")

    assert leaks("GET /links/Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3r HTTP/1.1") == ["file-link token Qw3…3r"]
    assert leaks("GET /links/Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3") == []
    # The test leaks one itself, so that it passes as the others do.
    print("Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3r")
