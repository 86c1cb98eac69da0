"""Instance A: another running copy of the product, on its own SQLite database, serving the demo ledger.

It is migrated, loaded and served by real processes (`manage.py`, gunicorn), so
the sync under test (instance B, the test process) reaches it only over HTTP,
with the official client, as it would reach Stripe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting.demo import DEMO_ACCOUNT_ID, DEMO_TEST_SECRET
from tests.test_serving import BASE_DIR, free_port


@dataclass(eq=False)
class Upstream:
    url: str
    env: dict[str, str]
    var_dir: Path
    account_id: str = DEMO_ACCOUNT_ID
    secret: str = DEMO_TEST_SECRET
    _ledger: dict[str, list[Any]] | None = None

    def ledger(self) -> dict[str, list[Any]]:
        """A's test-mode ledger (tests.sources.ledger_dump), read in A's own process until A changes."""
        if self._ledger is None:
            self._ledger = json.loads(self.module("tests.sources.ledger_dump", self.account_id))
        return self._ledger

    def change(self, code: str) -> str:
        """Run code that changes A's ledger, in A's Django; return what it prints."""
        self._ledger = None
        return self.python(code)

    def python(self, code: str) -> str:
        """Run code in A's Django (its database), return what it prints."""
        return _run([sys.executable, "-c", f"import django; django.setup()\n{code}"], self.env)

    def module(self, module: str, *args: str) -> str:
        """Run a module as a script in A's environment, return what it prints."""
        return _run([sys.executable, "-m", module, *args], self.env)

    @contextmanager
    def rendering(self, specs: list[dict[str, Any]], out: Path) -> Iterator[None]:
        """Render the files on A while the block runs (B renders its own meanwhile); done when it ends."""
        request = json.dumps({"account": self.account_id, "livemode": False, "specs": specs})
        args = [sys.executable, "-m", "tests.sources.render", str(out)]
        process = subprocess.Popen(
            args, cwd=BASE_DIR, env=self.env, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdin is not None
        process.stdin.write(request)
        process.stdin.close()
        yield
        assert process.stderr is not None
        errors = process.stderr.read()
        if process.wait(timeout=120) != 0:
            raise RuntimeError(f"rendering on A failed ({process.returncode}):\n{errors[-3000:]}")

    def faults(self, *lines: str) -> None:
        (self.var_dir / "faults").write_text("".join(f"{line}\n" for line in lines))


@contextmanager
def upstream_instance(var_dir: Path, redis_url: str, *, rows: int) -> Iterator[Upstream]:
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sources.upstream_settings",
        "DATABASE_URL": f"sqlite:///{var_dir / 'a.sqlite3'}",
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    upstream = Upstream(f"http://127.0.0.1:{port}", env, var_dir)
    # One process for both (each Django start costs most of a second).
    upstream.python(
        f"from django.core.management import call_command as c\nc('migrate', verbosity=0)\nc('load_demo', rows={rows})"
    )
    args = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 (closed below, after the server)
    process = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(upstream.url, process)
        yield upstream
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("instance A did not answer /healthz")


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(args, cwd=BASE_DIR, env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[1:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout
