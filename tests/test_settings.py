from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from reporting.models import BalanceTransaction, ReportRun
from tests.factories import BalanceTransactionFactory

ROOT = Path(__file__).resolve().parent.parent


def import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_settings_refuse_to_start_without_secret_key():
    result = import_settings()

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_start_with_secret_key():
    assert import_settings(DJANGO_SECRET_KEY="x" * 50).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_long_read_does_not_block_a_writer(account):
    """A report streaming the ledger must not lock the web process out (WAL on SQLite)."""
    BalanceTransactionFactory.create_batch(3, account=account)
    reading, written = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def long_report():
        try:
            rows = BalanceTransaction.objects.values_list("id", flat=True).iterator(chunk_size=1)
            next(rows)  # a read is in progress, its cursor open
            reading.set()
            written.wait(timeout=10)
            list(rows)
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    reader = threading.Thread(target=long_report)
    reader.start()
    assert reading.wait(timeout=10)

    run = ReportRun.objects.create(account=account, report_type_id="balance.summary.1")
    written.set()
    reader.join(timeout=10)

    assert ReportRun.objects.filter(pk=run.pk).exists()
    assert errors == []


@pytest.mark.django_db
def test_database_connection_options():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    else:
        assert connection.settings_dict["CONN_MAX_AGE"] > 0
