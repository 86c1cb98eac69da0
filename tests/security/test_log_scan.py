"""The search of every output for secrets (tests/log_secrets.py) finds one when it is there; the redaction.

The tests marked `leaks_secrets` fail unless the search finds what they leak,
through the same captures every other test's output goes through.
"""

from __future__ import annotations

import base64
import logging
import subprocess
import sys

import pytest

from reporting.models import ApiKey
from tests.factories import UserFactory
from tests.log_secrets import leaks, record, record_api_secret

pytestmark = pytest.mark.django_db


@pytest.mark.leaks_secrets
def test_a_session_key_logged_by_any_logger_is_found(client):
    client.force_login(UserFactory())

    # A bare session key has no shape the log redaction knows: it reaches the log as is.
    logging.getLogger("reporting").warning("session %s", client.session.session_key)


@pytest.mark.leaks_secrets
def test_a_password_a_child_process_prints_is_found(account):
    user = UserFactory()
    user.set_password("correct horse battery staple")

    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write(sys.argv[1])", "correct horse battery staple"])


@pytest.mark.leaks_secrets
def test_an_api_secret_printed_is_found(account):
    _key, secret = ApiKey.issue(account=account, livemode=True)

    print(f"the secret is {secret}.")


def test_leaks_finds_each_kind_and_nothing_else():
    record("Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3r", "file-link token")

    assert leaks("GET /links/Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3r HTTP/1.1") == ["file-link token Qw3…3r"]
    assert leaks("GET /links/Qw3rtyUiopAsdfGhjkLzxcvbnm0123456789_-Qw3") == []
    secret = "sk_test_" + "Zz9" * 16
    record_api_secret(secret)
    header = base64.b64encode(f"{secret}:".encode()).decode()
    assert leaks(f"Authorization: Basic {header}") == [f"API secret (HTTP Basic header) {header[:3]}…{header[-2:]}"]
    assert leaks(f"key={secret}&x=1") == ["API secret sk_…z9"]


def test_redaction_cleans_messages_and_tracebacks(caplog):
    secret = "sk_live_" + "A1b2C3d4" * 6
    logger = logging.getLogger("reporting.probe")

    logger.warning("Not Found: /links/%s", "Zx9" * 14)
    try:
        raise ValueError(f"bad key {secret}")
    except ValueError:
        logger.exception("failed with Authorization: Basic %s", base64.b64encode(f"{secret}:".encode()).decode())

    text = caplog.text
    assert "Not Found: /links/[redacted]" in text
    assert "failed with Authorization: Basic [redacted]" in text
    assert "ValueError: bad key sk_live_…C3d4" in text
    assert "A1b2C3d4A1b2" not in text
    assert "Zx9Zx9" not in text


def test_redaction_masks_webhook_signing_secrets(caplog):
    secret = "whsec_" + "Q7w" * 11

    logging.getLogger("reporting.probe").warning("endpoint secret %s leaked", secret)

    assert "endpoint secret whsec_[redacted] leaked" in caplog.text
    assert "Q7wQ7w" not in caplog.text
