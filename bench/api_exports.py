"""Step h: the whole itemized export requested through the API, from POST to `succeeded`, with the
file stored on the local disk and in S3 (SeaweedFS on this machine), against step a's raw baseline."""

from __future__ import annotations

import http.client
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench import procs
from bench.config import ITEMIZED
from bench.harness import interval
from bench.latency import run_to_the_end

if TYPE_CHECKING:
    from bench.harness import Bench
    from reporting.embedded_s3 import S3Endpoint

STORAGES = ("local", "s3")


def api_exports(bench: Bench) -> None:
    from reporting import embedded_s3

    repeats = 1 if bench.config.smoke else 2
    for storage in STORAGES:
        env = bench.child_env()
        s3 = None
        if storage == "s3":
            s3 = embedded_s3.start(bench.var_dir / "s3", secret_key="bench-only-s3-secret")
            env |= s3[1].environment() | {"AWS_LOCATION": "bench"}
        try:
            # One worker process, as step a's one export process; the storage is the worker's setting.
            bench.stop_service("celery")
            log = bench.var_dir / "logs" / f"celery-{storage}.log"
            bench.services["celery"] = procs.start_celery(1, log, env)
            for built in bench.ledgers.values():
                timed = []
                # An untimed first run: the worker's start-up, and this ledger into the caches.
                for _ in range(1 + repeats):
                    seconds, name = _submit_and_wait(bench, built.account_id)
                    timed.append(seconds)
                    _discard(name, s3[1] if s3 else None)  # 100+ MB at 1M rows
                best = min(timed[1:])
                bench.m.api_exports.setdefault(built.label, {})[storage] = best
                print(f"[bench]   {built.label} {storage}: {built.rows:,} rows, POST → succeeded in {best:.2f} s")
        finally:
            bench.stop_service("celery")
            if s3 is not None:
                s3[0].kill()
                s3[0].wait(timeout=30)


def _submit_and_wait(bench: Bench, account_id: str) -> tuple[float, str]:
    """POST the whole-ledger itemized run, GET it until it ends: seconds from POST to succeeded,
    and the file's storage name."""
    from reporting.models import File

    start, end = bench.availability(account_id)
    body = urlencode({"report_type": ITEMIZED, **{f"parameters[{k}]": v for k, v in interval(start, end).items()}})
    conn = http.client.HTTPConnection("127.0.0.1", bench.port, timeout=30)
    secret = bench.keys[account_id]
    # Polled often enough to miss the end by at most 1% (20 ms at first), rarely enough that the
    # polls cost the export nothing: gunicorn, Redis and the database share its cores.
    seconds, _, run = run_to_the_end(
        conn,
        secret,
        body,
        timeout=1800,
        pause=lambda elapsed: min(0.25, max(0.02, elapsed / 100)),
        check=bench.services["celery"].check,
    )
    conn.close()
    return seconds, File.objects.get(pk=run["result"]["id"]).storage_name


def _discard(name: str, s3: S3Endpoint | None) -> None:
    from reporting.models import report_storage

    if s3 is None:
        report_storage().delete(name)
    else:
        s3.client().delete_object(Bucket=s3.bucket, Key=f"bench/{name}")
