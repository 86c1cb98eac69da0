from __future__ import annotations

import json
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


def test_a_bucket_name_puts_report_files_in_s3_with_django_storages_names():
    code = "import json, config.settings as s; print(json.dumps([s.STORAGES['reports'], s.REPORT_DOWNLOADS]))"
    env = {
        "DJANGO_SECRET_KEY": "x" * 50,
        "AWS_STORAGE_BUCKET_NAME": "finance-reports",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_S3_REGION_NAME": "eu-west-1",
        "REPORT_DOWNLOADS": "redirect",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)
    storage, downloads = json.loads(done.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "finance-reports"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert storage["OPTIONS"]["region_name"] == "eu-west-1"
    assert downloads == "redirect"
    refused = import_settings(DJANGO_SECRET_KEY="x" * 50, REPORT_DOWNLOADS="teleport")
    assert "REPORT_DOWNLOADS must be stream or redirect" in refused.stderr


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
