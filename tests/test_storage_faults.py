"""A full disk or a broken storage: the run fails saying so, no partial or empty file stays, /healthz tells.

The disk is real: a 64 KB tmpfs mounted for the test, so ENOSPC comes from the
kernel, part-way through a write, exactly as on a full volume (a mock would
only say where we think it fails). Mounting needs root, which CI has; elsewhere
the tests are skipped.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reporting import tasks
from reporting.models import File, ReportRun
from tests.factories import BalanceTransactionFactory, ReportRunFactory

# About the local disk (a real small tmpfs): on the S3 leg too (tests/report_storage.py).
pytestmark = [pytest.mark.django_db, pytest.mark.local_storage]

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
FULL = "Report storage is full. The report's file was not saved; please try again later."


@pytest.fixture
def disk(tmp_path) -> Iterator[Path]:
    """A real 64 KB filesystem."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=700", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a small tmpfs needs root (CI runs as root): {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.fixture
def storage_on(disk, settings) -> Path:
    """Report storage on the small disk; /healthz probes it afresh on every request."""
    files = disk / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(files)}},
    }
    settings.REPORT_STORAGE_PROBE_SECONDS = 0
    return files


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill the disk with a file of its own, to within `leave` bytes (rounded to pages)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        assert out.write(bytes(1 << 20)) < 1 << 20  # more than the disk holds: a short write
        with pytest.raises(OSError, match="No space left on device"):
            out.write(b"x")
    if leave:
        size = filler.stat().st_size
        filler.write_bytes(b"x" * max(0, size - leave))
    return filler


def files_in(storage: Path) -> list[Path]:
    return sorted(p for p in storage.rglob("*") if p.is_file())


def itemized_run(account, rows: int) -> ReportRun:
    for n in range(rows):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, tzinfo=UTC) + timedelta(minutes=n))
    return ReportRunFactory(
        account=account, report_type_id="balance_change_from_activity.itemized.1", parameters=SEPTEMBER
    )


def test_full_disk_fails_runs_saying_so_leaves_no_file_and_healthz_tells(account, disk, storage_on, client):
    filler = fill(disk)
    runs = [itemized_run(account, rows=3), itemized_run(account, rows=0)]

    for run in runs:
        tasks.run_report(run.pk)
    health = client.get("/healthz")

    assert [(r.status, r.error) for r in ReportRun.objects.order_by("created")] == [("failed", FULL)] * 2
    assert files_in(storage_on) == []  # neither a partial nor an empty file
    assert not File.objects.exists()
    assert health.status_code == 503
    assert health.json()["storage"] == "error: Report storage is full"

    filler.unlink()  # space again
    again = itemized_run(account, rows=0)
    tasks.run_report(again.pk)

    assert ReportRun.objects.get(pk=again.pk).status == "succeeded"
    assert client.get("/healthz").json()["storage"] == "ok"
    assert files_in(storage_on) == [storage_on / ReportRun.objects.get(pk=again.pk).result.storage_name]


def test_disk_filling_up_mid_write_leaves_no_partial_file(account, disk, storage_on):
    (storage_on / account.id).mkdir(parents=True)
    fill(disk, leave=8192)
    run = itemized_run(account, rows=150)  # about 40 KB of CSV

    tasks.run_report(run.pk)

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", FULL)
    assert files_in(storage_on) == []


def test_read_only_storage_fails_runs_with_its_own_error_and_healthz_tells(account, disk, storage_on, client):
    storage_on.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    run = itemized_run(account, rows=2)

    tasks.run_report(run.pk)
    health = client.get("/healthz")

    run.refresh_from_db()
    assert (run.status, run.error) == (
        "failed",
        "Report storage failed: Read-only file system. The report's file was not saved; please try again later.",
    )
    assert health.status_code == 503
    assert health.json()["storage"] == "error: Report storage failed: Read-only file system"


def test_a_full_temporary_disk_does_not_matter_the_file_goes_straight_to_storage(account, disk, monkeypatch, settings):
    fill(disk)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))  # the worker's TMPDIR: no room for a spooled copy
    run = itemized_run(account, rows=150)

    tasks.run_report(run.pk)

    run.refresh_from_db()
    assert (run.status, run.error, run.row_count) == ("succeeded", "", 150)
    assert run.result.size > 8192  # more than a full disk would take
    stored = Path(settings.STORAGES["reports"]["OPTIONS"]["location"])
    assert files_in(stored) == [stored / run.result.storage_name]
