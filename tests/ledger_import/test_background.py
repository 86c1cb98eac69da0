"""Imports in the background: a real worker runs the admin's upload; a write that stops half-way leaves nothing."""

from __future__ import annotations

import signal
import time
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from reporting.ledger_import import LedgerImportError, import_ledger, writing
from reporting.models import BalanceTransaction, Door, ImportBusy, ImportJob
from tests.factories import UserFactory

from .big import big_csv, start_import, wait_for_writing
from .conftest import BALANCE_CSV, ledger_state
from .test_admin_upload import IMPORT_URL

pytestmark = pytest.mark.django_db


def wait_for_job(timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get()
        if job.is_terminal:
            return job
        time.sleep(0.1)
    raise AssertionError(f"the import did not end within {timeout}s")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_a_real_worker_and_its_page_shows_the_result(admin_client, fresh, celery_worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        reverse(IMPORT_URL),
        {"account": fresh.pk, "mode": "test", "file": SimpleUploadedFile("big.csv", big_csv(3000).encode())},
    )
    job = wait_for_job()
    page = admin_client.get(response.url).content.decode()

    assert response.status_code == 302
    assert (job.status, job.rows_read, job.rows_written, job.percent) == ("succeeded", 3000, 3000, 100)
    assert BalanceTransaction.objects.filter(account=fresh).count() == 3000
    assert "3000 added, 0 already in the ledger (skipped)." in page
    recent = admin_client.get(reverse(IMPORT_URL)).content.decode()
    assert reverse(f"{IMPORT_URL}_job", args=[job.pk]) in recent


def test_the_page_of_a_running_import_polls_its_progress(admin_client, fresh):
    job = ImportJob.objects.create(
        account=fresh, door=Door.ADMIN, filename="big.csv", size=1000, status="running", phase="reading", bytes_read=500
    )
    url = reverse(f"{IMPORT_URL}_job", args=[job.pk])

    page = admin_client.get(url).content.decode()
    partial = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'http-equiv="refresh"' in page  # without JavaScript, the page reloads itself
    assert partial.lstrip().startswith('<div id="import-status"')  # the status block alone
    assert 'hx-trigger="every 1s"' in partial
    assert "Reading the file" in partial
    assert 'value="25"' in partial


def test_staff_see_only_the_imports_of_accounts_they_administer(client, fresh):
    job = ImportJob.objects.create(account=fresh, door=Door.ADMIN, filename="x.csv")
    user = UserFactory(is_staff=True, is_superuser=False)
    client.force_login(user)

    assert client.get(reverse(f"{IMPORT_URL}_job", args=[job.pk])).status_code == 403


@pytest.mark.parametrize("failing_chunk", [1, 3])
def test_a_write_that_fails_half_way_leaves_the_ledger_as_it_was(fresh, monkeypatch, failing_chunk):
    monkeypatch.setattr(writing, "CHUNK", 1)  # one row per write transaction
    monkeypatch.setattr(writing, "PAUSE", 0)
    calls = {"n": 0}
    insert = writing.insert_rows

    def failing(model, rows):
        calls["n"] += 1
        if calls["n"] == failing_chunk:
            raise OSError(28, "No space left on device")
        insert(model, rows)

    before = ledger_state()
    with mock.patch.object(writing, "insert_rows", failing), pytest.raises(OSError, match="No space left"):
        import_ledger(BALANCE_CSV, account=fresh, livemode=False, door=Door.CLI)

    assert ledger_state() == before
    job = ImportJob.objects.get()
    assert (job.status, job.problems) == ("failed", ["An internal error stopped the import; nothing was imported."])


def test_a_second_import_of_the_same_account_and_mode_waits_its_turn(fresh):
    running = ImportJob.objects.create(account=fresh, door=Door.ADMIN, status="running")

    with pytest.raises(ImportBusy, match="Another import into this account's test mode"):
        import_ledger(BALANCE_CSV, account=fresh, livemode=False, door=Door.CLI)
    import_ledger(BALANCE_CSV, account=fresh, livemode=True, door=Door.CLI)  # the other mode is free

    assert ImportJob.objects.get(pk=running.pk).status == "running"
    assert not BalanceTransaction.objects.filter(livemode=False).exists()
    assert BalanceTransaction.objects.filter(livemode=True).count() == 4


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_while_writing_is_undone_by_the_next_one(fresh, tmp_path, settings):
    path = tmp_path / "big.csv"
    path.write_text(big_csv(20000))
    before = ledger_state()
    process = start_import(path, fresh.id)
    killed = wait_for_writing(process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = BalanceTransaction.objects.filter(account=fresh).count()

    # Its heartbeat is stale at once for this test: the next import of the account takes over.
    settings.IMPORT_STALE_AFTER = 0
    with pytest.raises(LedgerImportError):
        import_ledger("not,a,ledger\n", account=fresh, livemode=False, door=Door.CLI)

    killed.refresh_from_db()
    assert killed.status == "failed"
    assert "its worker was lost" in killed.problems[0]
    assert ledger_state()[:4] == before[:4]  # rows, payouts, daily totals, watermark as before
    if connection.vendor == "sqlite":
        assert partial > 0  # chunks were committed before the kill, and undone
    else:
        assert partial == 0  # one transaction, which died with the process
