"""Step e: the API and the dashboard with 100k report runs: requests/s and latency under load
through gunicorn, and SQL queries per request (which must not grow with the runs)."""

from __future__ import annotations

import http.client
import random
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bench import loadgen
from bench.config import ITEMIZED, SUMMARY, BenchError
from bench.harness import interval

if TYPE_CHECKING:
    from bench.harness import Bench
    from reporting.models import Account, User


def make_runs(account: Account, key_id: int, user: User, n: int, rng: random.Random, offset: int) -> None:
    """Bulk-create `n` runs: 90% succeeded with a file (a tenth of those with a link), 5% failed, 5% pending."""
    from django.db import connection
    from django.utils import timezone

    from reporting.ids import ALPHABET
    from reporting.models import Door, File, FileLink, ReportRun

    now = timezone.now()
    types = [SUMMARY, ITEMIZED, "payouts.itemized.1"]

    def rid(prefix: str) -> str:
        return prefix + "".join(rng.choices(ALPHABET, k=24))

    for chunk_start in range(0, n, 5000):
        runs, files, links = [], [], []
        for i in range(chunk_start, min(n, chunk_start + 5000)):
            created = now - timedelta(seconds=(offset + i) * 300 + rng.randint(0, 299))
            end = datetime(created.year, created.month, 1, tzinfo=UTC)
            start = (end - timedelta(days=1)).replace(day=1)
            run = ReportRun(
                id=rid("frr_"),
                account=account,
                livemode=False,
                report_type_id=types[i % 3],
                parameters=interval(start, end),
                created=created,
                requested_by=user if i % 2 else None,
                requested_by_key_id=None if i % 2 else key_id,
                requested_via=Door.DASHBOARD if i % 2 else Door.API,
                enqueued_at=created,
                enqueue_count=1,
            )
            roll = rng.random()
            if roll < 0.90:
                file = File(
                    id=rid("file_"),
                    account=account,
                    livemode=False,
                    filename=f"{run.report_type_id}_{start:%Y-%m-%d}_{end - timedelta(days=1):%Y-%m-%d}.csv",
                    size=rng.randint(500, 50_000_000),
                    sha256="0" * 64,
                    storage_name=f"{account.id}/{run.id}.csv",
                    created=created + timedelta(seconds=2),
                    expires_at=created + timedelta(days=30),
                )
                files.append(file)
                if i % 10 == 0:
                    links.append(FileLink(id=rid("link_"), account=account, livemode=False, file=file, created=created))
                run.status = ReportRun.Status.SUCCEEDED
                run.result = file
                run.started_at = created + timedelta(milliseconds=50)
                run.finished_at = run.succeeded_at = created + timedelta(seconds=2)
                run.row_count = rng.randint(8, 100_000)
            elif roll < 0.95:
                run.status = ReportRun.Status.FAILED
                run.error = "An internal error stopped this report. It has been logged; please try again."
                run.started_at = created + timedelta(milliseconds=50)
                run.finished_at = created + timedelta(seconds=1)
            runs.append(run)
        File.objects.bulk_create(files, batch_size=1000)
        FileLink.objects.bulk_create(links, batch_size=1000)
        ReportRun.objects.bulk_create(runs, batch_size=1000)
        if connection.vendor == "postgresql":
            # PostgreSQL caches the plans of its foreign-key checks per session: planned while
            # reporting_file was tiny, each check would scan the whole table (quadratic time).
            # ANALYZE gives them statistics and invalidates the cached plans.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {File._meta.db_table}, {ReportRun._meta.db_table}")


def query_counts(secret: str, user: User, run_id: str) -> dict[str, int]:
    """Count the SQL queries of each endpoint's second request, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    api, dashboard = Client(), Client()
    dashboard.force_login(user)
    auth = {"Authorization": f"Bearer {secret}"}
    counts = {}
    for name, client, path, headers in (
        ("bare", api, f"/bench/bare/{run_id}", {}),
        ("by_id", api, f"/v1/reporting/report_runs/{run_id}", auth),
        ("list", api, "/v1/reporting/report_runs", auth),
        ("list100", api, "/v1/reporting/report_runs?limit=100", auth),
        ("dashboard", dashboard, "/", {}),
    ):
        client.get(path, headers=headers)  # first use: last_used_at, caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}")
        counts[name] = len(captured.captured_queries)
    return counts


def endpoints(bench: Bench) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from reporting.models import Account, ApiKey, Membership, ReportRun, User

    config = bench.config
    rng = random.Random(11)
    account = Account.objects.create(id="acct_benchapi", name="Bench API", created=datetime(2020, 1, 1, tzinfo=UTC))
    user = User.objects.create_user("bench", "bench@example.com", None, timezone="Europe/Berlin")
    Membership.objects.create(user=user, account=account, role=Membership.Role.ADMIN)
    key, secret = ApiKey.issue(account=account, livemode=False, name="bench")
    # A handful of runs first: the query counts must not change with 100k of them (nor with the page size).
    small = 15
    make_runs(account, key.pk, user, small, rng, offset=0)
    target = ReportRun.objects.filter(account=account, result__links__isnull=False).first()
    assert target is not None
    bench.m.queries["small"] = query_counts(secret, user, target.id)
    started = time.perf_counter()
    make_runs(account, key.pk, user, config.e_runs - small, rng, offset=small)
    bench.notes.append(
        f"e: {config.e_runs:,} report runs bulk-created in {time.perf_counter() - started:.1f} s "
        "(90% succeeded with a file, a tenth of those with a file link; 5% failed; 5% pending)."
    )
    if bench.vendor == "postgresql":  # as autovacuum would after 100k inserts; SQLite never analyzes
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    middle = (
        ReportRun.objects.filter(account=account, result__links__isnull=False)
        .order_by("-created")[config.e_runs // 20 :]
        .first()
    )
    assert middle is not None
    bench.m.queries["big"] = query_counts(secret, user, middle.id)
    dashboard = Client()
    dashboard.force_login(user)
    session = dashboard.cookies[settings.SESSION_COOKIE_NAME].value
    auth = {"Authorization": f"Bearer {secret}"}
    targets = {
        "bare": (f"/bench/bare/{middle.id}", {}),
        "by_id": (f"/v1/reporting/report_runs/{middle.id}", auth),
        "list": ("/v1/reporting/report_runs", auth),
        "dashboard": ("/", {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}),
    }
    for path, headers in targets.values():
        conn = http.client.HTTPConnection("127.0.0.1", bench.port, timeout=30)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise BenchError(f"GET {path} through gunicorn answered {response.status}")
    bench.wrk = loadgen.ensure_wrk()
    bench.load_generator = (
        f"{loadgen.wrk_version(bench.wrk)} (-t2 -c{config.e_connections})"
        if bench.wrk
        else f"Python threads (wrk unavailable), {config.e_connections} keep-alive connections"
    )
    # The bare view first and last: its mean is the yardstick, the two runs show the drift.
    for name, (path, headers) in [*targets.items(), ("bare_after", targets["bare"])]:
        bench.m.load[name] = measure(bench, path, headers, name)
    serving_modes(bench, targets["dashboard"])


# The serving stack before (sync workers, persistent connections) and as shipped (config/gunicorn.py).
SERVING = {
    "sync": {"GUNICORN_WORKER_CLASS": "sync", "DATABASE_POOL": "0", "CONN_MAX_AGE": "600"},
    "gevent": {},
}


def serving_modes(bench: Bench, target: tuple[str, dict[str, str]]) -> None:
    """Load the dashboard with sync workers, then the shipped gevent workers, then both again (best of two).

    gevent keeps slow clients from holding a worker (tests/test_serving.py);
    this measures what that costs a page under load. gunicorn is left running
    as shipped, as the steps after this one expect.
    """
    path, headers = target
    try:
        for name in [*SERVING, *SERVING]:
            bench.start_web(SERVING[name])
            result = measure(bench, path, headers, f"dashboard, {name} workers")
            if name not in bench.m.serving or result.p99_ms < bench.m.serving[name].p99_ms:
                bench.m.serving[name] = result
    finally:
        bench.start_web()


def measure(bench: Bench, path: str, headers: dict[str, str], name: str) -> loadgen.Load:
    """Load `path` for 2 s (warm-up: connections, caches), then for the step's seconds; return the second load."""
    load(bench, path, headers, 2)
    result = load(bench, path, headers, bench.config.e_seconds)
    if result.errors:
        raise BenchError(f"GET {path} ({name}): {result.errors} of {result.requests} requests failed under load")
    print(f"[bench]   {name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
    return result


def load(bench: Bench, path: str, headers: dict[str, str], seconds: int) -> loadgen.Load:
    connections = bench.config.e_connections
    if bench.wrk:
        url = f"http://127.0.0.1:{bench.port}{path}"
        return loadgen.run_wrk(bench.wrk, url, headers, seconds=seconds, connections=connections)
    return loadgen.run_python("127.0.0.1", bench.port, path, headers, seconds=seconds, connections=connections)
