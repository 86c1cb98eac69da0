"""`make cluster` (config/run_cluster.py): web, two workers and beat as separate processes, each with
a VAR_DIR of its own, sharing only PostgreSQL and Redis over TCP and a bucket in SeaweedFS.

The end-to-end test starts the stack with the script's own `start`, requests runs through the
web over HTTP as a client would, and downloads them after the worker that made one is gone
with its VAR_DIR: report files live in the bucket, never on a process's disk.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.conf import settings

from config import run_cluster
from reporting import embedded_redis
from reporting.demo import DEMO_TEST_SECRET
from reporting.models import File
from tests.test_serving import free_port
from tests.workers import database_url

POSTGRES = "postgres://postgres@db.example:5432/reporting"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("database", "broker", "refusal"),
    [
        ("", REDIS, "DATABASE_URL is required"),
        ("sqlite:///var/db.sqlite3", REDIS, "DATABASE_URL names SQLite, a file on one host's disk"),
        ("postgres:///reporting", REDIS, "DATABASE_URL must name a host: a unix socket"),
        ("mysql://user@db.example/reporting", REDIS, "DATABASE_URL must name PostgreSQL"),
        (POSTGRES, "", "REDIS_URL is required"),
        (POSTGRES, "redis+socket:///var/redis.sock", "REDIS_URL must be redis:// or rediss:// \\(TCP\\)"),
        (POSTGRES, "redis://:hunter2-secret@127.0.0.1:9/0", "REDIS_URL does not answer: .*127.0.0.1:9"),
    ],
)
def test_settings_other_hosts_cannot_share_are_refused_before_anything_starts(
    tmp_path: Path, database: str, broker: str, refusal: str
) -> None:
    with pytest.raises(run_cluster.ClusterError, match=refusal) as refused:
        run_cluster.start(tmp_path / "cluster", {"DATABASE_URL": database, "REDIS_URL": broker}, port=9)

    assert "hunter2" not in str(refused.value)
    assert not (tmp_path / "cluster").exists()


def test_make_cluster_says_what_is_missing_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run_cluster, "CLUSTER_DIR", tmp_path / "cluster")
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert run_cluster.main() == 2

    assert capsys.readouterr().err.startswith("make cluster: DATABASE_URL is required: a PostgreSQL server")
    assert not (tmp_path / "cluster").exists()


@pytest.fixture(scope="module")
def tcp_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's Redis when it is a server over TCP, else an embedded one on a TCP port."""
    url = os.environ.get("REDIS_URL", "")
    if url.startswith(("redis://", "rediss://")):
        yield url
        return
    port = free_port()
    process = embedded_redis.start(tmp_path_factory.mktemp("redis") / "redis.sock", persist=False, port=port)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


class Client:
    """The demo's test key against the cluster's web, over HTTP."""

    def __init__(self, cluster: run_cluster.Cluster) -> None:
        self.url = cluster.url
        self.session = requests.Session()
        self.session.auth = (DEMO_TEST_SECRET, "")

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.url + path, timeout=30)
        assert response.status_code == 200, response.text
        return response

    def run(self, report_type: str) -> dict[str, Any]:
        """Request a run of the whole demo ledger and wait for it to end."""
        available = self.get(f"/v1/reporting/report_types/{report_type}").json()
        interval = {
            "parameters[interval_start]": available["data_available_start"],
            "parameters[interval_end]": available["data_available_end"],
        }
        created = self.session.post(
            f"{self.url}/v1/reporting/report_runs", data={"report_type": report_type, **interval}, timeout=30
        )
        assert created.status_code == 200, created.text
        deadline = time.monotonic() + 60
        run = created.json()
        while run["status"] == "pending":
            assert time.monotonic() < deadline, f"{run['id']} still pending after 60 s"
            time.sleep(0.1)
            run = self.get(f"/v1/reporting/report_runs/{run['id']}").json()
        assert run["status"] == "succeeded", run["error"]
        return run

    def download(self, run: dict[str, Any]) -> bytes:
        return self.get(f"/v1/files/{run['result']['id']}/contents").content


def in_bucket(cluster: run_cluster.Cluster, run: dict[str, Any]) -> bytes:
    # AWS_LOCATION's default prefix, as the settings give it to every process.
    key = "reports/" + File.objects.get(pk=run["result"]["id"]).storage_name
    return cluster.s3.client().get_object(Bucket=cluster.s3.bucket, Key=key)["Body"].read()


def made_by(logs: Path, names: tuple[str, ...], runs: int) -> list[str]:
    """The workers whose logs say they ran report tasks, one name per task, once `runs` are logged."""
    deadline = time.monotonic() + 10
    while True:
        # Celery logs the end of a task just after the run's row says succeeded.
        found = [
            name
            for name in names
            for _ in re.findall(r"reporting\.tasks\.run_report\[[^]]+\] succeeded", (logs / f"{name}.log").read_text())
        ]
        if len(found) >= runs or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def assert_no_report_on_disk(cluster: run_cluster.Cluster, report: bytes) -> None:
    """No process's VAR_DIR holds a report: no local report storage was made, no file holds a row of one."""
    row = report.splitlines()[1]
    for name in ("web", *run_cluster.WORKERS, "beat"):
        var_dir = cluster.var_dir(name)
        # Local storage (REPORT_FILES_ROOT, $VAR_DIR/files) makes its directory on its first save
        # and nothing removes it: its absence says no report was ever written there.
        assert not (var_dir / "files").exists(), name
        for path in var_dir.rglob("*") if var_dir.exists() else ():
            assert not path.is_file() or row not in path.read_bytes(), path


@pytest.mark.postgresql  # SQLite is a file on one host's disk: the cluster refuses it
@pytest.mark.django_db(transaction=True)
def test_hosts_that_share_no_disk_lose_no_report_with_a_worker_and_its_var_dir(
    tmp_path: Path, tcp_redis_url: str, scanned_log: Any
) -> None:
    cluster_dir, logs = tmp_path / "cluster", tmp_path / "logs"
    for name in ("web", *run_cluster.WORKERS, "beat"):
        # setup.log is left out: load_demo prints the demo's keys, published on purpose.
        scanned_log(logs / f"{name}.log")
    environment = {
        # The test process's own settings and VAR_DIR stay here; the cluster makes its secret key.
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "VAR_DIR")},
        "DATABASE_URL": database_url(),
        "REDIS_URL": tcp_redis_url,
        "WEB_CONCURRENCY": "1",
    }
    # The suite's Redis may hold messages that earlier tests queued and never ran (and unacked ones that a
    # worker restores at start): the cluster's workers would run them too and muddle who made what.
    redis.Redis.from_url(tcp_redis_url).delete(
        *(queue.name for queue in settings.CELERY_TASK_QUEUES), "unacked", "unacked_index"
    )
    cluster = run_cluster.start(cluster_dir, environment, port=free_port(), concurrency=1, demo_rows=200, logs=logs)
    try:
        client = Client(cluster)
        names = ("web", *run_cluster.WORKERS, "beat")
        assert {cluster.environment_of(name)["DJANGO_SECRET_KEY"] for name in names} == {
            (cluster_dir / "secret_key").read_text()
        }

        first = client.run("balance_change_from_activity.itemized.1")
        stored = in_bucket(cluster, first)
        assert stored.count(b"\n") > 100  # the demo's rows, not an empty file
        assert client.download(first) == stored
        [maker] = made_by(logs, run_cluster.WORKERS, runs=1)
        assert_no_report_on_disk(cluster, stored)

        # The worker's host is gone, and the other worker's disk with it.
        os.killpg(cluster.child(maker).process.pid, signal.SIGKILL)
        cluster.child(maker).process.wait(timeout=10)
        for name in run_cluster.WORKERS:
            shutil.rmtree(cluster.var_dir(name))

        assert client.download(first) == stored
        # The other worker, its VAR_DIR gone, still makes reports: it needs no disk of its own.
        second = client.run("balance.summary.1")
        summary = in_bucket(cluster, second)
        assert client.download(second) == summary
        [survivor] = set(run_cluster.WORKERS) - {maker}
        assert sorted(made_by(logs, run_cluster.WORKERS, runs=2)) == sorted([maker, survivor])
        assert_no_report_on_disk(cluster, stored)
        assert_no_report_on_disk(cluster, summary)
    finally:
        run_cluster.stop_all(cluster.children)
