"""Instance A: another running copy of the product, on its own SQLite database, serving the demo ledger.

It is migrated, loaded and served by real processes (a Django shell of its own,
gunicorn), so the sync under test (instance B, the test process) reaches it
only over HTTP, with the official client, as it would reach Stripe.
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
    var_dir: Path
    shell: subprocess.Popen[str]  # tests.sources.a_shell, in A's environment
    account_id: str = DEMO_ACCOUNT_ID
    secret: str = DEMO_TEST_SECRET
    _ledger: dict[str, list[Any]] | None = None

    def ledger(self) -> dict[str, list[Any]]:
        """A's test-mode ledger (tests.sources.ledger_dump), read in A's own process until A changes."""
        if self._ledger is None:
            code = (
                f"import json\nfrom tests.sources.ledger_dump import dump\nprint(json.dumps(dump({self.account_id!r})))"
            )
            self._ledger = json.loads(self.python(code))
        return self._ledger

    def change(self, code: str) -> str:
        """Run code that changes A's ledger, in A's Django; return what it prints."""
        self._ledger = None
        return self.python(code)

    def python(self, code: str) -> str:
        """Run code in A's Django (its database) and return what it printed."""
        self._send(code)
        return self._answer()

    @contextmanager
    def rendering(self, specs: list[dict[str, Any]], out: Path) -> Iterator[None]:
        """Render the files on A while the block runs (B renders its own meanwhile); done when it ends."""
        self._send(
            "from pathlib import Path\nfrom tests.sources.render import render\n"
            f"render({self.account_id!r}, False, {specs!r}, Path({str(out)!r}))"
        )
        yield
        self._answer()

    def faults(self, *lines: str) -> None:
        (self.var_dir / "faults").write_text("".join(f"{line}\n" for line in lines))

    def _send(self, code: str) -> None:
        assert self.shell.stdin is not None
        self.shell.stdin.write(json.dumps(code) + "\n")
        self.shell.stdin.flush()

    def _answer(self) -> str:
        assert self.shell.stdout is not None
        answer = json.loads(self.shell.stdout.readline() or '{"error": "A\'s shell has ended"}')
        if "error" in answer:
            raise RuntimeError(f"on A:\n{answer['error'][-3000:]}")
        return str(answer["out"])


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
    shell_args = [sys.executable, "-m", "tests.sources.a_shell"]
    shell = subprocess.Popen(
        shell_args, cwd=BASE_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    upstream = Upstream(f"http://127.0.0.1:{port}", var_dir, shell)
    args = [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 (closed below, after the server)
    try:
        upstream.python(
            f"from django.core.management import call_command as c\nc('migrate', verbosity=0)\nc('load_demo', rows={rows})"
        )
        process = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(upstream.url, process)
            yield upstream
        finally:
            process.terminate()
            process.wait(timeout=20)
    finally:
        assert shell.stdin is not None
        shell.stdin.close()
        shell.wait(timeout=20)
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
