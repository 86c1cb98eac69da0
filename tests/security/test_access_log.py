"""gunicorn as `make run` starts it, access log on: no Basic-auth user, no link token, no password or session id.

One real gunicorn (config/gunicorn.py, one worker) serves this module; its access
log and its output (Django's warnings go to stderr) are files handed to the
suite's search for secrets (tests/log_secrets.py), besides the checks here.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone

from reporting.models import ApiKey, FileLink, Membership
from tests.factories import FileFactory, MembershipFactory, UserFactory
from tests.log_secrets import record

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "gunicorn-Pa55word-x1"

# The module's one gunicorn serves report files from its own directory (the download test writes one
# there), on the S3 leg too: what is under test is its logging, not where the files live.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.local_storage]


@dataclass
class Server:
    port: int
    access_log: Path
    output: Path
    files: Path
    answered: int = 0  # requests answered, each of which gets its line in the access log
    start: int = 0  # where the current test's lines begin in the access log

    def request(self, method, path, *, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            self.answered += 1
            return response.status, response.getheaders(), body
        finally:
            conn.close()

    def wait_for_access_lines(self, count, start=None):
        """The worker writes a request's line after answering it: wait until `count` lines are there."""
        deadline = time.monotonic() + 20
        while True:
            with self.access_log.open() as log:
                log.seek(self.start if start is None else start)
                text = log.read()
            if len(text.splitlines()) >= count or time.monotonic() > deadline:
                return text
            time.sleep(0.05)


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    logs = tmp_path_factory.mktemp("gunicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with django_db_blocker.unblock():
        url = database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": url,
        "VAR_DIR": str(logs / "var"),
        "REPORT_FILES_ROOT": str(logs / "files"),
    }
    # As config/run_local.py runs it, with one worker and the logs in files.
    args = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(logs / "access.log")]
    with (logs / "output.log").open("wb") as output:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(port, logs / "access.log", logs / "output.log", logs / "files")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.request("GET", "/healthz")  # 200 or 503 (no broker here): it answers
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{server.output.read_text()}") from None
                time.sleep(0.1)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def logs(server, scanned_log):
    server.wait_for_access_lines(server.answered, start=0)  # earlier tests' lines are all written
    server.start = server.access_log.stat().st_size
    scanned_log(server.access_log)
    scanned_log(server.output)
    return server


def test_access_log_names_no_user_and_masks_link_tokens(logs, account):
    _key, secret = ApiKey.issue(account=account, livemode=False)
    stored = FileFactory(account=account, storage_name="acct/report.csv", size=4)
    (logs.files / "acct").mkdir(parents=True, exist_ok=True)
    (logs.files / "acct" / "report.csv").write_bytes(b"a,b\n")
    live = FileLink.objects.create(account=account, file=stored)
    gone = FileLink.objects.create(account=account, file=stored, expires_at=timezone.now() - timedelta(days=1))
    basic = base64.b64encode(f"{secret}:".encode()).decode()

    # The README's download example: HTTP Basic with the secret as user name.
    api = logs.request("GET", "/v1/reporting/report_types", headers={"Authorization": f"Basic {basic}"})
    wrong = logs.request("GET", "/v1/files", headers={"Authorization": f"Bearer {secret[:-4]}XXXX"})
    download = logs.request("GET", f"/links/{live.token}?x=1")
    expired = logs.request("GET", f"/links/{gone.token}")

    assert [api[0], wrong[0], download[0], expired[0]] == [200, 401, 200, 404]
    access = logs.wait_for_access_lines(4)
    lines = access.splitlines()
    assert len(lines) == 4
    # host, identity, user ("-" always), time, request line
    assert all(re.match(r'^127\.0\.0\.1 - - \[[^]]+\] "', line) for line in lines), access
    assert '"GET /links/[redacted]?x=1 HTTP/1.1" 200' in access
    assert '"GET /links/[redacted] HTTP/1.1" 404' in access
    for secret_value in (secret, basic, live.token, gone.token):
        assert secret_value not in access
    # Django's own warning for the 404 names the path: masked as well.
    output = logs.output.read_text()
    assert "Not Found: /links/[redacted]" in output
    assert gone.token not in output


def test_login_through_gunicorn_logs_no_password_or_session(logs, account):
    user = UserFactory(username="gina", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    status, headers, body = logs.request("GET", "/accounts/login/")
    cookies = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookies.load(value)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken'].value}"}

    wrong = logs.request(
        "POST",
        "/accounts/login/",
        headers=form,
        body=urlencode({"username": "gina", "password": PASSWORD[::-1], "csrfmiddlewaretoken": token}),
    )
    right = logs.request(
        "POST",
        "/accounts/login/",
        headers=form,
        body=urlencode({"username": "gina", "password": PASSWORD, "csrfmiddlewaretoken": token}),
    )
    for name, value in right[1]:
        if name.lower() == "set-cookie":
            cookies.load(value)
    session = cookies["sessionid"].value
    record(session, "session key")  # made in gunicorn's process, not this one
    record(PASSWORD[::-1], "password")
    dashboard = logs.request("GET", "/", headers={"Cookie": f"sessionid={session}"})

    assert (status, wrong[0], right[0], dashboard[0]) == (200, 200, 302, 200)
    access = logs.wait_for_access_lines(4)
    assert PASSWORD not in access
    assert session not in access


@pytest.mark.leaks_secrets
def test_a_session_key_in_a_query_string_reaches_the_access_log_and_is_found(logs, client):
    """The access log does print query strings: the search of its file must find a secret put there."""
    client.force_login(UserFactory())
    key = client.session.session_key

    logs.request("GET", f"/healthz?leak={key}")

    assert key in logs.wait_for_access_lines(1)
