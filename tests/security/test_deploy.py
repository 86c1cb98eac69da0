"""Production settings pass `manage.py check --deploy`; `make run` relaxes only what plain HTTP needs; local files are private."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from config import run_local
from reporting.models import report_storage

ROOT = Path(__file__).resolve().parent.parent.parent
STRONG_SECRET = "p" + "7Hq2-xK9w!Lr4zV0mN8sB3cT6yF1dJ5gQ" * 2


def run(args, tmp_path, **env):
    """A fresh process with the production settings: only what the README's production section sets."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_ALLOWED_HOSTS="reporting.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # One silenced: security.W021 (HSTS preload), see config/settings.py.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_make_run_settings_are_for_plain_http_only(tmp_path):
    """What config/run_local.py sets turns off exactly the HTTPS settings, which check --deploy then names."""
    result = run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        DJANGO_SECRET_KEY=STRONG_SECRET,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
    )

    warnings = set(re.findall(r"\(security\.W\d+\)", result.stderr))
    assert {w.strip("()") for w in warnings} == {"security.W008", "security.W012", "security.W016"}, result.stderr


def test_local_files_are_the_owners_only(tmp_path):
    """SQLite and its WAL files, the var directory, the secret key of `make run` (each made by the real code)."""
    probe = (
        "import django, json, os, pathlib; django.setup();"
        "from django.db import connection; cursor = connection.cursor();"
        "cursor.execute('CREATE TABLE t (x int)'); cursor.execute('INSERT INTO t VALUES (1)');"
        "var = pathlib.Path(os.environ['VAR_DIR']);"
        "print(json.dumps({p.name: oct(p.stat().st_mode & 0o777) for p in [var, *var.iterdir()]}))"
    )
    result = run(["-c", probe], tmp_path, DJANGO_SECRET_KEY=STRONG_SECRET)
    assert result.returncode == 0, result.stderr
    modes = json.loads(result.stdout.splitlines()[-1])

    assert modes == {"var": "0o700", "db.sqlite3": "0o600", "db.sqlite3-wal": "0o600", "db.sqlite3-shm": "0o600"}


def test_make_runs_secret_key_file_is_the_owners_only(tmp_path, monkeypatch):
    monkeypatch.setattr(run_local, "VAR_DIR", tmp_path)

    key = run_local.local_secret_key()

    assert len(key) > 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert run_local.local_secret_key() == key  # kept


@pytest.mark.django_db
@pytest.mark.local_storage  # file modes: a bucket has none (its own policy rules)
def test_report_files_and_their_directories_are_the_owners_only(account):
    from reporting import tasks
    from tests.factories import ReportRunFactory

    run = ReportRunFactory(
        account=account,
        report_type_id="balance.summary.1",
        parameters={"interval_start": 1756684800, "interval_end": 1759276800},
    )

    tasks.run_report(run.pk)  # as the worker writes it

    run.refresh_from_db()
    path = Path(report_storage().path(run.result.storage_name))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    other = Path(report_storage().path(report_storage().save("elsewhere/x.csv", ContentFile(b"x"))))
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
