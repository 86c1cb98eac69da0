"""Larger files for the import's background, crash and concurrency tests, and running the command in a process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from reporting.models import ImportJob

from .conftest import BALANCE_HEADER, csv

ROOT = Path(__file__).resolve().parents[2]


def big_csv(rows: int, prefix: str = "txn_big_") -> str:
    """A balance file of `rows` charges in March 2025 (no payouts): each row its own id."""
    lines = [BALANCE_HEADER]
    for n in range(rows):
        second = n % 86400
        created = f"2025-03-{1 + n // 86400 % 28:02d} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        cents = 100 + n % 9900
        lines.append(
            [
                f"{prefix}{n}",
                created,
                created,
                "usd",
                f"{cents // 100}.{cents % 100:02d}",
                "0.00",
                f"{cents // 100}.{cents % 100:02d}",
                "charge",
                f"ch_{n}",
                f"Order {n}",
                None,
                None,
                None,
                None,
                f"cus_{n % 500}",
                "Jane",
            ]  # fmt: skip
        )
    return csv(*lines)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_import(path: Path, account_id: str, **env: str) -> subprocess.Popen[bytes]:
    """`manage.py import_ledger` in its own process, on the test database."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_ledger", "--account", account_id, str(path)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "DATABASE_URL": database_url(),
            # Its staging file where this process's settings look for it (the test's tmp_path).
            "IMPORT_FILES_ROOT": str(settings.IMPORT_FILES_ROOT),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_writing(process: subprocess.Popen[bytes], timeout: float = 60) -> ImportJob:
    """Wait until the process's import is writing; return its job.

    SQLite: its first chunks are committed. PostgreSQL writes in one transaction, whose
    progress no other connection sees: it is writing once its job says so (and a moment).
    """
    deadline = time.monotonic() + timeout
    sqlite = connection.vendor == "sqlite"
    while time.monotonic() < deadline:
        jobs = ImportJob.objects.filter(phase=ImportJob.Phase.WRITING)
        job = (jobs.filter(rows_written__gt=0) if sqlite else jobs).first()
        if job is not None:
            if not sqlite:
                time.sleep(0.3)
            return job
        if process.poll() is not None:
            raise AssertionError(f"the import ended before writing: {process.stdout.read().decode()}")
        time.sleep(0.05)
    raise AssertionError(f"the import did not start writing within {timeout}s")
