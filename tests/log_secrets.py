"""Every log the suite produces is searched for every secret the suite made (issue 13: secrets stay secret).

Collected as the suite runs (this process only; a test whose server process makes
one passes it to `record`):
- API secrets, from ApiKey.issue (the demo's fixed ones included), and the HTTP
  Basic header that carries each (`base64(secret + ":")`);
- file-link tokens, from every FileLink saved;
- webhook signing secrets (`whsec_…`), from every WebhookEndpoint saved;
- session keys, from every new session;
- passwords of 8 characters or more given to set_password or check_password: the
  ones users are created with, and every one typed at a login page, wrong ones too.
  Shorter ones ("demo") would match ordinary words.

Searched, phase by phase (setup, call, teardown of each test): what pytest captured
(log records at the root, so every logger's; stdout and stderr at the file
descriptor level, which also holds the output of processes a test starts, such as
a Celery worker) and the log files a test hands to the `scanned_log` fixture
(gunicorn's access and error logs). A phase whose output holds a secret fails,
naming the kind of secret and where it was.

A test marked `leaks_secrets` proves the search works: it must leak, through the
same capture, and fails if nothing is found.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MIN_LENGTH = 8
# Secrets without spaces are looked for inside every run of these characters (tokens,
# base64, URL paths); others (passwords with spaces) as plain substrings.
_RUN = re.compile(rf"[A-Za-z0-9_\-+/=.~:]{{{MIN_LENGTH},}}")
_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.~:]+")

_tokens: dict[str, str] = {}  # secret -> kind
_lengths: set[int] = set()
_spaced: dict[str, str] = {}


def record(secret: object, kind: str) -> None:
    """Remember a secret the suite made, for the search of every later output."""
    if not isinstance(secret, str) or len(secret) < MIN_LENGTH:
        return
    if _TOKEN.fullmatch(secret):
        _tokens.setdefault(secret, kind)
        _lengths.add(len(secret))
    else:
        _spaced.setdefault(secret, kind)


def record_api_secret(secret: str) -> None:
    record(secret, "API secret")
    record(base64.b64encode(f"{secret}:".encode()).decode(), "API secret (HTTP Basic header)")


def leaks(text: str) -> list[str]:
    """The kinds of the secrets found in text, each with the secret's first and last characters."""
    found: dict[str, str] = {}
    if not text:
        return []
    lengths = sorted(_lengths)
    for match in _RUN.finditer(text):
        run = match.group()
        for length in lengths:
            if length > len(run):
                break
            for start in range(len(run) - length + 1):
                secret = run[start : start + length]
                if secret in _tokens:
                    found[secret] = _tokens[secret]
    for secret, kind in _spaced.items():
        if secret in text:
            found[secret] = kind
    return [f"{kind} {secret[:3]}…{secret[-2:]}" for secret, kind in found.items()]


# Collecting ------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _collect_secrets() -> Iterator[None]:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.sessions.backends.base import SessionBase
    from django.db.models.signals import post_save

    from reporting.crypto import UndecryptableSecret
    from reporting.demo import DEMO_LIVE_SECRET, DEMO_TEST_SECRET
    from reporting.models import ApiKey, FileLink, WebhookEndpoint

    for secret in (DEMO_TEST_SECRET, DEMO_LIVE_SECRET):
        record_api_secret(secret)

    issue = ApiKey.issue.__func__

    def issue_and_record(cls, **kwargs):
        key, secret = issue(cls, **kwargs)
        record_api_secret(secret)
        return key, secret

    new_session_key = SessionBase._get_new_session_key

    def new_session_key_recorded(self):
        key = new_session_key(self)
        record(key, "session key")
        return key

    set_password, check_password = AbstractBaseUser.set_password, AbstractBaseUser.check_password

    def set_password_recorded(self, raw_password):
        record(raw_password, "password")
        return set_password(self, raw_password)

    def check_password_recorded(self, raw_password):
        record(raw_password, "password")
        return check_password(self, raw_password)

    def link_saved(sender, instance, **kwargs):
        record(instance.token, "file-link token")

    def endpoint_saved(sender, instance, **kwargs):
        with contextlib.suppress(UndecryptableSecret):  # a row a test filled with a placeholder
            record(instance.secret, "webhook signing secret")

    post_save.connect(link_saved, sender=FileLink, dispatch_uid="log_secrets.link_saved")
    post_save.connect(endpoint_saved, sender=WebhookEndpoint, dispatch_uid="log_secrets.endpoint_saved")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ApiKey, "issue", classmethod(issue_and_record))
        patch.setattr(SessionBase, "_get_new_session_key", new_session_key_recorded)
        patch.setattr(AbstractBaseUser, "set_password", set_password_recorded)
        patch.setattr(AbstractBaseUser, "check_password", check_password_recorded)
        yield
    post_save.disconnect(sender=FileLink, dispatch_uid="log_secrets.link_saved")
    post_save.disconnect(sender=WebhookEndpoint, dispatch_uid="log_secrets.endpoint_saved")


# Searching -------------------------------------------------------------------------------

_LOG_FILES = pytest.StashKey[list[tuple[Path, int]]]()
_LEAKED = pytest.StashKey[list[str]]()


@pytest.fixture
def scanned_log(request: pytest.FixtureRequest) -> Callable[[Path], None]:
    """Hand a log file to the search: what is written to it from now until the test's teardown ends."""

    def scan(path: Path) -> None:
        start = path.stat().st_size if path.exists() else 0
        request.node.stash.setdefault(_LOG_FILES, []).append((path, start))

    return scan


def _outputs(item: pytest.Item, report: pytest.TestReport, when: str) -> Iterator[tuple[str, str]]:
    for name, content in report.sections:
        if name.startswith("Captured ") and name.endswith(f" {when}"):
            yield name, content
    if when == "teardown":
        for path, start in item.stash.get(_LOG_FILES, []):
            if path.exists():
                with path.open(encoding="utf-8", errors="replace") as file:
                    file.seek(start)
                    yield str(path), file.read()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    found = [f"{what} in {where}" for where, text in _outputs(item, report, call.when) for what in leaks(text)]
    if item.get_closest_marker("leaks_secrets") is not None:
        item.stash.setdefault(_LEAKED, []).extend(found)
        if call.when == "teardown" and not item.stash[_LEAKED] and report.passed:
            report.outcome = "failed"
            report.longrepr = "This test must leak a secret into its output, and the search found none."
        return
    if found and not report.failed:
        report.outcome = "failed"
        report.longrepr = "Secrets in the output of this test's " + call.when + ":\n  " + "\n  ".join(found)
