"""`make cluster`: the service as hosts that share no disk run it, on this machine.

Each process has a VAR_DIR of its own under var/cluster/ (CLUSTER_DIR), as if each ran on
a host of its own: web, worker-1, worker-2 and beat; SeaweedFS (reporting/embedded_s3.py)
keeps its bucket in s3/. They share only what separate hosts can reach: PostgreSQL and
Redis over TCP (DATABASE_URL and REDIS_URL, both required) and the bucket, where report
files go (README "Report files in S3"). The web's side migrates and loads the demo once,
before the web starts. Ctrl-C stops everything. The commands, the supervisor and the stop
are config/processes.py's, shared with `make run`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import environ
import redis

from config.processes import (
    Child,
    beat_command,
    interrupt_on_signals,
    kept_secret,
    print_banner,
    stop,
    supervise,
    web_command,
    worker_command,
)
from reporting import embedded_s3

BASE_DIR = Path(__file__).resolve().parent.parent
CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR", BASE_DIR / "var" / "cluster"))
WORKERS = ("worker-1", "worker-2")
# SeaweedFS spends 15 s stopping politely (its filer waits that long for the S3 gateway's open
# stream, then stops anyway), and has nothing to save meanwhile: what it acknowledged is already in
# its files (an object put just before a SIGKILL reads back after a restart). So it is not waited for.
S3_STOP_GRACE = 0.0


class ClusterError(Exception):
    """A setting the cluster cannot run with; the message says which, and why."""


def check_database_url(url: str) -> None:
    example = "e.g. DATABASE_URL=postgres://user@db.example:5432/reporting"
    if not url:
        raise ClusterError(f"DATABASE_URL is required: a PostgreSQL server that every host reaches over TCP, {example}")
    try:
        database = environ.Env.db_url_config(url)
    except Exception as error:  # the message names the scheme, never the URL's password
        raise ClusterError(f"DATABASE_URL is not a database URL ({error}), {example}") from None
    if "sqlite" in database["ENGINE"] or "spatialite" in database["ENGINE"]:
        raise ClusterError(
            f"DATABASE_URL names SQLite, a file on one host's disk that the other hosts cannot share: "
            f"give a PostgreSQL server, {example}"
        )
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ClusterError(f"DATABASE_URL must name PostgreSQL (postgres://...), {example}")
    host = str(database.get("HOST") or "")
    if not host or host.startswith("/") or host.lower().startswith("%2f"):
        raise ClusterError(
            f"DATABASE_URL must name a host: a unix socket cannot be reached from other hosts, {example}"
        )


def check_redis_url(url: str) -> None:
    example = "e.g. REDIS_URL=redis://redis.example:6379/0"
    if not url:
        raise ClusterError(f"REDIS_URL is required: a Redis server that every host reaches over TCP, {example}")
    if not url.startswith(("redis://", "rediss://")):
        raise ClusterError(f"REDIS_URL must be redis:// or rediss:// (TCP), which other hosts can reach, {example}")
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:  # says host and port, never the URL's password
        raise ClusterError(f"REDIS_URL does not answer: {error}") from None
    finally:
        client.close()


def shared_environment(base: Mapping[str, str], cluster_dir: Path) -> dict[str, str]:
    """What every process gets: `base` with the checked URLs, config.settings, one secret key, plain HTTP."""
    check_database_url(base.get("DATABASE_URL", ""))
    check_redis_url(base.get("REDIS_URL", ""))
    # Owner-only: the secret key and SeaweedFS's credentials live under it.
    cluster_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return {
        # Report storage is the cluster's own bucket (added per process): none of the caller's AWS_* settings.
        **{name: value for name, value in base.items() if not name.startswith("AWS_")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # One key for all: a session or a signed value made by one process is read by another.
        "DJANGO_SECRET_KEY": base.get("DJANGO_SECRET_KEY") or kept_secret(cluster_dir / "secret_key"),
        # Plain HTTP on 127.0.0.1, as `make run`: no HTTPS redirect, cookies without the Secure flag.
        "DJANGO_SECURE_SSL_REDIRECT": base.get("DJANGO_SECURE_SSL_REDIRECT", "false"),
        "DJANGO_SECURE_COOKIES": base.get("DJANGO_SECURE_COOKIES", "false"),
    }


@dataclass
class Cluster:
    dir: Path
    url: str
    s3: embedded_s3.S3Endpoint
    environment: dict[str, str]  # shared by all, before each one's VAR_DIR and bucket
    children: list[Child]  # SeaweedFS, the workers, beat, web

    def var_dir(self, name: str) -> Path:
        return self.dir / name

    def environment_of(self, name: str) -> dict[str, str]:
        return {**self.environment, **self.s3.environment(), "VAR_DIR": str(self.var_dir(name))}

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)


def prepare(environment: Mapping[str, str], *, demo_rows: int | None, logs: Path | None) -> None:
    """Migrate, collect the static files and load the demo, in one process (one Django start, not three)."""
    rows = "" if demo_rows is None else f", rows={demo_rows}"
    code = (
        "import django; django.setup(); from django.core.management import call_command as c; "
        "c('migrate', interactive=False, verbosity=0); c('collectstatic', interactive=False, verbosity=0); "
        f"c('load_demo'{rows})"
    )
    output = _log_file(logs, "setup")
    try:
        args = [sys.executable, "-c", code]
        done = subprocess.run(args, cwd=BASE_DIR, env=environment, stdout=output, stderr=output, check=False)
    finally:
        if output is not None:
            output.close()
    if done.returncode:
        where = "above" if logs is None else f"in {logs / 'setup.log'}"
        raise RuntimeError(f"setting up the database failed (exit {done.returncode}; its output is {where})")


def start(
    cluster_dir: Path,
    base: Mapping[str, str],
    *,
    port: int,
    concurrency: int = 2,
    demo_rows: int | None = None,
    logs: Path | None = None,
) -> Cluster:
    """Set the database up and start SeaweedFS, then the workers and beat, then the web; return once it is healthy.

    Each process's output goes to `logs`/<name>.log, or to ours with its name before each line.
    A bad DATABASE_URL or REDIS_URL raises ClusterError before anything starts.
    """
    environment = shared_environment(base, cluster_dir)
    children: list[Child] = []
    try:
        # The database is set up while SeaweedFS comes up (seconds), and the workers and beat
        # start as soon as the bucket answers: they touch the database only for tasks, which
        # come once the web is up, and the web starts once the database is set up.
        with ThreadPoolExecutor(1) as pool:
            web_side = {**environment, "VAR_DIR": str(cluster_dir / "web")}
            setup = pool.submit(prepare, web_side, demo_rows=demo_rows, logs=logs)
            try:
                s3_process, s3 = embedded_s3.start(cluster_dir / "s3", secret_key=secrets.token_urlsafe(32))
                children.append(Child("s3", s3_process))
                cluster = Cluster(cluster_dir, f"http://127.0.0.1:{port}", s3, environment, children)
                for name in WORKERS:
                    # Named, so each says who it is (logs, celery inspect); without -Q it takes every queue.
                    command = worker_command("--hostname", f"{name}@%h", concurrency=concurrency)
                    _launch(cluster, name, command, logs)
                _launch(cluster, "beat", beat_command(cluster.var_dir("beat") / "celerybeat-schedule"), logs)
            finally:
                setup.result()
        _launch(cluster, "web", web_command(port, environment), logs)
        _wait_healthy(cluster)
        return cluster
    except BaseException:
        stop_all(children)
        raise


def stop_all(children: list[Child]) -> None:
    """Web, workers and beat together (a worker finishing its task still reaches the bucket), the bucket last."""
    stop([child.process for child in children if child.name != "s3"])
    stop([child.process for child in children if child.name == "s3"], grace=S3_STOP_GRACE)


def _launch(cluster: Cluster, name: str, command: list[str], logs: Path | None) -> None:
    environment = cluster.environment_of(name)
    Path(environment["VAR_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    log = _log_file(logs, name)
    output = subprocess.PIPE if log is None else log
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    if log is None:
        assert process.stdout is not None
        threading.Thread(target=_prefix_lines, args=(name, process.stdout), daemon=True).start()
    else:
        log.close()  # the child has its own copy
    cluster.children.append(Child(name, process))


def _log_file(logs: Path | None, name: str) -> IO[bytes] | None:
    if logs is None:
        return None
    logs.mkdir(parents=True, exist_ok=True)
    return (logs / f"{name}.log").open("ab")


_output = threading.Lock()


def _prefix_lines(name: str, stream: IO[bytes]) -> None:
    """Copy a child's output to ours, each line after the child's name: five processes share one terminal."""
    prefix = f"{name:<8} | ".encode()
    for line in stream:
        with _output:
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()


def _wait_healthy(cluster: Cluster, timeout: float = 60) -> None:
    """Until /healthz answers 200: database, broker and bucket reached from the web's side."""
    web = cluster.child("web").process
    deadline = time.monotonic() + timeout
    while True:
        try:
            # Each web process's first probe of the bucket takes seconds while the rest start too.
            with urllib.request.urlopen(f"{cluster.url}/healthz", timeout=30):
                return
        except urllib.error.HTTPError as error:  # 503: the body says which check failed, in words
            answer = f"{error.code} {error.read().decode(errors='replace')[:500]}"
        except OSError as error:
            answer = str(error)
        if web.poll() is not None:
            raise RuntimeError(f"the web process exited ({web.returncode}) before answering")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{cluster.url}/healthz did not answer 200 within {timeout:.0f} s: {answer}")
        time.sleep(0.1)


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    try:
        cluster = start(CLUSTER_DIR, os.environ, port=port)
    except ClusterError as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"make cluster: {error}; everything it started is stopped", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    try:
        # The banner reads the demo's keys through Django, with the web's settings.
        os.environ.update(cluster.environment_of("web"))
        dirs = ", ".join(str(cluster.var_dir(child.name)) for child in cluster.children)
        print_banner(
            port, f"  One VAR_DIR each: {dirs}", f"  Report files: bucket {cluster.s3.bucket} at {cluster.s3.url}"
        )
        exited = supervise(cluster.children)
        print(f"  {exited.name} exited ({exited.process.returncode}): stopping everything", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(cluster.children)
    return 0


if __name__ == "__main__":
    interrupt_on_signals()
    sys.exit(main())
