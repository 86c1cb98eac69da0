"""Where each test's report files live: a directory of its own, or with REPORT_TEST_STORAGE=s3 a prefix of its own
in a real S3 server (SeaweedFS, started once for the run).

.ci/run sets REPORT_TEST_STORAGE=s3 on its PostgreSQL leg, so the runs, downloads, file
links, the stripe client and the browser meet a real bucket there and the local disk on
the SQLite leg. On the S3 leg the test's AWS_* variables are in the environment too, so
the worker and web processes a test starts (they build their settings from it, as in
production) share its prefix.

A test about the local disk itself (a full or read-only disk, file modes) is marked
`local_storage` and keeps a directory on both legs. Tests look at stored files through
`report_files`, which answers the same on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from reporting.models import report_storage
from tests import log_secrets
from tests.s3 import SECRET, S3Server, seaweedfs

KINDS = ("local", "s3")
KIND = os.environ.get("REPORT_TEST_STORAGE") or "local"
if KIND not in KINDS:
    raise pytest.UsageError(f"REPORT_TEST_STORAGE must be one of {', '.join(KINDS)} (or unset), not {KIND!r}")


def pytest_report_header() -> str:
    where = "SeaweedFS, a prefix per test" if KIND == "s3" else "the local disk, a directory per test"
    return f"report files (REPORT_TEST_STORAGE={KIND}): {where}; tests marked local_storage keep the disk"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """SeaweedFS on free ports, once for the run (about 5 s to start)."""
    log_secrets.record(SECRET, "S3 secret key")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@dataclass(frozen=True)
class ReportFiles:
    """This test's report storage: a directory (`root`), or a prefix (`location`) in the S3 server's bucket."""

    kind: str
    root: Path | None = None
    server: S3Server | None = None
    location: str = ""

    def names(self) -> list[str]:
        """Every stored file's name, through the storage API (what the code under test sees)."""
        store = report_storage()
        found: list[str] = []

        def walk(directory: str) -> None:
            try:
                directories, files = store.listdir(directory)
            except FileNotFoundError:  # a directory no file was ever saved to
                return
            found.extend(f"{directory}{name}" for name in files)
            for name in directories:
                walk(f"{directory}{name}/")

        walk("")
        return sorted(found)

    def environment(self) -> dict[str, str]:
        """The variables that give a process the test starts this storage (on the S3 leg, already in os.environ)."""
        if self.server is not None:
            return self.server.environment(self.location)
        return {"REPORT_FILES_ROOT": str(self.root)}

    def holds(self, name: str) -> bool:
        """Whether `name` is stored where this leg keeps files, asked of the disk or the bucket directly."""
        if self.server is not None:
            try:
                self.server.client().head_object(Bucket=self.server.bucket, Key=f"{self.location}/{name}")
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "404":
                    return False
                raise
            return True
        assert self.root is not None
        return (self.root / name).is_file()


@pytest.fixture
def report_files(
    request: pytest.FixtureRequest, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ReportFiles:
    """Every test's report storage (tests/conftest.py's settings ask for it); request it to look at the files."""
    if KIND == "s3" and request.node.get_closest_marker("local_storage") is None:
        server: S3Server = request.getfixturevalue("s3_server")
        location = f"test-{uuid.uuid4().hex[:12]}"
        settings.STORAGES = {**settings.STORAGES, "reports": server.storage(location)}
        for name, value in server.environment(location).items():
            monkeypatch.setenv(name, value)
        return ReportFiles("s3", server=server, location=location)
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return ReportFiles("local", root=root)
